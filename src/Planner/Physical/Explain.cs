using System.Text;

namespace Accel.Planner.Physical;

/// <summary>One operator of an executed or planned plan, as data (what explain prints).</summary>
/// <param name="Name">Operator name.</param>
/// <param name="Detail">Arguments.</param>
/// <param name="Path">Planned path (gpu, simd, scalar).</param>
/// <param name="ActualPath">The path that ran (after any fail-over), or null before a run.</param>
/// <param name="ReasonsNotTaken">Why each other path was not taken.</param>
/// <param name="Metrics">Run-time figures (null before a run).</param>
/// <param name="Children">Inputs.</param>
public sealed record OperatorInfo(string Name, string Detail, string Path, string? ActualPath, string ReasonsNotTaken,
    OperatorMetrics? Metrics, IReadOnlyList<OperatorInfo> Children);

/// <summary>Renders physical plans in the explain format of DESIGN.md.</summary>
public static class Explain
{
    /// <summary>The plan as data.</summary>
    public static OperatorInfo Describe(ExecNode node, bool analyzed) => new(
        node.Name, node.Detail, PathDecision.Name(node.Decision.Chosen),
        analyzed && node.Metrics.ActualPath is { } a ? PathDecision.Name(a) : null,
        node.Decision.ReasonsNotTaken(), analyzed ? node.Metrics : null,
        node.Children.Select(c => Describe(c, analyzed)).ToArray());

    /// <summary>"== Physical Plan ==" and one operator a line, children indented under "+- ".</summary>
    public static string Render(ExecNode root, bool analyze)
    {
        var lines = new List<(string Left, string Right)>();
        Walk(root, 0, analyze, lines);
        int width = Math.Min(Math.Max(lines.Max(l => l.Left.Length) + 2, 40), 110);
        var sb = new StringBuilder();
        sb.AppendLine(analyze ? "== Physical Plan (analyzed) ==" : "== Physical Plan ==");
        foreach (var (left, right) in lines)
            sb.AppendLine(left.Length >= width ? left + "  " + right : left.PadRight(width) + right);
        return sb.ToString();
    }

    private static void Walk(ExecNode n, int depth, bool analyze, List<(string, string)> lines)
    {
        var prefix = depth == 0 ? "" : new string(' ', (depth - 1) * 3) + "+- ";
        var path = $"path={PathDecision.Name(n.Decision.Chosen)}";
        var right = path.PadRight(12) + n.Decision.ReasonsNotTaken();
        if (analyze)
        {
            var m = n.Metrics;
            double self = m.InclusiveTime.TotalMilliseconds - n.Children.Sum(c => c.Metrics.InclusiveTime.TotalMilliseconds);
            var ran = m.ActualPath is { } a && a != n.Decision.Chosen ? $" ran={PathDecision.Name(a)}" : "";
            right += $" [rows={m.RowsOut} batches={m.BatchesOut} time={Math.Max(0, self):0.###} ms{(m.BytesMoved > 0 ? $" moved={m.BytesMoved} B" : "")}{ran}{(m.GpuSplits > 0 ? $" gpu out of memory: split {m.GpuSplits}x" : "")}{(m.Extra is null ? "" : " " + m.Extra)}{(m.Failover is null ? "" : " failover: " + m.Failover)}]";
        }
        lines.Add((prefix + n.Name + " " + n.Detail, right));
        foreach (var c in n.Children) Walk(c, depth + 1, analyze, lines);
    }

    /// <summary>The one-line summary logged at the end of each query.</summary>
    public static string LogLine(ExecNode root, TimeSpan elapsed, long rows)
    {
        var ops = new List<string>();
        void Add(ExecNode n)
        {
            var p = PathDecision.Name(n.Metrics.ActualPath ?? n.Decision.Chosen);
            ops.Add($"{n.Name}={p}{(n.Metrics.GpuSplits > 0 ? $"(split {n.Metrics.GpuSplits}x)" : "")}{(n.Metrics.Failover is null ? "" : "(failover)")}");
            foreach (var c in n.Children) Add(c);
        }
        Add(root);
        return $"accel query: {rows} rows in {elapsed.TotalMilliseconds:0.###} ms; " + string.Join(", ", ops);
    }
}
