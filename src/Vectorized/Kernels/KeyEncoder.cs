using System.Buffers.Binary;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Accel.Data;

namespace Accel.Vectorized;

/// <summary>Turns the key columns of grouping and join keys into fixed-width 64-bit words whose equality
/// is Spark's key equality (NaN equals NaN, -0.0 equals 0.0, strings by bytes, NULL equals NULL — joins
/// drop NULL keys themselves). Several keys are packed into one word in mixed radix when their value
/// ranges allow, so that most group-bys and joins hash one long; otherwise each key is one word plus a
/// word of null flags. Strings of at most 7 bytes are their bytes; longer ones get dictionary codes.</summary>
/// <remarks>All parts (batches, or both sides of a join) are planned together, so a code means the same
/// value in every part.</remarks>
public sealed class KeyEncoder
{
    private const int ShortStringBytes = 7;

    private enum Kind { Integral, Floating, ShortString, Dictionary }

    private sealed class KeyPlan
    {
        public Kind Kind;
        public long Lo = long.MaxValue, Hi = long.MinValue;
        public bool HasNull;
        // The longest string of a ShortString key: codes are numbers of that many bytes.
        public int MaxBytes;
        // Dictionary codes per part (Dictionary kind only).
        public int[][]? Codes;
        // Mixed-radix packing: code 0 is NULL when HasNull, values start at NullShift.
        public long Stride;
        public long NullShift => HasNull ? 1 : 0;
        // As a double: a full 64-bit range would overflow a long, and such keys are never packed anyway.
        public double Cardinality => (Hi < Lo ? 0 : (double)Hi - Lo + 1) + NullShift;
    }

    private readonly ColumnVector[][] _parts;
    private readonly KeyPlan[] _keys;
    private readonly bool _anyNull;

    /// <summary>Words per row: 1 when the keys pack into one word.</summary>
    public int Words { get; }
    /// <summary>True when every key packs into one word in [0, <see cref="Cardinality"/>).</summary>
    public bool Packed { get; }
    /// <summary>The number of distinct packed words possible (meaningful when <see cref="Packed"/>).</summary>
    public long Cardinality { get; }

    /// <summary>Whether grouping <paramref name="rows"/> rows can index an array by the packed word itself: the keys pack,
    /// the range is at most <paramref name="maxSlots"/>, and it is dense enough (at most four slots per row) that the
    /// array is no larger than a hash table of the groups would be.</summary>
    public bool DirectIndexable(long rows, long maxSlots) => Packed && Cardinality <= maxSlots && Cardinality <= 4 * rows + 1024;

    /// <summary>Plans the encoding of the key columns of every part: parts[p][k] is key k of part p (compact columns).</summary>
    public KeyEncoder(IReadOnlyList<ColumnVector[]> parts)
    {
        _parts = parts.ToArray();
        int keys = _parts.Length == 0 ? 0 : _parts[0].Length;
        _keys = new KeyPlan[keys];
        for (int k = 0; k < keys; k++) _keys[k] = PlanKey(k);
        _anyNull = _keys.Any(p => p.HasNull);

        // Mixed radix in 62 bits leaves room for the direct-index and hash paths to treat words as non-negative.
        double product = 1;
        foreach (var p in _keys) product *= Math.Max(1, p.Cardinality);
        Packed = product < (1L << 62);
        if (Packed)
        {
            long stride = 1;
            foreach (var p in _keys) { p.Stride = stride; stride *= (long)Math.Max(1, p.Cardinality); }
            Cardinality = stride;
            Words = 1;
        }
        else Words = keys + (_anyNull ? 1 : 0);
    }

    /// <summary>Whether any key of row <paramref name="row"/> of part <paramref name="part"/> is NULL.</summary>
    public bool RowHasNull(int part, int row)
    {
        foreach (var c in _parts[part]) if (c.IsNull(row)) return true;
        return false;
    }

