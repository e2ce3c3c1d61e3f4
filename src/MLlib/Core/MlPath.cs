using System.Diagnostics;
using System.Globalization;
using System.Runtime.Intrinsics;
using Accel.Execution;
using Accel.Kernels;
using Accel.Planner.Physical;
using Accel.Sql;
using Accel.Vectorized;

namespace Accel.ML;

/// <summary>One heavy step of training (a Gram matrix, a histogram pass, a loss/gradient pass), which path it ran
/// on and why the other paths were not taken — the training-side counterpart of an explain line.</summary>
/// <param name="Name">The step, e.g. "gram" or "histograms".</param>
/// <param name="Detail">Its size, e.g. "16 rows x 7 columns".</param>
/// <param name="Decision">The path chosen and the judgement of every path.</param>
/// <param name="Calls">How many times the step ran (an iterative solver calls its loss/gradient step per iteration).</param>
/// <param name="Milliseconds">Total wall time of those calls.</param>
public sealed record TrainingStage(string Name, string Detail, PathDecision Decision, int Calls, double Milliseconds)
{
    /// <summary>The path that ran.</summary>
    public ExecPath Path => Decision.Chosen;

    /// <summary>"gram [16 rows x 7 columns] path=simd (gpu: no CUDA device: ...) calls=1 time=0.12 ms".</summary>
    public override string ToString()
    {
        var why = Decision.ReasonsNotTaken();
        return $"{Name} [{Detail}] path={PathDecision.Name(Path)}{(why.Length == 0 ? "" : " " + why)} calls={Calls} time={Milliseconds.ToString("0.###", CultureInfo.InvariantCulture)} ms";
    }

    /// <summary>One log line for a model's training: "accel ml: LinearRegression uid: gram=simd, ...".</summary>
    public static string LogLine(string what, IEnumerable<TrainingStage> stages) =>
        $"accel ml: {what}: " + string.Join(", ", stages.Select(s => $"{s.Name}={PathDecision.Name(s.Path)}"));
}

/// <summary>Measures the calls of one heavy step on its chosen path, for <see cref="TrainingStage"/>.</summary>
public sealed class StageTimer(string name, string detail, PathDecision decision)
{
    private readonly Stopwatch _sw = new();
    private int _calls;

    /// <summary>The chosen path.</summary>
    public ExecPath Path => decision.Chosen;

    /// <summary>Runs one call of the step, timing it.</summary>
    public T Time<T>(Func<T> work)
    {
        _sw.Start();
        try { return work(); }
        finally { _sw.Stop(); _calls++; }
    }

    /// <summary>The record of the calls so far.</summary>
    public TrainingStage ToStage() => new(name, detail, decision, _calls, _sw.Elapsed.TotalMilliseconds);
}

/// <summary>What a heavy ML step needs from each path, for <see cref="MlPaths.Choose"/>.</summary>
/// <param name="Flops">Floating-point operations (for the cost estimate).</param>
/// <param name="BytesToDevice">Bytes a GPU run must copy to the device (0 when the data already lives there).</param>
/// <param name="GpuSupported">Null when the GPU kernel accepts the step; otherwise why not.</param>
/// <param name="SimdSupported">Null when the SIMD loop accepts the step; otherwise why not.</param>
public readonly record struct MlWork(double Flops, long BytesToDevice, string? GpuSupported = null, string? SimdSupported = null);

/// <summary>Path choice for heavy ML steps under the session's accel.path, with the same reasons and wording as
/// the query planner: a forced path that cannot run is an error, never a silent substitution.</summary>
public static class MlPaths
{
    // Throughput guesses for the cost comparison (double precision): one core's scalar loop, the SIMD loops on all
    // cores, a data-centre GPU, and PCIe host-to-device copies; plus a fixed cost per GPU launch sequence.
    private const double ScalarFlopsPerMs = 1.0e6;
    private const double SimdFlopsPerMsPerCore = 4.0e6;
    private const double GpuFlopsPerMs = 5.0e9;
    private const double PcieBytesPerMs = 1.2e7;
    private const double GpuLaunchMs = 0.5;

    /// <summary>Chooses the path of one step: the forced path (accel.path) or the cheapest runnable one.</summary>
    public static PathDecision Choose(AccelSession session, string step, MlWork work) => Choose(session.Conf().Path, step, work);

    /// <summary>Chooses the path of one step under a path setting.</summary>
    public static PathDecision Choose(PathSetting setting, string step, MlWork work)
    {
        var options = new List<PathOption>();
        var (gpuOk, gpuWhy) = GpuDevice.Availability;
        if (!gpuOk) options.Add(new PathOption(ExecPath.Gpu, false, $"no GPU: {gpuWhy}", null));
        else if (work.GpuSupported is { } g) options.Add(new PathOption(ExecPath.Gpu, false, g, null));
        else if (setting == PathSetting.Auto && GpuDevice.Runtime.IsCpuSimulator)
            options.Add(new PathOption(ExecPath.Gpu, false, "ILGPU CPU accelerator is for tests only (force it with accel.path=gpu)", null));
        else
        {
            double transfer = work.BytesToDevice / PcieBytesPerMs;
            options.Add(new PathOption(ExecPath.Gpu, true, null, new CostEstimate(GpuLaunchMs + work.Flops / GpuFlopsPerMs, work.BytesToDevice, transfer)));
        }
        if (work.SimdSupported is { } s) options.Add(new PathOption(ExecPath.Simd, false, s, null));
        else if (!Vector128.IsHardwareAccelerated) options.Add(new PathOption(ExecPath.Simd, false, "no hardware vector support on this CPU", null));
        else
        {
            int threads = SimdCapabilities.EffectiveThreads;
            // Below ~1 ms of work, starting threads costs more than the loop saves.
            double ms = work.Flops / (SimdFlopsPerMsPerCore * (work.Flops < 1e6 ? 1 : threads)) + (work.Flops < 1e6 ? 0.01 : 0.05);
            options.Add(new PathOption(ExecPath.Simd, true, null, new CostEstimate(ms, 0, 0)));
        }
        options.Add(new PathOption(ExecPath.Scalar, true, null, new CostEstimate(work.Flops / ScalarFlopsPerMs, 0, 0)));

        if (setting != PathSetting.Auto)
        {
            var forced = (ExecPath)(setting - PathSetting.Gpu);
            var o = options.First(x => x.Path == forced);
            if (!o.CanRun)
                throw new AccelException($"accel.path={PathDecision.Name(forced)}: {step} cannot run on the {PathDecision.Name(forced)} path: {o.Reason}");
            return new PathDecision(forced, options, Forced: true);
        }
        var best = options.Where(o => o.CanRun).OrderBy(o => o.Cost!.Value.TotalMs).ThenBy(o => o.Path).First();
        return new PathDecision(best.Path, options, Forced: false);
    }

    /// <summary>A description of the SIMD width in use, for stage details.</summary>
    public static string SimdDescription => SimdCapabilities.Description;
}
