using System.Numerics;
using System.Runtime.InteropServices;
using Accel.Data;

namespace Accel.Kernels;

/// <summary>Host-side preparation of sort and join keys for the GPU: every key value becomes an order-preserving
/// unsigned 64-bit integer (strings through ranks or codes of a dictionary built on the host), and fields of
/// measured widths are packed, most significant first, into as few 64-bit words as they fit.</summary>
internal static class GpuKeys
{
    /// <summary>Whether a key of this type has a GPU encoding.</summary>
    public static bool Supports(DataType t) => t.Id is TypeId.Boolean or TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64
        or TypeId.Decimal or TypeId.Date32 or TypeId.Timestamp or TypeId.Utf8;

    /// <summary>Order-preserving unsigned values of the first <paramref name="n"/> rows of a fixed-width column
    /// (garbage under NULLs): Spark's order, so NaN is above +Inf and -0.0 equals 0.0.</summary>
    public static void Normalize(ColumnVector col, int n, ulong[] dst)
    {
        switch (col)
        {
            case PrimitiveVector<int> v: for (int i = 0; i < n; i++) dst[i] = (uint)(v.Values[i] ^ int.MinValue); break;
            case PrimitiveVector<long> v: for (int i = 0; i < n; i++) dst[i] = (ulong)(v.Values[i] ^ long.MinValue); break;
            case PrimitiveVector<bool> v: for (int i = 0; i < n; i++) dst[i] = v.Values[i] ? 1UL : 0UL; break;
            case PrimitiveVector<double> v: for (int i = 0; i < n; i++) dst[i] = DoubleBits(v.Values[i]); break;
            // A float widens to double exactly, so one encoding serves both.
            case PrimitiveVector<float> v: for (int i = 0; i < n; i++) dst[i] = DoubleBits(v.Values[i]); break;
            default: throw new AccelException($"gpu: no key encoding for a {col.Type} column");
        }
    }

    // IEEE order made unsigned: negatives flip every bit, positives the sign bit; every NaN one value above +Inf, -0.0 as 0.0.
    private static ulong DoubleBits(double d)
    {
        long bits = double.IsNaN(d) ? 0x7FF8_0000_0000_0000L : BitConverter.DoubleToInt64Bits(d == 0 ? 0.0 : d);
        return bits < 0 ? ~(ulong)bits : (ulong)bits | 1UL << 63;
    }

    /// <summary>Each non-NULL string's rank among the column's distinct strings in UTF-8 byte order (the scalar sort's order).</summary>
    public static void StringRanks(StringVector s, int n, ulong[] dst)
    {
        var rows = new List<int>(n);
        for (int i = 0; i < n; i++) if (!s.IsNull(i)) rows.Add(i);
        var sorted = rows.ToArray();
        Array.Sort(sorted, (a, b) => s.GetBytes(a).SequenceCompareTo(s.GetBytes(b)));
        ulong rank = 0;
        for (int k = 0; k < sorted.Length; k++)
        {
            if (k > 0 && !s.GetBytes(sorted[k]).SequenceEqual(s.GetBytes(sorted[k - 1]))) rank++;
            dst[sorted[k]] = rank;
        }
    }

    /// <summary>Width in bits of the range [lo, hi] measured relative to lo.</summary>
    public static int BitsFor(ulong lo, ulong hi) => hi <= lo ? 0 : 64 - BitOperations.LeadingZeroCount(hi - lo);
}

/// <summary>Packs fields (each at most 64 bits, most significant first) into 64-bit words: a field that does not fit
/// the rest of the current word starts a new one, so no field is split.</summary>
internal sealed class WordPacker(int rows)
{
    private readonly List<(ulong[] Word, int Bits)> _words = [];
    private ulong[]? _current;
    private int _used;

    /// <summary>The words so far, most significant first, with the bits each uses.</summary>
    public IReadOnlyList<(ulong[] Word, int Bits)> Words
    {
        get
        {
            Flush();
            return _words;
        }
    }

    /// <summary>Appends a field of <paramref name="bits"/> bits (values must be below 2^bits); a 0-bit field is skipped.</summary>
    public void Add(ulong[] field, int bits)
    {
        if (bits == 0) return;
        if (_current is not null && _used + bits > 64) Flush();
        if (_current is null)
        {
            _current = (ulong[])field.Clone();
            _used = bits;
            return;
        }
        for (int i = 0; i < rows; i++) _current[i] = _current[i] << bits | field[i];
        _used += bits;
    }

    private void Flush()
    {
        if (_current is null) return;
        _words.Add((_current, _used));
        _current = null;
        _used = 0;
    }
}

/// <summary>Equality of UTF-8 byte strings, for host-side string dictionaries keyed by bytes (not decoded text, which
/// could merge different byte strings).</summary>
internal sealed class Utf8BytesComparer : IEqualityComparer<ReadOnlyMemory<byte>>
{
    /// <summary>The one instance.</summary>
    public static readonly Utf8BytesComparer Instance = new();

