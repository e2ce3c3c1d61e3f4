using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>The scalar reference projection: evaluates each expression column-at-a-time.</summary>
public sealed class ProjectScalar : IProjectImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(ProjectSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(ProjectSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * ScalarCostModel.NsPerRowPerNode * spec.Exprs.Sum(e => e is BoundColumn ? 0 : e.Descendants().Count()) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Project(ColumnBatch input, ProjectSpec spec) =>
        new(spec.Output, spec.Exprs.Select(e => ScalarEvaluator.Evaluate(e, input)).ToArray(), input.RowCount);
}
