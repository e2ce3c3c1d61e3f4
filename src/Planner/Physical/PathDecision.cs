using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>How the planner judged one path for one operator.</summary>
/// <param name="Path">The path.</param>
/// <param name="CanRun">Whether an implementation exists and accepts the operator.</param>
/// <param name="Reason">Why not, when it cannot.</param>
/// <param name="Cost">Estimated cost, when it can.</param>
public sealed record PathOption(ExecPath Path, bool CanRun, string? Reason, CostEstimate? Cost);

/// <summary>The path chosen for an operator and the judgement of every path (the "why" of explain).</summary>
public sealed record PathDecision(ExecPath Chosen, IReadOnlyList<PathOption> Options, bool Forced)
{
    /// <summary>Lower-case path name as explain prints it.</summary>
    public static string Name(ExecPath p) => p.ToString().ToLowerInvariant();

    /// <summary>The "(gpu: ...; simd: ...)" part of an explain line: one reason per path not taken.</summary>
    public string ReasonsNotTaken()
    {
        var chosen = Options.First(o => o.Path == Chosen);
        var parts = new List<string>();
        foreach (var o in Options)
        {
            if (o.Path == Chosen) continue;
            if (!o.CanRun) parts.Add($"{Name(o.Path)}: {o.Reason}");
            else if (Forced) parts.Add($"{Name(o.Path)}: not taken, accel.path={Name(Chosen)}");
            else parts.Add($"{Name(o.Path)}: cost {o.Cost} > {Name(Chosen)} {chosen.Cost}");
        }
        return parts.Count == 0 ? "" : "(" + string.Join("; ", parts) + ")";
    }
}
