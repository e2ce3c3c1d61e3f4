using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Picks the path of one operator from the implementations that exist for it.</summary>
public static class PathChooser
{
    private static readonly ExecPath[] s_allPaths = [ExecPath.Gpu, ExecPath.Simd, ExecPath.Scalar];

    /// <summary>Asks every implementation whether it can run <paramref name="spec"/> and at what cost, then
    /// picks the cheapest (auto) or the forced path. Forcing a path the operator cannot take is an error
    /// naming the operator and the reason — never a silent substitution.</summary>
    public static PathDecision Choose<TSpec>(string operatorName, TSpec spec, IEnumerable<IOperatorImpl<TSpec>> impls, ExecEnvironment env, PathSetting setting)
    {
        var byPath = impls.ToDictionary(i => i.Path);
        var options = new List<PathOption>();
        foreach (var path in s_allPaths)
        {
            if (!byPath.TryGetValue(path, out var impl))
            {
                options.Add(new PathOption(path, false, $"no {PathDecision.Name(path)} implementation of {operatorName} yet", null));
                continue;
            }
            var support = impl.CanRun(spec, env);
            options.Add(support.CanRun
                ? new PathOption(path, true, null, impl.Estimate(spec, env))
                : new PathOption(path, false, support.Reason, null));
        }
        return Decide(operatorName, options, setting);
    }

    /// <summary>A decision for an operator that only moves data on the host (scan, limit, union): it runs
    /// the same way under every accel.path.</summary>
    public static PathDecision HostOnly(string operatorName, string why) =>
        new(ExecPath.Scalar,
            [new PathOption(ExecPath.Gpu, false, why, null), new PathOption(ExecPath.Simd, false, why, null), new PathOption(ExecPath.Scalar, true, null, null)],
            Forced: false);

    private static PathDecision Decide(string operatorName, List<PathOption> options, PathSetting setting)
    {
        if (setting != PathSetting.Auto)
        {
            var forced = (ExecPath)(setting - PathSetting.Gpu);
            var o = options.First(x => x.Path == forced);
            if (!o.CanRun)
                throw new AccelException($"accel.path={PathDecision.Name(forced)}: {operatorName} cannot run on the {PathDecision.Name(forced)} path: {o.Reason}");
            return new PathDecision(forced, options, Forced: true);
        }
        // Cheapest runnable path; on a tie the more specialised path (gpu, then simd) wins.
        var best = options.Where(o => o.CanRun)
            .OrderBy(o => o.Cost!.Value.TotalMs)
            .ThenBy(o => o.Path)
            .First();
        return new PathDecision(best.Path, options, Forced: false);
    }
}
