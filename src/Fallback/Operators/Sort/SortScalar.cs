using Accel.Data;
using Accel.Execution;

namespace Accel.Operators;

/// <summary>The scalar reference sort: stable, multi-key, per-key direction and null placement; with a
/// limit it returns the first N rows of that order (top-N).</summary>
public sealed class SortScalar : ISortImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(SortSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(SortSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * Math.Log2(Math.Max(2, env.EstimatedRows)) * ScalarCostModel.NsPerRowLogSort / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Sort(ColumnBatch input, SortSpec spec)
    {
        var batch = input.Compact();
        var comparers = spec.Keys.Select(k => SparkOrdering.ColumnComparer(batch[k.Ordinal], k.Ascending, k.NullsFirst)).ToArray();
        var order = new int[batch.PhysicalRows];
        for (int i = 0; i < order.Length; i++) order[i] = i;
        // The row index as last key makes the unstable Array.Sort stable.
        Array.Sort(order, (a, b) =>
        {
            foreach (var c in comparers)
            {
                int r = c(a, b);
                if (r != 0) return r;
            }
            return a.CompareTo(b);
        });
        if (spec.Limit is int n && n < order.Length) order = order[..n];
        return new ColumnBatch(batch.Schema, batch.Columns.Select(c => c.Gather(order)).ToArray(), order.Length);
    }
}
