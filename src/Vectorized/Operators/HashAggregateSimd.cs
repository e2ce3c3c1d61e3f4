using System.Numerics;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Vectorized;

/// <summary>SIMD hash aggregate: global aggregates with vector sums and min/max, and grouping by any number
/// of keys of any scalar type, encoded into 64-bit words by <see cref="KeyEncoder"/>: direct-indexed when
/// the packed key range is small, an open-addressing table otherwise. Morsels are processed on all cores,
/// each thread with its own partial state, merged once at the end (no lock on the hot path).</summary>
public sealed class HashAggregateSimd : IFusedAggregateImpl
{
    private const int MorselRows = 65536;
    // Direct indexing up to 32M slots per thread (128 MiB, pooled): high-cardinality keys that are dense in their range,
    // such as TPC-H's l_orderkey (1.5 million groups over 6 million values at SF 1, 4.5 over 18 million at SF 3), skip
    // hashing entirely (at 8M slots SF 3's Q18 hashed them and ran at 1.9x DuckDB's time, against 0.65x at SF 1).
    private const long DirectRangeLimit = 1 << 25;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(AggregateSpec spec, ExecEnvironment env)
    {
        foreach (var k in spec.KeyOrdinals)
            if (!KeyEncoder.Supports(spec.Input[k].Type))
                return Support.No($"grouping by a {spec.Input[k].Type} key is not vectorized yet");
        foreach (var a in spec.Aggregates)
        {
            if (a.Distinct && a.InputOrdinal >= 0 && !KeyEncoder.Supports(spec.Input[a.InputOrdinal].Type))
                return Support.No($"{AggregateExpr.NameOf(a.Func)}(DISTINCT) over {spec.Input[a.InputOrdinal].Type} is not vectorized yet");
            if (Moments(a.Func) || Collects(a.Func))
            {
                if (a.Distinct) return Support.No($"{AggregateExpr.NameOf(a.Func)}(DISTINCT) is not vectorized yet");
                foreach (int o in new[] { a.InputOrdinal, a.SecondInputOrdinal }.Where(o => o >= 0))
                    if (spec.Input[o].Type.Id is not (TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal))
                        return Support.No($"{AggregateExpr.NameOf(a.Func)} over {spec.Input[o].Type} is not vectorized yet");
                continue;
            }
            if (a.Func is not (AggFunc.Count or AggFunc.CountStar or AggFunc.Sum or AggFunc.Avg or AggFunc.Min or AggFunc.Max))
                return Support.No($"aggregate {AggregateExpr.NameOf(a.Func)} is not vectorized yet");
            if (a.InputOrdinal >= 0 && a.Func != AggFunc.Count && !(spec.Input[a.InputOrdinal].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal
                    || (a.Func is AggFunc.Min or AggFunc.Max && spec.Input[a.InputOrdinal].Type.Id is TypeId.Date32 or TypeId.Timestamp)))
                return Support.No($"{AggregateExpr.NameOf(a.Func)} over {spec.Input[a.InputOrdinal].Type} is not vectorized yet");
        }
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(AggregateSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowAggregate * Math.Max(1, spec.Aggregates.Count + spec.KeyOrdinals.Count) / SimdCapabilities.EffectiveThreads / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec) => ColumnBatch.Concat(spec.Output, AggregateParts(input, spec));

    /// <inheritdoc />
    public IReadOnlyList<ColumnBatch> AggregateParts(IEnumerable<ColumnBatch> input, AggregateSpec spec) => Aggregate(input, spec, null);

    /// <inheritdoc />
    public string? CannotFuse(FilterSpec? filter, ProjectSpec? project, AggregateSpec spec)
    {
        if (spec.Aggregates.Any(a => a.Distinct)) return "a DISTINCT aggregate reads its input a second time";
        if (filter is not null && SimdEvaluator.RangeUnsupported(filter.Predicate, filter.Input) is { } filterWhy) return filterWhy;
        bool any = false;
        if (project is not null)
        {
            foreach (var k in spec.KeyOrdinals)
                if (project.Exprs[k] is not BoundColumn) return "a computed grouping key is encoded over the whole input first";
            foreach (var a in spec.Aggregates)
                foreach (var o in new[] { a.InputOrdinal, a.SecondInputOrdinal }.Where(o => o >= 0 && project.Exprs[o] is not BoundColumn))
                {
                    if (Moments(a.Func) || Collects(a.Func)) return $"{AggregateExpr.NameOf(a.Func)} reads its inputs in place";
                    if (SimdEvaluator.RangeUnsupported(project.Exprs[o], project.Input) is { } why) return why;
                    any = true;
                }
        }
        return any || filter is not null ? null : "no aggregate input is computed";
    }

    /// <inheritdoc />
    public FusedAggregate AggregateFused(IEnumerable<ColumnBatch> input, FilterSpec? filter, ProjectSpec? project, AggregateSpec spec)
    {
        if (CannotFuse(filter, project, spec) is { } why) throw new ArgumentException($"the input cannot be fused: {why}", nameof(project));
        // The aggregate reads a schema of the raw input's columns followed by the computed ones: plain columns of the
        // projection become raw ordinals, computed ones the ordinals after the raw columns.
        var rawSchema = project?.Input ?? filter?.Input ?? spec.Input;
        int raw = rawSchema.Count;
        var fields = rawSchema.Fields.ToList();
        var computed = new List<BoundExpr>();
        var ordinal = Enumerable.Range(0, spec.Input.Count).ToArray();
        for (int i = 0; project is not null && i < ordinal.Length; i++)
        {
            if (project.Exprs[i] is BoundColumn c) { ordinal[i] = c.Ordinal; continue; }
            ordinal[i] = raw + computed.Count;
            computed.Add(project.Exprs[i]);
            fields.Add(project.Output[i]);
        }
        int Map(int o) => o < 0 ? o : ordinal[o];
        var merged = new AggregateSpec(new Schema(fields), spec.KeyOrdinals.Select(Map).ToArray(),
            spec.Aggregates.Select(a => a with { InputOrdinal = Map(a.InputOrdinal), SecondInputOrdinal = Map(a.SecondInputOrdinal) }).ToArray(), spec.Output);
        var inputs = new MorselInputs(filter?.Predicate, [.. computed], raw);
        var batches = input as IReadOnlyList<ColumnBatch> ?? input.ToList();
        var parts = Aggregate(batches, merged, inputs);
        return new FusedAggregate(parts, filter is null ? batches.Sum(b => (long)b.RowCount) : inputs.RowsKept);
    }

    // What the aggregate evaluates per morsel: the fused filter's predicate (null: none) and the computed inputs (ordinal
    // RawCount + i of the aggregate's schema is Exprs[i] over the raw batch). RowsKept counts the rows the filter kept.
    private sealed record MorselInputs(BoundExpr? Predicate, BoundExpr[] Exprs, int RawCount)
    {
        public long RowsKept;
    }

    private static IReadOnlyList<ColumnBatch> Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec, MorselInputs? computed)
    {
        // A batch that keeps most of its rows is read in place, its dropped rows sent to a group that is thrown
        // away; a sparse one is compacted first.
        var batches = input.Where(b => b.RowCount > 0).ToList();
        static bool Sparse(ColumnBatch b) => b.Selection is not null && b.RowCount * 2 < b.PhysicalRows;
        if (batches.Any(Sparse))
            Parallel.For(0, batches.Count, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
                i => { if (Sparse(batches[i])) batches[i] = batches[i].Compact(); });
        var live = batches.Select(b => b.Selection is { } sel ? new LiveRows(sel, b.PhysicalRows) : null).ToList();
        var morsels = batches.SelectMany((b, part) => Enumerable.Range(0, (b.PhysicalRows + MorselRows - 1) / MorselRows)
            .Select(m => (Part: part, Start: m * MorselRows, Count: Math.Min(MorselRows, b.PhysicalRows - m * MorselRows)))).ToList();
        KeyEncoder? encoder = null;
        bool direct = false;
        if (spec.KeyOrdinals.Count > 0)
        {
            encoder = new KeyEncoder(batches.Select(b => spec.KeyOrdinals.Select(k => b[k]).ToArray()).ToList());
            long rows = batches.Sum(b => (long)b.PhysicalRows);
            direct = encoder.DirectIndexable(rows, DirectRangeLimit);
        }
        // An aggregate over a NULL-free input (or count(*)) counts exactly its group's rows: all such aggregates read
        // one row count per group, kept once per row, instead of each keeping its own. A computed input may turn NULL
        // (decimal overflow) in any morsel, so it keeps its own count.
        int raw = computed?.RawCount ?? int.MaxValue;
        var sharedCount = spec.Aggregates.Select(c => encoder is not null && !c.Distinct && !Moments(c.Func) && !Collects(c.Func)
            && (c.InputOrdinal < 0 || c.InputOrdinal < raw && batches.All(b => b[c.InputOrdinal].Validity is null))).ToArray();
        int threads = SimdCapabilities.EffectiveThreads;
        if (encoder is not null && !direct && threads > 1 && !spec.Aggregates.Any(a => a.Distinct)
            && DistinctShare(encoder, batches) is var share and >= HighCardinalityShare)
            return PartitionedAggregate(spec, batches, live, morsels, encoder, sharedCount, threads, share, computed);
        var states = new List<GroupState>();
        Parallel.ForEach(morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => new GroupState(spec, encoder, direct, sharedCount, computed),
            (m, _, state) => { state.Consume(batches[m.Part], m.Part, m.Start, m.Count, live[m.Part]); return state; },
            state => { lock (states) states.Add(state); });
        states.Sort((x, y) => y.Groups.CompareTo(x.Groups));
        // Without DISTINCT or collected values, each state keeps the groups no earlier state has (threads reading
        // clustered keys, as lineitem's l_orderkey, hardly overlap): every later state's group is looked up in the
        // earlier ones and folded into the one that has it, and the states' results are built in parallel.
        if (encoder is not null && states.Count is > 1 and <= MaxAbsorbingStates && !spec.Aggregates.Any(a => a.Distinct || Collects(a.Func)))
        {
            for (int j = 1; j < states.Count; j++)
                for (int i = 0; i < j; i++) states[i].Absorb(states[j]);
            var results = new List<ColumnBatch>[states.Count];
            Parallel.For(0, states.Count, new ParallelOptions { MaxDegreeOfParallelism = threads },
                i => results[i] = states[i].LiveGroups > 0 || i == 0 ? states[i].Result(spec, batches) : []);
            foreach (var st in states) st.Release();
            return results.SelectMany(r => r).ToList();
        }
        // Otherwise the largest thread state becomes the result; the others merge into it, its tables sized for them up front.
        var total = states.Count > 0 ? states[0] : new GroupState(spec, encoder, direct, sharedCount, computed);
        total.Reserve(states.Skip(1).Sum(s => s.Groups));
        foreach (var s in states.Skip(1)) total.Merge(s);
        for (int a = 0; a < spec.Aggregates.Count; a++)
            if (spec.Aggregates[a].Distinct) total.AddDistinct(a, batches, live, spec.Aggregates[a]);
        var result = total.Result(spec, batches);
        foreach (var s in states) s.Release();
        total.Release();
        return result;
    }

