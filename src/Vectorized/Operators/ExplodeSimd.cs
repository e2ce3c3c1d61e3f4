using Accel.Data;
using Accel.Execution;

namespace Accel.Vectorized;

/// <summary>SIMD-path explode: each row's element count from the array offsets, their prefix sums as the output
/// positions, then every column gathered once by those positions in parallel chunks (<see cref="ColumnGather"/>, the
/// join's gather): the other columns by parent row, the array column by element. explode_outer gives a row with a NULL
/// element for a NULL or empty array, as the scalar path does.</summary>
public sealed class ExplodeSimd : IExplodeImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(ExplodeSpec spec, ExecEnvironment env) =>
        SimdCapabilities.Use128 ? Support.Yes : Support.No("this CPU has no hardware-accelerated vectors");

    /// <inheritdoc />
    public CostEstimate Estimate(ExplodeSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowPerNode * (1 + spec.Input.Count) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Explode(ColumnBatch input, ExplodeSpec spec)
    {
        var list = (ListVector)input[spec.ArrayOrdinal];
        int rows = input.RowCount;
        var sel = input.Selection;
        var offsets = list.Offsets;
        // Output rows of each input row: its element count, or one (a NULL element) for an empty or NULL array under outer.
        long total = 0;
        var first = new int[rows + 1];
        for (int i = 0; i < rows; i++)
        {
            int r = sel is null ? i : sel[i];
            int n = list.IsNull(r) ? 0 : offsets[r + 1] - offsets[r];
            total += n == 0 ? (spec.Outer ? 1 : 0) : n;
            if (total > Array.MaxLength) throw new AccelException($"explode produces more than {Array.MaxLength} rows from one batch");
            first[i + 1] = (int)total;
        }
        int count = (int)total;
        var parents = new int[count];
        var elements = new int[count];
        for (int i = 0; i < rows; i++)
        {
            int r = sel is null ? i : sel[i], o = first[i], n = first[i + 1] - o;
            if (n == 0) continue;
            if (list.IsNull(r) || offsets[r + 1] == offsets[r]) { parents[o] = r; elements[o] = -1; continue; }
            parents.AsSpan(o, n).Fill(r);
            for (int k = 0; k < n; k++) elements[o + k] = offsets[r] + k;
        }
        var columns = input.Columns.Select((c, i) => i == spec.ArrayOrdinal ? ColumnGather.Gather(list.Values, elements, count) : ColumnGather.Gather(c, parents, count)).ToArray();
        return new ColumnBatch(spec.Output, columns, count);
    }
}
