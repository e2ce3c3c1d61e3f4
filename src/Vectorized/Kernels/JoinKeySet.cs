using System.Runtime.CompilerServices;
using Accel.Data;

namespace Accel.Vectorized;

/// <summary>The integer keys of a join's build side, as a range and (when the range is at most <see cref="MaxBitmapBits"/>
/// wide) a bitmap of the keys present: what a runtime filter tests a probe-side column against. A row whose key is
/// NULL or outside the set cannot match an inner join's build side, so it can be dropped before any join below sees it.</summary>
public sealed class JoinKeySet
{
    /// <summary>Ranges wider than this many keys keep only their bounds (a 16 MiB bitmap at most).</summary>
    public const long MaxBitmapBits = 1L << 27;

    private readonly long _lo;
    private readonly ulong _span;
    private readonly ulong[]? _bits;

    private JoinKeySet(long lo, ulong span, ulong[]? bits, int keys)
    {
        _lo = lo;
        _span = span;
        _bits = bits;
        Keys = keys;
    }

    /// <summary>Build rows with a non-NULL key.</summary>
    public int Keys { get; }

    /// <summary>The set of the non-NULL live values of an int32, date or int64 column; null for other columns.</summary>
    public static JoinKeySet? Of(ColumnVector keys, int[]? selection, int physicalRows) => keys switch
    {
        PrimitiveVector<int> v => Of<int>(v.Values, v.Validity, selection, physicalRows),
        PrimitiveVector<long> v => Of<long>(v.Values, v.Validity, selection, physicalRows),
        _ => null,
    };

    private static JoinKeySet Of<T>(T[] values, ValidityBitmap? valid, int[]? selection, int physicalRows) where T : unmanaged
    {
        long lo = long.MaxValue, hi = long.MinValue;
        int keys = 0;
        int n = selection?.Length ?? physicalRows;
        for (int i = 0; i < n; i++)
        {
            int r = selection is null ? i : selection[i];
            if (valid is not null && !valid.IsValid(r)) continue;
            long v = Widen(values[r]);
            lo = Math.Min(lo, v);
            hi = Math.Max(hi, v);
            keys++;
        }
        if (keys == 0) return new JoinKeySet(0, 0, null, 0);
        ulong span = (ulong)(hi - lo);
        if (span >= MaxBitmapBits) return new JoinKeySet(lo, span, null, keys);
        var bits = new ulong[(int)(span >> 6) + 1];
        for (int i = 0; i < n; i++)
        {
            int r = selection is null ? i : selection[i];
            if (valid is not null && !valid.IsValid(r)) continue;
            ulong o = (ulong)(Widen(values[r]) - lo);
            bits[o >> 6] |= 1UL << (int)(o & 63);
        }
        return new JoinKeySet(lo, span, bits, keys);
    }

    private static long Widen<T>(T v) where T : unmanaged => typeof(T) == typeof(int) ? Unsafe.As<T, int>(ref v) : Unsafe.As<T, long>(ref v);

    /// <summary>The live rows of a batch whose value in <paramref name="column"/> may be in the set, as ascending physical
    /// positions (the batch's own selection narrowed).</summary>
    public int[] Keep(ColumnVector column, int[]? selection, int physicalRows) => column switch
    {
        PrimitiveVector<int> v => Keep(v.Values.AsSpan(), v.Validity, selection, physicalRows),
        PrimitiveVector<long> v => Keep(v.Values.AsSpan(), v.Validity, selection, physicalRows),
        _ => throw new ArgumentException($"a join key set tests int32 and int64 columns, not {column.Type}"),
    };

    private int[] Keep<T>(ReadOnlySpan<T> values, ValidityBitmap? valid, int[]? selection, int physicalRows) where T : unmanaged
    {
        if (Keys == 0) return [];
        int n = selection?.Length ?? physicalRows;
        var kept = new int[n];
        int o = 0;
        var bits = _bits;
        long lo = _lo;
        ulong span = _span;
        // Branch-free: every row is written and the cursor moves past the ones that pass.
        for (int i = 0; i < n; i++)
        {
            int r = selection is null ? i : selection[i];
            ulong off = (ulong)(Widen(values[r]) - lo);
            bool inRange = off <= span;
            bool hit = bits is null ? inRange : inRange && (bits[(int)(off >> 6)] >> (int)(off & 63) & 1) != 0;
            if (valid is not null) hit &= valid.IsValid(r);
            kept[o] = r;
            o += hit ? 1 : 0;
        }
        return o == n ? kept : kept[..o];
    }
}
