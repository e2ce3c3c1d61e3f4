using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Keeps rows whose predicate is TRUE, as a selection vector over the input batch.</summary>
public sealed class FilterExec(ExecNode child, FilterSpec spec, IReadOnlyList<IFilterImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(child.Output, [child], decision, estimatedRows)
{
    /// <summary>The bound predicate.</summary>
    public FilterSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "FilterExec";
    /// <inheritdoc />
    public override string Detail => Spec.Predicate.Describe(Spec.Input) + FusedNote;

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx) => FusedIntoAggregate
        ? throw new InvalidOperationException("internal: a fused filter runs inside its aggregate")
        : MapBatches(Children[0].Execute(ctx), batch => RunBatchWithFailover(ctx, impls, batch, (impl, b) => impl.Filter(b, Spec))).Where(b => b.RowCount > 0);
}
