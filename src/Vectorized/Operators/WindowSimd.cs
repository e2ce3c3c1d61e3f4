using Accel.Data;
using Accel.Execution;

namespace Accel.Vectorized;

/// <summary>SIMD-path window operator: one radix sort of the rows by partition and order keys (<see cref="SortSimd.Order"/>),
/// and partition and peer boundaries found by comparing each sorted row's key words (<see cref="KeyEncoder"/>: Spark's
/// key equality) with its neighbour's. The ranking functions are numbered here; lag, lead and the aggregates over their
/// frames are evaluated on those sorted partitions by the scalar path's frame rules
/// (<see cref="Accel.Operators.WindowScalar.EvaluatePartition"/>), so the sort, which the scalar path does with
/// comparisons of boxed values, is what this path speeds up for them.</summary>
public sealed class WindowSimd : IWindowImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(WindowSpec spec, ExecEnvironment env)
    {
        if (Ranking(spec) && spec.Output[^1].Type.Id is not (TypeId.Int32 or TypeId.Int64))
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
        if (!Ranking(spec)) return Frames(batch, spec, order, newPartition, newPeers);
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

    private static bool Ranking(WindowSpec spec) => spec.Function is WindowFunction.RowNumber or WindowFunction.Rank or WindowFunction.DenseRank;

    // Lag, lead and frame aggregates, one partition at a time over the sorted rows. Sorted rows i < j are peers when no
    // order-key change lies in (i, j].
    private static ColumnBatch Frames(ColumnBatch batch, WindowSpec spec, int[] order, bool[]? newPartition, bool[]? newPeers)
    {
        int n = order.Length;
        var results = new object?[n];
        bool Peer(int i, int j)
        {
            if (newPeers is null) return true;
            for (int k = Math.Min(i, j) + 1; k <= Math.Max(i, j); k++) if (newPeers[k]) return false;
            return true;
        }
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && (newPartition is null || !newPartition[end])) end++;
            Accel.Operators.WindowScalar.EvaluatePartition(batch, spec, order, start, end, Peer, results);
            start = end;
        }
        return Accel.Operators.WindowScalar.WithResults(batch, spec, results);
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
