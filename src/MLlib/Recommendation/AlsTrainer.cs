using System.Diagnostics;
using Accel.Execution;
using Accel.Kernels;
using Accel.Kernels.ML;
using Accel.Planner.Physical;

namespace Accel.ML.Recommendation;

/// <summary>The outcome of training: factors (n x k row-major, dense-index order) and which path ran each
/// stage (normal equations, solve) and why the others did not.</summary>
public sealed record AlsTrainingResult(double[] UserFactors, double[] ItemFactors, IReadOnlyList<TrainingStage> Stages, TimeSpan Elapsed);

/// <summary>Alternating least squares over a <see cref="RatingMatrix"/>: picks the path, initializes the
/// factors as Spark does (Gaussian, each vector scaled to unit norm; absolute values when non-negative), then
/// alternates item and user half-steps (items first, as Spark does).</summary>
public static class AlsTrainer
{
    private const int StreamUserInit = 11, StreamItemInit = 12;

    /// <summary>Trains for <paramref name="maxIter"/> iterations on the path <paramref name="setting"/> asks for
    /// (auto: the cheapest runnable one; a forced path that cannot run is an error naming the reason).</summary>
    public static AlsTrainingResult Train(RatingMatrix m, AlsProblem p, int maxIter, long seed, PathSetting setting)
    {
        if (p.Rank < 1) throw new AccelException($"ALS rank must be at least 1, got {p.Rank}");
        if (maxIter < 0) throw new AccelException($"ALS maxIter must be at least 0, got {maxIter}");
        var sw = Stopwatch.StartNew();
        var decision = Decide(m, p, maxIter, setting);
        var users = InitialFactors(m.Users, p.Rank, seed, StreamUserInit, p.Nonnegative);
        var items = InitialFactors(m.Items, p.Rank, seed, StreamItemInit, p.Nonnegative);
        using AlsSolver solver = decision.Chosen switch
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
        double ms(long ticks) => ticks * 1000.0 / Stopwatch.Frequency;
        string size = $"{m.Users:N0} users x {m.Items:N0} items, {m.Count:N0} ratings, rank {p.Rank}{(p.ImplicitPrefs ? ", implicit" : "")}; {solver.Detail}";
        var stages = new List<TrainingStage>
        {
            new("normal equations", size, decision, 2 * maxIter, ms(solver.BuildTicks)),
            new(p.Nonnegative ? "nnls solve" : "cholesky solve", $"{m.Users + m.Items:N0} rows of {p.Rank}x{p.Rank}" + (p.Nonnegative ? " (Lawson-Hanson active set)" : ""),
                decision, 2 * maxIter, ms(solver.SolveTicks)),
        };
        return new AlsTrainingResult(u, i, stages, sw.Elapsed);
    }

    /// <summary>The path decision for a training: both stages share it, because the factors live on that
    /// path's memory for the whole training (switching per stage would copy them every half-step).</summary>
    public static PathDecision Decide(RatingMatrix m, AlsProblem p, int maxIter, PathSetting setting)
    {
        double k = p.Rank;
        double perIter = 2.0 * m.Count * k * k + (m.Users + m.Items) * (k * k * k / 3 + (p.ImplicitPrefs ? k * k : 0));
        long bytes = m.Count * 2L * 12 + (m.Users + m.Items + 2L) * 4 * 2 + (m.Users + m.Items) * (long)p.Rank * 8;
        string? gpuNo = (long)p.Rank * p.Rank > 1L << 25 ? $"rank {p.Rank}: one row's normal equations exceed the device scratch" : null;
        return MlPaths.Choose(setting, "ALS", new MlWork(Math.Max(1, maxIter) * perIter, bytes, gpuNo));
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
    public override void UpdateItems() { _session.UpdateItems(); Sync(); }
    public override void UpdateUsers() { _session.UpdateUsers(); Sync(); }
    private void Sync() { BuildTicksSum = _session.BuildTicks; SolveTicksSum = _session.SolveTicks; }
    public override (double[] Users, double[] Items) Factors() => _session.Download();
    public override void Dispose() => _session.Dispose();
}
