using System.Buffers;
using System.Numerics;

namespace Accel.Vectorized;

/// <summary>Operator state arrays (hash tables, per-group slots) grown through the shared array pool, so that a query
/// reuses the memory an earlier one handed back instead of faulting in fresh pages (about 10 µs a page on the 2-core
/// VM: H2O groupby q10's ten million groups spent over a second of its aggregate allocating). An array grown here
/// holds its old elements, then <c>fill</c> up to its full length, which may exceed the size asked for.</summary>
internal static class PooledArrays
{
    /// <summary>Grows <paramref name="array"/> to at least <paramref name="size"/> elements, handing the old one back.</summary>
    public static void Grow<T>(ref T[] array, int size, T fill = default!)
    {
        if (array.Length >= size) return;
        var grown = ArrayPool<T>.Shared.Rent(size);
        array.AsSpan().CopyTo(grown);
        grown.AsSpan(array.Length).Fill(fill);
        Return(ref array);
        array = grown;
    }

    /// <summary>A pooled array of at least <paramref name="size"/> elements, every one set to <paramref name="fill"/>.</summary>
    public static T[] Rent<T>(int size, T fill)
    {
        var a = ArrayPool<T>.Shared.Rent(size);
        a.AsSpan().Fill(fill);
        return a;
    }

    /// <summary>Hands <paramref name="array"/> back to the pool (when its length is one the pool keeps) and empties the reference.</summary>
    public static void Return<T>(ref T[] array)
    {
        if (array.Length >= 16 && BitOperations.IsPow2(array.Length)) ArrayPool<T>.Shared.Return(array);
        array = [];
    }
}
