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

    /// <summary>Column means and population variances of the augmented matrix A = [X | y] (m = d + 1 columns),
    /// and, with <paramref name="withGram"/>, the upper triangle (row by row, m(m+1)/2 values) of
    /// Σ_i (a_i − s)(a_i − s)ᵀ with s the means (<paramref name="center"/>) or zero: XᵀX, Xᵀy and yᵀy in one.
    /// Only the Gram has a GPU kernel: the GPU path takes the moments from the scalar reference.</summary>
    public static (double[] Mean, double[] Variance, double[]? Gram) Statistics(ExecPath path, double[] x, double[] y, int rows, int d, bool withGram, bool center)
    {
        if (path == ExecPath.Simd) return StatisticsSimd(x, y, rows, d, withGram, center);
        var (mean, variance) = Moments(x, y, rows, d);
        if (!withGram) return (mean, variance, null);
        var shift = center ? mean : new double[d + 1];
        return (mean, variance, path == ExecPath.Gpu ? MlGpu.ShiftedGram(Augment(x, y, rows, d), rows, d + 1, shift) : GramScalar(x, y, rows, d, shift));
    }

    /// <summary>Index of (p, q), p &lt;= q, in the packed upper triangle of an m×m matrix.</summary>
    public static int Packed(int p, int q, int m) => p * m - p * (p - 1) / 2 + (q - p);

    private static double Cell(double[] x, double[] y, int d, int i, int j) => j < d ? x[(long)i * d + j] : y[i];

    // The GPU kernel reads one row-major matrix: [X | y] side by side.
    private static double[] Augment(double[] x, double[] y, int rows, int d)
    {
        var a = new double[(long)rows * (d + 1)];
        for (int i = 0; i < rows; i++)
        {
            Array.Copy(x, (long)i * d, a, (long)i * (d + 1), d);
            a[(long)i * (d + 1) + d] = y[i];
        }
        return a;
    }

    private static double[] GramScalar(double[] x, double[] y, int rows, int d, double[] shift)
    {
        int cols = d + 1, size = cols * (cols + 1) / 2;
        var sum = new double[size];
        var comp = new double[size];
        var z = new double[cols];
        for (int i = 0; i < rows; i++)
        {
            for (int j = 0; j < cols; j++) z[j] = Cell(x, y, d, i, j) - shift[j];
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

    /// <summary>The reference moments: per column, a compensated mean, then the corrected two-pass variance.</summary>
    private static (double[] Mean, double[] Variance) Moments(double[] x, double[] y, int rows, int d)
    {
        int cols = d + 1;
        var mean = new double[cols];
        var variance = new double[cols];
        if (rows == 0) return (mean, variance);
        Parallel.For(0, cols, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, j =>
        {
            var s = new Evaluation.KahanSum();
            for (int i = 0; i < rows; i++) s.Add(Cell(x, y, d, i, j));
            double mu = s.Value / rows;
            var v = new Evaluation.KahanSum();
            var c = new Evaluation.KahanSum();
            for (int i = 0; i < rows; i++) { double e = Cell(x, y, d, i, j) - mu; v.Add(e * e); c.Add(e); }
            // The corrected two-pass formula: subtracting (Σe)²/n removes the error of the rounded mean.
            mean[j] = mu + c.Value / rows;
            variance[j] = Math.Max(0, (v.Value - c.Value * c.Value / rows) / rows);
        });
        return (mean, variance);
    }

    /// <summary>Running statistics of a set of rows: count, mean, and the co-moment Σ (a − mean)(a − mean)ᵀ
    /// (full stride×stride, only the upper triangle meaningful; or its diagonal alone), compensated.</summary>
    private sealed class CoMoments(int cols, int cells)
    {
        public long Count;
        public readonly double[] Mean = new double[cols];
        public readonly double[] Sum = new double[cells];
        public readonly double[] Comp = new double[cells];

        // Chan, Golub and LeVeque's pairwise update: merging (nB, meanB, CB) adds CB + δδᵀ·nA·nB/n, δ = meanB − meanA.
        public void Merge(long countB, ReadOnlySpan<double> meanB, Span<double> coB, int stride, bool full)
        {
            if (countB == 0) return;
            long n = Count + countB;
            double w = (double)Count * countB / n;
            int cols = Mean.Length;
            Span<double> delta = stackalloc double[cols];
            for (int j = 0; j < cols; j++) delta[j] = meanB[j] - Mean[j];
            if (full)
            {
                for (int p = 0; p < cols; p++)
                    for (int q = p; q < cols; q++) coB[p * stride + q] += delta[p] * delta[q] * w;
            }
            else
                for (int j = 0; j < cols; j++) coB[j] += delta[j] * delta[j] * w;
            VectorOps.AddCompensated(coB, Sum, Comp);
            for (int j = 0; j < cols; j++) Mean[j] += delta[j] * countB / n;
            Count = n;
        }
    }

    // One pass over the rows: each morsel (cache-resident) is centered at its own mean and its co-moment taken with
    // vector rank-2 updates; morsels merge pairwise (Chan et al.), which is as stable as the two-pass formula and
    // reads the matrix once. Without an intercept the raw Gram follows as C + n·μμᵀ.
    private static (double[] Mean, double[] Variance, double[]? Gram) StatisticsSimd(double[] x, double[] y, int rows, int d, bool withGram, bool center)
    {
        int cols = d + 1;
        int stride = (cols + 7) & ~7; // rows of the centered block padded to whole Vector512s (zeros contribute nothing)
        int cells = withGram ? stride * stride : stride;
        int morsels = (rows + MorselRows - 1) / MorselRows;
        var total = new CoMoments(cols, cells);
        var gate = new object();
        Parallel.For(0, morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => (Acc: new CoMoments(cols, cells), Block: new double[MorselRows * stride], Mean: new double[stride], Co: new double[cells]),
            (m, _, st) =>
            {
                int start = m * MorselRows, count = Math.Min(rows, start + MorselRows) - start;
                var mean = st.Mean.AsSpan();
                mean.Clear();
                for (int i = 0; i < count; i++)
                {
                    VectorOps.Axpy(1.0, x.AsSpan((start + i) * d, d), mean[..d]);
                    mean[d] += y[start + i];
                }
                for (int j = 0; j < cols; j++) mean[j] /= count;
                var block = st.Block.AsSpan(0, count * stride);
                for (int i = 0; i < count; i++)
                {
                    var z = block.Slice(i * stride, stride);
                    VectorOps.Subtract(x.AsSpan((start + i) * d, d), mean[..d], z);
                    z[d] = y[start + i] - mean[d];
                }
                var co = st.Co.AsSpan();
                co.Clear();
                if (withGram) BlockGram(block, count, cols, stride, co);
                else for (int i = 0; i < count; i++) VectorOps.AddProduct(block.Slice(i * stride, stride), block.Slice(i * stride, stride), co);
                st.Acc.Merge(count, mean[..cols], co, stride, withGram);
                return st;
            },
            st =>
            {
                var co = new double[cells];
                for (int c = 0; c < cells; c++) co[c] = st.Acc.Sum[c] + st.Acc.Comp[c];
                lock (gate) total.Merge(st.Acc.Count, st.Acc.Mean, co, stride, withGram);
            });
        var mu = total.Mean;
        double At(int p, int q) => total.Sum[p * stride + q] + total.Comp[p * stride + q];
        var variance = new double[cols];
        for (int j = 0; j < cols; j++) variance[j] = rows == 0 ? 0 : Math.Max(0, (withGram ? At(j, j) : total.Sum[j] + total.Comp[j]) / rows);
        if (!withGram) return (mu, variance, null);
        var packed = new double[cols * (cols + 1) / 2];
        int k = 0;
        for (int p = 0; p < cols; p++)
            for (int q = p; q < cols; q++) packed[k++] = At(p, q) + (center ? 0 : rows * mu[p] * mu[q]);
        return (mu, variance, packed);
    }

    // co[p, q] += Σ_i z_ip z_iq for q from p's vector boundary on, two rows per sweep so that each load and store
    // of the accumulator row serves two fused multiply-adds.
    private static void BlockGram(ReadOnlySpan<double> block, int count, int cols, int stride, Span<double> co)
    {
        int i = 0;
        for (; i + 1 < count; i += 2)
        {
            var z0 = block.Slice(i * stride, stride);
            var z1 = block.Slice((i + 1) * stride, stride);
            for (int p = 0; p < cols; p++)
            {
                int from = p & ~7;
                VectorOps.Rank2Update(z0[p], z0[from..], z1[p], z1[from..], co.Slice(p * stride + from, stride - from));
            }
        }
        if (i < count)
        {
            var z0 = block.Slice(i * stride, stride);
            for (int p = 0; p < cols; p++)
            {
                int from = p & ~7;
                VectorOps.Axpy(z0[p], z0[from..], co.Slice(p * stride + from, stride - from));
            }
        }
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