    /// <summary>Whether a part's words are its one integral key column's values plus a constant (one key, no validity
    /// bitmap in that part); if so, the column and the constant, so that a lookup can index by the values themselves.</summary>
    public bool TryRawIntegral(int part, out ColumnVector column, out long shift)
    {
        column = _parts[part].Length == 1 ? _parts[part][0] : null!;
        shift = _keys.Length == 1 ? _keys[0].NullShift - _keys[0].Lo : 0;
        return Packed && _keys.Length == 1 && _keys[0].Kind == Kind.Integral && column.Validity is null
            && column is PrimitiveVector<int> or PrimitiveVector<long>;
    }

    /// <summary>Writes the words of rows [start, start+count) of a part into <paramref name="dst"/> (count × Words, row-major).</summary>
    public void Encode(int part, int start, int count, Span<long> dst)
    {
        var cols = _parts[part];
        if (Packed)
        {
            dst[..count].Clear();
            for (int k = 0; k < _keys.Length; k++) AddPacked(_keys[k], cols[k], part, start, count, dst);
            return;
        }
        int w = Words;
        Span<long> one = Scratch(count);
        if (_anyNull) for (int i = 0; i < count; i++) dst[i * w + _keys.Length] = 0;
        for (int k = 0; k < _keys.Length; k++)
        {
            Codes(_keys[k], cols[k], part, start, count, one);
            var c = cols[k];
            for (int i = 0; i < count; i++)
            {
                if (c.Validity is not null && c.IsNull(start + i))
                {
                    dst[i * w + k] = 0;
                    dst[i * w + _keys.Length] |= 1L << k;
                }
                else dst[i * w + k] = one[i];
            }
        }
    }

    /// <summary>Writes the packed words (<see cref="Packed"/> only) of the rows start + rows[j] of a part into dst[j]:
    /// a sparse morsel's survivors encode alone instead of with every row around them.</summary>
    public void EncodeAt(int part, int start, int count, ReadOnlySpan<int> rows, Span<long> dst)
    {
        if (!Packed) throw new InvalidOperationException("only packed keys encode at chosen rows");
        var cols = _parts[part];
        dst[..rows.Length].Clear();
        for (int k = 0; k < _keys.Length; k++)
        {
            var p = _keys[k];
            var c = cols[k];
            long shift = p.NullShift - p.Lo, stride = p.Stride;
            if (p.Kind == Kind.Integral && c.Validity is null && c is PrimitiveVector<int> or PrimitiveVector<long>)
            {
                if (c is PrimitiveVector<int> iv)
                    for (int j = 0; j < rows.Length; j++) dst[j] += (iv.Values[start + rows[j]] + shift) * stride;
                else
                {
                    var lv = ((PrimitiveVector<long>)c).Values;
                    for (int j = 0; j < rows.Length; j++) dst[j] += (lv[start + rows[j]] + shift) * stride;
                }
                continue;
            }
            Span<long> codes = Scratch(count);
            Codes(p, c, part, start, count, codes);
            for (int j = 0; j < rows.Length; j++)
                if (c.Validity is null || !c.IsNull(start + rows[j])) dst[j] += (codes[rows[j]] + shift) * stride;
        }
    }

    private void AddPacked(KeyPlan p, ColumnVector c, int part, int start, int count, Span<long> dst)
    {
        long shift = p.NullShift - p.Lo, stride = p.Stride;
        if (p.Kind == Kind.Integral && c.Validity is null)
        {
            // The common case stays a plain loop over the value buffer, which the JIT vectorizes poorly but keeps branch-free.
            switch (c)
            {
                case PrimitiveVector<int> v:
                    var iv = v.Values.AsSpan(start, count);
                    for (int i = 0; i < count; i++) dst[i] += (iv[i] + shift) * stride;
                    return;
                case PrimitiveVector<long> v:
                    var lv = v.Values.AsSpan(start, count);
                    for (int i = 0; i < count; i++) dst[i] += (lv[i] + shift) * stride;
                    return;
            }
        }
        Span<long> codes = Scratch(count);
        Codes(p, c, part, start, count, codes);
        if (c.Validity is null)
            for (int i = 0; i < count; i++) dst[i] += (codes[i] + shift) * stride;
        else
            for (int i = 0; i < count; i++)
                if (!c.IsNull(start + i)) dst[i] += (codes[i] + shift) * stride;
    }

