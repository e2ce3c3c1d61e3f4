using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Vectorized;

/// <summary>SIMD projection: arithmetic column-at-a-time with vector loops; plain column references are
/// passed through without copying.</summary>
public sealed class ProjectSimd : IProjectImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(ProjectSpec spec, ExecEnvironment env)
    {
        if (!SimdCapabilities.Use128) return Support.No("this CPU has no hardware-accelerated vectors");
        foreach (var e in spec.Exprs)
        {
            if (e is BoundColumn) continue;
            var why = SimdEvaluator.Unsupported(e, spec.Input);
            if (why is not null) return Support.No(why);
        }
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(ProjectSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowPerNode * spec.Exprs.Sum(e => e is BoundColumn ? 0 : e.Descendants().Count()) / 1e6, 0, 0);

    /// <summary>Evaluates every expression over the live rows. A projection of plain columns, or of a batch whose
    /// selection keeps at least half its rows, keeps the input's selection vector; otherwise only the columns the
    /// expressions use are gathered.</summary>
    public ColumnBatch Project(ColumnBatch input, ProjectSpec spec)
    {
        // Plain columns, or a selection that keeps most rows: compute over the physical rows and keep the selection,
        // which costs less than gathering every input column first.
        if (input.Selection is not null && (spec.Exprs.All(e => e is BoundColumn) || input.RowCount * 2 >= input.PhysicalRows))
            return new ColumnBatch(spec.Output, SimdEvaluator.EvaluateColumns(spec.Exprs, input.Columns, input.PhysicalRows), input.PhysicalRows, input.Selection);
        var (columns, rows) = Inputs.Gathered(input, spec.Exprs);
        return new ColumnBatch(spec.Output, SimdEvaluator.EvaluateColumns(spec.Exprs, columns, rows), rows);
    }
}
