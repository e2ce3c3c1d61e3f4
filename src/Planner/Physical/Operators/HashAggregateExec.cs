using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Physical;

/// <summary>Groups the whole input by key columns and computes aggregates (a pipeline breaker).</summary>
public sealed class HashAggregateExec(ExecNode child, AggregateSpec spec, IReadOnlyList<IHashAggregateImpl> impls, PathDecision decision, long estimatedRows, string? label = null)
    : ExecNode(spec.Output, [child], decision, estimatedRows)
{
    /// <summary>Keys and aggregate calls over input ordinals.</summary>
    public AggregateSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "HashAggregateExec";
    /// <inheritdoc />
    public override string Detail =>
        (label is null ? "" : label + " ") +
        $"keys=[{string.Join(", ", Spec.KeyOrdinals.Select(k => Spec.Input[k].Name))}] " +
        $"aggs=[{string.Join(", ", Spec.Aggregates.Select(a => a.InputOrdinal < 0 ? "count(1)" : $"{AggregateExpr.NameOf(a.Func)}({(a.Distinct ? "DISTINCT " : "")}{Spec.Input[a.InputOrdinal].Name})"))}]";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        IReadOnlyList<ColumnBatch> parts;
        var project = Children[0] is ProjectExec { FusedIntoAggregate: true } p ? p : null;
        var filter = (project?.Children[0] ?? Children[0]) is FilterExec { FusedIntoAggregate: true } f ? f : null;
        if (project is not null || filter is not null)
        {
            // The fused operators' input comes straight here; their figures are those of the rows they stand for.
            var source = (ExecNode?)filter ?? project!;
            var raw = source.Children[0].Execute(ctx).ToList();
            var path = Metrics.ActualPath ?? Decision.Chosen;
            var fused = impls.OfType<IFusedAggregateImpl>().First(i => i.Path == path).AggregateFused(raw, filter?.Spec, project?.Spec, Spec);
            foreach (var node in new ExecNode?[] { filter, project }.OfType<ExecNode>())
            {
                node.Metrics.RowsOut += fused.RowsKept;
                node.Metrics.BatchesOut += raw.Count;
                node.Metrics.InclusiveTime = source.Children[0].Metrics.InclusiveTime;
            }
            parts = fused.Parts;
        }
        else
        {
            // Materialize once so that a GPU fail-over can re-run on the same rows.
            var input = Children[0].Execute(ctx).ToList();
            parts = RunWithFailover(ctx, impls, impl => impl.AggregateParts(input, Spec));
        }
        foreach (var part in parts)
            foreach (var b in Batching.Split(new ColumnBatch(Output, part.Columns, part.PhysicalRows, part.Selection), ctx.BatchSize)) yield return b;
    }
}
