using System.Diagnostics;
using Accel.Execution;
using Accel.Kernels;
using Accel.Kernels.ML;
using Accel.Vectorized;

namespace Accel.ML.Recommendation;

/// <summary>Which path ran one training stage, why the others did not, and how long it took.</summary>
/// <param name="Stage">The stage ("normal equations", "cholesky solve", "nnls solve").</param>
/// <param name="Path">The path that ran it.</param>
/// <param name="NotTaken">For every other path, why it was not taken.</param>
/// <param name="Detail">How it ran (vector width and threads, or the device).</param>
public sealed record AlsStageReport(string Stage, ExecPath Path, IReadOnlyDictionary<ExecPath, string> NotTaken, string Detail)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Stage}: path={Path.ToString().ToLowerInvariant()} [{Detail}]" +
        (NotTaken.Count == 0 ? "" : " (" + string.Join("; ", NotTaken.Select(kv => $"{kv.Key.ToString().ToLowerInvariant()}: {kv.Value}")) + ")");
}

/// <summary>The outcome of training: factors (n x k row-major, dense-index order) and the path report.</summary>
public sealed record AlsTrainingResult(double[] UserFactors, double[] ItemFactors, IReadOnlyList<AlsStageReport> Stages, TimeSpan Elapsed);

/// <summary>Alternating least squares over a <see cref="RatingMatrix"/>: picks the path, initializes the
/// factors as Spark does (Gaussian, each vector scaled to unit norm; absolute values when non-negative), then
/// alternates item and user half-steps (items first, as Spark does).</summary>
public static class AlsTrainer
{
    private const int StreamUserInit = 11, StreamItemInit = 12;

    /// <summary>Trains for <paramref name="maxIter"/> iterations on the path named by <paramref name="path"/>
    /// (auto, gpu, simd or scalar; a forced path that cannot run is an error naming the reason).</summary>
    public static AlsTrainingResult Train(RatingMatrix m, AlsProblem p, int maxIter, long seed, string path = "auto")
    {
        if (p.Rank < 1) throw new AccelException($"ALS rank must be at least 1, got {p.Rank}");
        if (maxIter < 0) throw new AccelException($"ALS maxIter must be at least 0, got {maxIter}");
        var sw = Stopwatch.StartNew();
        var (chosen, notTaken) = ChoosePath(m, p, path);
        var users = InitialFactors(m.Users, p.Rank, seed, StreamUserInit, p.Nonnegative);
        var items = InitialFactors(m.Items, p.Rank, seed, StreamItemInit, p.Nonnegative);
        using AlsSolver solver = chosen switch
        {
            ExecPath.Gpu => new GpuAlsSolver(m, p, users, items),
            ExecPath.Simd => new CpuAlsSolver(m, p, users, items, simd: true),
            _ => new CpuAlsSolver(m, p, users, items, simd: false),
        };
        for (int it = 0; it < maxIter; it++)
        {
            solver.UpdateItems();
            solver.UpdateUsers();
        }
        var (u, i) = maxIter == 0 ? (users, items) : solver.Factors();
        var stages = new List<AlsStageReport>
        {
            new("normal equations", chosen, notTaken, solver.Detail),
            new(p.Nonnegative ? "nnls solve" : "cholesky solve", chosen, notTaken, solver.Detail),
        };
        return new AlsTrainingResult(u, i, stages, sw.Elapsed);
    }

    /// <summary>Unit-norm Gaussian vectors from a per-row random stream (absolute values when non-negative).</summary>
    public static double[] InitialFactors(int rows, int rank, long seed, int stream, bool nonnegative)
    {
        var f = new double[(long)rows * rank];
        for (int r = 0; r < rows; r++)
        {
            var rng = SplitMixRandom.For(seed, stream, r);
            double norm = 0;
            for (int j = 0; j < rank; j++)
            {
                double v = rng.NextGaussian();
                if (nonnegative) v = Math.Abs(v);
                f[(long)r * rank + j] = v;
                norm += v * v;
            }
            norm = Math.Sqrt(norm);
            if (norm > 0)
                for (int j = 0; j < rank; j++) f[(long)r * rank + j] /= norm;
        }
        return f;
    }

