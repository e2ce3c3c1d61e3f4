using System.Buffers.Binary;
using System.Numerics;
using System.Runtime.InteropServices;
using Accel.Data;
using Accel.Execution;
using Accel.Operators;

namespace Accel.Vectorized;

/// <summary>SIMD-path sort and top-N on normalized keys: each sort key becomes an order-preserving unsigned
/// integer (direction and null placement folded in), as many keys as fit are packed into one 64-bit word
/// using their measured ranges, and (word, row) pairs are LSD radix sorted, skipping bytes that never vary.
/// Keys that do not fit, and strings longer than 7 bytes (sorted by an 8-byte prefix), are resolved by
/// comparing only the rows whose words tie, with the scalar path's ordering (<see cref="SparkOrdering"/>).
/// Stable: equal rows keep their input order. A top-N finds the N-th smallest word with a bounded heap
/// and sorts only the rows at or below it.</summary>
public sealed class SortSimd : ISortImpl
{
    private const int ShortStringBytes = 7;
    private const int TopNLimit = 100_000;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(SortSpec spec, ExecEnvironment env)
    {
        if (!SimdCapabilities.Use128) return Support.No("this CPU has no hardware-accelerated vectors");
        foreach (var k in spec.Keys)
            if (!KeyEncoder.Supports(spec.Input[k.Ordinal].Type))
                return Support.No($"sorting by a {spec.Input[k.Ordinal].Type} key is not vectorized yet");
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(SortSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowSortPass * (2 + spec.Keys.Count) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Sort(ColumnBatch input, SortSpec spec)
    {
        var batch = input.Compact();
        int n = batch.PhysicalRows;
        var (words, tiedFrom) = PackedWords(batch, spec.Keys, n);
        int[] order;
        if (spec.Limit is int limit && limit < n && limit <= TopNLimit) order = TopN(batch, spec, words, tiedFrom, limit);
        else order = AllRows(batch, spec, words, tiedFrom);
        return new ColumnBatch(batch.Schema, batch.Columns.Select(c => c.Gather(order)).ToArray(), order.Length);
    }

    /// <summary>The rows of a compact batch in key order (ties in row order), as <see cref="Sort"/> orders them.</summary>
    public static int[] Order(ColumnBatch batch, IReadOnlyList<SortKey> keys)
    {
        var (words, tiedFrom) = PackedWords(batch, keys, batch.PhysicalRows);
        return AllRows(batch, new SortSpec(batch.Schema, keys, null), words, tiedFrom);
    }

    // Every row in order: by one radix sort per word when the keys take several exact words, else by the first word
    // with comparisons for the keys it leaves tied.
    private static int[] AllRows(ColumnBatch batch, SortSpec spec, ulong[] words, int tiedFrom) =>
        MultiWordOrder(batch, spec.Keys, words, tiedFrom) ?? SortRows(batch, spec, words, tiedFrom, Identity(batch.PhysicalRows));

    // Keys that one word cannot hold (a partition id and a double, say) sorted by one word per run of keys that fits,
    // least significant word first: each radix sort is stable, so the earlier words decide and ties stay in row order.
    // Null when a key has no exact word (strings past 7 bytes), or when one word held every key.
    private static int[]? MultiWordOrder(ColumnBatch batch, IReadOnlyList<SortKey> keys, ulong[] first, int tiedFrom)
    {
        if (tiedFrom >= keys.Count || tiedFrom == 0) return null;
        int n = batch.PhysicalRows;
        var words = new List<ulong[]> { first };
        for (int covered = tiedFrom; covered < keys.Count;)
        {
            var (w, t) = PackedWords(batch, keys.Skip(covered).ToList(), n);
            if (t == 0) return null;
            words.Add(w);
            covered += t;
        }
        var rows = Identity(n);
        var sortKeys = new ulong[n];
        for (int g = words.Count - 1; g >= 0; g--)
        {
            var w = words[g];
            for (int i = 0; i < n; i++) sortKeys[i] = w[rows[i]];
            RadixSort(sortKeys, rows);
        }
        return rows;
    }

    private static int[] Identity(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    private static int[] TopN(ColumnBatch batch, SortSpec spec, ulong[] words, int tiedFrom, int limit)
    {
        if (limit == 0) return [];
        // The limit-th smallest word bounds every row of the answer: rows above it cannot be in the first N.
        var heap = new PriorityQueue<ulong, ulong>(limit, Comparer<ulong>.Create((a, b) => b.CompareTo(a)));
        int i = 0;
        for (; i < words.Length && heap.Count < limit; i++) heap.Enqueue(words[i], words[i]);
        // Past the first N rows few words beat the bound (about N ln(rows / N) of them in random order), so the loop is
        // one compare against a local per row; the heap is touched only on a hit.
        ulong bound = heap.Peek();
        for (; i < words.Length; i++)
        {
            ulong w = words[i];
            if (w >= bound) continue;
            heap.EnqueueDequeue(w, w);
            bound = heap.Peek();
        }
        var candidates = new List<int>();
        for (int r = 0; r < words.Length; r++) if (words[r] <= bound) candidates.Add(r);
        var sorted = SortRows(batch, spec, words, tiedFrom, candidates.ToArray());
        return sorted[..limit];
    }

    // Radix sorts the rows by word, then orders runs of equal words by the keys the word does not decide.
    private static int[] SortRows(ColumnBatch batch, SortSpec spec, ulong[] allWords, int tiedFrom, int[] rows)
    {
        int n = rows.Length;
        var keys = new ulong[n];
        for (int i = 0; i < n; i++) keys[i] = allWords[rows[i]];
        RadixSort(keys, rows);
        if (tiedFrom >= spec.Keys.Count) return rows;
        var comparers = spec.Keys.Skip(tiedFrom).Select(k => SparkOrdering.ColumnComparer(batch[k.Ordinal], k.Ascending, k.NullsFirst)).ToArray();
        Comparison<int> compare = (a, b) =>
        {
            foreach (var c in comparers)
            {
                int r = c(a, b);
                if (r != 0) return r;
            }
            return a.CompareTo(b);
        };
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && keys[end] == keys[start]) end++;
            if (end - start > 1) Array.Sort(rows, start, end - start, Comparer<int>.Create(compare));
            start = end;
        }
        return rows;
    }

    /// <summary>Stable LSD radix sort of (key, row) pairs by key, one counting pass per byte that varies.</summary>
    internal static void RadixSort(ulong[] keys, int[] rows)
    {
        int n = keys.Length;
        if (n < 2) return;
        if (n <= 64)
        {
            // Insertion sort: stable and cheaper than counting passes for a handful of rows.
            for (int i = 1; i < n; i++)
            {
                ulong k = keys[i];
                int r = rows[i], j = i - 1;
                for (; j >= 0 && keys[j] > k; j--) { keys[j + 1] = keys[j]; rows[j + 1] = rows[j]; }
                keys[j + 1] = k;
                rows[j + 1] = r;
            }
            return;
        }
        ulong varying = VaryingBits(keys);
        var counts = new int[8 * 256];
        for (int i = 0; i < n; i++)
        {
            ulong k = keys[i];
            for (int b = 0; b < 8; b++) counts[b * 256 + (int)(k >> (8 * b) & 0xFF)]++;
        }
        ulong[] src = keys, dst = new ulong[n];
        int[] srcRows = rows, dstRows = new int[n];
        for (int b = 0; b < 8; b++)
        {
            if ((varying >> (8 * b) & 0xFF) == 0) continue;
            var c = counts.AsSpan(b * 256, 256);
            int sum = 0;
            for (int d = 0; d < 256; d++) { int t = c[d]; c[d] = sum; sum += t; }
            int shift = 8 * b;
            for (int i = 0; i < n; i++)
            {
                int pos = c[(int)(src[i] >> shift & 0xFF)]++;
                dst[pos] = src[i];
                dstRows[pos] = srcRows[i];
            }
            (src, dst) = (dst, src);
            (srcRows, dstRows) = (dstRows, srcRows);
        }
        // After an odd number of passes the result sits in the scratch arrays.
        if (!ReferenceEquals(src, keys))
        {
            src.CopyTo(keys, 0);
            srcRows.CopyTo(rows, 0);
        }
    }

    // Bits that differ between any key and the first: OR of (key XOR first), widest vectors first.
    private static ulong VaryingBits(ulong[] keys)
    {
        ulong first = keys[0], acc = 0;
        var span = keys.AsSpan();
        int i = 0;
        if (SimdCapabilities.Use512)
        {
            var f = System.Runtime.Intrinsics.Vector512.Create(first);
            var v = System.Runtime.Intrinsics.Vector512<ulong>.Zero;
            for (; i <= span.Length - 8; i += 8) v |= System.Runtime.Intrinsics.Vector512.Create<ulong>(span.Slice(i, 8)) ^ f;
            for (int k = 0; k < 8; k++) acc |= v[k];
        }
        else if (SimdCapabilities.Use256)
        {
            var f = System.Runtime.Intrinsics.Vector256.Create(first);
            var v = System.Runtime.Intrinsics.Vector256<ulong>.Zero;
            for (; i <= span.Length - 4; i += 4) v |= System.Runtime.Intrinsics.Vector256.Create<ulong>(span.Slice(i, 4)) ^ f;
            for (int k = 0; k < 4; k++) acc |= v[k];
        }
        for (; i < span.Length; i++) acc |= span[i] ^ first;
        return acc;
    }

    /// <summary>One 64-bit word per row packing as many leading keys as fit (each as its offset from its minimum,
    /// behind a null-rank bit when it has NULLs), and the index of the first key the word does not fully decide.</summary>
    private static (ulong[] Words, int TiedFrom) PackedWords(ColumnBatch batch, IReadOnlyList<SortKey> keys, int n)
    {
        var words = new ulong[n];
        int used = 0;
        var values = new ulong[n];
        for (int k = 0; k < keys.Count; k++)
        {
            var key = keys[k];
            var col = batch[key.Ordinal];
            bool exact = Normalize(col, 0, n, values) || col is StringVector sv && TryRanks(sv, n, values);
            if (!key.Ascending) for (int i = 0; i < n; i++) values[i] = ~values[i];
            ulong lo = ulong.MaxValue, hi = 0;
            bool anyValue = false;
            for (int i = 0; i < n; i++)
            {
                if (col.IsNull(i)) continue;
                anyValue = true;
                if (values[i] < lo) lo = values[i];
                if (values[i] > hi) hi = values[i];
            }
            bool hasNull = col.NullCount > 0;
            int valueBits = anyValue ? 64 - BitOperations.LeadingZeroCount(hi - lo) : 0;
            int width = valueBits + (hasNull && anyValue ? 1 : 0);
            if (used + width > 64) return (words, k);
            ulong nullRank = key.NullsFirst ? 0UL : 1UL, valueRank = 1 - nullRank;
            for (int i = 0; i < n; i++)
            {
                ulong field = col.IsNull(i) ? (hasNull && anyValue ? nullRank << valueBits : 0) : (values[i] - lo) | (hasNull ? valueRank << valueBits : 0);
                words[i] = width == 64 ? field : words[i] << width | field;
            }
            used += width;
            if (!exact) return (words, k);
        }
        return (words, keys.Count);
    }

    // Order-preserving unsigned values of a column's rows [start, start+count) (garbage under NULLs); false when equal
    // values do not imply equal rows (strings longer than 7 bytes, compared by their first 8 bytes). Without
    // exactStrings every string is its 8-byte prefix, so that words of different ranges compare.
    internal static bool Normalize(ColumnVector col, int start, int count, Span<ulong> dst, bool exactStrings = true)
    {
        switch (col)
        {
            case PrimitiveVector<int> v: for (int i = 0; i < count; i++) dst[i] = (uint)(v.Values[start + i] ^ int.MinValue); return true;
            case PrimitiveVector<long> v: for (int i = 0; i < count; i++) dst[i] = (ulong)(v.Values[start + i] ^ long.MinValue); return true;
            case PrimitiveVector<bool> v: for (int i = 0; i < count; i++) dst[i] = v.Values[start + i] ? 1UL : 0UL; return true;
            case PrimitiveVector<double> v: for (int i = 0; i < count; i++) dst[i] = DoubleBits(v.Values[start + i]); return true;
            case PrimitiveVector<float> v: for (int i = 0; i < count; i++) dst[i] = FloatBits(v.Values[start + i]); return true;
            case StringVector s:
            {
                int max = 0;
                for (int i = start; i < start + count; i++) max = Math.Max(max, s.Offsets[i + 1] - s.Offsets[i]);
                bool exact = exactStrings && max <= ShortStringBytes;
                for (int i = 0; i < count; i++) dst[i] = StringPrefix(s, start + i, exact);
                return exact;
            }
            default: throw new AccelException($"simd sort: no normalized key for {col.Type}");
        }
    }

    // A string key of few distinct values, longer than a word holds, as each row's rank among them in byte order (as
    // the comparisons order strings): exact, and a few bits wide. TPC-H Q16 sorts 26,700 groups by count, then three
    // strings whose 7-byte prefixes ("Brand#4") tie in long runs; comparing those runs was 12 ms of the query. A sample
    // of mostly distinct values leaves the key to the prefix and the comparisons, which hashing would not beat.
    private static bool TryRanks(StringVector s, int n, Span<ulong> dst)
    {
        const int sample = 4096;
        var probe = new ByteStringTable();
        for (int i = 0; i < Math.Min(n, sample); i++) if (!s.IsNull(i)) probe.GetOrAdd(s.GetBytes(i));
        if (n < 64 || probe.Count * 2 > Math.Min(n, sample)) return false;
        var dictionary = KeyEncoder.LocalDictionary.Of(s);
        var (codes, first) = (dictionary.Codes, dictionary.FirstRows);
        var byValue = Identity(first.Length);
        Array.Sort(byValue, (a, b) => s.GetBytes(first[a]).SequenceCompareTo(s.GetBytes(first[b])));
        var rank = new ulong[first.Length];
        for (int r = 0; r < byValue.Length; r++) rank[byValue[r]] = (ulong)r;
        for (int i = 0; i < n; i++) dst[i] = codes[i] < 0 ? 0 : rank[codes[i]];
        return true;
    }

    // IEEE order made unsigned: negatives flip every bit, positives the sign bit; one NaN above +Inf, -0.0 as 0.0.
    private static ulong DoubleBits(double d)
    {
        long bits = double.IsNaN(d) ? 0x7FF8_0000_0000_0000L : BitConverter.DoubleToInt64Bits(d == 0 ? 0.0 : d);
        return bits < 0 ? ~(ulong)bits : (ulong)bits | 1UL << 63;
    }

    private static ulong FloatBits(float f)
    {
        int bits = float.IsNaN(f) ? 0x7FC0_0000 : BitConverter.SingleToInt32Bits(f == 0 ? 0f : f);
        return bits < 0 ? ~(uint)bits : (uint)bits | 1u << 31;
    }

    // Exact: up to 7 bytes big-endian then the length (a prefix sorts before its extensions). Otherwise the first 8 bytes.
    private static ulong StringPrefix(StringVector s, int row, bool exact)
    {
        int off = s.Offsets[row], len = s.Offsets[row + 1] - off;
        Span<byte> tmp = stackalloc byte[8];
        tmp.Clear();
        s.Data.AsSpan(off, Math.Min(len, 8)).CopyTo(tmp);
        ulong be = BinaryPrimitives.ReadUInt64BigEndian(tmp);
        return exact ? be | (uint)len : be;
    }
}
