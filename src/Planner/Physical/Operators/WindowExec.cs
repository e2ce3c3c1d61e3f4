using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Computes one window function over the whole (materialized) input.</summary>
public sealed class WindowExec(ExecNode child, WindowSpec spec, IReadOnlyList<IWindowImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(spec.Output, [child], decision, estimatedRows)
{
    /// <summary>Partitioning, ordering, function and frame.</summary>
    public WindowSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "WindowExec";
    /// <inheritdoc />
    public override string Detail => $"{Spec.Output[^1].Name}";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        var all = ColumnBatch.Concat(Spec.Input, Children[0].Execute(ctx).ToList());
        var result = RunWithFailover(ctx, impls, impl => impl.Window(all, Spec));
        foreach (var b in Batching.Split(new ColumnBatch(Output, result.Columns, result.PhysicalRows, result.Selection), ctx.BatchSize)) yield return b;
    }
}