    /// <summary>Picks the path: a forced one if it can run, else auto's order GPU (a real device only: the
    /// ILGPU CPU simulator is never picked automatically), SIMD, scalar. Each path not taken gets its reason.</summary>
    public static (ExecPath Path, IReadOnlyDictionary<ExecPath, string> NotTaken) ChoosePath(RatingMatrix m, AlsProblem p, string path)
    {
        var forced = path.Trim().ToLowerInvariant() switch
        {
            "auto" or "" => (ExecPath?)null,
            "gpu" => ExecPath.Gpu,
            "simd" => ExecPath.Simd,
            "scalar" => ExecPath.Scalar,
            _ => throw new AccelException($"unknown path '{path}' (expected auto, gpu, simd or scalar)"),
        };
        var (gpuOk, gpuWhy) = GpuDevice.Availability;
        string? gpuNo = !gpuOk ? $"no GPU: {gpuWhy}"
            : GpuScratchTooLarge(p) ? "a row's normal equations exceed the device scratch"
            : null;
        string? simdNo = SimdCapabilities.Use128 ? null : "no SIMD hardware (Vector128 is not accelerated)";
        var notTaken = new Dictionary<ExecPath, string>();
        if (forced is { } f)
        {
            var why = f == ExecPath.Gpu ? gpuNo : f == ExecPath.Simd ? simdNo : null;
            if (why is not null) throw new AccelException($"path={path}: ALS cannot run on the {path} path: {why}");
            foreach (var other in new[] { ExecPath.Gpu, ExecPath.Simd, ExecPath.Scalar })
                if (other != f) notTaken[other] = $"path forced to {f.ToString().ToLowerInvariant()}";
            return (f, notTaken);
        }
        bool simulator = gpuOk && GpuDevice.Runtime.IsCpuSimulator;
        if (gpuNo is null && !simulator)
        {
            notTaken[ExecPath.Simd] = "a GPU is available (auto prefers it for the batched solves)";
            notTaken[ExecPath.Scalar] = "a GPU is available";
            return (ExecPath.Gpu, notTaken);
        }
        notTaken[ExecPath.Gpu] = gpuNo ?? "the ILGPU CPU simulator is only used when forced (path=gpu)";
        if (simdNo is null)
        {
            notTaken[ExecPath.Scalar] = $"simd is faster ({SimdCapabilities.Description}, {SimdCapabilities.EffectiveThreads} threads)";
            return (ExecPath.Simd, notTaken);
        }
        notTaken[ExecPath.Simd] = simdNo;
        return (ExecPath.Scalar, notTaken);
    }

    private static bool GpuScratchTooLarge(AlsProblem p) => (long)p.Rank * p.Rank > 1L << 25;
}

/// <summary>The GPU half-steps through <see cref="AlsGpuSession"/>.</summary>
internal sealed class GpuAlsSolver : AlsSolver
{
    private readonly AlsGpuSession _session;
    private readonly int _users, _items, _k;

    public GpuAlsSolver(RatingMatrix m, AlsProblem p, double[] users, double[] items)
    {
        (_users, _items, _k) = (m.Users, m.Items, p.Rank);
        _session = new AlsGpuSession(m.Users, m.Items, m.UserPtr, m.UserCols, m.UserValues, m.ItemPtr, m.ItemCols, m.ItemValues,
            users, items, p.Rank, p.RegParam, p.ImplicitPrefs, p.Alpha, p.Nonnegative);
    }

    public override ExecPath Path => ExecPath.Gpu;
    public override string Detail => _session.Device;
    public override void UpdateItems() => _session.UpdateItems();
    public override void UpdateUsers() => _session.UpdateUsers();
    public override (double[] Users, double[] Items) Factors() => _session.Download();
    public override void Dispose() => _session.Dispose();
}
