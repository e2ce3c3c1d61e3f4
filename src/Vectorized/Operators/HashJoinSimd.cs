using System.Buffers;
using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using System.Runtime.Intrinsics.X86;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Vectorized;

/// <summary>SIMD-path hash join, every join type: the keys of both sides are encoded together into 64-bit words
/// (<see cref="KeyEncoder"/>), the build side maps each distinct key to a dense id (a direct array when the
/// packed key range is small, else a hash table) with its rows laid out contiguously per id, and the probe side
/// is looked up morsel-parallel into exact-size (probe row, build row) index arrays from which every output
/// column is gathered once. A residual condition is evaluated with <see cref="SimdEvaluator"/> over chunks of
/// candidate pairs, before outer, semi and anti semantics are decided.</summary>
public sealed class HashJoinSimd : IHashJoinImpl
{
    private const int MorselRows = 65536;
    private const int ResidualChunk = 65536;
    // A direct array beats hashing while it is no larger than the hash table would be (8 int slots per build row
    // against 2 slots of 16 bytes), or while it stays cache-resident whatever the build size (1 MiB): TPC-H Q17's
    // probe of 6 million lineitems against 184 parts over a 200,000-key range. Never past 512 MiB: a cap of 64 MiB sent
    // SF 3's l_orderkey (18 million keys) to the hash table, and Q4 and Q21 from 0.7x and 2x DuckDB's time to 4x and 7x.
    private const long DirectLimit = 1 << 27;
    private const long DirectCacheResident = 1 << 18;
    // Hash tables above this size (bytes) are out of the fast caches, where a key bitmap in front pays.
    private const long FilterMinimumTableBytes = 1 << 20;
    private const long SmallBuildBitmapBytes = 1 << 17;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(JoinSpec spec, ExecEnvironment env)
    {
        if (!SimdCapabilities.Use128) return Support.No("this CPU has no hardware-accelerated vectors");
        foreach (var (schema, keys) in new[] { (spec.Left, spec.LeftKeys), (spec.Right, spec.RightKeys) })
            foreach (var k in keys)
                if (!KeyEncoder.Supports(schema[k].Type))
                    return Support.No($"join key '{schema[k].Name}' is {schema[k].Type}, which has no SIMD key encoding yet");
        if (spec.Residual is not null && SimdEvaluator.Unsupported(spec.Residual, Combined(spec)) is { } why)
            return Support.No($"join condition: {why}");
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(JoinSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowJoin / Math.Min(SimdCapabilities.EffectiveThreads, SimdCostModel.JoinParallelismCap) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Join(ColumnBatch left, ColumnBatch right, JoinSpec spec)
    {
        if (spec.LeftKeys.Count != spec.RightKeys.Count)
            throw new AccelException($"join has {spec.LeftKeys.Count} left keys but {spec.RightKeys.Count} right keys");
        for (int k = 0; k < spec.LeftKeys.Count; k++)
        {
            var lt = left[spec.LeftKeys[k]].Type;
            var rt = right[spec.RightKeys[k]].Type;
            if (lt != rt) throw new AccelException($"join key {k} has type {lt} on the left and {rt} on the right; the planner must cast keys to one type");
        }
        var (buildBatch, probeBatch) = spec.LeftKeys.Count > 0 && spec.Build == BuildSide.Left ? (left, right) : (right, left);
        var build = new Side(buildBatch);
        var probe = new Side(probeBatch);
        using var table = TableFor(spec, build, [probe]);
        return new JoinRun(spec, build, probe, table, 0).Execute();
    }

    /// <inheritdoc />
    public IReadOnlyList<ColumnBatch> JoinProbeBatches(ColumnBatch build, IReadOnlyList<ColumnBatch> probe, JoinSpec spec)
    {
        if (!spec.ProbeStreams) throw new AccelException($"a {spec.Type} join building on the {spec.Build} side cannot stream its probe side");
        var buildSide = new Side(build);
        var probeSides = probe.Select(b => new Side(b)).ToArray();
        // One table serves every probe batch: the key encoding is planned over all of them at once.
        using var table = TableFor(spec, buildSide, probeSides);
        return probeSides.Select((p, i) => new JoinRun(spec, buildSide, p, table, i).Execute()).ToList();
    }

    /// <inheritdoc />
    public ColumnBatch SemiJoinProbeBatches(ColumnBatch build, IReadOnlyList<ColumnBatch> probe, JoinSpec spec)
    {
        if (!spec.MarksBuildRows) throw new AccelException($"a {spec.Type} join building on the {spec.Build} side does not mark build rows");
        var buildSide = new Side(build);
        var probeSides = probe.Select(b => new Side(b)).ToArray();
        using var table = TableFor(spec, buildSide, probeSides);
        var marks = new BuildMarks(table, buildSide.Rows, spec.Residual is not null);
        for (int i = 0; i < probeSides.Length; i++) new JoinRun(spec, buildSide, probeSides[i], table, i, marks).MarkBuildRows();
        return marks.Kept(buildSide, spec.Type == JoinType.LeftSemi, spec);
    }

    /// <summary>Which build rows some probe row matched: per key id without a residual, per build row with one (a pair
    /// must pass it). Outer joins that keep the build side and semi joins that build on the left keep one per run, or one
    /// shared by the runs whose probe batches stream past the same left side; concurrent morsels only ever store 1, so
    /// their races are benign.</summary>
    private sealed class BuildMarks(BuildTable table, int buildRows, bool residual)
    {
        public readonly byte[]? Ids = residual ? null : new byte[table.Distinct];
        public readonly byte[]? Rows = residual ? new byte[buildRows] : null;

        public bool Matched(int r) => Rows is { } rows ? rows[r] != 0 : table.BuildIds[r] is var id && id >= 0 && Ids![id] != 0;

        /// <summary>The build rows that matched (<paramref name="want"/>) or did not, in build order.</summary>
        public ColumnBatch Kept(Side build, bool want, JoinSpec spec)
        {
            var keep = new IntList(build.Rows / 2);
            for (int r = 0; r < build.Rows; r++)
                if (Matched(r) == want) keep.Add(r);
            return JoinRun.Rows(build, keep, spec);
        }
    }

    private static BuildTable TableFor(JoinSpec spec, Side build, Side[] probes)
    {
        if (spec.LeftKeys.Count == 0) return BuildTable.Cross(build.Rows);
        bool buildLeft = spec.Build == BuildSide.Left;
        var (bk, pk) = buildLeft ? (spec.LeftKeys, spec.RightKeys) : (spec.RightKeys, spec.LeftKeys);
        return BuildTable.Keyed(bk.Select(build.Key).ToArray(), probes.Select(p => pk.Select(p.Key).ToArray()).ToArray(), build.Rows);
    }

    private static Schema Combined(JoinSpec spec) => new(spec.Left.Fields.Concat(spec.Right.Fields));

    private static void ForEach(int count, Action<int> body)
    {
        int threads = SimdCapabilities.EffectiveThreads;
        if (count <= 1 || threads <= 1) { for (int i = 0; i < count; i++) body(i); return; }
        Parallel.For(0, count, new ParallelOptions { MaxDegreeOfParallelism = threads }, body);
    }

    private static int Morsels(int rows, int morselRows) => (int)(((long)rows + morselRows - 1) / morselRows);

    /// <summary>One input: its live rows are the logical rows 0..Rows-1, mapped to physical rows through the selection.</summary>
    private sealed class Side(ColumnBatch batch)
    {
        public readonly ColumnBatch Batch = batch;
        public readonly int[]? Sel = batch.Selection;
        public int Rows => Batch.RowCount;

        // Only the key columns are compacted up front; payload columns are gathered once, through the selection, at the end.
        public ColumnVector Key(int ordinal) => Sel is null ? Batch[ordinal] : Batch[ordinal].Gather(Sel);

        public void ToPhysical(int[] idx, int count)
        {
            if (Sel is not { } sel) return;
            ForEach(Morsels(count, MorselRows), m =>
            {
                int s = m * MorselRows, e = Math.Min(count, s + MorselRows);
                for (int i = s; i < e; i++) if (idx[i] >= 0) idx[i] = sel[idx[i]];
            });
        }
    }

    /// <summary>The build side's distinct keys as dense ids (in order of first appearance) and its rows grouped by id,
    /// in build order within an id: id i's rows are Rows[Start[i]..Start[i+1]).</summary>
    private sealed class BuildTable : IDisposable
    {
        /// <summary>Number of distinct non-NULL keys.</summary>
        public int Distinct;
        /// <summary>Per build row its id; -1 when a key is NULL.</summary>
        public int[] BuildIds = [];
        /// <summary>Null when every id has one row (id i's rows are [i, i+1)).</summary>
        public int[]? Start { get { EnsureGrouped(); return _start; } }
        /// <summary>Null when the grouped order is the identity.</summary>
        public int[]? Rows { get { EnsureGrouped(); return _rows; } }

        // The rows are grouped by id on first use: semi and anti joins answered per key never enumerate them.
        private int[]? _start, _rows;
        private bool _grouped;
        private readonly object _groupLock = new();

        private void EnsureGrouped()
        {
            if (Volatile.Read(ref _grouped)) return;
            lock (_groupLock)
            {
                if (_grouped) return;
                Group(_buildRows);
                Volatile.Write(ref _grouped, true);
            }
        }

        private KeyEncoder? _enc;
        private int _words;
        private int[]? _direct;
        private PackedTable? _hash;
        // Bit k set when packed key k is in the table (large tables only); pooled.
        private ulong[]? _keyBits;
        private int _buildRows;
        private WideKeyTable? _wide;
        // Per probe part: rows whose keys are all non-NULL (null: no NULL keys).
        private ulong[]?[] _probeValid = [];

        /// <summary>No keys: every build row has the one id 0, which every probe row matches.</summary>
        public static BuildTable Cross(int buildRows) => new()
        {
            Distinct = buildRows > 0 ? 1 : 0,
            BuildIds = new int[buildRows],
            _start = [0, buildRows],
            _grouped = true,
            _buildRows = buildRows,
        };

        /// <summary>The table over the build keys; each probe part's keys (one per probe batch) are planned into the
        /// same encoding so that <see cref="Lookup"/> can find them.</summary>
        public static BuildTable Keyed(ColumnVector[] buildKeys, ColumnVector[][] probeParts, int buildRows)
        {
            var enc = new KeyEncoder([buildKeys, .. probeParts]);
            int w = enc.Words;
            var t = new BuildTable { _enc = enc, _words = w, _probeValid = probeParts.Select(KeyValid).ToArray(), _buildRows = buildRows };
            if ((long)buildRows * w > Array.MaxLength) throw new AccelException($"join build side of {buildRows} rows is too large");
            // The encoded words and the slot arrays are pooled: fresh memory of this size costs a page fault per 4 KiB,
            // which on a VM is most of a large build's time.
            var wordsBuffer = ArrayPool<long>.Shared.Rent(buildRows * w);
            var words = wordsBuffer.AsSpan(0, buildRows * w);
            ForEach(Morsels(buildRows, MorselRows), m =>
            {
                int s = m * MorselRows, n = Math.Min(MorselRows, buildRows - s);
                enc.Encode(0, s, n, wordsBuffer.AsSpan(s * w, n * w));
            });
            var valid = KeyValid(buildKeys);
            var ids = t.BuildIds = t.Rent<int>(buildRows);
            int distinct = 0;
            if (enc.Packed && enc.Cardinality <= DirectLimit && enc.Cardinality <= Math.Max(8L * buildRows, DirectCacheResident))
            {
                var slot = t._direct = t.Rent<int>((int)enc.Cardinality);
                slot.AsSpan(0, (int)enc.Cardinality).Fill(-1);
                for (int r = 0; r < buildRows; r++)
                {
                    if (valid is not null && !Bit(valid, r)) { ids[r] = -1; continue; }
                    ref int s = ref slot[words[r]];
                    if (s < 0) s = distinct++;
                    ids[r] = s;
                }
            }
            else if (enc.Packed)
            {
                var h = t._hash = new PackedTable(buildRows);
                // A table out of cache gets an exact bitmap of its keys in front when the bitmap is at most half its
                // size: probes that miss (85% of TPC-H Q5's lineitems) then cost a bit test, not a table miss. At a quarter,
                // SF 3's Q21 probed 29 million lineitems straight into the 8 MiB table of its semi joins' 222,000 rows
                // (a 2.25 MiB bitmap; with it the query took 275 ms instead of 440).
                // A small build sparse in its key range gets one too when the bitmap stays in L2 (TPC-H Q8 and Q17 at SF 3:
                // 4,003 and 579 parts over 600,000 keys; most lineitems miss, and a hash lookup per probe row tripled
                // the join's time per row against SF 1's direct array).
                long tableBytes = h.Bytes;
                bool filter = tableBytes > FilterMinimumTableBytes && enc.Cardinality / 8 <= tableBytes / 2
                    || enc.Cardinality / 8 <= SmallBuildBitmapBytes && 16L * buildRows <= enc.Cardinality;
                var bits = filter ? t._keyBits = t.Rent<ulong>((int)((enc.Cardinality + 63) >> 6)) : null;
                if (bits is not null) bits.AsSpan(0, (int)((enc.Cardinality + 63) >> 6)).Clear();
                for (int r = 0; r < buildRows; r++)
                {
                    if (valid is not null && !Bit(valid, r)) { ids[r] = -1; continue; }
                    long key = words[r];
                    if (bits is not null) bits[key >> 6] |= 1UL << (int)(key & 63);
                    int id = ids[r] = h.GetOrAdd(key, distinct);
                    if (id == distinct) distinct++;
                }
            }
            else
            {
                var h = t._wide = new WideKeyTable(w);
                for (int r = 0; r < buildRows; r++)
                    ids[r] = valid is not null && !Bit(valid, r) ? -1 : h.GetOrAdd(words.Slice(r * w, w));
                distinct = h.Count;
            }
            ArrayPool<long>.Shared.Return(wordsBuffer);
            t.Distinct = distinct;
            return t;
        }

        private readonly Dictionary<ColumnVector, (long[] Min, long[] Max)> _ranges = new(ReferenceEqualityComparer.Instance);
        // Every array the table rents (ids, direct index, key bitmap, grouping, value ranges), handed back by Dispose: a build of
        // millions of rows otherwise takes tens of MB of fresh memory, a page fault per 4 KiB.
        private readonly List<Action> _returns = [];

        /// <summary>A pooled array of at least <paramref name="n"/> elements that the table returns when disposed.</summary>
        public T[] Rent<T>(int n)
        {
            var a = ArrayPool<T>.Shared.Rent(Math.Max(1, n));
            lock (_returns) _returns.Add(() => ArrayPool<T>.Shared.Return(a));
            return a;
        }

        /// <summary>Per id, the smallest and largest non-NULL value of an integer build column (min > max when the id has
        /// none); computed once per column and shared by every probe batch.</summary>
        public (long[] Min, long[] Max) ValueRange(ColumnVector column, int[]? sel)
        {
            lock (_ranges)
            {
                if (_ranges.TryGetValue(column, out var known)) return known;
                var min = Rent<long>(Distinct);
                var max = Rent<long>(Distinct);
                min.AsSpan(0, Distinct).Fill(long.MaxValue);
                max.AsSpan(0, Distinct).Fill(long.MinValue);
                var ids = BuildIds;
                for (int r = 0; r < _buildRows; r++)
                {
                    int id = ids[r], row = sel is null ? r : sel[r];
                    if (id < 0 || column.IsNull(row)) continue;
                    long v = column is PrimitiveVector<long> l ? l.Values[row] : ((PrimitiveVector<int>)column).Values[row];
                    if (v < min[id]) min[id] = v;
                    if (v > max[id]) max[id] = v;
                }
                return _ranges[column] = (min, max);
            }
        }

        /// <summary>Returns the pooled lookup arrays; the table must not be probed afterwards.</summary>
        public void Dispose()
        {
            _direct = null;
            _keyBits = null;
            _hash?.Dispose();
            _hash = null;
            lock (_returns)
            {
                foreach (var giveBack in _returns) giveBack();
                _returns.Clear();
            }
        }

        // Counting sort of the build rows by id: a probe then reads one contiguous run per match.
        private void Group(int buildRows)
        {
            var ids = BuildIds;
            var start = Rent<int>(Distinct + 1);
            start.AsSpan(0, Distinct + 1).Clear();
            int validRows = 0;
            for (int r = 0; r < buildRows; r++)
            {
                int id = ids[r];
                if (id >= 0) { start[id + 1]++; validRows++; }
            }
            if (validRows == Distinct)
            {
                // Ids are numbered by first appearance, so with unique keys id i is the i-th non-NULL row.
                if (validRows == buildRows) return;
                var rows = _rows = Rent<int>(validRows);
                for (int r = 0; r < buildRows; r++) if (ids[r] >= 0) rows[ids[r]] = r;
                return;
            }
            for (int i = 0; i < Distinct; i++) start[i + 1] += start[i];
            var pos = Rent<int>(Distinct);
            start.AsSpan(0, Distinct).CopyTo(pos);
            var grouped = Rent<int>(validRows);
            for (int r = 0; r < buildRows; r++)
            {
                int id = ids[r];
                if (id >= 0) grouped[pos[id]++] = r;
            }
            _start = start;
            _rows = grouped;
        }

        /// <summary>The ids of rows [start, start+count) of probe part <paramref name="part"/> into <paramref name="ids"/>
        /// (-1: no match or a NULL key); returns how many are -1.</summary>
        public int Lookup(int part, int start, int count, Span<int> ids)
        {
            if (_enc is null)
            {
                ids.Fill(Distinct > 0 ? 0 : -1);
                return Distinct > 0 ? 0 : count;
            }
            // One integer key without NULLs indexes the direct array by its values: no word buffer written and read back
            // (a third of a selective probe's time: TPC-H Q11's 2.4 million partsupps against 1,207 suppliers).
            // So does a key bitmap in front of a hash table (TPC-H Q5's 18 million lineitems against 682,000 orders).
            if (_enc.TryRawIntegral(1 + part, out var column, out long shift))
            {
                if (_direct is { } direct)
                    return column is PrimitiveVector<int> iv ? DirectLookup<int>(iv.Values.AsSpan(start, count), shift, direct, ids)
                        : DirectLookup<long>(((PrimitiveVector<long>)column).Values.AsSpan(start, count), shift, direct, ids);
                if (_hash is { } table && _keyBits is { } keyBits)
                    return column is PrimitiveVector<int> iv ? FindFiltered<int>(table, keyBits, iv.Values.AsSpan(start, count), shift, ids)
                        : FindFiltered<long>(table, keyBits, ((PrimitiveVector<long>)column).Values.AsSpan(start, count), shift, ids);
            }
            int w = _words;
            var buffer = ArrayPool<long>.Shared.Rent(count * w);
            try
            {
                var words = buffer.AsSpan(0, count * w);
                _enc.Encode(1 + part, start, count, words);
                if (_direct is { } slot)
                    for (int i = 0; i < count; i++) ids[i] = slot[words[i]];
                else if (_hash is { } h && _keyBits is { } bits)
                    FindFiltered<long>(h, bits, words, 0, ids);
                else if (_hash is { } h2)
                    h2.FindAll(words, ids);
                else
                {
                    var wide = _wide!;
                    var valid = _probeValid[part];
                    for (int i = 0; i < count; i++)
                        ids[i] = valid is not null && !Bit(valid, start + i) ? -1 : wide.Find(words.Slice(i * w, w));
                }
                if (_probeValid[part] is { } v)
                    for (int i = 0; i < count; i++) if (!Bit(v, start + i)) ids[i] = -1;
                return VectorLoops.CountNegative(ids);
            }
            finally { ArrayPool<long>.Shared.Return(buffer); }
        }

        // The key encoder's range covers every probe value, so value + shift is always a slot.
        private static int DirectLookup<T>(ReadOnlySpan<T> values, long shift, int[] slot, Span<int> ids) where T : unmanaged, IBinaryInteger<T>
        {
            int misses = 0;
            for (int i = 0; i < values.Length; i++)
            {
                int id = slot[long.CreateTruncating(values[i]) + shift];
                ids[i] = id;
                misses += id >>> 31;
            }
            return misses;
        }

        // The bitmap's misses are -1 at once; the survivors are looked up together, so their prefetches still overlap. The
        // words are values + shift (a raw integer key, or the encoded words with shift 0); returns the misses.
        private static int FindFiltered<T>(PackedTable h, ulong[] bits, ReadOnlySpan<T> values, long shift, Span<int> ids) where T : unmanaged, IBinaryInteger<T>
        {
            var keys = ArrayPool<long>.Shared.Rent(values.Length);
            var at = ArrayPool<int>.Shared.Rent(values.Length);
            var found = ArrayPool<int>.Shared.Rent(values.Length);
            try
            {
                int n = 0;
                for (int i = 0; i < values.Length; i++)
                {
                    long k = long.CreateTruncating(values[i]) + shift;
                    ids[i] = -1;
                    if ((bits[k >> 6] >> (int)(k & 63) & 1) != 0) { keys[n] = k; at[n++] = i; }
                }
                h.FindAll(keys.AsSpan(0, n), found.AsSpan(0, n));
                int hits = 0;
                for (int j = 0; j < n; j++)
                {
                    ids[at[j]] = found[j];
                    hits += ~found[j] >>> 31;
                }
                return values.Length - hits;
            }
            finally
            {
                ArrayPool<long>.Shared.Return(keys);
                ArrayPool<int>.Shared.Return(at);
                ArrayPool<int>.Shared.Return(found);
            }
        }

        // Rows whose keys are all non-NULL; null when no key column has NULLs.
        private static ulong[]? KeyValid(ColumnVector[] keys)
        {
            ulong[]? valid = null;
            foreach (var c in keys)
            {
                if (c.Validity is null || c.NullCount == 0) continue;
                var m = Bitmask.FromValidity(c.Validity, c.Length);
                valid = valid is null ? m : Bitmask.And(valid, m);
            }
            return valid;
        }
    }

    /// <summary>Open addressing (linear probing) from packed key words, which are never negative, to ids. Unlike
    /// <see cref="LongHashTable"/> each slot holds its key and id side by side, so a probe touches one cache line,
    /// and a batch of probes prefetches its slots first so that their cache misses overlap.</summary>
    private sealed unsafe class PackedTable : IDisposable
    {
        private const int Batch = 16;
        private const long Empty = -1;
        // Rented (it may be longer than the capacity); probes fix it while they take slot addresses for prefetches.
        private long[] _slots;
        private readonly int _mask, _shift;

        public PackedTable(int expected)
        {
            int cap = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, expected * 2));
            _slots = ArrayPool<long>.Shared.Rent(cap * 2);
            for (int i = 0; i < cap * 2; i += 2) _slots[i] = Empty;
            _mask = cap - 1;
            _shift = 64 - System.Numerics.BitOperations.Log2((uint)cap);
        }

        // The top bits of the multiplicative hash pick the slot: its low bits cluster for keys that are themselves
        // multiples of a constant (measured: twice the probe time for such keys).
        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        private int Home(long key) => (int)(KeyHash.Mix(key) >> _shift);

        /// <summary>The bytes of the slots in use.</summary>
        public long Bytes => (_mask + 1L) * 16;

        public void Dispose()
        {
            if (_slots.Length > 0) ArrayPool<long>.Shared.Return(_slots);
            _slots = [];
        }

        public int GetOrAdd(long key, int newId)
        {
            var slots = _slots;
            int i = Home(key);
            while (true)
            {
                long k = slots[2 * i];
                if (k == key) return (int)slots[2 * i + 1];
                if (k == Empty)
                {
                    slots[2 * i] = key;
                    slots[2 * i + 1] = newId;
                    return newId;
                }
                i = (i + 1) & _mask;
            }
        }

        public void FindAll(ReadOnlySpan<long> keys, Span<int> ids)
        {
            var slots = _slots;
            int mask = _mask;
            Span<int> at = stackalloc int[Batch];
            fixed (long* basePtr = slots)
            {
                for (int b = 0; b < keys.Length; b += Batch)
                {
                    int n = Math.Min(Batch, keys.Length - b);
                    for (int j = 0; j < n; j++)
                    {
                        int i = at[j] = Home(keys[b + j]);
                        if (System.Runtime.Intrinsics.X86.Sse.IsSupported) System.Runtime.Intrinsics.X86.Sse.Prefetch0(basePtr + 2 * i);
                    }
                    for (int j = 0; j < n; j++)
                    {
                        long key = keys[b + j];
                        int i = at[j], id;
                        while (true)
                        {
                            long k = slots[2 * i];
                            if (k == key) { id = (int)slots[2 * i + 1]; break; }
                            if (k == Empty) { id = -1; break; }
                            i = (i + 1) & mask;
                        }
                        ids[b + j] = id;
                    }
                }
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static bool Bit(ulong[] mask, int i) => (mask[i >> 6] >> (i & 63) & 1) != 0;

    /// <summary>A growable int buffer (per morsel, so no locks).</summary>
    private sealed class IntList(int capacity = 16)
    {
        public int[] Items = new int[Math.Max(16, capacity)];
        public int Count;

        [MethodImpl(MethodImplOptions.AggressiveInlining)]
        public void Add(int v)
        {
            if (Count == Items.Length) Array.Resize(ref Items, checked(Items.Length * 2));
            Items[Count++] = v;
        }
    }

    /// <summary>The state of one join.</summary>
    private sealed class JoinRun
    {
        private readonly JoinSpec _spec;
        private readonly Side _left, _right, _build, _probe;
        private readonly bool _buildLeft, _semi, _want, _probeOuter, _buildOuter;
        private readonly BuildTable _table;
        private readonly int _morselRows;
        // Per probe row its build id; pooled, like the pair index arrays and the probe flags, and handed back when the run ends.
        private readonly int[] _pid;
        // The build rows matched, for joins whose output depends on them.
        private BuildMarks? _marks;
        // Per probe row, for semi/anti with the probe on the left and a residual.
        private byte[]? _probeHit;

        // Which probe part of the table's key encoding this run looks up.
        private readonly int _part;

        /// <summary>A join of one probe input (part <paramref name="part"/> of <paramref name="table"/>'s probe parts)
        /// against the build side; <paramref name="marks"/>, when given, receives the build rows it matches.</summary>
        public JoinRun(JoinSpec spec, Side build, Side probe, BuildTable table, int part, BuildMarks? marks = null)
        {
            _marks = marks;
            _spec = spec;
            bool keyed = spec.LeftKeys.Count > 0;
            // Without keys either side can build; probing the left keeps the output left-major, as the scalar path.
            _buildLeft = keyed && spec.Build == BuildSide.Left;
            (_build, _probe) = (build, probe);
            (_left, _right) = _buildLeft ? (build, probe) : (probe, build);
            _table = table;
            _part = part;
            _semi = spec.Type is JoinType.LeftSemi or JoinType.LeftAnti;
            _want = spec.Type == JoinType.LeftSemi;
            bool leftOuter = spec.Type is JoinType.LeftOuter or JoinType.FullOuter;
            bool rightOuter = spec.Type is JoinType.RightOuter or JoinType.FullOuter;
            _probeOuter = _buildLeft ? rightOuter : leftOuter;
            _buildOuter = _buildLeft ? leftOuter : rightOuter;
            // A cross product emits a whole build side per probe row: smaller morsels keep both cores busy.
            _morselRows = keyed ? MorselRows : (int)Math.Clamp(MorselRows / Math.Max(1L, _build.Rows), 1, MorselRows);
            _pid = ArrayPool<int>.Shared.Rent(Math.Max(1, _probe.Rows));
        }

        public ColumnBatch Execute()
        {
            try
            {
                return Run();
            }
            finally
            {
                ArrayPool<int>.Shared.Return(_pid);
                if (_probeHit is { } ph) ArrayPool<byte>.Shared.Return(ph);
            }
        }

        /// <summary>Marks the build rows this run's probe rows match (through the residual, when there is one) in the
        /// marks the run was given.</summary>
        public void MarkBuildRows()
        {
            try
            {
                int morsels = Morsels(_probe.Rows, _morselRows);
                ForEach(morsels, m => Probe(m, out _));
                if (_spec.Residual is not null) ForEach(morsels, m => ResidualMorsel(m, emit: false));
            }
            finally
            {
                ArrayPool<int>.Shared.Return(_pid);
            }
        }

        private ColumnBatch Run()
        {
            int morsels = Morsels(_probe.Rows, _morselRows);
            bool residual = _spec.Residual is not null;
            if (_buildOuter || (_semi && _buildLeft)) _marks ??= new BuildMarks(_table, _build.Rows, residual);
            if (residual && _semi && !_buildLeft && DifferentValueResidual().Probe is null) _probeHit = ArrayPool<byte>.Shared.Rent(Math.Max(1, _probe.Rows));

            var pairs = new long[morsels];
            var misses = new int[morsels];
            ForEach(morsels, m => pairs[m] = Probe(m, out misses[m]));

            if (_semi && residual && !_buildLeft && DifferentValueResidual() is var (probeCol, buildCol) && probeCol is not null)
                return SemiOnDifferentValue(morsels, probeCol, buildCol!);
            if (_semi) return Semi(morsels, residual);
            if (!residual && !_buildOuter && _table.Start is null && (_probeOuter || misses.All(x => x == 0)))
                return PassThrough();
            if (!residual && !_buildOuter && !_probeOuter && _table.Start is null && pairs.Sum() is var matched and > 0
                && matched * 2 >= _probe.Batch.PhysicalRows)
                return ProbeInPlace(pairs);
            int[] pIdx, bIdx;
            if (residual) (pIdx, bIdx) = ResidualPairs(morsels);
            else
            {
                var offsets = new long[morsels + 1];
                for (int m = 0; m < morsels; m++) offsets[m + 1] = offsets[m] + pairs[m] + (_probeOuter ? misses[m] : 0);
                int unmatched = _buildOuter ? CountUnmatchedBuild() : 0;
                long total = offsets[morsels] + unmatched;
                if (total > Array.MaxLength) throw new AccelException($"join produces {total} rows, more than one batch can hold");
                int rows = (int)total;
                pIdx = ArrayPool<int>.Shared.Rent(Math.Max(1, rows));
                bIdx = ArrayPool<int>.Shared.Rent(Math.Max(1, rows));
                try
                {
                    ForEach(morsels, m => WritePairs(m, (int)offsets[m], pIdx, bIdx));
                    if (_buildOuter) AppendUnmatchedBuild(pIdx, bIdx, (int)offsets[morsels]);
                    return Output(_buildLeft ? bIdx : pIdx, _buildLeft ? pIdx : bIdx, rows);
                }
                finally
                {
                    ArrayPool<int>.Shared.Return(pIdx);
                    ArrayPool<int>.Shared.Return(bIdx);
                }
            }
            return Output(_buildLeft ? bIdx : pIdx, _buildLeft ? pIdx : bIdx, pIdx.Length);
        }

        // With unique build keys and every probe row in the output once (all matched, or a probe-side outer join),
        // the output is the probe side in place plus one build row per probe row: the ids are the build rows.
        private ColumnBatch PassThrough()
        {
            var bIdx = _pid;
            int count = _probe.Rows;
            if (_table.Rows is { } rows)
                ForEach(Morsels(count, MorselRows), m =>
                {
                    int s = m * MorselRows, e = Math.Min(count, s + MorselRows);
                    for (int i = s; i < e; i++) if (bIdx[i] >= 0) bIdx[i] = rows[bIdx[i]];
                });
            return Output(_buildLeft ? bIdx : null, _buildLeft ? null : bIdx, count);
        }

        // With unique build keys each matched probe row is in the output once, in probe order. When most probe rows
        // match, the probe columns stay where they are under a selection of the matched rows and only the build columns
        // are gathered, at every physical probe row (the unselected ones get any build row): copying every probe column
        // was most of a wide FK join's time (H2O join q1, 9 of 9 output columns copied per run, in fresh pages).
        private ColumnBatch ProbeInPlace(long[] pairs)
        {
            int morsels = pairs.Length;
            var offsets = new int[morsels + 1];
            for (int m = 0; m < morsels; m++) offsets[m + 1] = offsets[m] + (int)pairs[m];
            var sel = new int[offsets[morsels]];
            int physical = _probe.Batch.PhysicalRows;
            var bPhys = ArrayPool<int>.Shared.Rent(Math.Max(1, physical));
            try
            {
                int[]? probeSel = _probe.Sel, buildSel = _build.Sel, rows = _table.Rows;
                bPhys.AsSpan(0, physical).Fill(buildSel?[0] ?? 0);
                var pid = _pid;
                ForEach(morsels, m =>
                {
                    int s = m * _morselRows, e = Math.Min(_probe.Rows, s + _morselRows), o = offsets[m];
                    for (int p = s; p < e; p++)
                    {
                        int id = pid[p];
                        if (id < 0) continue;
                        int b = rows is null ? id : rows[id];
                        int at = probeSel is null ? p : probeSel[p];
                        sel[o++] = at;
                        bPhys[at] = buildSel is null ? b : buildSel[b];
                    }
                });
                var (probeEmit, buildEmit) = _buildLeft ? (_spec.EmittedRight, _spec.EmittedLeft) : (_spec.EmittedLeft, _spec.EmittedRight);
                var probeCols = probeEmit.Select(i => _probe.Batch[i]).ToArray();
                var buildCols = buildEmit.Select(i => ColumnGather.Gather(_build.Batch[i], bPhys, physical)).ToArray();
                ColumnVector[] cols = _buildLeft ? [.. buildCols, .. probeCols] : [.. probeCols, .. buildCols];
                return new ColumnBatch(_spec.Output, cols, physical, sel);
            }
            finally
            {
                ArrayPool<int>.Shared.Return(bPhys);
            }
        }

        // Looks up one morsel's probe keys; returns its candidate pair count and (out) its unmatched rows.
        private long Probe(int m, out int misses)
        {
            int s = m * _morselRows, n = Math.Min(_morselRows, _probe.Rows - s);
            var ids = _pid.AsSpan(s, n);
            int miss = _table.Lookup(_part, s, n, ids);
            long pairs = n - miss;
            // Semi and anti joins need no pair count (nor, then, the grouped rows).
            var start = _semi ? null : _table.Start;
            var hit = _marks?.Ids;
            if (start is not null)
            {
                pairs = 0;
                foreach (int id in ids) if (id >= 0) pairs += start[id + 1] - start[id];
            }
            if (hit is not null)
                foreach (int id in ids) if (id >= 0) hit[id] = 1;
            misses = miss;
            return pairs;
        }

        // Writes one morsel's pairs (and, for a probe-side outer join, its unmatched rows against -1) at `o`.
        private void WritePairs(int m, int o, int[] pIdx, int[] bIdx)
        {
            int s = m * _morselRows, e = Math.Min(_probe.Rows, s + _morselRows);
            var pid = _pid;
            var start = _table.Start;
            var rows = _table.Rows;
            bool outer = _probeOuter;
            if (start is null && !outer)
            {
                // Unique keys, misses dropped: the matched rows' positions come from the ids' sign bits.
                int k = VectorLoops.NonNegativePositions(pid.AsSpan(s, e - s), pIdx.AsSpan(o));
                for (int j = o; j < o + k; j++)
                {
                    int p = pIdx[j] += s, id = pid[p];
                    bIdx[j] = rows is null ? id : rows[id];
                }
                return;
            }
            if (start is null)
            {
                // A probe-side outer join on unique keys: every probe row once, against its build row or -1.
                for (int p = s; p < e; p++, o++)
                {
                    int id = pid[p];
                    pIdx[o] = p;
                    bIdx[o] = id < 0 ? -1 : rows is null ? id : rows[id];
                }
                return;
            }
            for (int p = s; p < e; p++)
            {
                int id = pid[p];
                if (id < 0)
                {
                    if (!outer) continue;
                    pIdx[o] = p;
                    bIdx[o++] = -1;
                    continue;
                }
                int k0 = start[id], k1 = start[id + 1];
                pIdx.AsSpan(o, k1 - k0).Fill(p);
                if (rows is null) for (int k = k0; k < k1; k++) bIdx[o++] = k;
                else for (int k = k0; k < k1; k++) bIdx[o++] = rows[k];
            }
        }

        private bool BuildMatched(int r) => _marks!.Matched(r);

        private int CountUnmatchedBuild()
        {
            int n = 0;
            for (int r = 0; r < _build.Rows; r++) if (!BuildMatched(r)) n++;
            return n;
        }

        private void AppendUnmatchedBuild(int[] pIdx, int[] bIdx, int o)
        {
            for (int r = 0; r < _build.Rows; r++)
                if (!BuildMatched(r)) { pIdx[o] = -1; bIdx[o++] = r; }
        }

        // Candidate pairs of each morsel are filtered by the residual chunk by chunk, so a many-to-many or cross join
        // never holds all its candidates at once; the survivors are concatenated in morsel order.
        private (int[] P, int[] B) ResidualPairs(int morsels)
        {
            var parts = new (IntList P, IntList B)[morsels];
            ForEach(morsels, m => parts[m] = ResidualMorsel(m, emit: true));
            long pairs = 0;
            foreach (var part in parts) pairs += part.P.Count;
            int unmatched = _buildOuter ? CountUnmatchedBuild() : 0;
            long total = pairs + unmatched;
            if (total > Array.MaxLength) throw new AccelException($"join produces {total} rows, more than one batch can hold");
            var pIdx = new int[total];
            var bIdx = new int[total];
            int o = 0;
            foreach (var (p, b) in parts)
            {
                Array.Copy(p.Items, 0, pIdx, o, p.Count);
                Array.Copy(b.Items, 0, bIdx, o, b.Count);
                o += p.Count;
            }
            if (_buildOuter) AppendUnmatchedBuild(pIdx, bIdx, o);
            return (pIdx, bIdx);
        }

        private (IntList P, IntList B) ResidualMorsel(int m, bool emit)
        {
            int s = m * _morselRows, e = Math.Min(_probe.Rows, s + _morselRows);
            var outP = new IntList();
            var outB = new IntList();
            var candP = ArrayPool<int>.Shared.Rent(ResidualChunk);
            var candB = ArrayPool<int>.Shared.Rent(ResidualChunk);
            var hit = _probeOuter || _probeHit is not null ? new bool[e - s] : null;
            var start = _table.Start;
            var rows = _table.Rows;
            int n = 0;
            void Flush()
            {
                var mask = Residual(candP, candB, n);
                for (int wi = 0; wi < mask.Length; wi++)
                    for (ulong word = mask[wi]; word != 0; word &= word - 1)
                    {
                        int i = wi * 64 + System.Numerics.BitOperations.TrailingZeroCount(word);
                        if (hit is not null) hit[candP[i] - s] = true;
                        if (_marks?.Rows is { } bh) bh[candB[i]] = 1;
                        if (emit) { outP.Add(candP[i]); outB.Add(candB[i]); }
                    }
                n = 0;
            }
            try
            {
                for (int p = s; p < e; p++)
                {
                    int id = _pid[p];
                    if (id < 0) continue;
                    int k0 = start is null ? id : start[id], k1 = start is null ? id + 1 : start[id + 1];
                    for (int k = k0; k < k1; k++)
                    {
                        candP[n] = p;
                        candB[n] = rows is null ? k : rows[k];
                        if (++n == ResidualChunk) Flush();
                    }
                }
                if (n > 0) Flush();
            }
            finally
            {
                ArrayPool<int>.Shared.Return(candP);
                ArrayPool<int>.Shared.Return(candB);
            }
            if (_probeHit is { } ph)
                for (int p = s; p < e; p++) ph[p] = hit![p - s] ? (byte)1 : (byte)0;
            if (!_probeOuter || !emit) return (outP, outB);
            // Unmatched probe rows go in probe order among the survivors (which are in probe order already).
            var mp = new IntList(outP.Count + 16);
            var mb = new IntList(outP.Count + 16);
            for (int p = s, j = 0; p < e; p++)
            {
                if (!hit![p - s]) { mp.Add(p); mb.Add(-1); continue; }
                for (; j < outP.Count && outP.Items[j] == p; j++) { mp.Add(p); mb.Add(outB.Items[j]); }
            }
            return (mp, mb);
        }

        // TRUE rows of the residual over candidate pairs: only the columns it reads are gathered, NULL-free fixed-width
        // ones into pooled buffers returned once the chunk's mask is known (fresh arrays per 64K-pair chunk were most
        // of TPC-H Q21's allocations, and their page faults most of its time).
        private ulong[] Residual(int[] candP, int[] candB, int n)
        {
            var (lRows, rRows) = _buildLeft ? (candB, candP) : (candP, candB);
            int nl = _left.Batch.Columns.Count;
            var cols = new ColumnVector[nl + _right.Batch.Columns.Count];
            for (int i = 0; i < nl; i++) cols[i] = _left.Batch[i];
            for (int i = nl; i < cols.Length; i++) cols[i] = _right.Batch[i - nl];
            int[]? lPhys = null, rPhys = null;
            var pooled = new List<Action>();
            try
            {
                foreach (var o in _spec.Residual!.Descendants().OfType<BoundColumn>().Select(c => c.Ordinal).Distinct())
                {
                    if (o < nl) cols[o] = GatherInput(_left.Batch[o], lPhys ??= Physical(_left, lRows, n, pooled), n, pooled);
                    else cols[o] = GatherInput(_right.Batch[o - nl], rPhys ??= Physical(_right, rRows, n, pooled), n, pooled);
                }
                return SimdEvaluator.TrueRows(_spec.Residual!, cols, n);
            }
            finally
            {
                foreach (var giveBack in pooled) giveBack();
            }
        }

        // Physical rows of the first n candidates of a side: the candidates themselves without a selection.
        private static int[] Physical(Side side, int[] rows, int n, List<Action> pooled)
        {
            if (side.Sel is not { } sel) return rows;
            var r = Rent<int>(n, pooled);
            for (int i = 0; i < n; i++) r[i] = sel[rows[i]];
            return r;
        }

        private static ColumnVector GatherInput(ColumnVector c, int[] rows, int n, List<Action> pooled) => c switch
        {
            PrimitiveVector<long> { Validity: null } v => GatherPooled(v, rows, n, pooled),
            PrimitiveVector<int> { Validity: null } v => GatherPooled(v, rows, n, pooled),
            PrimitiveVector<double> { Validity: null } v => GatherPooled(v, rows, n, pooled),
            _ => c.Gather(rows.AsSpan(0, n)),
        };

        private static PrimitiveVector<T> GatherPooled<T>(PrimitiveVector<T> v, int[] rows, int n, List<Action> pooled) where T : unmanaged
        {
            var dst = Rent<T>(n, pooled);
            var src = v.Values;
            for (int i = 0; i < n; i++) dst[i] = src[rows[i]];
            return new PrimitiveVector<T>(v.Type, dst, null, n);
        }

        private static T[] Rent<T>(int n, List<Action> pooled)
        {
            var a = ArrayPool<T>.Shared.Rent(n);
            pooled.Add(() => ArrayPool<T>.Shared.Return(a));
            return a;
        }

        // A residual that is only `probe column <> build column` over integers (EXISTS another row of the key with a
        // different value: TPC-H Q21's "another supplier of the order"): the columns, else nulls.
        private (ColumnVector? Probe, ColumnVector? Build) DifferentValueResidual()
        {
            if (_spec.Residual is not BoundBinary { Op: BinaryOp.NotEqual, Left: BoundColumn a, Right: BoundColumn b }) return (null, null);
            int nl = _left.Batch.Columns.Count;
            var (p, q) = a.Ordinal < nl && b.Ordinal >= nl ? (a.Ordinal, b.Ordinal - nl) : b.Ordinal < nl && a.Ordinal >= nl ? (b.Ordinal, a.Ordinal - nl) : (-1, -1);
            if (p < 0) return (null, null);
            var (probe, build) = (_left.Batch[p], _right.Batch[q]);
            bool integral = probe is PrimitiveVector<long> && build is PrimitiveVector<long> || probe is PrimitiveVector<int> && build is PrimitiveVector<int>;
            return integral ? (probe, build) : (null, null);
        }

        // Some build row of the probe row's key has a non-NULL value other than the probe row's exactly when the key's
        // smallest or largest such value differs from it: one lookup per probe row instead of one residual per pair.
        private ColumnBatch SemiOnDifferentValue(int morsels, ColumnVector probeCol, ColumnVector buildCol)
        {
            var (min, max) = _table.ValueRange(buildCol, _build.Sel);
            var hit = ArrayPool<byte>.Shared.Rent(Math.Max(1, _probe.Rows));
            hit.AsSpan(0, _probe.Rows).Clear();
            var sel = _probe.Sel;
            ForEach(morsels, m =>
            {
                int s = m * _morselRows, e = Math.Min(_probe.Rows, s + _morselRows);
                for (int p = s; p < e; p++)
                {
                    int id = _pid[p], row = sel is null ? p : sel[p];
                    if (id < 0 || probeCol.IsNull(row) || min[id] > max[id]) continue;
                    long v = probeCol is PrimitiveVector<long> l ? l.Values[row] : ((PrimitiveVector<int>)probeCol).Values[row];
                    if (min[id] != v || max[id] != v) hit[p] = 1;
                }
            });
            _probeHit = hit;
            return Semi(morsels, residual: false);
        }

        private ColumnBatch Semi(int morsels, bool residual)
        {
            if (residual) ForEach(morsels, m => ResidualMorsel(m, emit: false));
            if (_buildLeft) return _marks!.Kept(_left, _want, _spec);
            int rows = _left.Rows;
            var keep = new IntList(rows / 2);
            var ph = _probeHit;
            for (int p = 0; p < rows; p++)
                if ((ph is not null ? ph[p] != 0 : _pid[p] >= 0) == _want) keep.Add(p);
            return Rows(_left, keep, _spec);
        }

        /// <summary>The kept live rows of the left side (the columns the semi or anti join emits), in order.</summary>
        public static ColumnBatch Rows(Side left, IntList keep, JoinSpec spec)
        {
            var idx = keep.Items.AsSpan(0, keep.Count).ToArray();
            left.ToPhysical(idx, idx.Length);
            return new ColumnBatch(spec.Output, Gathered(left, spec.EmittedLeft, idx, idx.Length), idx.Length);
        }

        // The first `rows` entries of each index array are the output rows (the arrays may be longer: pooled); a null
        // index array stands for every live row of that side in order.
        private ColumnBatch Output(int[]? lIdx, int[]? rIdx, int rows)
        {
            if (lIdx is not null) _left.ToPhysical(lIdx, rows);
            if (rIdx is not null) _right.ToPhysical(rIdx, rows);
            return new ColumnBatch(_spec.Output, [.. Gathered(_left, _spec.EmittedLeft, lIdx, rows), .. Gathered(_right, _spec.EmittedRight, rIdx, rows)], rows);
        }

        // The side's emitted columns at the output rows; only those are gathered.
        private static ColumnVector[] Gathered(Side side, IReadOnlyList<int> emitted, int[]? idx, int rows)
        {
            var cols = emitted.Select(i => side.Batch[i]).ToArray();
            if (cols.Length == 0) return cols;
            if (idx is null) return side.Sel is { } sel ? cols.Select(c => ColumnGather.Gather(c, sel, sel.Length)).ToArray() : cols;
            // An FK join where every probe row matches once leaves the probe side in place.
            if (rows == side.Batch.PhysicalRows && IsIota(idx, rows)) return cols;
            return cols.Select(c => ColumnGather.Gather(c, idx, rows)).ToArray();
        }

        private static bool IsIota(int[] idx, int rows)
        {
            for (int i = 0; i < rows; i++) if (idx[i] != i) return false;
            return true;
        }
    }
}

/// <summary>Morsel-parallel gathers of whole columns by an index array (-1 yields NULL), for join output.</summary>
internal static class ColumnGather
{
    private const int Chunk = 65536;

    /// <summary>The rows idx[0..n) of a column (idx may be longer).</summary>
    public static ColumnVector Gather(ColumnVector c, int[] idx, int n) => c switch
    {
        PrimitiveVector<long> v => Primitive(v, idx, n),
        PrimitiveVector<int> v => Primitive(v, idx, n),
        PrimitiveVector<double> v => Primitive(v, idx, n),
        PrimitiveVector<float> v => Primitive(v, idx, n),
        PrimitiveVector<bool> v => Primitive(v, idx, n),
        StringVector s => Strings(s, idx, n),
        _ => c.Gather(idx.AsSpan(0, n)),
    };

    private static void ForChunks(int rows, Action<int, int> body)
    {
        int chunks = (int)(((long)rows + Chunk - 1) / Chunk);
        int threads = SimdCapabilities.EffectiveThreads;
        if (chunks <= 1 || threads <= 1) { for (int c = 0; c < chunks; c++) body(c * Chunk, Math.Min(rows, (c + 1) * Chunk)); return; }
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = threads }, c => body(c * Chunk, Math.Min(rows, (c + 1) * Chunk)));
    }

    private static PrimitiveVector<T> Primitive<T>(PrimitiveVector<T> v, int[] idx, int n) where T : unmanaged
    {
        var src = v.Values;
        var dst = new T[n];
        int padded = 0;
        ForChunks(n, (s, e) =>
        {
            int neg = 0;
            for (int i = s; i < e; i++)
            {
                int ix = idx[i];
                if (ix >= 0) dst[i] = src[ix];
                else neg = 1;
            }
            if (neg != 0) Volatile.Write(ref padded, 1);
        });
        return new PrimitiveVector<T>(v.Type, dst, Validity(v, idx, n, padded != 0));
    }

    private static StringVector Strings(StringVector v, int[] idx, int n)
    {
        var offsets = new int[n + 1];
        var srcOff = v.Offsets;
        // Each row's source start is kept from the first pass, so the copy pass reads only the string bytes at random.
        var starts = ArrayPool<int>.Shared.Rent(Math.Max(1, n));
        int padded = 0;
        try
        {
            // Lengths per row, then one prefix sum; the byte copies run in parallel into disjoint ranges.
            ForChunks(n, (s, e) =>
            {
                int neg = 0;
                for (int i = s; i < e; i++)
                {
                    int ix = idx[i];
                    if (ix >= 0)
                    {
                        int o = srcOff[ix];
                        starts[i] = o;
                        offsets[i + 1] = srcOff[ix + 1] - o;
                    }
                    else
                    {
                        starts[i] = 0;
                        neg = 1;
                    }
                }
                if (neg != 0) Volatile.Write(ref padded, 1);
            });
            long total = 0;
            for (int i = 1; i < offsets.Length; i++)
            {
                total += offsets[i];
                if (total > Array.MaxLength) throw new AccelException($"join output string column holds more than {Array.MaxLength} bytes");
                offsets[i] = (int)total;
            }
            var data = new byte[total];
            CopyStrings(v.Data, starts, offsets, data, n);
            return new StringVector(offsets, data, Validity(v, idx, n, padded != 0));
        }
        finally
        {
            ArrayPool<int>.Shared.Return(starts);
        }
    }

    // Row i's bytes go from src[starts[i]..] to data[offsets[i]..offsets[i+1]). A short string is moved as one 16-byte
    // load and store: the store may run past the row into bytes of later rows of the same chunk, which those rows
    // overwrite afterwards, so it is used only where it stays inside the chunk's output and the load inside the source.
    private static unsafe void CopyStrings(byte[] src, int[] starts, int[] offsets, byte[] data, int n)
    {
        const int Ahead = 16;
        bool prefetch = Sse.IsSupported;
        ForChunks(n, (s, e) =>
        {
            int chunkEnd = offsets[e];
            int srcWide = src.Length - 16;
            fixed (byte* sp = src, dp = data)
            {
                for (int i = s; i < e; i++)
                {
                    if (prefetch && i + Ahead < e && starts[i + Ahead] < src.Length) Sse.Prefetch0(sp + starts[i + Ahead]);
                    int o = starts[i], d = offsets[i], len = offsets[i + 1] - d;
                    if (len <= 16 && d + 16 <= chunkEnd && o <= srcWide)
                        Unsafe.WriteUnaligned(dp + d, Unsafe.ReadUnaligned<Vector128<byte>>(sp + o));
                    else if (len > 0)
                        Buffer.MemoryCopy(sp + o, dp + d, len, len);
                }
            }
        });
    }

    private static ValidityBitmap? Validity(ColumnVector v, int[] idx, int n, bool padded)
    {
        var srcValid = v.Validity;
        if (srcValid is null && !padded) return null;
        var bytes = new byte[(n + 7) >> 3];
        // Chunks are multiples of 8 rows, so threads never share a byte.
        ForChunks(n, (s, e) =>
        {
            for (int i = s; i < e; i++)
            {
                int ix = idx[i];
                if (ix >= 0 && (srcValid is null || srcValid.IsValid(ix))) bytes[i >> 3] |= (byte)(1 << (i & 7));
            }
        });
        return new ValidityBitmap(bytes, n);
    }
}
