using Accel.Data;
using Accel.Execution;

namespace Accel.Vectorized;

/// <summary>SIMD-path window group limit. Each row gets one word that never decreases along the window's order: its first
/// order key normalized as <see cref="SortSimd"/> does (direction folded in, NULLs at 0 or at the top, strings by their
/// first 8 bytes). Each partition keeps its k smallest words (k distinct ones for dense_rank) in k slots, per thread over
/// its morsels and then merged, and a row survives when its word is at most its partition's k-th. Every row ranked
/// within k survives with all rows tied with it on the word, which may be more rows than the window keeps, never fewer;
/// the window above then sorts only the survivors. Batches are read in place, under their selections, and passed on
/// with a selection of their survivors: no row is copied.</summary>
public sealed class WindowGroupLimitSimd : IWindowGroupLimitImpl
{
    private const int MorselRows = 1 << 16;
    private const long DirectRangeLimit = 1 << 23;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(WindowGroupLimitSpec spec, ExecEnvironment env)
    {
        if (!SimdCapabilities.Use128) return Support.No("this CPU has no hardware-accelerated vectors");
        if (spec.Function is not (WindowFunction.RowNumber or WindowFunction.Rank or WindowFunction.DenseRank))
            return Support.No($"a group limit needs a ranking function, not {spec.Function}");
        foreach (int k in spec.PartitionKeys.Concat(spec.OrderKeys.Select(o => o.Ordinal)))
            if (!KeyEncoder.Supports(spec.Input[k].Type))
                return Support.No($"a window group limit over a {spec.Input[k].Type} key is not vectorized yet");
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(WindowGroupLimitSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * 2 * SimdCostModel.NsPerRowAggregate / SimdCapabilities.EffectiveThreads / 1e6, 0, 0);

    /// <inheritdoc />
    public IReadOnlyList<ColumnBatch> Limit(IReadOnlyList<ColumnBatch> input, WindowGroupLimitSpec spec)
    {
        int k = spec.Limit;
        var batches = input.Where(b => b.RowCount > 0).Select(b => b.Selection is not null && b.RowCount * 2 < b.PhysicalRows ? b.Compact() : b).ToList();
        if (k <= 0) return [];
        if (batches.Count == 0 || spec.OrderKeys.Count == 0) return batches;
        long rows = batches.Sum(b => (long)b.RowCount);
        var groups = new PartitionIds(batches, spec.PartitionKeys, rows);
        // Partitions averaging fewer than k rows lose too few rows to pay for their k slots.
        if (groups.Direct && (long)groups.Count * k > rows) return batches;
        var live = batches.Select(b => b.Selection is { } sel ? new LiveRows(sel, b.PhysicalRows) : null).ToList();
        var morsels = batches.SelectMany((b, part) => Enumerable.Range(0, (b.PhysicalRows + MorselRows - 1) / MorselRows)
            .Select(m => (Part: part, Start: m * MorselRows, Count: Math.Min(MorselRows, b.PhysicalRows - m * MorselRows)))).ToList();
        var order = spec.OrderKeys[0];
        bool distinct = spec.Function == WindowFunction.DenseRank;

        // Pass 1: the k smallest words per partition. Hashed partition ids are assigned in row order by one thread.
        int threads = groups.Direct ? Math.Min(SimdCapabilities.EffectiveThreads, morsels.Count) : 1;
        var smallest = new TopWords[threads];
        bool tooMany = false;
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var top = smallest[t] = new TopWords(groups.Direct ? groups.Count : 1024, k, distinct);
            var buffers = new MorselBuffers(groups.Words);
            for (int m = t; m < morsels.Count; m += threads)
            {
                var (part, start, count) = morsels[m];
                buffers.Load(batches[part], part, start, count, live[part], order, groups, assign: true);
                if (!groups.Direct)
                {
                    if ((long)groups.Count * k > rows) { tooMany = true; return; }
                    top.Grow(groups.Count);
                }
                for (int i = 0; i < count; i++) if (buffers.Live[i]) top.Offer(buffers.Ids[i], buffers.Order[i]);
            }
        });
        if (tooMany) return batches;
        var total = smallest[0];
        for (int t = 1; t < threads; t++) total.Merge(smallest[t]);
        var bound = total.Bounds();

