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
        if (Children[0] is ProjectExec { FusedIntoAggregate: true } project)
        {
            // The projection's input comes straight here; the projection's figures are those of the rows it stands for.
            var raw = project.Children[0].Execute(ctx).ToList();
            project.Metrics.RowsOut += raw.Sum(b => (long)b.RowCount);
            project.Metrics.BatchesOut += raw.Count;
            project.Metrics.InclusiveTime = project.Children[0].Metrics.InclusiveTime;
            var path = Metrics.ActualPath ?? Decision.Chosen;
            parts = impls.OfType<IFusedProjectAggregateImpl>().First(i => i.Path == path).AggregateProjectedParts(raw, project.Spec, Spec);
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