    // The most thread states combined by absorbing (each later state's groups are looked up in every earlier one).
    private const int MaxAbsorbingStates = 4;

    // Past this share of distinct keys in a sample, nearly every row opens a group: merging per-thread tables would
    // insert most groups twice.
    private const double HighCardinalityShare = 0.5;

    // The share of distinct keys among the first morsel's rows.
    private static double DistinctShare(KeyEncoder encoder, List<ColumnBatch> batches)
    {
        if (batches.Count == 0) return 0;
        int n = Math.Min(MorselRows, batches[0].PhysicalRows);
        if (n < 1024) return 0;
        int w = encoder.Words;
        var words = new long[n * w];
        encoder.Encode(0, 0, n, words);
        // Distinct hashes counted in an open-addressing set (0 marks a free slot, so hashes are stored with their low bit
        // set: a collision that merges two keys only nudges an estimate). Sorting them was 5% of a filtered aggregate.
        var set = new ulong[BitOperations.RoundUpToPowerOf2((uint)n * 2)];
        int mask = set.Length - 1, distinct = 0;
        for (int i = 0; i < n; i++)
        {
            ulong h = (w == 1 ? KeyHash.Mix(words[i]) : KeyHash.Mix(words.AsSpan(i * w, w))) | 1;
            int at = (int)(h >> 40) & mask;
            while (set[at] != 0 && set[at] != h) at = (at + 1) & mask;
            if (set[at] == 0) { set[at] = h; distinct++; }
        }
        return (double)distinct / n;
    }

    // Each thread takes the groups of one hash partition of the keys over all the input (other rows go to its discarded
    // group), so the threads' groups are disjoint and nothing is merged; each table is sized up front from the sample.
    private static List<ColumnBatch> PartitionedAggregate(AggregateSpec spec, List<ColumnBatch> batches, List<LiveRows?> live,
        List<(int Part, int Start, int Count)> morsels, KeyEncoder encoder, bool[] sharedCount, int threads, double share, MorselInputs? computed)
    {
        long rows = batches.Sum(b => (long)b.PhysicalRows);
        int expected = (int)Math.Min(int.MaxValue / 2, share * rows / threads * 1.1);
        var parts = new List<ColumnBatch>[threads];
        Parallel.For(0, threads, new ParallelOptions { MaxDegreeOfParallelism = threads }, t =>
        {
            var state = new GroupState(spec, encoder, false, sharedCount, computed, t, threads);
            state.Reserve(expected);
            foreach (var m in morsels) state.Consume(batches[m.Part], m.Part, m.Start, m.Count, live[m.Part]);
            parts[t] = state.Result(spec, batches);
            state.Release();
        });
        return parts.SelectMany(p => p).ToList();
    }

    /// <summary>Per-thread (and final) state: dense group ids, one slot per group per aggregate, and for each
    /// group one input row holding its key values (the output keys are gathered from those rows).</summary>
    private sealed class GroupState
    {
        private readonly AggregateSpec _spec;
        private readonly KeyEncoder? _encoder;
        private readonly bool _direct;
        // This state's hash partition of the keys, of _partitions (1: every key).
        private readonly int _partition, _partitions;
        private readonly LongHashTable? _table;
        private readonly WideKeyTable? _wide;
        private int[] _directSlot = [];
        private int _groups;
        // Packed keys are kept for merging thread states; wide keys live in their table.
        private readonly bool _packedKeys;
        private long[] _packedKey = new long[16];
        private long[] _rep = new long[16];
        // Rows per group, for the aggregates that share one count.
        private long[] _rows = new long[16];
        private readonly bool _countRows;
        // The distinct running slots, the first aggregate call each serves, and each aggregate's slots.
        private readonly Slots[] _aggs;
        private readonly AggregateCall[] _slotCalls;
        private readonly int[] _slotOf;
        // The filter and inputs evaluated per morsel (null: every row and input comes from the batch as it is), into
        // arrays reused across morsels; the raw columns the aggregates read, which a sparse morsel gathers.
        private readonly MorselInputs? _computed;
        private readonly EvaluationScratch _scratch = new();
        private readonly int[] _readColumns = [];
        private ulong[] _mask = [];
        private int[] _kept = [];
        private (int Part, List<ColumnLiteralConjunction.Conjunct>? Conjuncts) _conjunctsOf = (-1, null);

        private static bool SumOrAvg(AggregateCall c) => c.Func is AggFunc.Sum or AggFunc.Avg && !c.Distinct && c.InputOrdinal >= 0;
        // The group that rows outside a batch's selection feed; never output. -1 until needed.
        private int _trash = -1;
        private int[] _slots = [];
        private long[] _words = [];
        private bool[] _live = [];

        public GroupState(AggregateSpec spec, KeyEncoder? encoder, bool direct, bool[] sharedCount, MorselInputs? computed, int partition = 0, int partitions = 1)
        {
            _spec = spec;
            _computed = computed;
            if (computed?.Predicate is not null)
                _readColumns = spec.Aggregates.SelectMany(a => new[] { a.InputOrdinal, a.SecondInputOrdinal })
                    .Concat(computed.Exprs.SelectMany(e => e.Descendants()).OfType<BoundColumn>().Select(c => c.Ordinal))
                    .Where(o => o >= 0 && o < computed.RawCount).Distinct().ToArray();
            (_partition, _partitions) = (partition, partitions);
            _encoder = encoder;
            _direct = direct;
            _packedKeys = encoder is null || encoder.Packed;
            // sum(x) and avg(x) keep the same running sum and count: one set of slots serves both (TPC-H Q1 has two such pairs).
            _slotOf = new int[spec.Aggregates.Count];
            var slots = new List<Slots>();
            var first = new List<int>(); // the first aggregate each slots serve
            for (int a = 0; a < spec.Aggregates.Count; a++)
            {
                var c = spec.Aggregates[a];
                int same = first.FindIndex(f => SumOrAvg(spec.Aggregates[f]) && SumOrAvg(c) && spec.Aggregates[f].InputOrdinal == c.InputOrdinal && sharedCount[f] == sharedCount[a]);
                if (same >= 0) { _slotOf[a] = same; continue; }
                _slotOf[a] = slots.Count;
                slots.Add(new Slots(c.Func, c.InputOrdinal >= 0 ? spec.Input[c.InputOrdinal].Type : null, sharedCount[a]));
                first.Add(a);
            }
            _aggs = [.. slots];
            _slotCalls = first.Select(f => spec.Aggregates[f]).ToArray();
            _countRows = sharedCount.Any(x => x);
            if (encoder is null) { NewGroup(0, -1); return; }
            if (direct)
            {
                _directSlot = System.Buffers.ArrayPool<int>.Shared.Rent((int)encoder.Cardinality);
                _directSlot.AsSpan(0, (int)encoder.Cardinality).Fill(-1);
            }
            else if (encoder.Packed) _table = new LongHashTable();
            else _wide = new WideKeyTable(encoder.Words);
        }