        // Pass 2: each morsel's survivors, in row order; a batch's selection is its morsels' survivors in turn.
        var survivors = new int[morsels.Count][];
        Parallel.For(0, morsels.Count, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => new MorselBuffers(groups.Words),
            (m, _, buffers) =>
            {
                var (part, start, count) = morsels[m];
                buffers.Load(batches[part], part, start, count, live[part], order, groups, assign: false);
                var keep = new List<int>();
                for (int i = 0; i < count; i++)
                    if (buffers.Live[i] && buffers.Ids[i] >= 0 && buffers.Order[i] <= bound[buffers.Ids[i]]) keep.Add(start + i);
                survivors[m] = keep.ToArray();
                return buffers;
            }, _ => { });
        var result = new List<ColumnBatch>(batches.Count);
        for (int part = 0, m = 0; part < batches.Count; part++)
        {
            var rowsKept = new List<int>();
            for (; m < morsels.Count && morsels[m].Part == part; m++) rowsKept.AddRange(survivors[m]);
            if (rowsKept.Count > 0) result.Add(new ColumnBatch(batches[part].Schema, batches[part].Columns, batches[part].PhysicalRows, rowsKept.ToArray()));
        }
        return result;
    }

    // Dense partition ids: the packed key itself when its range is small, else ids from a hash table filled in row order.
    private sealed class PartitionIds
    {
        private readonly KeyEncoder? _encoder;
        private readonly LongHashTable? _table;
        private readonly WideKeyTable? _wide;

        public PartitionIds(List<ColumnBatch> batches, IReadOnlyList<int> keys, long rows)
        {
            if (keys.Count == 0) { Direct = true; Count = 1; return; }
            _encoder = new KeyEncoder(batches.Select(b => keys.Select(k => b[k]).ToArray()).ToList());
            Words = _encoder.Words;
            Direct = _encoder.DirectIndexable(rows, DirectRangeLimit);
            if (Direct) Count = (int)_encoder.Cardinality;
            else if (Words == 1) _table = new LongHashTable();
            else _wide = new WideKeyTable(Words);
        }

        public bool Direct { get; }
        public int Words { get; } = 1;
        public int Count { get; private set; }

        // ids[i] for rows [start, start+count): assigned (pass 1) or looked up (pass 2, -1 for none); dead rows' ids unused.
        public void Ids(int part, int start, int count, Span<long> words, Span<int> ids, ReadOnlySpan<bool> live, bool assign)
        {
            if (_encoder is null) { ids.Clear(); return; }
            _encoder.Encode(part, start, count, words);
            int w = Words;
            if (Direct) { for (int i = 0; i < count; i++) ids[i] = (int)words[i]; return; }
            for (int i = 0; i < count; i++)
            {
                if (!live[i]) { ids[i] = -1; continue; }
                ids[i] = (_table, assign) switch
                {
                    ({ } t, true) => t.GetOrAdd(words[i], t.Count),
                    ({ } t, false) => t.Find(words[i]),
                    (null, true) => _wide!.GetOrAdd(words.Slice(i * w, w)),
                    _ => _wide!.Find(words.Slice(i * w, w)),
                };
            }
            Count = _table?.Count ?? _wide!.Count;
        }
    }

    // One thread's per-morsel scratch: which rows are live, their partition ids and their order words.
    private sealed class MorselBuffers(int keyWords)
    {
        private readonly long[] _keyWords = new long[MorselRows * keyWords];
        public readonly bool[] Live = new bool[MorselRows];
        public readonly int[] Ids = new int[MorselRows];
        public readonly ulong[] Order = new ulong[MorselRows];

        public void Load(ColumnBatch batch, int part, int start, int count, LiveRows? rows, SortKey key, PartitionIds groups, bool assign)
        {
            var live = Live.AsSpan(0, count);
            if (rows is null) live.Fill(true); else rows.Fill(start, live);
            groups.Ids(part, start, count, _keyWords, Ids, live, assign);
            var col = batch[key.Ordinal];
            var order = Order.AsSpan(0, count);
            SortSimd.Normalize(col, start, count, order, exactStrings: false);
            if (!key.Ascending) for (int i = 0; i < count; i++) order[i] = ~order[i];
            if (col.Validity is { } valid)
            {
                ulong nullWord = key.NullsFirst ? 0 : ulong.MaxValue;
                for (int i = 0; i < count; i++) if (!valid.IsValid(start + i)) order[i] = nullWord;
            }
        }
    }

    // Each group's k smallest words (distinct ones when ranking densely), ascending, in k slots per group.
    private sealed class TopWords(int groups, int k, bool distinct)
    {
        private ulong[] _words = new ulong[(long)groups * k];
        private int[] _filled = new int[groups];

        public void Grow(int groupCount)
        {
            if (groupCount <= _filled.Length) return;
            int size = Math.Max(groupCount, _filled.Length * 2);
            Array.Resize(ref _filled, size);
            Array.Resize(ref _words, size * k);
        }

        public void Offer(int g, ulong w)
        {
            int b = g * k, c = _filled[g];
            if (c == k && w >= _words[b + k - 1]) return;
            int p = c;
            while (p > 0 && _words[b + p - 1] > w) p--;
            if (distinct && p > 0 && _words[b + p - 1] == w) return;
            for (int j = Math.Min(c, k - 1); j > p; j--) _words[b + j] = _words[b + j - 1];
            _words[b + p] = w;
            if (c < k) _filled[g] = c + 1;
        }

        public void Merge(TopWords other)
        {
            for (int g = 0; g < other._filled.Length; g++)
                for (int j = 0; j < other._filled[g]; j++) Offer(g, other._words[g * k + j]);
        }

        // A row ranks within k only if its word is at most its group's k-th smallest; groups with fewer keep all rows.
        public ulong[] Bounds()
        {
            var bound = new ulong[_filled.Length];
            for (int g = 0; g < bound.Length; g++) bound[g] = _filled[g] == k ? _words[g * k + k - 1] : ulong.MaxValue;
            return bound;
        }
    }
}
