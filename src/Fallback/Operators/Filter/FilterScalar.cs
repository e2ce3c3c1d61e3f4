using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>The scalar reference filter: evaluates the predicate and keeps rows where it is TRUE.</summary>
public sealed class FilterScalar : IFilterImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(FilterSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(FilterSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * ScalarCostModel.NsPerRowPerNode * spec.Predicate.Descendants().Count() / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Filter(ColumnBatch input, FilterSpec spec)
    {
        var mask = (PrimitiveVector<bool>)ScalarEvaluator.Evaluate(spec.Predicate, input);
        var keep = new List<int>(input.RowCount);
        for (int i = 0; i < mask.Length; i++)
            if (mask.Values[i] && !mask.IsNull(i)) keep.Add(input.RowAt(i));
        return input.WithSelection(keep.ToArray());
    }
}

/// <summary>First-guess costs of the scalar path (to be calibrated by the benchmark harness).</summary>
public static class ScalarCostModel
{
    /// <summary>Nanoseconds per row per expression node.</summary>
    public const double NsPerRowPerNode = 4.0;
    /// <summary>Nanoseconds per row per aggregate for hashing and updating a group.</summary>
    public const double NsPerRowAggregate = 60.0;
    /// <summary>Nanoseconds per row for hash join build/probe.</summary>
    public const double NsPerRowJoin = 120.0;
    /// <summary>Nanoseconds per row per log2(rows) for sorting.</summary>
    public const double NsPerRowLogSort = 15.0;
}