        /// <summary>Hands the state's arrays back to the pool; the state takes no rows afterwards.</summary>
        public void Release()
        {
            PooledArrays.Return(ref _directSlot);
            foreach (var a in _aggs) a.Release();
            PooledArrays.Return(ref _packedKey);
            PooledArrays.Return(ref _rep);
            PooledArrays.Return(ref _rows);
            _table?.Release();
            _wide?.Release();
        }

        /// <summary>Groups so far (the discarded group included).</summary>
        public int Groups => _groups;

        /// <summary>Makes room for <paramref name="more"/> further groups without regrowing.</summary>
        public void Reserve(int more)
        {
            int target = _groups + more;
            GrowGroups(target);
            foreach (var a in _aggs) a.Grow(target, _rows);
            _table?.Reserve(target);
            _wide?.Reserve(target);
        }

        private int NewGroup(long packedKey, long rep)
        {
            if (_groups == _rep.Length) GrowGroups(_groups * 2);
            if (_packedKeys) _packedKey[_groups] = packedKey;
            _rep[_groups] = rep;
            foreach (var a in _aggs) a.Grow(_groups + 1, _rows);
            return _groups++;
        }

        private void GrowGroups(int size)
        {
            if (_packedKeys) PooledArrays.Grow(ref _packedKey, size);
            PooledArrays.Grow(ref _rep, size);
            PooledArrays.Grow(ref _rows, size);
        }

        private int PackedSlot(long key, long rep)
        {
            if (_direct)
            {
                int s = _directSlot[key];
                return s >= 0 ? s : _directSlot[key] = NewGroup(key, rep);
            }
            int id = _table!.GetOrAdd(key, _groups);
            return id == _groups ? NewGroup(key, rep) : id;
        }

        private int WideSlot(ReadOnlySpan<long> words, long rep)
        {
            int id = _wide!.GetOrAdd(words);
            return id == _groups ? NewGroup(0, rep) : id;
        }

        // Rows [start, start+count) of a part, or of them only the rows at the positions `kept` (non-empty) holds.
        private void AssignSlots(int part, int start, int count, Span<int> slots, ReadOnlySpan<bool> live, bool anyDead, ReadOnlySpan<int> kept)
        {
            if (_encoder is not { } enc)
            {
                // Global aggregate over a batch with a selection: group 0 or the trash group.
                for (int i = 0; i < count; i++) slots[i] = live[i] ? 0 : Trash();
                return;
            }
            if (_words.Length < count * enc.Words) _words = new long[MorselRows * enc.Words];
            var words = _words;
            long repBase = (long)part << 32 | (uint)start;
            if (!kept.IsEmpty && enc.Packed)
            {
                // A sparse morsel's survivors: only their keys are encoded (TPC-H Q11's 4% of partsupp).
                enc.EncodeAt(part, start, count, kept, words);
                for (int i = 0; i < kept.Length; i++)
                    slots[i] = _partitions > 1 && !InPartition(words.AsSpan(i, 1), true) ? Trash() : PackedSlot(words[i], repBase + kept[i]);
                return;
            }
            enc.Encode(part, start, count, words);
            int w = enc.Words;
            if (_direct && _partitions == 1 && kept.IsEmpty)
            {
                // The common dense key (a small-range integer): one array read per row, no per-row dispatch (the
                // generic Slot/PackedSlot calls were 60% of a 1,000-group sum over 1e7 rows).
                var ds = _directSlot;
                for (int i = 0; i < count; i++)
                {
                    if (anyDead && !live[i]) { slots[i] = Trash(); continue; }
                    long key = words[i];
                    int s = ds[key];
                    slots[i] = s >= 0 ? s : ds[key] = NewGroup(key, repBase + i);
                }
                return;
            }
            if (!kept.IsEmpty)
            {
                for (int i = 0; i < kept.Length; i++) slots[i] = Slot(words, kept[i], w, enc.Packed, repBase);
                return;
            }
            for (int i = 0; i < count; i++) slots[i] = anyDead && !live[i] ? Trash() : Slot(words, i, w, enc.Packed, repBase);
        }

        private int Slot(long[] words, int row, int w, bool packed, long repBase) =>
            _partitions > 1 && !InPartition(words.AsSpan(row * w, w), packed) ? Trash()
            : packed ? PackedSlot(words[row], repBase + row)
            : WideSlot(words.AsSpan(row * w, w), repBase + row);

        // Whether a key belongs to this state's hash partition: the high bits of its hash, scaled to the partition count.
        private bool InPartition(ReadOnlySpan<long> key, bool packed)
        {
            ulong hash = packed ? KeyHash.Mix(key[0]) : KeyHash.Mix(key);
            return (int)(((hash >> 32) * (ulong)_partitions) >> 32) == _partition;
        }

        private int Trash()
        {
            if (_trash >= 0) return _trash;
            _wide?.AddKeyless(); // the wide table numbers its keys like the groups, so it takes the trash id too
            return _trash = NewGroup(0, -1);
        }

        public void Consume(ColumnBatch b, int part, int start, int count, LiveRows? rows)
        {
            if (_slots.Length < count) _slots = new int[MorselRows];
            if (_live.Length < count) _live = new bool[MorselRows];
            var live = _live.AsSpan(0, count);
            rows?.Fill(start, live);
            bool anyDead = rows is not null;
            _scratch.Recycle(); // the previous morsel's values are consumed
            // The aggregates read `n` rows of `columns` from row `at`: the batch's own rows, or, where the fused filter
            // keeps under half of them, its survivors gathered into scratch columns (`kept`: their rows in the morsel).
            IReadOnlyList<ColumnVector> columns = b.Columns;
            int at = start, n = count;
            ReadOnlySpan<int> kept = default;
            if (_computed?.Predicate is { } predicate)
            {
                var mask = FilterMask(predicate, b, part, start, count, live, anyDead);
                int k = Bitmask.Count(mask);
                if (_partition == 0) Interlocked.Add(ref _computed.RowsKept, k);
                if (k == 0) return;
                if (k * 2 >= count)
                {
                    for (int i = 0; i < count; i++) live[i] = (mask[i >> 6] >> (i & 63) & 1) != 0;
                    anyDead = k < count;
                }
                else
                {
                    if (_kept.Length < k) _kept = new int[MorselRows];
                    kept = _kept.AsSpan(0, Bitmask.PositionsInto(mask, _kept));
                    columns = GatherKept(b, start, kept);
                    (at, n, anyDead) = (0, k, false);
                }
            }
            bool keyed = _encoder is not null || anyDead;
            Span<int> slots = keyed ? _slots.AsSpan(0, n) : [];
            if (keyed) AssignSlots(part, start, count, slots, live, anyDead, kept);
            ColumnVector[] computed = [];
            int raw = int.MaxValue;
            if (_computed is { } c)
            {
                computed = SimdEvaluator.EvaluateRange(c.Exprs, columns, at, n, _scratch);
                raw = c.RawCount;
            }
            if (_countRows) Increment(_rows, slots);
            for (int a = 0; a < _aggs.Length; a++)
            {
                var call = _slotCalls[a];
                var s = _aggs[a];
                if (call.Distinct) continue; // after the merge, in AddDistinct
                if (s.SharedCount && call.Func is AggFunc.Count or AggFunc.CountStar) continue;
                if (call.InputOrdinal < 0)
                {
                    if (!keyed) s.Count[0] += n;
                    else
                    {
                        var groupRows = s.Count;
                        foreach (var g in slots) groupRows[g]++;
                    }
                    continue;
                }
                // A computed input holds just this morsel's rows, from its row 0.
                var (col, from) = call.InputOrdinal < raw ? (columns[call.InputOrdinal], at) : (computed[call.InputOrdinal - raw], 0);
                if (Collects(call.Func))
                {
                    CollectValues(s, col, from, n, slots);
                    continue;
                }
                if (Moments(call.Func))
                {
                    AccumulateMoments(s, col, call.SecondInputOrdinal >= 0 ? columns[call.SecondInputOrdinal] : null, from, n, slots);
                    continue;
                }
                bool isDecimal = col.Type.Id == TypeId.Decimal;
                if (!keyed && col.Validity is null && (call.Func is AggFunc.Count || !isDecimal && call.Func is AggFunc.Sum or AggFunc.Avg))
                {
                    // Global, no NULLs: whole-vector sums.
                    s.Count[0] += n;
                    if (call.Func is AggFunc.Count) continue;
                    switch (col)
                    {
                        case PrimitiveVector<long> v: s.Long[0] = unchecked(s.Long[0] + VectorLoops.Sum<long>(v.Values.AsSpan(from, n))); break;
                        case PrimitiveVector<int> v: s.Long[0] = unchecked(s.Long[0] + SumWidened(v.Values.AsSpan(from, n))); break;
                        case PrimitiveVector<double> v: s.Double[0] += VectorLoops.Sum<double>(v.Values.AsSpan(from, n)); break;
                        case PrimitiveVector<float> v: s.Double[0] += SumWidened(v.Values.AsSpan(from, n)); break;
                    }
                    continue;
                }
                Accumulate(s, call.Func, col, isDecimal, from, n, slots);
            }
        }