    /// <inheritdoc />
    public bool Equals(ReadOnlyMemory<byte> x, ReadOnlyMemory<byte> y) => x.Span.SequenceEqual(y.Span);

    /// <inheritdoc />
    public int GetHashCode(ReadOnlyMemory<byte> obj)
    {
        var h = new HashCode();
        h.AddBytes(obj.Span);
        return h.ToHashCode();
    }
}

/// <summary>Row-major key words of the two sides of a join, packed with the build side's ranges.</summary>
/// <param name="Build">Build keys: <see cref="Words"/> words per row.</param>
/// <param name="BuildActive">1 where a build row can match (no NULL key).</param>
/// <param name="Probe">Probe keys, same layout.</param>
/// <param name="ProbeActive">1 where a probe row can match (no NULL key, every key inside the build side's range/dictionary).</param>
/// <param name="Words">Words per row (at least 1).</param>
internal sealed record JoinKeyWords(long[] Build, byte[] BuildActive, long[] Probe, byte[] ProbeActive, int Words)
{
    /// <summary>Encodes the key columns of both sides (already checked to have equal types).</summary>
    public static JoinKeyWords Encode(IReadOnlyList<ColumnVector> buildKeys, int nb, IReadOnlyList<ColumnVector> probeKeys, int np)
    {
        var bActive = new byte[nb];
        var pActive = new byte[np];
        Array.Fill(bActive, (byte)1);
        Array.Fill(pActive, (byte)1);
        var bPack = new WordPacker(nb);
        var pPack = new WordPacker(np);
        var bu = new ulong[nb];
        var pu = new ulong[np];
        for (int k = 0; k < buildKeys.Count; k++)
        {
            var bc = buildKeys[k];
            var pc = probeKeys[k];
            if (bc is StringVector bs && pc is StringVector ps) DictionaryCodes(bs, nb, bu, ps, np, pu, pActive);
            else
            {
                GpuKeys.Normalize(bc, nb, bu);
                GpuKeys.Normalize(pc, np, pu);
            }
            for (int i = 0; i < nb; i++) if (bc.IsNull(i)) bActive[i] = 0;
            for (int i = 0; i < np; i++) if (pc.IsNull(i)) pActive[i] = 0;
            ulong lo = ulong.MaxValue, hi = 0;
            for (int i = 0; i < nb; i++)
            {
                if (bc.IsNull(i)) { bu[i] = 0; continue; }
                if (bu[i] < lo) lo = bu[i];
                if (bu[i] > hi) hi = bu[i];
            }
            if (lo > hi) lo = hi = 0; // no non-NULL build key: nothing can match, any field width works
            for (int i = 0; i < nb; i++) bu[i] -= bc.IsNull(i) ? 0 : lo;
            // A probe key outside the build side's range cannot match; dropping it keeps the field as narrow as the build side.
            for (int i = 0; i < np; i++)
            {
                if (pc.IsNull(i) || pu[i] < lo || pu[i] > hi) { pActive[i] = 0; pu[i] = 0; }
                else pu[i] -= lo;
            }
            int bits = GpuKeys.BitsFor(lo, hi);
            bPack.Add(bu, bits);
            pPack.Add(pu, bits);
        }
        var bw = bPack.Words;
        var pw = pPack.Words;
        int words = Math.Max(1, bw.Count);
        if ((long)nb * words > Array.MaxLength || (long)np * words > Array.MaxLength)
            throw new AccelException($"gpu join: {Math.Max(nb, np):N0} rows x {words} key words exceed one staging buffer");
        return new JoinKeyWords(RowMajor(bw, nb, words), bActive, RowMajor(pw, np, words), pActive, words);
    }

    private static long[] RowMajor(IReadOnlyList<(ulong[] Word, int Bits)> words, int n, int w)
    {
        var r = new long[Math.Max(1, n * w)];
        for (int j = 0; j < words.Count; j++)
        {
            var src = words[j].Word;
            for (int i = 0; i < n; i++) r[i * w + j] = (long)src[i];
        }
        return r;
    }

    // Codes from the build side's distinct strings; a probe string absent from the dictionary cannot match.
    private static void DictionaryCodes(StringVector b, int nb, ulong[] bu, StringVector p, int np, ulong[] pu, byte[] pActive)
    {
        var dict = new StringInterner();
        for (int i = 0; i < nb; i++)
            if (!b.IsNull(i)) bu[i] = (ulong)dict.Intern(b, i);
        for (int i = 0; i < np; i++)
        {
            if (p.IsNull(i)) continue;
            if (dict.TryGet(p, i, out int code)) pu[i] = (ulong)code;
            else { pActive[i] = 0; pu[i] = 0; }
        }
    }
}

