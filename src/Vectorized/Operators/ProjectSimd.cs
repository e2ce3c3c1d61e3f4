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

    /// <inheritdoc />
    public ColumnBatch Project(ColumnBatch input, ProjectSpec spec)
    {
        var compact = input.Compact();
        var cols = spec.Exprs.Select(e => e is BoundColumn c ? compact[c.Ordinal] : SimdEvaluator.EvaluateColumn(e, compact.Columns, compact.PhysicalRows)).ToArray();
        return new ColumnBatch(spec.Output, cols, compact.PhysicalRows);
    }
}
