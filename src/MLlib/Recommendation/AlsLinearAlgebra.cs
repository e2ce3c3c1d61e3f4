using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;

namespace Accel.ML.Recommendation;

/// <summary>The small dense solves of ALS on the CPU: a Cholesky factorization and the non-negative least
/// squares of one row's normal equations. Matrices are row-major with a row stride (the SIMD path pads rows
/// to whole vectors); only the lower triangle of the input is read. The GPU kernels implement the same
/// algorithms step for step, so the three paths differ only in summation order.</summary>
public static class AlsLinearAlgebra
{
    /// <summary>A coordinate enters the NNLS passive set only when its gradient exceeds this times max |b|.</summary>
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

    /// <summary>Non-negative least squares on normal equations: minimizes ½xᵀAx − bᵀx subject to x ≥ 0 with
    /// the Lawson–Hanson active-set method (add the coordinate with the largest positive gradient to the
    /// passive set, solve the unconstrained problem on that set by Cholesky, step back to the feasible region
    /// and drop coordinates that reach zero). A is read from its lower triangle; x receives the solution;
    /// <paramref name="scratch"/> holds at least k·k + 4k values.</summary>
    public static void NonNegativeSolve(ReadOnlySpan<double> a, ReadOnlySpan<double> b, Span<double> x, int k, int stride, Span<double> scratch)
    {
        var sub = scratch[..(k * k)];
        var z = scratch.Slice(k * k, k);
        var w = scratch.Slice(k * k + k, k);
        var passive = scratch.Slice(k * k + 2 * k, k);
        var idx = scratch.Slice(k * k + 3 * k, k);
        double bmax = 0;
        for (int i = 0; i < k; i++) { x[i] = 0; passive[i] = 0; bmax = Math.Max(bmax, Math.Abs(b[i])); }
        double tol = NnlsTolerance * Math.Max(bmax, 1e-300);
        for (int outer = 0; outer < 3 * k; outer++)
        {
            // w = b − A x: the negative gradient; a coordinate at zero with w > 0 can still lower the objective.
            int best = -1;
            double bestW = tol;
            for (int i = 0; i < k; i++)
            {
                double s = b[i];
                for (int j = 0; j < k; j++) s -= At(a, stride, i, j) * x[j];
                w[i] = s;
                if (passive[i] == 0 && s > bestW) { bestW = s; best = i; }
            }
            if (best < 0) break;
            passive[best] = 1;
            for (int inner = 0; inner < 3 * k; inner++)
            {
                int np = 0;
                for (int i = 0; i < k; i++) if (passive[i] != 0) idx[np++] = i;
                for (int r = 0; r < np; r++)
                {
                    for (int c = 0; c <= r; c++) sub[r * k + c] = At(a, stride, (int)idx[r], (int)idx[c]);
                    z[r] = b[(int)idx[r]];
                }
                if (!CholeskySolve(sub, z, np, k, simd: false)) { x[..k].Clear(); return; }
                bool feasible = true;
                for (int r = 0; r < np; r++) if (!(z[r] > 0)) { feasible = false; break; }
                if (feasible)
                {
                    for (int r = 0; r < np; r++) x[(int)idx[r]] = z[r];
                    break;
                }
                // Move from x towards z until the first passive coordinate hits zero, and release it.
                double alpha = 1;
                int hit = -1;
                for (int r = 0; r < np; r++)
                {
                    if (z[r] > 0) continue;
                    double xi = x[(int)idx[r]];
                    double t = xi / (xi - z[r]);
                    if (t < alpha || hit < 0) { alpha = t; hit = r; }
                }
                for (int r = 0; r < np; r++) x[(int)idx[r]] += alpha * (z[r] - x[(int)idx[r]]);
                for (int r = 0; r < np; r++)
                {
                    int i = (int)idx[r];
                    if (r == hit || x[i] <= 0) { x[i] = 0; passive[i] = 0; }
                }
            }
        }
    }

    /// <summary>Entry (i, j) of a symmetric matrix stored in its lower triangle.</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private static double At(ReadOnlySpan<double> a, int stride, int i, int j) => i >= j ? a[i * stride + j] : a[j * stride + i];

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
