using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Accel.Vectorized;

namespace Accel.ML.Linalg;

/// <summary>The SIMD primitives of the ML loops: the widest width <see cref="SimdCapabilities"/> allows
/// (Vector512, 256, 128), the tail in scalar code.</summary>
public static class VectorOps
{
    /// <summary>y += a·x.</summary>
    public static void Axpy(double a, ReadOnlySpan<double> x, Span<double> y)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (SimdCapabilities.Use512)
        {
            var va = Vector512.Create(a);
            for (; i <= n - 8; i += 8)
                Vector512.FusedMultiplyAdd(va, Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        }
        else if (SimdCapabilities.Use256)
        {
            var va = Vector256.Create(a);
            for (; i <= n - 4; i += 4)
                Vector256.FusedMultiplyAdd(va, Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        }
        else if (SimdCapabilities.Use128)
        {
            var va = Vector128.Create(a);
            for (; i <= n - 2; i += 2)
                Vector128.FusedMultiplyAdd(va, Vector128.LoadUnsafe(ref rx, (nuint)i), Vector128.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        }
        for (; i < n; i++) Unsafe.Add(ref ry, i) = Math.FusedMultiplyAdd(a, Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i));
    }

    /// <summary>y += a0·x0 + a1·x1 (two rank-1 updates sharing each load and store of y).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static void Rank2Update(double a0, ReadOnlySpan<double> x0, double a1, ReadOnlySpan<double> x1, Span<double> y)
    {
        int n = y.Length, i = 0;
        ref double r0 = ref MemoryMarshal.GetReference(x0);
        ref double r1 = ref MemoryMarshal.GetReference(x1);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (SimdCapabilities.Use512)
        {
            var v0 = Vector512.Create(a0);
            var v1 = Vector512.Create(a1);
            for (; i <= n - 8; i += 8)
            {
                var acc = Vector512.FusedMultiplyAdd(v0, Vector512.LoadUnsafe(ref r0, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i));
                Vector512.FusedMultiplyAdd(v1, Vector512.LoadUnsafe(ref r1, (nuint)i), acc).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        else if (SimdCapabilities.Use256)
        {
            var v0 = Vector256.Create(a0);
            var v1 = Vector256.Create(a1);
            for (; i <= n - 4; i += 4)
            {
                var acc = Vector256.FusedMultiplyAdd(v0, Vector256.LoadUnsafe(ref r0, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i));
                Vector256.FusedMultiplyAdd(v1, Vector256.LoadUnsafe(ref r1, (nuint)i), acc).StoreUnsafe(ref ry, (nuint)i);
            }
        }
        for (; i < n; i++)
            Unsafe.Add(ref ry, i) = Math.FusedMultiplyAdd(a1, Unsafe.Add(ref r1, i), Math.FusedMultiplyAdd(a0, Unsafe.Add(ref r0, i), Unsafe.Add(ref ry, i)));
    }

    /// <summary>y += a ∘ b (element-wise).</summary>
    public static void AddProduct(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> y)
    {
        int n = y.Length, i = 0;
        ref double ra = ref MemoryMarshal.GetReference(a);
        ref double rb = ref MemoryMarshal.GetReference(b);
        ref double ry = ref MemoryMarshal.GetReference(y);
        if (SimdCapabilities.Use512)
            for (; i <= n - 8; i += 8)
                Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref ra, (nuint)i), Vector512.LoadUnsafe(ref rb, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        else if (SimdCapabilities.Use256)
            for (; i <= n - 4; i += 4)
                Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref ra, (nuint)i), Vector256.LoadUnsafe(ref rb, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i)).StoreUnsafe(ref ry, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref ry, i) = Math.FusedMultiplyAdd(Unsafe.Add(ref ra, i), Unsafe.Add(ref rb, i), Unsafe.Add(ref ry, i));
    }

    /// <summary>The index of the first NaN or infinity in x, or -1; chunks are checked in parallel with vector
    /// compares (x·0 is 0 exactly when x is finite).</summary>
    public static long IndexOfNonFinite(double[] x)
    {
        const int chunk = 1 << 16;
        long chunks = (x.LongLength + chunk - 1) / chunk;
        long first = long.MaxValue;
        Parallel.For(0L, chunks, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, c =>
        {
            long start = c * chunk;
            var span = x.AsSpan((int)start, (int)Math.Min(chunk, x.LongLength - start));
            int at = FirstNonFinite(span);
            if (at >= 0) InterlockedMin(ref first, start + at);
        });
        return first == long.MaxValue ? -1 : first;
    }

    private static int FirstNonFinite(ReadOnlySpan<double> x)
    {
        int n = x.Length, i = 0;
        ref double r = ref MemoryMarshal.GetReference(x);
        if (SimdCapabilities.Use512)
        {
            for (; i <= n - 8; i += 8)
            {
                var v = Vector512.LoadUnsafe(ref r, (nuint)i);
                if (!Vector512.EqualsAll(v * Vector512<double>.Zero, Vector512<double>.Zero)) break;
            }
        }
        else if (SimdCapabilities.Use256)
        {
            for (; i <= n - 4; i += 4)
            {
                var v = Vector256.LoadUnsafe(ref r, (nuint)i);
                if (!Vector256.EqualsAll(v * Vector256<double>.Zero, Vector256<double>.Zero)) break;
            }
        }
        for (; i < n; i++) if (!double.IsFinite(Unsafe.Add(ref r, i))) return i;
        return -1;
    }

    private static void InterlockedMin(ref long target, long value)
    {
        long seen = Volatile.Read(ref target);
        while (value < seen)
        {
            long was = Interlocked.CompareExchange(ref target, value, seen);
            if (was == seen) return;
            seen = was;
        }
    }

    /// <summary>Σ x_i y_i.</summary>
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double ry = ref MemoryMarshal.GetReference(y);
        double s = 0;
        if (SimdCapabilities.Use512)
        {
            var acc = Vector512<double>.Zero;
            for (; i <= n - 8; i += 8) acc = Vector512.FusedMultiplyAdd(Vector512.LoadUnsafe(ref rx, (nuint)i), Vector512.LoadUnsafe(ref ry, (nuint)i), acc);
            s = Vector512.Sum(acc);
        }
        else if (SimdCapabilities.Use256)
        {
            var acc = Vector256<double>.Zero;
            for (; i <= n - 4; i += 4) acc = Vector256.FusedMultiplyAdd(Vector256.LoadUnsafe(ref rx, (nuint)i), Vector256.LoadUnsafe(ref ry, (nuint)i), acc);
            s = Vector256.Sum(acc);
        }
        else if (SimdCapabilities.Use128)
        {
            var acc = Vector128<double>.Zero;
            for (; i <= n - 2; i += 2) acc = Vector128.FusedMultiplyAdd(Vector128.LoadUnsafe(ref rx, (nuint)i), Vector128.LoadUnsafe(ref ry, (nuint)i), acc);
            s = Vector128.Sum(acc);
        }
        for (; i < n; i++) s = Math.FusedMultiplyAdd(Unsafe.Add(ref rx, i), Unsafe.Add(ref ry, i), s);
        return s;
    }

