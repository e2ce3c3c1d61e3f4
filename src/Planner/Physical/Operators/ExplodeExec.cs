using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>One row per element of an array column.</summary>
public sealed class ExplodeExec(ExecNode child, ExplodeSpec spec, IReadOnlyList<IExplodeImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(spec.Output, [child], decision, estimatedRows)
{
    /// <summary>The array column and outer flag.</summary>
    public ExplodeSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => "ExplodeExec";
    /// <inheritdoc />
    public override string Detail => $"{(Spec.Outer ? "explode_outer" : "explode")}({Spec.Input[Spec.ArrayOrdinal].Name})";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        foreach (var b in Children[0].Execute(ctx))
        {
            var r = RunWithFailover(ctx, impls, impl => impl.Explode(b, Spec));
            if (r.RowCount > 0) yield return new ColumnBatch(Output, r.Columns, r.PhysicalRows, r.Selection);
        }
    }
}
