using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Accel.ML.Recommendation;

/// <summary>The small dense solves of ALS on the CPU: a Cholesky factorization and the non-negative least
/// squares of one row's normal equations. Matrices are row-major with a row stride (the SIMD path pads rows
/// to whole vectors); only the lower triangle of the input is read. The GPU kernels implement the same
/// algorithms step for step, so the three paths differ only in summation order.</summary>
public static class AlsLinearAlgebra
{
    /// <summary>Most coordinate-descent sweeps of the NNLS solve.</summary>
    public const int NnlsMaxSweeps = 500;
    /// <summary>The NNLS solve stops when no coordinate moved by more than this times the largest coordinate.</summary>
    public const double NnlsTolerance = 1e-12;

    /// <summary>Solves A x = b for symmetric positive definite A (k x k, row stride <paramref name="stride"/>)
    /// by Cholesky: A is overwritten by L in its lower triangle, b by x. Returns false (and zeroes x) when A is
    /// not positive definite, which only happens for an implicit-feedback row without a positive rating.</summary>
    public static bool CholeskySolve(Span<double> a, Span<double> b, int k, int stride, bool simd)
    {
        for (int j = 0; j < k; j++)
        {
            var rowJ = a.Slice(j * stride, j);
            double d = a[j * stride + j] - Dot(rowJ, rowJ, simd);
            if (!(d > 0))
            {
                b[..k].Clear();
                return false;
            }
            double ljj = Math.Sqrt(d);
            a[j * stride + j] = ljj;
            for (int i = j + 1; i < k; i++)
                a[i * stride + j] = (a[i * stride + j] - Dot(a.Slice(i * stride, j), rowJ, simd)) / ljj;
        }
        // L z = b, then L^T x = z.
        for (int i = 0; i < k; i++)
            b[i] = (b[i] - Dot(a.Slice(i * stride, i), b[..i], simd)) / a[i * stride + i];
        for (int i = k - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int m = i + 1; m < k; m++) s -= a[m * stride + i] * b[m];
            b[i] = s / a[i * stride + i];
        }
        return true;
    }

    /// <summary>Non-negative least squares on normal equations: minimizes ½xᵀAx − bᵀx subject to x ≥ 0 by
    /// projected coordinate descent (each coordinate moves to its exact constrained minimizer, keeping the
    /// gradient Ax − b up to date). A is read from its lower triangle; x receives the solution; g is scratch
    /// of k values.</summary>
    public static void NonNegativeSolve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, Span<double> g, int k, int stride)
    {
        for (int i = 0; i < k; i++) { x[i] = 0; g[i] = -b[i]; }
        for (int sweep = 0; sweep < NnlsMaxSweeps; sweep++)
        {
            double maxStep = 0, maxX = 0;
            for (int j = 0; j < k; j++)
            {
                double ajj = a[j * stride + j];
                if (!(ajj > 0)) continue;
                double xn = Math.Max(0, x[j] - g[j] / ajj);
                double d = xn - x[j];
                if (d != 0)
                {
                    for (int i = 0; i < k; i++) g[i] += d * (i >= j ? a[i * stride + j] : a[j * stride + i]);
                    x[j] = xn;
                }
                maxStep = Math.Max(maxStep, Math.Abs(d));
                maxX = Math.Max(maxX, xn);
            }
            if (maxStep <= NnlsTolerance * Math.Max(maxX, 1e-300)) break;
        }
    }

    /// <summary>Dot product of two equally long spans, with Vector512/256/128 when <paramref name="simd"/>.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    public static double Dot(ReadOnlySpan<double> x, ReadOnlySpan<double> y, bool simd)
    {
        int n = x.Length, i = 0;
        double s = 0;
        if (simd && n >= 8)
        {
            if (Vector512.IsHardwareAccelerated && Vectorized.SimdCapabilities.Use512)
            {
                var acc = Vector512<double>.Zero;
                for (; i <= n - 8; i += 8) acc += Vector512.Create(x.Slice(i, 8)) * Vector512.Create(y.Slice(i, 8));
                s = Vector512.Sum(acc);
            }
            else if (Vectorized.SimdCapabilities.Use256)
            {
                var acc = Vector256<double>.Zero;
                for (; i <= n - 4; i += 4) acc += Vector256.Create(x.Slice(i, 4)) * Vector256.Create(y.Slice(i, 4));
                s = Vector256.Sum(acc);
            }
        }
        for (; i < n; i++) s += x[i] * y[i];
        return s;
    }
}
