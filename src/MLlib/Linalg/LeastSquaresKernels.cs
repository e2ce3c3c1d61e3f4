using Accel.Execution;
using Accel.Kernels.ML;
using Accel.Vectorized;

namespace Accel.ML.Linalg;

/// <summary>The heavy kernels of least squares on each path: the shifted Gram matrix Σ (a_i - s)(a_i - s)ᵀ of a
/// row-major matrix (its last column the label, so XᵀX, Xᵀy and yᵀy come out of one pass), and the loss/gradient
/// sums of a residual. Scalar is the reference (plain loops, every sum compensated); SIMD is morsel-parallel with
/// vector rank-1 updates and per-morsel partials merged with compensation; GPU runs the kernels of
/// <see cref="MlGpu"/> (chunk partials, added pairwise on the host).</summary>
public static class LeastSquaresKernels
{
    /// <summary>Rows per morsel of the SIMD loops: a morsel's partial Gram is merged with compensation, so the
    /// uncompensated run inside a morsel stays short.</summary>
    public const int MorselRows = 1024;

    /// <summary>Upper triangle, row by row (m(m+1)/2 values), of Σ_i (a_i - shift)(a_i - shift)ᵀ.</summary>
    public static double[] ShiftedGram(ExecPath path, double[] a, int rows, int cols, double[] shift) => path switch
    {
        ExecPath.Gpu => MlGpu.ShiftedGram(a, rows, cols, shift),
        ExecPath.Simd => GramSimd(a, rows, cols, shift),
        _ => GramScalar(a, rows, cols, shift),
    };

    /// <summary>Index of (p, q), p &lt;= q, in the packed upper triangle of an m×m matrix.</summary>
    public static int Packed(int p, int q, int m) => p * m - p * (p - 1) / 2 + (q - p);

    private static double[] GramScalar(double[] a, int rows, int cols, double[] shift)
    {
        int size = cols * (cols + 1) / 2;
        var sum = new double[size];
        var comp = new double[size];
        var z = new double[cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++) z[j] = a[(long)i * cols + j] - shift[j];
            int k = 0;
            for (int p = 0; p < cols; p++)
                for (int q = p; q < cols; q++, k++)
                {
                    double v = z[p] * z[q], s = sum[k], t = s + v;
                    comp[k] += Math.Abs(s) >= Math.Abs(v) ? (s - t) + v : (v - t) + s;
                    sum[k] = t;
                }
        }
        for (int k = 0; k < size; k++) sum[k] += comp[k];
        return sum;
    }

    private sealed class Accumulator(int size)
    {
        public readonly double[] Sum = new double[size];
        public readonly double[] Comp = new double[size];
    }

    private static double[] GramSimd(double[] a, int rows, int cols, double[] shift)
    {
        int full = cols * cols;
        int morsels = (rows + MorselRows - 1) / MorselRows;
        var total = new Accumulator(full);
        var gate = new object();
        Parallel.For(0, morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => (Acc: new Accumulator(full), Local: new double[full], Z: new double[cols]),
            (m, _, st) =>
            {
                Array.Clear(st.Local);
                int end = Math.Min(rows, (m + 1) * MorselRows);
                for (int i = m * MorselRows; i < end; i++)
                {
                    VectorOps.Subtract(a.AsSpan(i * cols, cols), shift, st.Z);
                    // Rank-1 update of the upper triangle: row p gets z_p · z[p..m).
                    for (int p = 0; p < cols; p++)
                        VectorOps.Axpy(st.Z[p], st.Z.AsSpan(p), st.Local.AsSpan(p * cols + p, cols - p));
                }
                VectorOps.AddCompensated(st.Local, st.Acc.Sum, st.Acc.Comp);
                return st;
            },
            st =>
            {
                lock (gate)
                {
                    VectorOps.AddCompensated(st.Acc.Sum, total.Sum, total.Comp);
                    VectorOps.AddCompensated(st.Acc.Comp, total.Sum, total.Comp);
                }
            });
        var packed = new double[cols * (cols + 1) / 2];
        int k = 0;
        for (int p = 0; p < cols; p++)
            for (int q = p; q < cols; q++) packed[k++] = total.Sum[p * cols + q] + total.Comp[p * cols + q];
        return packed;
    }

    /// <summary>Column means and population variances (two passes, compensated) of a row-major matrix.</summary>
    public static (double[] Mean, double[] Variance) Moments(double[] a, int rows, int cols)
    {
        var mean = new double[cols];
        var variance = new double[cols];
        if (rows == 0) return (mean, variance);
        Parallel.For(0, cols, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, j =>
        {
            var s = new Evaluation.KahanSum();
            for (int i = 0; i < rows; i++) s.Add(a[(long)i * cols + j]);
            double mu = s.Value / rows;
            var v = new Evaluation.KahanSum();
            var c = new Evaluation.KahanSum();
            for (int i = 0; i < rows; i++) { double d = a[(long)i * cols + j] - mu; v.Add(d * d); c.Add(d); }
            // The corrected two-pass formula: subtracting (Σd)²/n removes the error of the rounded mean.
            mean[j] = mu + c.Value / rows;
            variance[j] = Math.Max(0, (v.Value - c.Value * c.Value / rows) / rows);
        });
        return (mean, variance);
    }
}