        // The fused filter's TRUE rows of the morsel, less the rows outside the batch's selection.
        private Span<ulong> FilterMask(BoundExpr predicate, ColumnBatch b, int part, int start, int count, ReadOnlySpan<bool> live, bool anyDead)
        {
            Span<ulong> mask;
            if (_conjunctsOf.Part != part) _conjunctsOf = (part, ColumnLiteralConjunction.Of(predicate, b.Columns));
            if (_conjunctsOf.Conjuncts is { } conjuncts)
            {
                if (_mask.Length == 0) _mask = new ulong[Bitmask.Words(MorselRows)];
                mask = _mask.AsSpan(0, Bitmask.Words(count));
                ColumnLiteralConjunction.TrueRows(conjuncts, b.Columns, start, count, mask);
            }
            else mask = SimdEvaluator.TrueRowsInRange(predicate, b.Columns, start, count, _scratch);
            if (anyDead)
                for (int i = 0; i < count; i++) if (!live[i]) mask[i >> 6] &= ~(1UL << (i & 63));
            return mask;
        }

        // The raw columns the aggregates read, at the morsel's rows `kept`, in scratch arrays (other columns are left
        // as they are and never read).
        private ColumnVector[] GatherKept(ColumnBatch b, int start, ReadOnlySpan<int> kept)
        {
            var columns = b.Columns.ToArray();
            foreach (int o in _readColumns)
            {
                var c = columns[o];
                var valid = c.Validity is { } v ? new ValidityBitmap(kept.Length, false) : null;
                if (valid is not null)
                    for (int i = 0; i < kept.Length; i++) if (c.Validity!.IsValid(start + kept[i])) valid.Set(i, true);
                columns[o] = c switch
                {
                    PrimitiveVector<long> p => Gathered(p, start, kept, valid),
                    PrimitiveVector<int> p => Gathered(p, start, kept, valid),
                    PrimitiveVector<double> p => Gathered(p, start, kept, valid),
                    PrimitiveVector<float> p => Gathered(p, start, kept, valid),
                    _ => c.Gather(kept.ToArray().Select(r => start + r).ToArray()),
                };
            }
            return columns;
        }

        private PrimitiveVector<T> Gathered<T>(PrimitiveVector<T> c, int start, ReadOnlySpan<int> kept, ValidityBitmap? valid) where T : unmanaged
        {
            var values = _scratch.Take<T>(kept.Length);
            var src = c.Values.AsSpan(start);
            for (int i = 0; i < kept.Length; i++) values[i] = src[kept[i]];
            return new PrimitiveVector<T>(c.Type, values, valid, kept.Length);
        }

        /// <summary>Feeds aggregate <paramref name="a"/> each distinct (group, value) pair once: a second pass over the
        /// input, after the groups are known, through one table of pairs of the group id and the value's key word(s).
        /// A count whose pairs pack into one word sorts the words instead and counts their runs: most pairs are distinct
        /// in a typical count(DISTINCT), so a table of them misses the cache at nearly every row (TPC-H Q16: 357,000
        /// pairs, 36 ms in the table against a few ms of radix passes).</summary>
        public void AddDistinct(int a, List<ColumnBatch> batches, List<LiveRows?> live, AggregateCall call)
        {
            var values = new KeyEncoder(batches.Select(b => new[] { b[call.InputOrdinal] }).ToList());
            // A (group, value) pair packs into one word when both ranges' product fits.
            bool packed = values.Packed && (double)values.Cardinality * Math.Max(1, _groups + 1) < (1L << 62);
            bool counts = call.Func == AggFunc.Count;
            var sorted = packed && counts ? new List<ulong>() : null;
            var seenPacked = packed && !counts ? new LongHashTable() : null;
            var seen = packed ? null : new WideKeyTable(1 + values.Words);
            var pair = new long[1 + values.Words];
            var one = new int[1];
            var slots = _aggs[_slotOf[a]];
            for (int part = 0; part < batches.Count; part++)
            {
                var col = batches[part][call.InputOrdinal];
                bool isDecimal = col.Type.Id == TypeId.Decimal;
                for (int start = 0; start < col.Length; start += MorselRows)
                {
                    int count = Math.Min(MorselRows, col.Length - start);
                    var keyWords = _encoder is null ? [] : new long[count * _encoder.Words];
                    _encoder?.Encode(part, start, count, keyWords);
                    var valueWords = new long[count * values.Words];
                    values.Encode(part, start, count, valueWords);
                    var liveHere = new bool[count];
                    if (live[part] is { } l) l.Fill(start, liveHere); else liveHere.AsSpan().Fill(true);
                    for (int i = 0; i < count; i++)
                    {
                        if (col.IsNull(start + i) || !liveHere[i]) continue;
                        int g = _encoder is null ? 0 : FindGroup(keyWords.AsSpan(i * _encoder.Words, _encoder.Words));
                        if (sorted is not null) { sorted.Add((ulong)(g * values.Cardinality + valueWords[i])); continue; }
                        if (seenPacked is not null)
                        {
                            int before = seenPacked.Count;
                            if (seenPacked.GetOrAdd(g * values.Cardinality + valueWords[i], before) != before) continue;
                        }
                        else
                        {
                            pair[0] = g;
                            valueWords.AsSpan(i * values.Words, values.Words).CopyTo(pair.AsSpan(1));
                            int before = seen!.Count;
                            seen.GetOrAdd(pair);
                            if (seen.Count == before) continue;
                        }
                        if (counts) { slots.Count[g]++; continue; }
                        one[0] = g;
                        Accumulate(slots, call.Func, col, isDecimal, start + i, 1, one);
                    }
                }
            }
            if (sorted is null || sorted.Count == 0) return;
            var words = sorted.ToArray();
            SortSimd.RadixSort(words, new int[words.Length]);
            for (int i = 0; i < words.Length; i++)
                if (i == 0 || words[i] != words[i - 1]) slots.Count[(int)(words[i] / (ulong)values.Cardinality)]++;
        }

        private int FindGroup(ReadOnlySpan<long> words) =>
            _direct ? _directSlot[words[0]] : _encoder!.Packed ? _table!.Find(words[0]) : _wide!.Find(words);

        private double[] _x = [], _y = [];

        // Variances update each group's count, mean and sum of squared deviations (Welford's method, as the scalar
        // path); corr keeps the raw sums of both inputs over the rows where both are non-NULL, as the scalar path does.
        private void AccumulateMoments(Slots s, ColumnVector x, ColumnVector? y, int start, int count, ReadOnlySpan<int> slots)
        {
            var xs = AsDoubles(x, start, count, ref _x);
            var (vx, vy) = (x.Validity, y?.Validity);
            long[] n = s.Count;
            if (y is null)
            {
                double[] mean = s.Mean, m2 = s.M2;
                for (int i = 0; i < xs.Length; i++)
                {
                    if (vx is not null && !vx.IsValid(start + i)) continue;
                    int g = slots.Length > 0 ? slots[i] : 0;
                    if (g == _trash) continue;
                    double v = xs[i], delta = v - mean[g];
                    mean[g] += delta / ++n[g];
                    m2[g] += delta * (v - mean[g]);
                }
                return;
            }
            var ys = AsDoubles(y, start, count, ref _y);
            double[] sx = s.SumX, sy = s.SumY, sxx = s.SumXX, syy = s.SumYY, sxy = s.SumXY;
            for (int i = 0; i < xs.Length; i++)
            {
                if (vx is not null && !vx.IsValid(start + i) || vy is not null && !vy.IsValid(start + i)) continue;
                int g = slots.Length > 0 ? slots[i] : 0;
                if (g == _trash) continue;
                double a = xs[i], c = ys[i];
                n[g]++;
                sx[g] += a; sy[g] += c; sxx[g] += a * a; syy[g] += c * c; sxy[g] += a * c;
            }
        }

        // Median and percentile keep every non-NULL value with its group; the groups' values are ordered at the end.
        private void CollectValues(Slots s, ColumnVector x, int start, int count, ReadOnlySpan<int> slots)
        {
            var xs = AsDoubles(x, start, count, ref _x);
            s.Reserve(count);
            var valid = x.Validity;
            long[] n = s.Count;
            int[] groups = s.ValueGroup;
            double[] values = s.Value;
            int o = s.Values;
            for (int i = 0; i < xs.Length; i++)
            {
                if (valid is not null && !valid.IsValid(start + i)) continue;
                int g = slots.Length > 0 ? slots[i] : 0;
                // The discarded group (rows outside the selection or another thread's partition) keeps nothing.
                if (g == _trash) continue;
                n[g]++;
                groups[o] = g;
                values[o++] = xs[i];
            }
            s.Values = o;
        }

