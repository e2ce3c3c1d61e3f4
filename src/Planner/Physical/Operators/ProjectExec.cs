using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Evaluates one expression per output column over the live rows of each batch.</summary>
public sealed class ProjectExec(ExecNode child, ProjectSpec spec, IReadOnlyList<IProjectImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(spec.Output, [child], decision, estimatedRows)
{
    /// <summary>The bound expressions.</summary>
    public ProjectSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "ProjectExec";
    /// <inheritdoc />
    public override string Detail => "[" + string.Join(", ", Spec.Exprs.Select((e, i) =>
    {
        var d = e.Describe(Spec.Input);
        return d == Spec.Output[i].Name ? d : $"{d} AS {Spec.Output[i].Name}";
    })) + "]" + FusedNote;

    /// <summary>Whether every output is a plain input column (a reorder or rename).</summary>
    public bool OnlyColumns => Spec.Exprs.All(e => e is Accel.Expressions.BoundColumn);

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        // Picking columns needs no kernel on any path: the batch keeps its columns (device-resident ones stay
        // resident for the operator above) and its selection, so nothing is gathered.
        if (FusedIntoAggregate) throw new InvalidOperationException("internal: a fused projection runs inside its aggregate");
        if (OnlyColumns)
        {
            var ordinals = Spec.Exprs.Select(e => ((Accel.Expressions.BoundColumn)e).Ordinal).ToArray();
            return Children[0].Execute(ctx).Select(b => new ColumnBatch(Spec.Output, ordinals.Select(o => b[o]).ToArray(), b.PhysicalRows, b.Selection));
        }
        return MapBatches(Children[0].Execute(ctx), batch => RunBatchWithFailover(ctx, impls, batch, (impl, b) => impl.Project(b, Spec)));
    }
}
