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