/// <summary>Loss/gradient sums of least squares over a resident matrix, on one path:
/// with r_i = Σ_j w_j (x_ij - mu_j) - (y_i - muY)·scaleY it returns (Σ r (x_j - mu_j) per j, Σ r, Σ r²).</summary>
public sealed class LossGradient : IDisposable
{
    private readonly ExecPath _path;
    private readonly double[] _x, _y, _mu;
    private readonly int _rows, _cols;
    private readonly LeastSquaresOnDevice? _device;

    /// <summary>Prepares the data for repeated calls (the GPU path copies it to the device once).</summary>
    public LossGradient(ExecPath path, double[] x, double[] y, int rows, int cols, double[] mu)
    {
        _path = path;
        _x = x; _y = y; _rows = rows; _cols = cols; _mu = mu;
        if (path == ExecPath.Gpu) _device = MlGpu.UploadLeastSquares(x, y, rows, cols, mu);
    }

    /// <summary>One pass over the rows.</summary>
    public (double[] Products, double SumR, double SumR2) Compute(double[] w, double muY, double scaleY) => _path switch
    {
        ExecPath.Gpu => _device!.LossGradient(w, muY, scaleY),
        ExecPath.Simd => Simd(w, muY, scaleY),
        _ => Scalar(w, muY, scaleY),
    };

    private (double[], double, double) Scalar(double[] w, double muY, double scaleY)
    {
        int d = _cols;
        var sum = new double[d + 2];
        var comp = new double[d + 2];
        var z = new double[d];
        var term = new double[d + 2];
        for (int i = 0; i < _rows; i++)
        {
            double r = 0;
            for (int j = 0; j < d; j++) { z[j] = _x[(long)i * d + j] - _mu[j]; r += w[j] * z[j]; }
            r -= (_y[i] - muY) * scaleY;
            for (int j = 0; j < d; j++) term[j] = r * z[j];
            term[d] = r;
            term[d + 1] = r * r;
            VectorOps.AddCompensated(term, sum, comp);
        }
        for (int j = 0; j < d + 2; j++) sum[j] += comp[j];
        return (sum[..d], sum[d], sum[d + 1]);
    }

    private (double[], double, double) Simd(double[] w, double muY, double scaleY)
    {
        int d = _cols, width = d + 2;
        int morsels = (_rows + LeastSquaresKernels.MorselRows - 1) / LeastSquaresKernels.MorselRows;
        var total = new double[width];
        var totalComp = new double[width];
        var gate = new object();
        Parallel.For(0, morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => (Sum: new double[width], Comp: new double[width], Local: new double[width], Z: new double[d]),
            (m, _, st) =>
            {
                Array.Clear(st.Local);
                int end = Math.Min(_rows, (m + 1) * LeastSquaresKernels.MorselRows);
                for (int i = m * LeastSquaresKernels.MorselRows; i < end; i++)
                {
                    VectorOps.Subtract(_x.AsSpan(i * d, d), _mu, st.Z);
                    double r = VectorOps.Dot(w, st.Z) - (_y[i] - muY) * scaleY;
                    VectorOps.Axpy(r, st.Z, st.Local.AsSpan(0, d));
                    st.Local[d] += r;
                    st.Local[d + 1] += r * r;
                }
                VectorOps.AddCompensated(st.Local, st.Sum, st.Comp);
                return st;
            },
            st =>
            {
                lock (gate)
                {
                    VectorOps.AddCompensated(st.Sum, total, totalComp);
                    VectorOps.AddCompensated(st.Comp, total, totalComp);
                }
            });
        for (int j = 0; j < width; j++) total[j] += totalComp[j];
        return (total[..d], total[d], total[d + 1]);
    }

    /// <inheritdoc />
    public void Dispose() => _device?.Dispose();
}
