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
    })) + "]";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx) =>
        MapBatches(Children[0].Execute(ctx), batch => RunWithFailover(ctx, impls, impl => impl.Project(batch, Spec)));
}