    // One code buffer per thread: morsels are 64K rows, and a fresh 512 KB array per key per morsel lands on the
    // large object heap and costs more than the encoding itself.
    [ThreadStatic] private static long[]? _scratch;

    private static Span<long> Scratch(int count)
    {
        if (_scratch is null || _scratch.Length < count) _scratch = new long[Math.Max(count, 65536)];
        return _scratch.AsSpan(0, count);
    }

    // The key's value per row as a long (garbage under NULLs).
    private static void Codes(KeyPlan p, ColumnVector c, int part, int start, int count, Span<long> dst)
    {
        switch (p.Kind)
        {
            case Kind.Dictionary:
                var codes = p.Codes![part];
                for (int i = 0; i < count; i++) dst[i] = codes[start + i];
                return;
            case Kind.ShortString:
                ShortCodes((StringVector)c, start, count, p.MaxBytes, dst);
                return;
        }
        switch (c)
        {
            case PrimitiveVector<int> v: for (int i = 0; i < count; i++) dst[i] = v.Values[start + i]; return;
            case PrimitiveVector<long> v: v.Values.AsSpan(start, count).CopyTo(dst); return;
            case PrimitiveVector<bool> v: for (int i = 0; i < count; i++) dst[i] = v.Values[start + i] ? 1 : 0; return;
            case PrimitiveVector<double> v: for (int i = 0; i < count; i++) dst[i] = FloatingCode(v.Values[start + i]); return;
            case PrimitiveVector<float> v: for (int i = 0; i < count; i++) dst[i] = FloatingCode(v.Values[start + i]); return;
            default: throw new InvalidOperationException($"no key encoding for {c.Type}");
        }
    }

    // One bit pattern per Spark-equal value: every NaN is one NaN, -0.0 is 0.0.
    private static long FloatingCode(double d) => double.IsNaN(d) ? BitConverter.DoubleToInt64Bits(double.NaN) : BitConverter.DoubleToInt64Bits(d == 0 ? 0.0 : d);

    // ShortCode for rows [start, start+count): rows whose 8-byte read stays inside the data buffer read it unaligned
    // without bounds checks (the hot loop is a load, a mask, a byte swap and a multiply-add); the last few take the
    // careful path.
    private static void ShortCodes(StringVector s, int start, int count, int maxBytes, Span<long> dst)
    {
        if (ShortStringProfile.Of(s).FixedLength == 1)
        {
            // One byte b per row (flags): its code reduces to b * ((maxBytes + 1) << 8 (maxBytes - 1)) + 1.
            var one = s.Data.AsSpan(s.Offsets[start], count);
            long scale = (long)(maxBytes + 1) << (8 * (maxBytes - 1));
            for (int r = 0; r < count; r++) dst[r] = one[r] * scale + 1;
            return;
        }
        var offsets = s.Offsets.AsSpan(start, count + 1);
        var data = s.Data;
        int safeEnd = data.Length - 8, shift = 64 - 8 * maxBytes, i = 0;
        ref byte bytes = ref MemoryMarshal.GetArrayDataReference(data);
        for (; i < count; i++)
        {
            int off = offsets[i], len = offsets[i + 1] - off;
            if (off > safeEnd) break;
            ulong raw = Unsafe.ReadUnaligned<ulong>(ref Unsafe.Add(ref bytes, off));
            // len <= 7, so the mask never needs a 64-bit shift; len 0 masks everything away.
            raw &= (1UL << (len * 8)) - 1;
            if (BitConverter.IsLittleEndian) raw = BinaryPrimitives.ReverseEndianness(raw);
            dst[i] = (long)(raw >> shift) * (maxBytes + 1) + len;
        }
        for (; i < count; i++) dst[i] = ShortCode(s, start + i, maxBytes);
    }