/// <summary>Several grouping keys (or one that is not an integer) as one int64 per row for the GPU hash table: each key
/// becomes a field of measured width (its value relative to the column's minimum plus one, or its code in one dictionary
/// over the chunks for strings; 0 for NULL), and the fields are packed into one word. The kernel then groups on the word,
/// and each group's key values are read back from one of its rows.</summary>
internal sealed class GroupKeyPacking(IReadOnlyList<ColumnBatch> batches, int n)
{
    // Each column's field is computed once, however many key sets it is packed into (the grouping keys, then the
    // keys with each count(DISTINCT) column).
    private readonly Dictionary<int, (ulong[] Field, int Bits)> _fields = [];

    /// <summary>The packed keys of the live rows of the batches, in batch order.</summary>
    /// <exception cref="NotSupportedException">The keys need more than 64 bits together (the operator then fails over).</exception>
    public long[] Pack(IReadOnlyList<int> keyOrdinals)
    {
        var packer = new WordPacker(n);
        int totalBits = 0;
        foreach (int ord in keyOrdinals)
        {
            if (!_fields.TryGetValue(ord, out var f))
            {
                var field = new ulong[n];
                int width = batches.Count > 0 && batches[0][ord] is StringVector ? StringField(batches, ord, field) : ValueField(batches, ord, field);
                _fields[ord] = f = (field, width);
            }
            totalBits += f.Bits;
            if (totalBits > 64)
                throw new NotSupportedException($"gpu aggregate: the {keyOrdinals.Count} key columns need more than 64 bits together (at the {batches[0][ord].Type} column {ord})");
            packer.Add(f.Field, f.Bits);
        }
        var words = packer.Words;
        if (words.Count == 0) return new long[n];
        var packed = words[0].Word;
        var result = new long[n];
        for (int i = 0; i < n; i++) result[i] = (long)packed[i];
        return result;
    }

    // code + 1 into one dictionary over every chunk's strings; NULL is 0.
    private static int StringField(IReadOnlyList<ColumnBatch> batches, int ord, ulong[] field)
    {
        var (values, remaps) = StringDictionary.Union(batches.Select(b => StringDictionary.Of((StringVector)b[ord])).ToArray());
        int at = 0;
        for (int j = 0; j < batches.Count; j++)
        {
            var b = batches[j];
            var col = b[ord];
            var codes = StringDictionary.Of((StringVector)col).Codes;
            var remap = remaps[j];
            for (int r = 0; r < b.RowCount; r++, at++)
            {
                int p = b.RowAt(r);
                field[at] = col.IsNull(p) ? 0 : 1 + (ulong)(remap is null ? codes[p] : remap[codes[p]]);
            }
        }
        return GpuKeys.BitsFor(0, (ulong)values.Length);
    }

    // The order-preserving value minus the live rows' minimum, plus one (or a dense code when the range is wide); NULL is 0.
    private static int ValueField(IReadOnlyList<ColumnBatch> batches, int ord, ulong[] field)
    {
        var isNull = new bool[field.Length];
        ulong lo = ulong.MaxValue, hi = 0;
        int at = 0;
        foreach (var b in batches)
        {
            var col = b[ord];
            var normalized = new ulong[col.Length];
            GpuKeys.Normalize(col, col.Length, normalized);
            for (int r = 0; r < b.RowCount; r++, at++)
            {
                int p = b.RowAt(r);
                if (col.IsNull(p)) { isNull[at] = true; continue; }
                ulong v = normalized[p];
                field[at] = v;
                if (v < lo) lo = v;
                if (v > hi) hi = v;
            }
        }
        if (lo > hi) return 0; // every key NULL: one group, no bits needed
        // A range needing more than 16 bits (doubles, sparse ids; hi - lo + 1 may not even fit 64 bits) packs at least
        // as tight as dense codes of its distinct values, never wider.
        if (hi - lo >= 0xFFFF) return DenseCodes(field, isNull);
        for (int i = 0; i < field.Length; i++) field[i] = isNull[i] ? 0 : field[i] - lo + 1;
        return GpuKeys.BitsFor(0, hi - lo + 1);
    }

    // Rewrites the non-NULL values as 1 + their first-seen rank among the distinct values; the width that needs.
    private static int DenseCodes(ulong[] field, bool[] isNull)
    {
        var codes = new Dictionary<ulong, ulong>();
        var dense = new ulong[field.Length];
        for (int i = 0; i < field.Length; i++)
        {
            if (isNull[i]) continue;
            if (!codes.TryGetValue(field[i], out var c)) codes.Add(field[i], c = (ulong)codes.Count + 1);
            dense[i] = c;
        }
        dense.CopyTo(field, 0);
        return GpuKeys.BitsFor(0, (ulong)codes.Count);
    }
}
