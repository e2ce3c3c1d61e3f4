using Accel.Data;
using Accel.Execution;

namespace Accel.Vectorized;

/// <summary>SIMD-path window operator for the ranking functions (row_number, rank, dense_rank): one radix sort of the
/// rows by partition and order keys (<see cref="SortSimd.Order"/>), partition and peer boundaries found by comparing
/// each sorted row's key words (<see cref="KeyEncoder"/>: Spark's key equality) with its neighbour's, and the numbers
/// written back in input row order. Other window functions stay on the scalar path, which says so.</summary>
public sealed class WindowSimd : IWindowImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(WindowSpec spec, ExecEnvironment env)
    {
        if (spec.Function is not (WindowFunction.RowNumber or WindowFunction.Rank or WindowFunction.DenseRank))
            return Support.No(spec.Function == WindowFunction.Aggregate
                ? $"{Accel.Expressions.AggregateExpr.NameOf(spec.Aggregate!.Func)} over a window is not vectorized yet (ranking functions are)"
                : $"window function {spec.Function.ToString().ToLowerInvariant()} is not vectorized yet (ranking functions are)");
        if (spec.Output[^1].Type.Id is not (TypeId.Int32 or TypeId.Int64))
            return Support.No($"a ranking result of type {spec.Output[^1].Type} is not vectorized");
        foreach (int k in spec.PartitionKeys.Concat(spec.OrderKeys.Select(o => o.Ordinal)))
            if (!KeyEncoder.Supports(spec.Input[k].Type))
                return Support.No($"a window over a {spec.Input[k].Type} key is not vectorized yet");
        return new SortSimd().CanRun(new SortSpec(spec.Input, SortKeys(spec)), env);
    }

    /// <inheritdoc />
    public CostEstimate Estimate(WindowSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowSortPass * (3 + spec.PartitionKeys.Count + spec.OrderKeys.Count) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Window(ColumnBatch input, WindowSpec spec)
    {
        var batch = input.Compact();
        int n = batch.PhysicalRows;
        var order = SortSimd.Order(batch, SortKeys(spec));
        // A new partition starts where the partition key words change; a new peer group (rank) where the order keys' do
        // (null: no keys, so one partition, or one peer group).
        var newPartition = Changes(batch, spec.PartitionKeys, order);
        var newPeers = spec.Function == WindowFunction.RowNumber ? null : Changes(batch, spec.OrderKeys.Select(k => k.Ordinal).ToList(), order);
        var numbers = new long[n];
        long position = 0, rank = 0, dense = 0;
        for (int i = 0; i < n; i++)
        {
            if (newPartition is not null && newPartition[i] || i == 0) position = rank = dense = 0;
            position++;
            // Without order keys a partition is one peer group.
            if (position == 1 || newPeers is not null && newPeers[i]) { rank = position; dense++; }
            numbers[order[i]] = spec.Function switch { WindowFunction.RowNumber => position, WindowFunction.Rank => rank, _ => dense };
        }
        var type = spec.Output[^1].Type;
        ColumnVector result = type.Id == TypeId.Int64 ? new PrimitiveVector<long>(type, numbers) : new PrimitiveVector<int>(type, Array.ConvertAll(numbers, x => (int)x));
        return new ColumnBatch(spec.Output, [.. batch.Columns, result], n);
    }

    // The partition keys first (ascending, NULLs first: any fixed order groups them), then the order keys.
    private static List<SortKey> SortKeys(WindowSpec spec) => [.. spec.PartitionKeys.Select(k => new SortKey(k, true, true)), .. spec.OrderKeys];

    // changed[i]: sorted row i's key differs from sorted row i-1's (null when there are no keys: one partition).
    private static bool[]? Changes(ColumnBatch batch, IReadOnlyList<int> keys, int[] order)
    {
        if (keys.Count == 0) return null;
        int n = order.Length;
        var encoder = new KeyEncoder([keys.Select(k => batch[k]).ToArray()]);
        int w = encoder.Words;
        var words = new long[(long)n * w];
        encoder.Encode(0, 0, n, words);
        var changed = new bool[n];
        if (w == 1)
            for (int i = 1; i < n; i++) changed[i] = words[order[i]] != words[order[i - 1]];
        else
            for (int i = 1; i < n; i++) changed[i] = !words.AsSpan(order[i] * w, w).SequenceEqual(words.AsSpan(order[i - 1] * w, w));
        return changed;
    }
}