    // The bytes as a big-endian number of maxBytes bytes (zero padded), times maxBytes+1, plus the length: distinct
    // strings get distinct codes, and one-byte flags ('A', 'N', 'R') get codes a few hundred apart, so they pack.
    private static long ShortCode(StringVector s, int row, int maxBytes)
    {
        int off = s.Offsets[row], len = s.Offsets[row + 1] - off;
        if (len == 0) return 0;
        ulong raw;
        if (off + 8 <= s.Data.Length) raw = MemoryMarshal.Read<ulong>(s.Data.AsSpan(off, 8));
        else
        {
            Span<byte> tmp = stackalloc byte[8];
            tmp.Clear();
            s.Data.AsSpan(off, len).CopyTo(tmp);
            raw = MemoryMarshal.Read<ulong>(tmp);
        }
        raw &= (1UL << (len * 8)) - 1;
        if (BitConverter.IsLittleEndian) raw = BinaryPrimitives.ReverseEndianness(raw);
        return (long)(raw >> (64 - 8 * maxBytes)) * (maxBytes + 1) + len;
    }

    /// <summary>Whether a column type can be a key of this encoding.</summary>
    public static bool Supports(DataType t) => t.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Date32 or TypeId.Timestamp or TypeId.Decimal
        or TypeId.Boolean or TypeId.Float32 or TypeId.Float64 or TypeId.Utf8;

    private KeyPlan PlanKey(int k)
    {
        var type = _parts[0][k].Type;
        var p = new KeyPlan
        {
            Kind = type.Id switch
            {
                TypeId.Float32 or TypeId.Float64 => Kind.Floating,
                TypeId.Utf8 => Kind.ShortString,
                _ => Kind.Integral,
            },
        };
        if (p.Kind == Kind.ShortString)
        {
            p.MaxBytes = Math.Max(1, _parts.AsParallel().WithDegreeOfParallelism(SimdCapabilities.EffectiveThreads).Max(part => ShortStringProfile.Of((StringVector)part[k]).MaxLength));
            if (p.MaxBytes > ShortStringBytes) p.Kind = Kind.Dictionary;
        }
        if (p.Kind == Kind.Dictionary) p.Codes = DictionaryCodes(k);
        // Each part's range on its own thread (a scan of every row), then one reduction.
        var lo = new long[_parts.Length];
        var hi = new long[_parts.Length];
        Parallel.For(0, _parts.Length, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            part => (lo[part], hi[part]) = PartRange(p, _parts[part][k], part));
        for (int part = 0; part < _parts.Length; part++)
        {
            p.HasNull |= _parts[part][k].NullCount > 0;
            p.Lo = Math.Min(p.Lo, lo[part]);
            p.Hi = Math.Max(p.Hi, hi[part]);
        }
        return p;
    }

    // The smallest and largest code of the non-NULL rows of one part (MaxValue, MinValue when there are none).
    private static (long Lo, long Hi) PartRange(KeyPlan p, ColumnVector c, int part)
    {
        long min = long.MaxValue, max = long.MinValue;
        if (c.NullCount == c.Length) return (min, max);
        if (p.Kind == Kind.Integral && c.Validity is null && c is PrimitiveVector<int> or PrimitiveVector<long>)
            return c is PrimitiveVector<int> iv ? ColumnRange.Of(iv) : ColumnRange.Of((PrimitiveVector<long>)c);
        // A short string column's range at a code width is the same on every query: computed once per column.
        if (p.Kind == Kind.ShortString) return ShortStringProfile.Of((StringVector)c).Range(p.MaxBytes, () => CodeRange(p, c, part));
        return CodeRange(p, c, part);
    }

    private static (long Lo, long Hi) CodeRange(KeyPlan p, ColumnVector c, int part)
    {
        long min = long.MaxValue, max = long.MinValue;
        var codes = new long[Math.Min(c.Length, 65536)];
        for (int start = 0; start < c.Length; start += codes.Length)
        {
            int n = Math.Min(codes.Length, c.Length - start);
            Codes(p, c, part, start, n, codes);
            if (c.Validity is null)
            {
                var (lo, hi) = VectorLoops.MinMax<long>(codes.AsSpan(0, n));
                min = Math.Min(min, lo);
                max = Math.Max(max, hi);
                continue;
            }
            for (int i = 0; i < n; i++)
            {
                if (c.IsNull(start + i)) continue;
                min = Math.Min(min, codes[i]);
                max = Math.Max(max, codes[i]);
            }
        }
        return (min, max);
    }

