using System.Numerics;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Accel.Semantics;

namespace Accel.Vectorized;

/// <summary>One loop per input shape, in the TensorPrimitives pattern: the widest enabled vector width
/// first, then the scalar member of the same op struct for the tail.</summary>
public static class VectorLoops
{
    // .NET lowers 64-bit vector multiplies to per-lane software (measured 5.5 ns per element against 0.6 for the
    // scalar loop on this AVX-512 EPYC), so those stay scalar; the JIT folds this test away per instantiation.
    private static bool ScalarIsFaster<T, TOp>() where T : unmanaged, INumber<T> =>
        (typeof(T) == typeof(long) || typeof(T) == typeof(ulong)) && typeof(TOp) == typeof(MultiplyOp<T>);

    /// <summary>r[i] = op(a[i], b[i]).</summary>
    public static void Binary<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, Span<T> r)
        where T : unmanaged, INumber<T> where TOp : IBinaryOperator<T>
    {
        int n = r.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b), rr = ref MemoryMarshal.GetReference(r);
        if (ScalarIsFaster<T, TOp>()) { for (; i < n; i++) r[i] = TOp.Invoke(a[i], b[i]); return; }
        if (SimdCapabilities.Use512)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        if (SimdCapabilities.Use256)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        if (SimdCapabilities.Use128)
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
                TOp.Invoke(Vector128.LoadUnsafe(ref ra, (nuint)i), Vector128.LoadUnsafe(ref rb, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        for (; i < n; i++) r[i] = TOp.Invoke(a[i], b[i]);
    }

    /// <summary>r[i] = |a[i]|. Integers wrap (|MinValue| is MinValue), as Spark's abs does; -0.0 becomes 0.0.</summary>
    public static void Abs<T>(ReadOnlySpan<T> a, Span<T> r) where T : unmanaged, INumber<T>
    {
        int n = r.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a), rr = ref MemoryMarshal.GetReference(r);
        if (SimdCapabilities.Use512)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) Vector512.Abs(Vector512.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        if (SimdCapabilities.Use256)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) Vector256.Abs(Vector256.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        if (SimdCapabilities.Use128)
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count) Vector128.Abs(Vector128.LoadUnsafe(ref ra, (nuint)i)).StoreUnsafe(ref rr, (nuint)i);
        for (; i < n; i++) r[i] = AbsOf(a[i]);
    }

    /// <summary>|x| with <see cref="Abs{T}"/>'s rule.</summary>
    public static T AbsOf<T>(T x) where T : INumber<T> => T.IsNegative(x) ? T.Zero - x : x;

    /// <summary>r[i] = op(a[i], b) or, with <paramref name="scalarLeft"/>, op(b, a[i]).</summary>
    public static void BinaryScalar<T, TOp>(ReadOnlySpan<T> a, T b, Span<T> r, bool scalarLeft)
        where T : unmanaged, INumber<T> where TOp : IBinaryOperator<T>
    {
        int n = r.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a), rr = ref MemoryMarshal.GetReference(r);
        if (ScalarIsFaster<T, TOp>()) { for (; i < n; i++) r[i] = scalarLeft ? TOp.Invoke(b, a[i]) : TOp.Invoke(a[i], b); return; }
        if (SimdCapabilities.Use512)
        {
            var vb = Vector512.Create(b);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var va = Vector512.LoadUnsafe(ref ra, (nuint)i);
                (scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).StoreUnsafe(ref rr, (nuint)i);
            }
        }
        if (SimdCapabilities.Use256)
        {
            var vb = Vector256.Create(b);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                (scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).StoreUnsafe(ref rr, (nuint)i);
            }
        }
        if (SimdCapabilities.Use128)
        {
            var vb = Vector128.Create(b);
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var va = Vector128.LoadUnsafe(ref ra, (nuint)i);
                (scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).StoreUnsafe(ref rr, (nuint)i);
            }
        }
        for (; i < n; i++) r[i] = scalarLeft ? TOp.Invoke(b, a[i]) : TOp.Invoke(a[i], b);
    }

    // The lanes' bits of an ExtractMostSignificantBits result. The JIT can fold a negated comparison (NotEqualOp's
    // ~(a == b)) into a complement of the extracted bits, which sets the bits above the lanes too; shifted into a mask
    // word they marked the next vectors' rows (double `d != 0.0` kept -0.0 rows in 256- and 128-bit tails).
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static ulong LaneBits(int lanes) => lanes >= 64 ? ulong.MaxValue : (1UL << lanes) - 1;

    /// <summary>Sets bit i of <paramref name="mask"/> where op(a[i], b[i]) holds (mask starts cleared).</summary>
    // Fully optimized from the first call: a filter calls it once per 2,048-row chunk, and its tier-0 code ran Q6 at half speed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Compare<T, TOp>(ReadOnlySpan<T> a, ReadOnlySpan<T> b, ulong[] mask)
        where T : unmanaged, INumber<T> where TOp : IComparisonOperator<T>
    {
        int n = a.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a), rb = ref MemoryMarshal.GetReference(b);
        // Vector lane counts divide 64 and i stays a multiple of them, so a vector's bits never straddle words.
        if (SimdCapabilities.Use512)
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
                mask[i >> 6] |= (TOp.Invoke(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i)).ExtractMostSignificantBits() & LaneBits(Vector512<T>.Count)) << (i & 63);
        if (SimdCapabilities.Use256)
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
                mask[i >> 6] |= ((ulong)TOp.Invoke(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i)).ExtractMostSignificantBits() & LaneBits(Vector256<T>.Count)) << (i & 63);
        if (SimdCapabilities.Use128)
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
                mask[i >> 6] |= ((ulong)TOp.Invoke(Vector128.LoadUnsafe(ref ra, (nuint)i), Vector128.LoadUnsafe(ref rb, (nuint)i)).ExtractMostSignificantBits() & LaneBits(Vector128<T>.Count)) << (i & 63);
        for (; i < n; i++) if (TOp.Invoke(a[i], b[i])) mask[i >> 6] |= 1UL << (i & 63);
    }

    /// <summary>Sets bit i where op(a[i], b) holds, or op(b, a[i]) with <paramref name="scalarLeft"/>.</summary>
    // Fully optimized from the first call: a filter calls it once per 2,048-row chunk, and its tier-0 code ran Q6 at half speed.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void CompareScalar<T, TOp>(ReadOnlySpan<T> a, T b, Span<ulong> mask, bool scalarLeft)
        where T : unmanaged, INumber<T> where TOp : IComparisonOperator<T>
    {
        int n = a.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a);
        if (SimdCapabilities.Use512)
        {
            var vb = Vector512.Create(b);
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count)
            {
                var va = Vector512.LoadUnsafe(ref ra, (nuint)i);
                mask[i >> 6] |= ((scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).ExtractMostSignificantBits() & LaneBits(Vector512<T>.Count)) << (i & 63);
            }
        }
        if (SimdCapabilities.Use256)
        {
            var vb = Vector256.Create(b);
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var va = Vector256.LoadUnsafe(ref ra, (nuint)i);
                mask[i >> 6] |= ((ulong)(scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).ExtractMostSignificantBits() & LaneBits(Vector256<T>.Count)) << (i & 63);
            }
        }
        if (SimdCapabilities.Use128)
        {
            var vb = Vector128.Create(b);
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count)
            {
                var va = Vector128.LoadUnsafe(ref ra, (nuint)i);
                mask[i >> 6] |= ((ulong)(scalarLeft ? TOp.Invoke(vb, va) : TOp.Invoke(va, vb)).ExtractMostSignificantBits() & LaneBits(Vector128<T>.Count)) << (i & 63);
            }
        }
        for (; i < n; i++) if (scalarLeft ? TOp.Invoke(b, a[i]) : TOp.Invoke(a[i], b)) mask[i >> 6] |= 1UL << (i & 63);
    }

    /// <summary>Sum of a[i] (integers wrap); the vector accumulators reorder floating-point additions.</summary>
    public static T Sum<T>(ReadOnlySpan<T> a) where T : unmanaged, INumber<T>
    {
        int n = a.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a);
        T total = T.Zero;
        if (SimdCapabilities.Use512 && n >= Vector512<T>.Count)
        {
            var acc = Vector512<T>.Zero;
            for (; i <= n - Vector512<T>.Count; i += Vector512<T>.Count) acc += Vector512.LoadUnsafe(ref ra, (nuint)i);
            total += Vector512.Sum(acc);
        }
        if (SimdCapabilities.Use256 && n - i >= Vector256<T>.Count)
        {
            var acc = Vector256<T>.Zero;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count) acc += Vector256.LoadUnsafe(ref ra, (nuint)i);
            total += Vector256.Sum(acc);
        }
        if (SimdCapabilities.Use128 && n - i >= Vector128<T>.Count)
        {
            var acc = Vector128<T>.Zero;
            for (; i <= n - Vector128<T>.Count; i += Vector128<T>.Count) acc += Vector128.LoadUnsafe(ref ra, (nuint)i);
            total += Vector128.Sum(acc);
        }
        for (; i < n; i++) total += a[i];
        return total;
    }

    /// <summary>Minimum and maximum of a non-empty span of integers.</summary>
    public static (T Min, T Max) MinMax<T>(ReadOnlySpan<T> a) where T : unmanaged, IBinaryInteger<T>
    {
        int n = a.Length, i = 0;
        ref T ra = ref MemoryMarshal.GetReference(a);
        T min = a[0], max = a[0];
        if (SimdCapabilities.Use256 && n >= Vector256<T>.Count)
        {
            var vmin = Vector256.LoadUnsafe(ref ra);
            var vmax = vmin;
            for (; i <= n - Vector256<T>.Count; i += Vector256<T>.Count)
            {
                var v = Vector256.LoadUnsafe(ref ra, (nuint)i);
                vmin = Vector256.Min(vmin, v);
                vmax = Vector256.Max(vmax, v);
            }
            for (int k = 0; k < Vector256<T>.Count; k++) { min = T.Min(min, vmin[k]); max = T.Max(max, vmax[k]); }
        }
        for (; i < n; i++) { min = T.Min(min, a[i]); max = T.Max(max, a[i]); }
        return (min, max);
    }

    /// <summary>Writes each i where a[i] >= 0 (a join's matched probe rows: misses are -1) into <paramref name="dst"/>,
    /// ascending, and returns how many there are; dst must hold as many as there are.</summary>
    // The sign bits of a vector of ids are the misses, so a sparse match costs one compare-free load per 16 rows.
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int NonNegativePositions(ReadOnlySpan<int> a, Span<int> dst)
    {
        int n = a.Length, i = 0, k = 0;
        ref int ra = ref MemoryMarshal.GetReference(a);
        if (SimdCapabilities.Use512)
            for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
                for (ulong hit = ~Vector512.LoadUnsafe(ref ra, (nuint)i).ExtractMostSignificantBits() & 0xFFFF; hit != 0; hit &= hit - 1)
                    dst[k++] = i + BitOperations.TrailingZeroCount(hit);
        if (SimdCapabilities.Use256)
            for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
                for (uint hit = ~Vector256.LoadUnsafe(ref ra, (nuint)i).ExtractMostSignificantBits() & 0xFF; hit != 0; hit &= hit - 1)
                    dst[k++] = i + BitOperations.TrailingZeroCount(hit);
        for (; i < n; i++) if (a[i] >= 0) dst[k++] = i;
        return k;
    }

    /// <summary>How many a[i] are negative.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static int CountNegative(ReadOnlySpan<int> a)
    {
        int n = a.Length, i = 0, count = 0;
        ref int ra = ref MemoryMarshal.GetReference(a);
        if (SimdCapabilities.Use512)
            for (; i <= n - Vector512<int>.Count; i += Vector512<int>.Count)
                count += BitOperations.PopCount(Vector512.LoadUnsafe(ref ra, (nuint)i).ExtractMostSignificantBits());
        if (SimdCapabilities.Use256)
            for (; i <= n - Vector256<int>.Count; i += Vector256<int>.Count)
                count += BitOperations.PopCount(Vector256.LoadUnsafe(ref ra, (nuint)i).ExtractMostSignificantBits());
        for (; i < n; i++) count += a[i] >>> 31;
        return count;
    }

    /// <summary>Bit i of the result is set where b[i] == 0 (divisors that make a NULL).</summary>
    public static ulong[] ZeroMask<T>(ReadOnlySpan<T> b) where T : unmanaged, INumber<T>
    {
        var zeros = new T[b.Length];
        var m = new ulong[Bitmask.Words(b.Length)];
        Compare<T, EqualOp<T>>(b, zeros, m);
        return m;
    }

    /// <summary>Unsafe reinterpretation helper for generic dispatch.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static TTo As<TFrom, TTo>(TFrom v) => Unsafe.As<TFrom, TTo>(ref v);

    /// <summary>v[i] = v[i] / 10^<paramref name="digits"/>, rounded half away from zero (the decimal rescale rule).</summary>
    public static void DivideRoundHalfAwayFromZero(Span<long> v, int digits)
    {
        // A divisor the JIT sees as a constant becomes a multiply-high instead of a 40-cycle idiv.
        switch (digits)
        {
            case 0: return;
            case 1: DivideRound<Pow10By1>(v); return;
            case 2: DivideRound<Pow10By2>(v); return;
            case 3: DivideRound<Pow10By3>(v); return;
            case 4: DivideRound<Pow10By4>(v); return;
            case 6: DivideRound<Pow10By6>(v); return;
        }
        long d = 1;
        for (int k = 0; k < digits; k++) d = checked(d * 10);
        for (int i = 0; i < v.Length; i++)
        {
            long q = v[i] / d, rem = v[i] - q * d;
            v[i] = q + (Math.Abs(rem) * 2 >= d ? Math.Sign(v[i]) : 0);
        }
    }

    private static void DivideRound<TDivisor>(Span<long> v) where TDivisor : IConstant
    {
        for (int i = 0; i < v.Length; i++)
        {
            long x = v[i], q = x / TDivisor.Value, rem = x - q * TDivisor.Value;
            // |rem| * 2 >= d, branch-free: the sign of x is the sign of rem whenever rem is non-zero.
            v[i] = q + ((Math.Abs(rem) * 2 >= TDivisor.Value ? 1L : 0L) * ((x >> 63) | 1));
        }
    }

    private interface IConstant { static abstract long Value { get; } }
    private struct Pow10By1 : IConstant { public static long Value => 10; }
    private struct Pow10By2 : IConstant { public static long Value => 100; }
    private struct Pow10By3 : IConstant { public static long Value => 1_000; }
    private struct Pow10By4 : IConstant { public static long Value => 10_000; }
    private struct Pow10By6 : IConstant { public static long Value => 1_000_000; }
}
