using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Sorts the whole input (TopN when a limit sits on top of the sort).</summary>
public sealed class SortExec(ExecNode child, SortSpec spec, IReadOnlyList<ISortImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(child.Output, [child], decision, estimatedRows)
{
    /// <summary>Keys and optional limit.</summary>
    public SortSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => Spec.Limit is null ? "SortExec" : "TopNExec";
    /// <inheritdoc />
    public override string Detail => (Spec.Limit is null ? "" : $"limit={Spec.Limit} ") + "[" + string.Join(", ", Spec.Keys.Select(k =>
        $"{Spec.Input[k.Ordinal].Name} {(k.Ascending ? "ASC" : "DESC")} NULLS {(k.NullsFirst ? "FIRST" : "LAST")}")) + "]";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        var all = ColumnBatch.Concat(Spec.Input, Children[0].Execute(ctx).ToList());
        var sorted = RunWithFailover(ctx, impls, impl => impl.Sort(all, Spec));
        foreach (var b in Batching.Split(new ColumnBatch(Output, sorted.Columns, sorted.PhysicalRows, sorted.Selection), ctx.BatchSize)) yield return b;
    }
}