    /// <summary>A string column's longest string, the length all its strings share (-1 when they differ), and its short
    /// codes' range at each code width asked for: computed once per column object (columns are immutable), so a cached
    /// table's flag columns (Q1's l_returnflag, l_linestatus) are not scanned again on every query.</summary>
    private sealed class ShortStringProfile
    {
        private static readonly ConditionalWeakTable<StringVector, ShortStringProfile> Cache = new();
        private readonly Dictionary<int, (long, long)> _ranges = [];

        public required int MaxLength { get; init; }
        public required int FixedLength { get; init; }

        public static ShortStringProfile Of(StringVector s) => Cache.GetValue(s, Build);

        public (long Lo, long Hi) Range(int maxBytes, Func<(long, long)> compute)
        {
            lock (_ranges)
                if (_ranges.TryGetValue(maxBytes, out var known)) return known;
            var range = compute();
            lock (_ranges) _ranges[maxBytes] = range;
            return range;
        }

        private static ShortStringProfile Build(StringVector s)
        {
            var o = s.Offsets.AsSpan(0, s.Length + 1);
            int max = 0, first = s.Length > 0 ? o[1] - o[0] : 0;
            bool same = true;
            for (int i = 0; i < o.Length - 1; i++)
            {
                int len = o[i + 1] - o[i];
                max = Math.Max(max, len);
                same &= len == first;
            }
            return new ShortStringProfile { MaxLength = max, FixedLength = same ? first : -1 };
        }
    }

    // First-seen order over all parts, so that every part shares one code per distinct string: each part's own
    // dictionary (kept with its column) is merged in part order, which visits distinct strings in the same order as
    // the rows would, and the part's codes are then renumbered.
    private int[][] DictionaryCodes(int k)
    {
        var local = new LocalDictionary[_parts.Length];
        Parallel.For(0, _parts.Length, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            part => local[part] = LocalDictionary.Of((StringVector)_parts[part][k]));
        var dict = new ByteStringTable();
        var result = new int[_parts.Length][];
        for (int part = 0; part < _parts.Length; part++)
        {
            var s = (StringVector)_parts[part][k];
            var (codes, firstRows) = (local[part].Codes, local[part].FirstRows);
            var map = new int[firstRows.Length];
            for (int d = 0; d < map.Length; d++) map[d] = dict.GetOrAdd(s.GetBytes(firstRows[d]));
            var global = result[part] = new int[s.Length];
            const int Chunk = 1 << 16;
            Parallel.For(0, (s.Length + Chunk - 1) / Chunk, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, c =>
            {
                for (int i = c * Chunk, e = Math.Min(s.Length, i + Chunk); i < e; i++) global[i] = codes[i] < 0 ? 0 : map[codes[i]];
            });
        }
        return result;
    }

    /// <summary>A string column's codes in its own first-seen order (-1 for NULL) and the first row of each code,
    /// computed once per column object and kept as long as it lives: a cached table's string key is coded once,
    /// not on every query (H2O groupby q3 and q7 code 10 million id3 strings, most of their aggregate's time).
    /// Columns are immutable, so the codes never go stale.</summary>
    internal sealed class LocalDictionary
    {
        private static readonly ConditionalWeakTable<StringVector, LocalDictionary> Cache = new();

        public required int[] Codes { get; init; }
        public required int[] FirstRows { get; init; }

        public static LocalDictionary Of(StringVector s) => Cache.GetValue(s, Build);

        public static bool TryGet(StringVector s, out LocalDictionary dictionary) => Cache.TryGetValue(s, out dictionary!);

        private static LocalDictionary Build(StringVector s)
        {
            var dict = new ByteStringTable();
            var codes = new int[s.Length];
            var first = new List<int>();
            for (int i = 0; i < s.Length; i++)
            {
                if (s.IsNull(i)) { codes[i] = -1; continue; }
                int id = codes[i] = dict.GetOrAdd(s.GetBytes(i));
                if (id == first.Count) first.Add(i);
            }
            return new LocalDictionary { Codes = codes, FirstRows = [.. first] };
        }
    }
}