        // A morsel of a numeric column as doubles, in a buffer the state keeps.
        private static Span<double> AsDoubles(ColumnVector c, int start, int count, ref double[] buffer)
        {
            if (buffer.Length < count) buffer = new double[MorselRows];
            var dst = buffer.AsSpan(0, count);
            switch (c)
            {
                case PrimitiveVector<double> v: v.Values.AsSpan(start, dst.Length).CopyTo(dst); break;
                case PrimitiveVector<float> v: for (int i = 0; i < dst.Length; i++) dst[i] = v.Values[start + i]; break;
                // A decimal's double is the scalar path's: the System.Decimal value converted, not the scaled integer divided.
                case PrimitiveVector<long> v when c.Type.Id == TypeId.Decimal:
                    for (int i = 0; i < dst.Length; i++) dst[i] = (double)Accel.Data.ValueConversions.ToDecimal(v.Values[start + i], c.Type.Scale);
                    break;
                case PrimitiveVector<long> v: for (int i = 0; i < dst.Length; i++) dst[i] = v.Values[start + i]; break;
                case PrimitiveVector<int> v: for (int i = 0; i < dst.Length; i++) dst[i] = v.Values[start + i]; break;
                default: throw new AccelException($"no SIMD moments over {c.Type}");
            }
            return dst;
        }

        // One loop per value type and aggregate kind, each touching only its own slot arrays; NULL inputs are skipped.
        private static void Accumulate(Slots s, AggFunc func, ColumnVector col, bool isDecimal, int start, int count, ReadOnlySpan<int> slots)
        {
            bool sum = func is AggFunc.Sum or AggFunc.Avg;
            switch (col)
            {
                case PrimitiveVector<long> v when func is not AggFunc.Count:
                    if (sum && isDecimal) Loop<long, SumDecimal>(s, v.Values, col.Validity, start, count, slots);
                    else if (sum) Loop<long, SumLong>(s, v.Values, col.Validity, start, count, slots);
                    else if (func == AggFunc.Min) Loop<long, MinLong>(s, v.Values, col.Validity, start, count, slots);
                    else Loop<long, MaxLong>(s, v.Values, col.Validity, start, count, slots);
                    break;
                case PrimitiveVector<int> v when func is not AggFunc.Count:
                    if (sum) Loop<int, SumLong>(s, v.Values, col.Validity, start, count, slots);
                    else if (func == AggFunc.Min) Loop<int, MinLong>(s, v.Values, col.Validity, start, count, slots);
                    else Loop<int, MaxLong>(s, v.Values, col.Validity, start, count, slots);
                    break;
                case PrimitiveVector<double> v when func is not AggFunc.Count:
                    if (sum) Loop<double, SumDouble>(s, v.Values, col.Validity, start, count, slots);
                    else if (func == AggFunc.Min) Loop<double, MinDouble>(s, v.Values, col.Validity, start, count, slots);
                    else Loop<double, MaxDouble>(s, v.Values, col.Validity, start, count, slots);
                    break;
                case PrimitiveVector<float> v when func is not AggFunc.Count:
                    if (sum) Loop<float, SumDouble>(s, v.Values, col.Validity, start, count, slots);
                    else if (func == AggFunc.Min) Loop<float, MinDouble>(s, v.Values, col.Validity, start, count, slots);
                    else Loop<float, MaxDouble>(s, v.Values, col.Validity, start, count, slots);
                    break;
                default:
                    var valid = col.Validity;
                    for (int i = 0; i < count; i++) if (valid is null || valid.IsValid(start + i)) s.Count[slots.Length > 0 ? slots[i] : 0]++;
                    break;
            }
        }

        // The update is a struct type parameter, so the JIT inlines it into a loop specialised per value type and kind.
        private static void Loop<T, TUpdate>(Slots s, T[] values, ValidityBitmap? valid, int start, int count, ReadOnlySpan<int> slots)
            where T : unmanaged where TUpdate : struct, IUpdate<T>
        {
            var v = values.AsSpan(start, count);
            if (slots.Length == 0)
            {
                for (int i = 0; i < v.Length; i++) if (valid is null || valid.IsValid(start + i)) TUpdate.Add(s, 0, v[i]);
            }
            else if (valid is null)
            {
                if (s.SharedCount) TUpdate.AddValues(s, v, slots[..v.Length]);
                else TUpdate.AddRows(s, v, slots[..v.Length]);
            }
            else
                for (int i = 0; i < v.Length; i++) if (valid.IsValid(start + i)) TUpdate.Add(s, slots[i], v[i]);
        }

        private static long SumWidened(ReadOnlySpan<int> a)
        {
            // Sums of 32-bit values are widened per block so that they cannot wrap before Spark's bigint would.
            long total = 0;
            Span<long> block = stackalloc long[1024];
            for (int i = 0; i < a.Length; i += block.Length)
            {
                int n = Math.Min(block.Length, a.Length - i);
                for (int k = 0; k < n; k++) block[k] = a[i + k];
                total += VectorLoops.Sum<long>(block[..n]);
            }
            return total;
        }

        private static double SumWidened(ReadOnlySpan<float> a)
        {
            double total = 0;
            foreach (var f in a) total += f;
            return total;
        }

        /// <summary>Folds into this state the groups of <paramref name="other"/> whose keys it holds, marking them spent
        /// there: what is left live in <paramref name="other"/> are keys this state lacks.</summary>
        public void Absorb(GroupState other)
        {
            for (int g = 0; g < other._groups; g++)
            {
                if (g == other._trash || other.IsSpent(g)) continue;
                int t = FindGroup(_encoder!.Packed ? new ReadOnlySpan<long>(in other._packedKey[g]) : other._wide!.KeyOf(g));
                if (t < 0) continue;
                for (int a = 0; a < _aggs.Length; a++) _aggs[a].Merge(t, other._aggs[a], g);
                _rows[t] += other._rows[g];
                other.MarkSpent(g);
            }
        }

        // Groups folded into another state (Absorb): not part of this state's result.
        private ulong[]? _spent;
        private int _spentCount;

        private bool IsSpent(int g) => _spent is { } s && (s[g >> 6] >> (g & 63) & 1) != 0;

        private void MarkSpent(int g)
        {
            _spent ??= new ulong[Bitmask.Words(_groups)];
            _spent[g >> 6] |= 1UL << (g & 63);
            _spentCount++;
        }

        /// <summary>The groups this state's result holds (not its discarded or absorbed ones).</summary>
        public int LiveGroups => _groups - (_trash >= 0 ? 1 : 0) - _spentCount;

        public void Merge(GroupState other)
        {
            // other's group -> this state's group, for the collected values (-1: other's discarded group).
            var map = new int[other._groups];
            for (int g = 0; g < other._groups; g++)
            {
                map[g] = -1;
                if (g == other._trash) continue;
                int t = _encoder is null ? 0
                    : _encoder.Packed ? PackedSlot(other._packedKey[g], other._rep[g])
                    : WideSlot(other._wide!.KeyOf(g), other._rep[g]);
                for (int a = 0; a < _aggs.Length; a++) _aggs[a].Merge(t, other._aggs[a], g);
                _rows[t] += other._rows[g];
                map[g] = t;
            }
            for (int a = 0; a < _aggs.Length; a++) _aggs[a].AppendValues(other._aggs[a], map);
        }

        /// <summary>The groups as one batch per input part their key rows come from (one gather per key and part), the
        /// aggregate columns computed once over all groups and sliced.</summary>
        public List<ColumnBatch> Result(AggregateSpec spec, List<ColumnBatch> batches)
        {
            // Groups in the order of their representative rows, so that each batch's key rows are one gather.
            var order = new int[LiveGroups];
            for (int g = 0, at = 0; g < _groups; g++) if (g != _trash && !IsSpent(g)) order[at++] = g;
            int n = order.Length;
            // The representative rows are dead once the key rows are gathered: they and the sort's buffers come from the pool,
            // since a fresh array this size costs page faults on every query that leaves no gen0 memory to reuse.
            var reps = System.Buffers.ArrayPool<long>.Shared.Rent(Math.Max(1, n));
            bool sorted = true;
            for (int i = 0; i < n; i++)
            {
                reps[i] = _rep[order[i]];
                sorted &= i == 0 || reps[i] > reps[i - 1];
            }
            // A state that saw its rows in order (one thread's morsels, or one hash partition) made its groups in row order;
            // one merged from several such states holds one ascending run of them per state.
            if (_encoder is not null && !sorted) RunMerge.Sort(reps, order, n);
            var aggregates = spec.Aggregates.Select((call, a) =>
                AggregateColumn(call, _aggs[_slotOf[a]], call.InputOrdinal >= 0 ? spec.Input[call.InputOrdinal].Type : null, order)).ToArray();
            if (_encoder is null || n == 0) System.Buffers.ArrayPool<long>.Shared.Return(reps);
            if (_encoder is null) return [new ColumnBatch(spec.Output, aggregates, n)];
            if (n == 0) return [new ColumnBatch(spec.Output, [.. spec.KeyOrdinals.Select(k => ColumnBuilder.Create(spec.Input[k].Type, 0).Build()), .. aggregates], 0)];
            var result = new List<ColumnBatch>();
            for (int i = 0; i < n;)
            {
                int part = (int)(reps[i] >> 32), j = i;
                while (j < n && (int)(reps[j] >> 32) == part) j++;
                var rows = new int[j - i];
                for (int x = i; x < j; x++) rows[x - i] = (int)reps[x];
                var keys = spec.KeyOrdinals.Select(k => NormalizedKeys(batches[part][k].Gather(rows)));
                int from = i, count = j - i;
                var values = aggregates.Select(c => count == n ? c : c.Slice(from, count));
                result.Add(new ColumnBatch(spec.Output, [.. keys, .. values], count));
                i = j;
            }
            System.Buffers.ArrayPool<long>.Shared.Return(reps);
            return result;
        }