    /// <summary>dst = x - shift.</summary>
    public static void Subtract(ReadOnlySpan<double> x, ReadOnlySpan<double> shift, Span<double> dst)
    {
        int n = x.Length, i = 0;
        ref double rx = ref MemoryMarshal.GetReference(x);
        ref double rs = ref MemoryMarshal.GetReference(shift);
        ref double rd = ref MemoryMarshal.GetReference(dst);
        if (SimdCapabilities.Use512)
            for (; i <= n - 8; i += 8) (Vector512.LoadUnsafe(ref rx, (nuint)i) - Vector512.LoadUnsafe(ref rs, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        else if (SimdCapabilities.Use256)
            for (; i <= n - 4; i += 4) (Vector256.LoadUnsafe(ref rx, (nuint)i) - Vector256.LoadUnsafe(ref rs, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        else if (SimdCapabilities.Use128)
            for (; i <= n - 2; i += 2) (Vector128.LoadUnsafe(ref rx, (nuint)i) - Vector128.LoadUnsafe(ref rs, (nuint)i)).StoreUnsafe(ref rd, (nuint)i);
        for (; i < n; i++) Unsafe.Add(ref rd, i) = Unsafe.Add(ref rx, i) - Unsafe.Add(ref rs, i);
    }

    /// <summary>Adds <paramref name="x"/> into a compensated accumulator (sum, compensation), element-wise (Neumaier).</summary>
    public static void AddCompensated(ReadOnlySpan<double> x, Span<double> sum, Span<double> comp)
    {
        for (int i = 0; i < x.Length; i++)
        {
            double s = sum[i], v = x[i], t = s + v;
            comp[i] += Math.Abs(s) >= Math.Abs(v) ? (s - t) + v : (v - t) + s;
            sum[i] = t;
        }
    }
}
