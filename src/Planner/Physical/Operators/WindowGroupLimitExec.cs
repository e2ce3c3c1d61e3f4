using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Keeps, over the whole input (all its batches are read before any row is passed on), the rows the ranking window above can number within its limit.</summary>
public sealed class WindowGroupLimitExec(ExecNode child, WindowGroupLimitSpec spec, IReadOnlyList<IWindowGroupLimitImpl> impls, PathDecision decision, long estimatedRows, string function)
    : ExecNode(child.Output, [child], decision, estimatedRows)
{
    /// <summary>Partitioning, ordering, ranking function and limit.</summary>
    public WindowGroupLimitSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "WindowGroupLimitExec";
    /// <inheritdoc />
    public override string Detail => $"{function} <= {Spec.Limit}";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        var all = Children[0].Execute(ctx).ToList();
        foreach (var b in RunWithFailover(ctx, impls, impl => impl.Limit(all, Spec)))
            if (b.RowCount > 0) yield return new ColumnBatch(Output, b.Columns, b.PhysicalRows, b.Selection);
    }
}
