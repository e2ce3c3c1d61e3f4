using System.Numerics;
using Accel.Data;

namespace Accel.Vectorized;

/// <summary>Row masks as 64-bit words (bit i of word i/64 is row i), the layout of Arrow's validity bitmaps
/// read as little-endian words: AND/OR/NOT of 64 rows at a time.</summary>
public static class Bitmask
{
    /// <summary>Words needed for <paramref name="rows"/> rows.</summary>
    public static int Words(int rows) => (rows + 63) >> 6;

    /// <summary>All rows set (bits past the last row clear).</summary>
    public static ulong[] AllSet(int rows)
    {
        var w = new ulong[Words(rows)];
        Array.Fill(w, ulong.MaxValue);
        ClearTail(w, rows);
        return w;
    }

    /// <summary>Clears the bits past the last row.</summary>
    public static void ClearTail(ulong[] w, int rows)
    {
        if ((rows & 63) != 0) w[^1] &= (1UL << (rows & 63)) - 1;
    }

    /// <summary>Word <paramref name="word"/> of a validity bitmap's bytes (rows 64·word onward; bytes past its end read as 0).</summary>
    public static ulong ValidityWord(byte[] bits, int word)
    {
        int from = word * 8;
        if (from + 8 <= bits.Length) return System.Buffers.Binary.BinaryPrimitives.ReadUInt64LittleEndian(bits.AsSpan(from));
        ulong w = 0;
        for (int b = 0; from + b < bits.Length && b < 8; b++) w |= (ulong)bits[from + b] << (8 * b);
        return w;
    }

    /// <summary>A validity bitmap as words (null bitmap: all set).</summary>
    public static ulong[] FromValidity(ValidityBitmap? v, int rows) => FromValidity(v, 0, rows);

    /// <summary>Rows [<paramref name="from"/>, from + <paramref name="rows"/>) of a validity bitmap as words;
    /// <paramref name="from"/> is a multiple of 64 (null bitmap: all set).</summary>
    public static ulong[] FromValidity(ValidityBitmap? v, int from, int rows)
    {
        if (v is null) return AllSet(rows);
        var w = new ulong[Words(rows)];
        for (int i = 0; i < w.Length; i++) w[i] = ValidityWord(v.Bits, (from >> 6) + i);
        ClearTail(w, rows);
        return w;
    }

    /// <summary>Words as a validity bitmap; null when every row is set.</summary>
    public static ValidityBitmap? ToValidity(ulong[] w, int rows)
    {
        int full = rows >> 6;
        bool all = true;
        for (int i = 0; i < full && all; i++) all = w[i] == ulong.MaxValue;
        if (all && (rows & 63) != 0) all = w[full] == (1UL << (rows & 63)) - 1;
        if (all) return null;
        var bytes = new byte[(rows + 7) >> 3];
        for (int i = 0; i < bytes.Length; i++) bytes[i] = (byte)(w[i >> 3] >> (8 * (i & 7)));
        return new ValidityBitmap(bytes, rows);
    }

    /// <summary>a AND b into a new mask.</summary>
    public static ulong[] And(ulong[] a, ulong[] b)
    {
        var r = new ulong[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] & b[i];
        return r;
    }

    /// <summary>a OR b into a new mask.</summary>
    public static ulong[] Or(ulong[] a, ulong[] b)
    {
        var r = new ulong[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] | b[i];
        return r;
    }

    /// <summary>a AND NOT b into a new mask.</summary>
    public static ulong[] AndNot(ulong[] a, ulong[] b)
    {
        var r = new ulong[a.Length];
        for (int i = 0; i < r.Length; i++) r[i] = a[i] & ~b[i];
        return r;
    }

    /// <summary>Number of set bits.</summary>
    public static int Count(ReadOnlySpan<ulong> w)
    {
        int n = 0;
        foreach (var x in w) n += BitOperations.PopCount(x);
        return n;
    }

    /// <summary>Positions of the set bits, ascending, mapped through <paramref name="map"/> when given.</summary>
    public static int[] Positions(ulong[] w, int[]? map)
    {
        var r = new int[Count(w)];
        PositionsInto(w, r, map);
        return r;
    }

    /// <summary>Writes the positions of the set bits, ascending and mapped through <paramref name="map"/> when given,
    /// into <paramref name="dst"/> (at least <see cref="Count"/> long) and returns how many there are.</summary>
    public static int PositionsInto(ReadOnlySpan<ulong> w, Span<int> dst, int[]? map = null)
    {
        int k = 0;
        for (int i = 0; i < w.Length; i++)
        {
            ulong x = w[i];
            while (x != 0)
            {
                int pos = (i << 6) + BitOperations.TrailingZeroCount(x);
                dst[k++] = map is null ? pos : map[pos];
                x &= x - 1;
            }
        }
        return k;
    }
}