        // One typed column per aggregate, in output group order; NULL where a group saw no non-NULL input.
        private static ColumnVector AggregateColumn(AggregateCall call, Slots s, DataType? inType, int[] order)
        {
            int n = order.Length;
            var type = call.ResultType;
            if (call.Func is AggFunc.Count or AggFunc.CountStar) return new PrimitiveVector<long>(type, Gather(s.Count, order));
            // Sample statistics and corr need two values, everything else one.
            long needed = call.Func is AggFunc.StdDev or AggFunc.Variance or AggFunc.Corr ? 2 : 1;
            var (valid, anyNull) = Counted(s, order, needed);
            if (Moments(call.Func)) return MomentsColumn(call, s, order, needed, anyNull ? valid : null);
            if (Collects(call.Func)) return PercentileColumn(call, s, order, anyNull ? valid : null);
            bool floating = inType!.IsFloating;
            switch (call.Func)
            {
                case AggFunc.Sum or AggFunc.Avg when inType.Id == TypeId.Decimal:
                {
                    var v = new long[n];
                    var fit = new DecimalFit(inType.Scale, type);
                    for (int i = 0; i < n; i++)
                    {
                        int g = order[i];
                        if (s.Count[g] > 0 && !fit.TryResult(s.Wide[g], call.Func == AggFunc.Avg ? s.Count[g] : 1, out v[i]))
                        {
                            valid.Set(i, false);
                            anyNull = true;
                        }
                    }
                    return new PrimitiveVector<long>(type, v, anyNull ? valid : null);
                }
                case AggFunc.Sum when floating:
                    return new PrimitiveVector<double>(type, Gather(s.Double, order), anyNull ? valid : null);
                case AggFunc.Sum:
                    return new PrimitiveVector<long>(type, Gather(s.Long, order), anyNull ? valid : null);
                case AggFunc.Avg:
                {
                    var v = new double[n];
                    for (int i = 0; i < n; i++)
                    {
                        int g = order[i];
                        if (s.Count[g] > 0) v[i] = (floating ? s.Double[g] : s.Long[g]) / s.Count[g];
                    }
                    return new PrimitiveVector<double>(type, v, anyNull ? valid : null);
                }
                default:
                {
                    bool min = call.Func == AggFunc.Min;
                    var validity = anyNull ? valid : null;
                    if (floating)
                    {
                        var d = Gather(min ? s.Min : s.Max, order);
                        return type.Id == TypeId.Float32
                            ? new PrimitiveVector<float>(type, Array.ConvertAll(d, x => (float)x), validity)
                            : new PrimitiveVector<double>(type, d, validity);
                    }
                    // Min and max keep the input type (decimals at the input's scale).
                    var l = Gather(min ? s.MinL : s.MaxL, order);
                    return type.Id is TypeId.Int32 or TypeId.Date32
                        ? new PrimitiveVector<int>(type, Array.ConvertAll(l, x => (int)x), validity)
                        : new PrimitiveVector<long>(type, l, validity);
                }
            }
        }

        // Output row i is valid when its group saw at least `needed` values; anyNull says whether one did not.
        private static (ValidityBitmap Valid, bool AnyNull) Counted(Slots s, int[] order, long needed)
        {
            var valid = new ValidityBitmap(order.Length);
            bool anyNull = false;
            for (int i = 0; i < order.Length; i++)
                if (s.Count[order[i]] < needed) { valid.Set(i, false); anyNull = true; }
            return (valid, anyNull);
        }

        // The scalar path's rules; corr is NaN when either input is constant.
        private static ColumnVector MomentsColumn(AggregateCall call, Slots s, int[] order, long needed, ValidityBitmap? validity)
        {
            int n = order.Length;
            var v = new double[n];
            for (int i = 0; i < n; i++)
            {
                int g = order[i];
                long c = s.Count[g];
                if (c < needed) continue;
                switch (call.Func)
                {
                    case AggFunc.Variance: v[i] = s.M2[g] / (c - 1); break;
                    case AggFunc.StdDev: v[i] = Math.Sqrt(s.M2[g] / (c - 1)); break;
                    case AggFunc.VariancePop: v[i] = s.M2[g] / c; break;
                    case AggFunc.StdDevPop: v[i] = Math.Sqrt(s.M2[g] / c); break;
                    default:
                        double cov = s.SumXY[g] - s.SumX[g] * s.SumY[g] / c, vx = s.SumXX[g] - s.SumX[g] * s.SumX[g] / c, vy = s.SumYY[g] - s.SumY[g] * s.SumY[g] / c;
                        v[i] = cov / Math.Sqrt(vx * vy);
                        break;
                }
            }
            return new PrimitiveVector<double>(call.ResultType, v, validity);
        }

        // The values laid out by group (a counting sort on the group ids), then each group's percentile on its own range.
        private static ColumnVector PercentileColumn(AggregateCall call, Slots s, int[] order, ValidityBitmap? validity)
        {
            int groups = s.Count.Length;
            var start = new int[groups + 1];
            for (int g = 0; g < groups; g++) start[g + 1] = start[g] + (int)s.Count[g];
            var at = start[..groups];
            var sorted = System.Buffers.ArrayPool<double>.Shared.Rent(Math.Max(1, s.Values));
            for (int i = 0; i < s.Values; i++) sorted[at[s.ValueGroup[i]]++] = s.Value[i];
            int n = order.Length;
            var v = new double[n];
            double fraction = call.Func == AggFunc.Median ? 0.5 : call.Fraction;
            Parallel.For(0, n, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, i =>
            {
                int g = order[i];
                if (s.Count[g] > 0) v[i] = Accel.Operators.Percentiles.Interpolated(sorted.AsSpan(start[g], start[g + 1] - start[g]), fraction);
            });
            System.Buffers.ArrayPool<double>.Shared.Return(sorted);
            return new PrimitiveVector<double>(call.ResultType, v, validity);
        }

        private static T[] Gather<T>(T[] values, int[] order)
        {
            var r = new T[order.Length];
            for (int i = 0; i < r.Length; i++) r[i] = values[order[i]];
            return r;
        }

        // sum / count at the result's scale, rounded half away from zero; no result (NULL) when it needs more digits than
        // the result's precision (the scalar path's decimal rules). The rescaling factor and the precision limit are
        // computed once per column: per group they were dozens of 128-bit multiplies, 9% of a 91,000-group aggregate
        // (TPC-H Q11's).
        private readonly struct DecimalFit
        {
            private readonly Int128 _rescale, _limit;

            public DecimalFit(int scale, DataType result)
            {
                _rescale = 1;
                for (int i = scale; i < result.Scale; i++) _rescale *= 10;
                _limit = 1;
                for (int i = 0; i < result.Precision; i++) _limit *= 10;
            }

            /// <summary>sum / count (rounded half away from zero) at the result's scale, unless it exceeds the precision.</summary>
            public bool TryResult(Int128 sum, long count, out long scaled)
            {
                Int128 value = sum * _rescale, q = value;
                if (count != 1)
                {
                    q = value / count;
                    if (Int128.Abs(value - q * count) * 2 >= count) q += Int128.Sign(value);
                }
                bool fits = Int128.Abs(q) < _limit;
                scaled = fits ? (long)q : 0;
                return fits;
            }
        }

        // Output keys show Spark's grouping value: -0.0 groups (and prints) as 0.0.
        private static ColumnVector NormalizedKeys(ColumnVector c)
        {
            switch (c)
            {
                case PrimitiveVector<double> d:
                    for (int i = 0; i < d.Length; i++) if (d.Values[i] == 0) d.Values[i] = 0.0;
                    break;
                case PrimitiveVector<float> f:
                    for (int i = 0; i < f.Length; i++) if (f.Values[i] == 0) f.Values[i] = 0f;
                    break;
            }
            return c;
        }

    }

