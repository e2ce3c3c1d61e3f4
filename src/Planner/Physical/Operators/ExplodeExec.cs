using Accel.Data;
using Accel.Execution;
using Accel.Operators;

namespace Accel.Planner.Physical;

/// <summary>One row per element of an array column.</summary>
public sealed class ExplodeExec(ExecNode child, ExplodeSpec spec, long estimatedRows)
    : ExecNode(spec.Output, [child], ScalarOnly("ExplodeExec"), estimatedRows)
{
    private readonly ExplodeScalar _impl = new();

    /// <summary>A decision for operators that so far have only the scalar implementation.</summary>
    public static PathDecision ScalarOnly(string op) => new(ExecPath.Scalar,
        [new PathOption(ExecPath.Gpu, false, $"no gpu implementation of {op} yet", null),
         new PathOption(ExecPath.Simd, false, $"no simd implementation of {op} yet", null),
         new PathOption(ExecPath.Scalar, true, null, null)], Forced: false);

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
            var r = _impl.Explode(b, Spec);
            if (r.RowCount > 0) yield return new ColumnBatch(Output, r.Columns, r.PhysicalRows, r.Selection);
        }
    }
}
