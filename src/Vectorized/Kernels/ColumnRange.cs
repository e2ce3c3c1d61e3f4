using System.Numerics;
using System.Runtime.CompilerServices;
using Accel.Data;

namespace Accel.Vectorized;

/// <summary>The smallest and largest of an integer column's values (those under NULLs included), computed once per
/// column object: columns are immutable, so it never goes stale, and a cached table's key and decimal columns are not
/// scanned again by every query's join key planning and overflow checks.</summary>
public static class ColumnRange
{
    private static readonly ConditionalWeakTable<ColumnVector, StrongBox<(long, long)>> Cache = new();

    /// <summary>The range of a non-empty int64 column.</summary>
    public static (long Min, long Max) Of(PrimitiveVector<long> c) => Cached(c, static col => Scan((PrimitiveVector<long>)col));

    /// <summary>The range of a non-empty int32 column, widened.</summary>
    public static (long Min, long Max) Of(PrimitiveVector<int> c) => Cached(c, static col => Scan((PrimitiveVector<int>)col));

    private static (long, long) Cached(ColumnVector c, Func<ColumnVector, (long, long)> scan)
    {
        if (c.Length == 0) throw new ArgumentException("an empty column has no range", nameof(c));
        return Cache.GetValue(c, col => new StrongBox<(long, long)>(scan(col))).Value;
    }

    private static (long, long) Scan<T>(PrimitiveVector<T> c) where T : unmanaged, IBinaryInteger<T>
    {
        var (lo, hi) = VectorLoops.MinMax<T>(c.Values.AsSpan(0, c.Length));
        return (long.CreateTruncating(lo), long.CreateTruncating(hi));
    }
}