    /// <summary>One aggregate update of one row's value into its group's slots.</summary>
    private interface IUpdate<T> where T : unmanaged
    {
        static abstract void Add(Slots s, int g, T v);
        /// <summary>Adds row i of <paramref name="v"/> to group g[i] for every i (no NULLs), counting each row.</summary>
        static abstract void AddRows(Slots s, ReadOnlySpan<T> v, ReadOnlySpan<int> g);
        /// <summary>As <see cref="AddRows"/>, without counting: the aggregate shares its group's row count.</summary>
        static abstract void AddValues(Slots s, ReadOnlySpan<T> v, ReadOnlySpan<int> g);
    }

    // The slot arrays in locals: through the class fields the JIT reloads them after every store.
    private struct SumDecimal : IUpdate<long>
    {
        public static void Add(Slots s, int g, long v) { s.Count[g]++; s.Wide[g] += v; }
        public static void AddRows(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g)
        {
            Increment(s.Count, g);
            AddValues(s, v, g);
        }
        public static void AddValues(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g)
        {
            Int128[] wide = s.Wide;
            if (wide.Length <= ReplicatedGroups && SumFitsInLong(v))
            {
                Span<long> acc = stackalloc long[Replicas * wide.Length];
                acc.Clear();
                ReplicatedSum(v, g, acc);
                for (int x = 0; x < wide.Length; x++)
                    wide[x] += (Int128)acc[x * Replicas] + acc[x * Replicas + 1] + acc[x * Replicas + 2] + acc[x * Replicas + 3];
                return;
            }
            for (int i = 0; i < v.Length; i++) wide[g[i]] += v[i];
        }
    }

