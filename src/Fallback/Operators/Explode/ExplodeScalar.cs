using Accel.Data;
using Accel.Execution;

namespace Accel.Operators;

/// <summary>The scalar reference explode: one row per array element, other columns repeated.</summary>
public sealed class ExplodeScalar : IExplodeImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(ExplodeSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(ExplodeSpec spec, ExecEnvironment env) => new(env.EstimatedRows * ScalarCostModel.NsPerRowPerNode * 4 / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Explode(ColumnBatch input, ExplodeSpec spec)
    {
        var list = (ListVector)input[spec.ArrayOrdinal];
        var parents = new List<int>();
        var elements = new List<int>();
        for (int i = 0; i < input.RowCount; i++)
        {
            int r = input.RowAt(i);
            int n = list.IsNull(r) ? 0 : list.ElementCount(r);
            if (n == 0)
            {
                if (spec.Outer) { parents.Add(r); elements.Add(-1); }
                continue;
            }
            for (int k = 0; k < n; k++) { parents.Add(r); elements.Add(list.Offsets[r] + k); }
        }
        var p = parents.ToArray();
        var cols = input.Columns.Select((c, i) => i == spec.ArrayOrdinal ? list.Values.Gather(elements.ToArray()) : c.Gather(p)).ToArray();
        return new ColumnBatch(spec.Output, cols, p.Length);
    }
}