    private struct SumLong : IUpdate<long>, IUpdate<int>
    {
        public static void Add(Slots s, int g, long v) { s.Count[g]++; s.Long[g] = unchecked(s.Long[g] + v); }
        public static void Add(Slots s, int g, int v) { s.Count[g]++; s.Long[g] = unchecked(s.Long[g] + v); }
        public static void AddRows(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddRows(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddValues(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g) => Sum(s.Long, v, g);
        public static void AddValues(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g) => Sum(s.Long, v, g);

        private static void Sum<T>(long[] sum, ReadOnlySpan<T> v, ReadOnlySpan<int> g) where T : unmanaged, IBinaryInteger<T>
        {
            if (sum.Length <= ReplicatedGroups)
            {
                Span<long> acc = stackalloc long[Replicas * sum.Length];
                acc.Clear();
                ReplicatedSum(v, g, acc);
                Fold(acc, sum);
                return;
            }
            for (int i = 0; i < v.Length; i++) sum[g[i]] = unchecked(sum[g[i]] + long.CreateTruncating(v[i]));
        }
    }

    private struct SumDouble : IUpdate<double>, IUpdate<float>
    {
        public static void Add(Slots s, int g, double v) { s.Count[g]++; s.Double[g] += v; }
        public static void Add(Slots s, int g, float v) { s.Count[g]++; s.Double[g] += v; }
        public static void AddRows(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g)
        {
            long[] count = s.Count;
            double[] sum = s.Double;
            for (int i = 0; i < v.Length; i++) { count[g[i]]++; sum[g[i]] += v[i]; }
        }
        public static void AddRows(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g)
        {
            long[] count = s.Count;
            double[] sum = s.Double;
            for (int i = 0; i < v.Length; i++) { count[g[i]]++; sum[g[i]] += v[i]; }
        }
        public static void AddValues(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g)
        {
            double[] sum = s.Double;
            for (int i = 0; i < v.Length; i++) sum[g[i]] += v[i];
        }
        public static void AddValues(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g)
        {
            double[] sum = s.Double;
            for (int i = 0; i < v.Length; i++) sum[g[i]] += v[i];
        }
    }

    // Integers, dates and decimals (scaled int64) compare as int64; each group's slot starts at the far end of the
    // range, so an update is one comparison (the count says whether a group saw any value).
    private struct MinLong : IUpdate<long>, IUpdate<int>
    {
        public static void Add(Slots s, int g, long v) { s.Count[g]++; if (v < s.MinL[g]) s.MinL[g] = v; }
        public static void Add(Slots s, int g, int v) => Add(s, g, (long)v);
        public static void AddRows(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddRows(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddValues(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g)
        {
            long[] min = s.MinL;
            for (int i = 0; i < v.Length; i++) if (v[i] < min[g[i]]) min[g[i]] = v[i];
        }
        public static void AddValues(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g)
        {
            long[] min = s.MinL;
            for (int i = 0; i < v.Length; i++) if (v[i] < min[g[i]]) min[g[i]] = v[i];
        }
    }

    private struct MaxLong : IUpdate<long>, IUpdate<int>
    {
        public static void Add(Slots s, int g, long v) { s.Count[g]++; if (v > s.MaxL[g]) s.MaxL[g] = v; }
        public static void Add(Slots s, int g, int v) => Add(s, g, (long)v);
        public static void AddRows(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddRows(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddValues(Slots s, ReadOnlySpan<long> v, ReadOnlySpan<int> g)
        {
            long[] max = s.MaxL;
            for (int i = 0; i < v.Length; i++) if (v[i] > max[g[i]]) max[g[i]] = v[i];
        }
        public static void AddValues(Slots s, ReadOnlySpan<int> v, ReadOnlySpan<int> g)
        {
            long[] max = s.MaxL;
            for (int i = 0; i < v.Length; i++) if (v[i] > max[g[i]]) max[g[i]] = v[i];
        }
    }

    // Spark's ordering: NaN is the largest value and -0.0 equals 0.0. Minimums start at NaN and maximums at -infinity,
    // so the first value always replaces the start (a NaN minimum stays only when every value is NaN).
    private struct MinDouble : IUpdate<double>, IUpdate<float>
    {
        private static bool Less(double v, double current) => v < current || double.IsNaN(current);
        public static void Add(Slots s, int g, double v) { s.Count[g]++; if (Less(v, s.Min[g])) s.Min[g] = v; }
        public static void Add(Slots s, int g, float v) => Add(s, g, (double)v);
        public static void AddRows(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddRows(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddValues(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g)
        {
            double[] min = s.Min;
            for (int i = 0; i < v.Length; i++) if (Less(v[i], min[g[i]])) min[g[i]] = v[i];
        }
        public static void AddValues(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g)
        {
            double[] min = s.Min;
            for (int i = 0; i < v.Length; i++) if (Less(v[i], min[g[i]])) min[g[i]] = v[i];
        }
    }

    private struct MaxDouble : IUpdate<double>, IUpdate<float>
    {
        private static bool Greater(double v, double current) => v > current || double.IsNaN(v);
        public static void Add(Slots s, int g, double v) { s.Count[g]++; if (Greater(v, s.Max[g])) s.Max[g] = v; }
        public static void Add(Slots s, int g, float v) => Add(s, g, (double)v);
        public static void AddRows(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddRows(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g) { Increment(s.Count, g); AddValues(s, v, g); }
        public static void AddValues(Slots s, ReadOnlySpan<double> v, ReadOnlySpan<int> g)
        {
            double[] max = s.Max;
            for (int i = 0; i < v.Length; i++) if (Greater(v[i], max[g[i]])) max[g[i]] = v[i];
        }
        public static void AddValues(Slots s, ReadOnlySpan<float> v, ReadOnlySpan<int> g)
        {
            double[] max = s.Max;
            for (int i = 0; i < v.Length; i++) if (Greater(v[i], max[g[i]])) max[g[i]] = v[i];
        }
    }

    private static bool Collects(AggFunc f) => f is AggFunc.Median or AggFunc.Percentile;

    private static bool Moments(AggFunc f) => f is AggFunc.StdDev or AggFunc.StdDevPop or AggFunc.Variance or AggFunc.VariancePop or AggFunc.Corr;

    private static void Increment(long[] count, ReadOnlySpan<int> groups)
    {
        if (count.Length > ReplicatedGroups) { foreach (int g in groups) count[g]++; return; }
        Span<long> acc = stackalloc long[Replicas * count.Length];
        acc.Clear();
        ReplicatedCount(groups, acc);
        Fold(acc, count);
    }

    // With few groups, consecutive rows of one group would each wait for the previous row's store to its accumulator (a
    // store-to-load chain of about 5 cycles a row): sums and counts go to four interleaved replicas of each group's
    // accumulator instead, one per row position mod 4, folded into the group's slot once per morsel. TPC-H Q1's six
    // aggregates over 6 million rows of 4 groups are this case.
    private const int Replicas = 4, ReplicatedGroups = 256;

    private static void ReplicatedCount(ReadOnlySpan<int> g, Span<long> acc)
    {
        int i = 0;
        for (; i + 4 <= g.Length; i += 4)
        {
            acc[g[i] * Replicas]++;
            acc[g[i + 1] * Replicas + 1]++;
            acc[g[i + 2] * Replicas + 2]++;
            acc[g[i + 3] * Replicas + 3]++;
        }
        for (; i < g.Length; i++) acc[g[i] * Replicas]++;
    }

    private static void ReplicatedSum<T>(ReadOnlySpan<T> v, ReadOnlySpan<int> g, Span<long> acc) where T : unmanaged, IBinaryInteger<T>
    {
        int i = 0;
        for (; i + 4 <= v.Length; i += 4)
        {
            acc[g[i] * Replicas] += long.CreateTruncating(v[i]);
            acc[g[i + 1] * Replicas + 1] += long.CreateTruncating(v[i + 1]);
            acc[g[i + 2] * Replicas + 2] += long.CreateTruncating(v[i + 2]);
            acc[g[i + 3] * Replicas + 3] += long.CreateTruncating(v[i + 3]);
        }
        for (; i < v.Length; i++) acc[g[i] * Replicas] += long.CreateTruncating(v[i]);
    }

    // Adds each group's replicas to its slot (wrapping, as int64 sums and counts do).
    private static void Fold(ReadOnlySpan<long> acc, long[] slots)
    {
        for (int x = 0; x < slots.Length; x++)
            slots[x] = unchecked(slots[x] + acc[x * Replicas] + acc[x * Replicas + 1] + acc[x * Replicas + 2] + acc[x * Replicas + 3]);
    }

    // Whether a sum of these values cannot pass int64 however they are grouped (decimal sums need the exact 128-bit total).
    private static bool SumFitsInLong(ReadOnlySpan<long> v)
    {
        if (v.Length == 0) return true;
        var (min, max) = VectorLoops.MinMax(v);
        if (min == long.MinValue) return false;
        long largest = Math.Max(Math.Abs(min), Math.Abs(max));
        return largest <= long.MaxValue / v.Length;
    }

    /// <summary>One aggregate's running values per group, structure of arrays; only the arrays its function and input
    /// type need are allocated (a count; then an int64, 128-bit decimal or double sum, or an int64 or double minimum
    /// or maximum). A shared count is the group state's row count, which it grows and hands in.</summary>
    private sealed class Slots
    {
        public long[] Count = [], Long = [], MinL = [], MaxL = [];
        // Decimal sums in 128 bits: scaled int64 values cannot wrap them.
        public Int128[] Wide = [];
        public double[] Double = [], Min = [], Max = [];
        // Variances: running mean and sum of squared deviations; corr: raw sums of x, y, x², y² and xy.
        public double[] Mean = [], M2 = [], SumX = [], SumY = [], SumXX = [], SumYY = [], SumXY = [];
        // Median and percentile: every collected value and its group, the first Values of each array.
        public int[] ValueGroup = [];
        public double[] Value = [];
        public int Values;
        /// <summary>Whether <see cref="Count"/> is the group state's row count rather than this aggregate's own.</summary>
        public readonly bool SharedCount;
        private readonly bool _long, _wide, _double, _minL, _maxL, _min, _max, _moments, _corr;
        // Groups the arrays hold (a shared count is sized by the group state).
        private int _capacity;

        public Slots(AggFunc func, DataType? input, bool sharedCount)
        {
            bool sum = func is AggFunc.Sum or AggFunc.Avg;
            bool floating = input is { IsFloating: true }, isDecimal = input is { Id: TypeId.Decimal };
            SharedCount = sharedCount;
            _wide = sum && isDecimal;
            _double = sum && floating;
            _long = sum && !isDecimal && !floating;
            _min = func == AggFunc.Min && floating;
            _max = func == AggFunc.Max && floating;
            _minL = func == AggFunc.Min && !floating;
            _maxL = func == AggFunc.Max && !floating;
            _corr = func == AggFunc.Corr;
            _moments = Moments(func) && !_corr;
        }

        public void Grow(int groups, long[] rows)
        {
            if (SharedCount) Count = rows;
            if (groups <= _capacity) return;
            int old = _capacity, size = Math.Max(16, Math.Max(groups, old * 2));
            _capacity = size;
            if (!SharedCount) PooledArrays.Grow(ref Count, size);
            if (_long) PooledArrays.Grow(ref Long, size);
            if (_wide) PooledArrays.Grow(ref Wide, size);
            if (_double) PooledArrays.Grow(ref Double, size);
            if (_minL) PooledArrays.Grow(ref MinL, size, long.MaxValue);
            if (_maxL) PooledArrays.Grow(ref MaxL, size, long.MinValue);
            if (_min) PooledArrays.Grow(ref Min, size, double.NaN);
            if (_max) PooledArrays.Grow(ref Max, size, double.NegativeInfinity);
            if (_moments) { PooledArrays.Grow(ref Mean, size); PooledArrays.Grow(ref M2, size); }
            if (_corr)
            {
                PooledArrays.Grow(ref SumX, size); PooledArrays.Grow(ref SumY, size);
                PooledArrays.Grow(ref SumXX, size); PooledArrays.Grow(ref SumYY, size); PooledArrays.Grow(ref SumXY, size);
            }
        }

        /// <summary>Room for <paramref name="more"/> further collected values.</summary>
        public void Reserve(int more)
        {
            if (Values + more <= Value.Length) return;
            // Pooled, and grown fourfold: tens of millions of values in fresh arrays were mostly page faults and copies.
            int size = (int)Math.Min(Array.MaxLength, Math.Max(Values + (long)more, Math.Max(1 << 16, 4L * Value.Length)));
            ValueGroup = Regrow(ValueGroup, size);
            Value = Regrow(Value, size);
        }

        private T[] Regrow<T>(T[] old, int size)
        {
            var grown = System.Buffers.ArrayPool<T>.Shared.Rent(size);
            old.AsSpan(0, Values).CopyTo(grown);
            if (old.Length > 0) System.Buffers.ArrayPool<T>.Shared.Return(old);
            return grown;
        }

        /// <summary>Hands every array back to the pool (a shared count belongs to the group state); the slots take no values afterwards.</summary>
        public void Release()
        {
            PooledArrays.Return(ref Value);
            PooledArrays.Return(ref ValueGroup);
            Values = 0;
            if (!SharedCount) PooledArrays.Return(ref Count);
            PooledArrays.Return(ref Long); PooledArrays.Return(ref Wide); PooledArrays.Return(ref Double);
            PooledArrays.Return(ref MinL); PooledArrays.Return(ref MaxL); PooledArrays.Return(ref Min); PooledArrays.Return(ref Max);
            PooledArrays.Return(ref Mean); PooledArrays.Return(ref M2);
            PooledArrays.Return(ref SumX); PooledArrays.Return(ref SumY); PooledArrays.Return(ref SumXX); PooledArrays.Return(ref SumYY); PooledArrays.Return(ref SumXY);
            _capacity = 0;
        }

        /// <summary>Takes over <paramref name="o"/>'s collected values, their groups renumbered through
        /// <paramref name="map"/> (o's group -> this state's group; -1 drops the value).</summary>
        public void AppendValues(Slots o, int[] map)
        {
            if (o.Values == 0) return;
            Reserve(o.Values);
            for (int i = 0; i < o.Values; i++)
            {
                int g = map[o.ValueGroup[i]];
                if (g < 0) continue;
                ValueGroup[Values] = g;
                Value[Values++] = o.Value[i];
            }
        }

        /// <summary>Folds group <paramref name="og"/> of <paramref name="o"/> into group g (a shared count is merged once,
        /// by the group state).</summary>
        public void Merge(int g, Slots o, int og)
        {
            if (_moments && o.Count[og] > 0)
            {
                // Chan et al.'s pairwise combination of two groups' means and squared deviations.
                double na = Count[g], nb = o.Count[og], n = na + nb, delta = o.Mean[og] - Mean[g];
                Mean[g] += delta * nb / n;
                M2[g] += o.M2[og] + delta * delta * na * nb / n;
            }
            if (_corr)
            {
                SumX[g] += o.SumX[og]; SumY[g] += o.SumY[og];
                SumXX[g] += o.SumXX[og]; SumYY[g] += o.SumYY[og]; SumXY[g] += o.SumXY[og];
            }
            if (!SharedCount) Count[g] += o.Count[og];
            if (_long) Long[g] = unchecked(Long[g] + o.Long[og]);
            if (_wide) Wide[g] += o.Wide[og];
            if (_double) Double[g] += o.Double[og];
            if (_minL) MinL[g] = Math.Min(MinL[g], o.MinL[og]);
            if (_maxL) MaxL[g] = Math.Max(MaxL[g], o.MaxL[og]);
            if (_min && (o.Min[og] < Min[g] || double.IsNaN(Min[g]))) Min[g] = o.Min[og];
            if (_max && (o.Max[og] > Max[g] || double.IsNaN(o.Max[og]))) Max[g] = o.Max[og];
        }
    }
}
