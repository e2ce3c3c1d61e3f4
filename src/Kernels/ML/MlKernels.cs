using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels.ML;

/// <summary>The ILGPU kernels of the ML library (Gram matrices, least-squares loss/gradient, tree histograms),
/// loaded once per accelerator. All are grid-stride loops launched with <see cref="GpuRuntime.GridFor"/>.</summary>
internal sealed class MlKernelSet
{
    private static readonly ConditionalWeakTable<Accelerator, MlKernelSet> s_sets = new();

    private MlKernelSet(Accelerator a)
    {
        GramPartial = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, GramShape, ArrayView<double>>(GramPartialKernel);
        Residual = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ResidualShape, ArrayView<double>>(ResidualKernel);
        ResidualProducts = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, GramShape, ArrayView<double>>(ResidualProductsKernel);
        Histogram = a.LoadStreamKernel<ArrayView<int>, ArrayView<double>, ArrayView<int>, HistShape, ArrayView<double>>(HistogramKernel);
    }

    /// <summary>The kernels of an accelerator (compiled on first use).</summary>
    public static MlKernelSet For(Accelerator a) => s_sets.GetValue(a, acc => new MlKernelSet(acc));

    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<int>, GramShape, ArrayView<double>> GramPartial { get; }
    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ResidualShape, ArrayView<double>> Residual { get; }
    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, GramShape, ArrayView<double>> ResidualProducts { get; }
    public Action<KernelConfig, ArrayView<int>, ArrayView<double>, ArrayView<int>, HistShape, ArrayView<double>> Histogram { get; }

    private static int Stride => Grid.DimX * Group.DimX;

    /// <summary>partial[c * Pairs + p] = Σ over rows of chunk c of (a[i, P[p]] - shift[P[p]]) * (a[i, Q[p]] - shift[Q[p]]),
    /// with a compensated sum inside the chunk (the host adds the chunks pairwise).</summary>
    private static void GramPartialKernel(ArrayView<double> a, ArrayView<double> shift, ArrayView<int> pairP, ArrayView<int> pairQ, GramShape s, ArrayView<double> partial)
    {
        int total = s.Pairs * s.Chunks;
        for (int t = Grid.GlobalIndex.X; t < total; t += Stride)
        {
            int p = t % s.Pairs, c = t / s.Pairs;
            int ja = pairP[p], jb = pairQ[p];
            double sa = shift[ja], sb = shift[jb];
            int start = c * s.ChunkRows;
            int end = start + s.ChunkRows < s.Rows ? start + s.ChunkRows : s.Rows;
            double sum = 0, comp = 0;
            for (int i = start; i < end; i++)
            {
                long row = (long)i * s.Cols;
                double v = (a[row + ja] - sa) * (a[row + jb] - sb);
                double y = v - comp;
                double tt = sum + y;
                comp = (tt - sum) - y;
                sum = tt;
            }
            partial[t] = sum;
        }
    }

    /// <summary>r[i] = Σ_j w[j] (x[i, j] - mu[j]) - (y[i] - muY) * scaleY.</summary>
    private static void ResidualKernel(ArrayView<double> x, ArrayView<double> y, ArrayView<double> w, ArrayView<double> mu, ResidualShape s, ArrayView<double> r)
    {
        for (int i = Grid.GlobalIndex.X; i < s.Rows; i += Stride)
        {
            long row = (long)i * s.Cols;
            double dot = 0;
            for (int j = 0; j < s.Cols; j++) dot += w[j] * (x[row + j] - mu[j]);
            r[i] = dot - (y[i] - s.MuY) * s.ScaleY;
        }
    }

    /// <summary>partial[c * (Cols + 2) + j] over rows of chunk c: Σ r (x[., j] - mu[j]) for j &lt; Cols, then Σ r, then Σ r².</summary>
    private static void ResidualProductsKernel(ArrayView<double> x, ArrayView<double> mu, ArrayView<double> r, GramShape s, ArrayView<double> partial)
    {
        int outs = s.Cols + 2;
        int total = outs * s.Chunks;
        for (int t = Grid.GlobalIndex.X; t < total; t += Stride)
        {
            int j = t % outs, c = t / outs;
            int start = c * s.ChunkRows;
            int end = start + s.ChunkRows < s.Rows ? start + s.ChunkRows : s.Rows;
            double sum = 0, comp = 0;
            for (int i = start; i < end; i++)
            {
                double ri = r[i];
                double v = j < s.Cols ? ri * (x[(long)i * s.Cols + j] - mu[j]) : j == s.Cols ? ri : ri * ri;
                double yv = v - comp;
                double tt = sum + yv;
                comp = (tt - sum) - yv;
                sum = tt;
            }
            partial[t] = sum;
        }
    }

    /// <summary>For each row in a node (slot &gt;= 0) and each feature: adds (1, y, y²) to hist[slot, feature, bin].</summary>
    private static void HistogramKernel(ArrayView<int> bins, ArrayView<double> labels, ArrayView<int> slots, HistShape s, ArrayView<double> hist)
    {
        long total = (long)s.Rows * s.Features;
        for (long t = Grid.GlobalIndex.X; t < total; t += Stride)
        {
            int i = (int)(t / s.Features), f = (int)(t % s.Features);
            int slot = slots[i];
            if (slot < 0) continue;
            int bin = bins[t];
            long at = (((long)slot * s.Features + f) * s.Bins + bin) * 3;
            double y = labels[i];
            Atomic.Add(ref hist[at], 1.0);
            Atomic.Add(ref hist[at + 1], y);
            Atomic.Add(ref hist[at + 2], y * y);
        }
    }
}

/// <summary>Sizes of a chunked reduction over a row-major matrix.</summary>
public readonly record struct GramShape(int Rows, int Cols, int Pairs, int ChunkRows, int Chunks);

/// <summary>Sizes and label transform of the residual kernel.</summary>
public readonly record struct ResidualShape(int Rows, int Cols, double MuY, double ScaleY);

/// <summary>Sizes of a histogram pass.</summary>
public readonly record struct HistShape(int Rows, int Features, int Bins);

/// <summary>The GPU side of the ML library: each call runs under <see cref="GpuRuntime.Run{T}"/> and returns host arrays.</summary>
public static class MlGpu
{
    // Per-thread chunks of at least this many rows keep the host's merge small; fewer rows per chunk add threads.
    private const int MinChunkRows = 256;
    private const int TargetThreads = 1 << 20;

    private static (int ChunkRows, int Chunks) Chunking(int rows, int outputs)
    {
        int chunks = (int)Math.Clamp(TargetThreads / Math.Max(1, outputs), 1, Math.Max(1, (rows + MinChunkRows - 1) / MinChunkRows));
        int chunkRows = Math.Max(1, (rows + chunks - 1) / chunks);
        chunks = Math.Max(1, (rows + chunkRows - 1) / chunkRows);
        return (chunkRows, chunks);
    }

    /// <summary>The upper triangle (row by row, m(m+1)/2 values) of Σ_i (a_i - shift)(a_i - shift)ᵀ for a row-major n×m matrix.</summary>
    public static double[] ShiftedGram(double[] a, int rows, int cols, double[] shift)
    {
        var pairP = new List<int>();
        var pairQ = new List<int>();
        for (int p = 0; p < cols; p++) for (int q = p; q < cols; q++) { pairP.Add(p); pairQ.Add(q); }
        int pairs = pairP.Count;
        var (chunkRows, chunks) = Chunking(rows, pairs);
        if ((long)pairs * chunks > int.MaxValue) throw new AccelException($"Gram of {cols} columns is too large for one GPU launch");
        var partial = GpuDevice.Runtime.Run((acc, _) =>
        {
            var k = MlKernelSet.For(acc);
            using var dA = GpuDevice.Runtime.Memory.Upload(a.Length == 0 ? new double[1] : a);
            using var dS = GpuDevice.Runtime.Memory.Upload(shift.Length == 0 ? new double[1] : shift);
            using var dP = GpuDevice.Runtime.Memory.Upload(pairP.Count == 0 ? new int[1] : pairP.ToArray());
            using var dQ = GpuDevice.Runtime.Memory.Upload(pairQ.Count == 0 ? new int[1] : pairQ.ToArray());
            using var dOut = GpuDevice.Runtime.Memory.Rent<double>(Math.Max(1, (long)pairs * chunks));
            dOut.Clear();
            if (rows > 0 && pairs > 0)
                k.GramPartial(GpuRuntime.GridFor(acc, (long)pairs * chunks), dA.View, dS.View, dP.View, dQ.View, new GramShape(rows, cols, pairs, chunkRows, chunks), dOut.View);
            acc.Synchronize();
            return dOut.ToArray();
        });
        return SumChunks(partial, pairs, chunks);
    }

    /// <summary>Adds chunk partials [chunk][output] into one value per output, pairwise for precision.</summary>
    internal static double[] SumChunks(double[] partial, int outputs, int chunks)
    {
        var result = new double[outputs];
        for (int p = 0; p < outputs; p++) result[p] = PairwiseStrided(partial, p, outputs, 0, chunks);
        return result;
    }

    private static double PairwiseStrided(double[] v, int offset, int stride, int lo, int hi)
    {
        if (hi - lo <= 8)
        {
            double s = 0;
            for (int c = lo; c < hi; c++) s += v[(long)c * stride + offset];
            return s;
        }
        int mid = (lo + hi) / 2;
        return PairwiseStrided(v, offset, stride, lo, mid) + PairwiseStrided(v, offset, stride, mid, hi);
    }

    /// <summary>A least-squares problem resident on the device: the matrix and labels are copied once, then every
    /// <see cref="LossGradient"/> call uploads only the coefficients.</summary>
    public static LeastSquaresOnDevice UploadLeastSquares(double[] x, double[] y, int rows, int cols, double[] mu) =>
        new(x, y, rows, cols, mu);

    /// <summary>Histograms of (count, Σy, Σy²) per (node slot, feature, bin) for rows whose slot is &gt;= 0.</summary>
    public static HistogramsOnDevice UploadHistogramInput(int[] bins, double[] labels, int rows, int features, int maxBins) =>
        new(bins, labels, rows, features, maxBins);
}

/// <summary>Device copies of X, y and the centring shift for iterative least squares.</summary>
public sealed class LeastSquaresOnDevice : IDisposable
{
    private readonly DeviceBuffer<double> _x, _y, _mu, _w, _r, _partial;
    private readonly int _rows, _cols, _chunkRows, _chunks;

    internal LeastSquaresOnDevice(double[] x, double[] y, int rows, int cols, double[] mu)
    {
        _rows = rows;
        _cols = cols;
        int outs = cols + 2;
        _chunks = Math.Max(1, Math.Min((rows + 255) / 256, Math.Max(1, (1 << 20) / outs)));
        _chunkRows = Math.Max(1, (rows + _chunks - 1) / _chunks);
        _chunks = Math.Max(1, (rows + _chunkRows - 1) / _chunkRows);
        int chunks = _chunks;
        (_x, _y, _mu, _w, _r, _partial) = GpuDevice.Runtime.Run((acc, _) => (
            GpuDevice.Runtime.Memory.Upload(x.Length == 0 ? new double[1] : x), GpuDevice.Runtime.Memory.Upload(y.Length == 0 ? new double[1] : y),
            GpuDevice.Runtime.Memory.Upload(mu.Length == 0 ? new double[1] : mu), GpuDevice.Runtime.Memory.Rent<double>(Math.Max(1, cols)),
            GpuDevice.Runtime.Memory.Rent<double>(Math.Max(1, rows)), GpuDevice.Runtime.Memory.Rent<double>((long)outs * chunks)));
    }

    /// <summary>With r_i = Σ_j w_j (x_ij - mu_j) - (y_i - muY)·scaleY: returns (Σ r (x_j - mu_j) per j, Σ r, Σ r²).</summary>
    public (double[] Products, double SumR, double SumR2) LossGradient(double[] w, double muY, double scaleY)
    {
        int outs = _cols + 2;
        var sums = GpuDevice.Runtime.Run((acc, _) =>
        {
            var k = MlKernelSet.For(acc);
            _w.CopyFrom(w.Length == 0 ? new double[1] : w);
            _partial.Clear();
            if (_rows > 0)
            {
                k.Residual(GpuRuntime.GridFor(acc, _rows), _x.View, _y.View, _w.View, _mu.View, new ResidualShape(_rows, _cols, muY, scaleY), _r.View);
                k.ResidualProducts(GpuRuntime.GridFor(acc, (long)outs * _chunks), _x.View, _mu.View, _r.View, new GramShape(_rows, _cols, outs, _chunkRows, _chunks), _partial.View);
            }
            acc.Synchronize();
            return _partial.ToArray();
        });
        var total = MlGpu.SumChunks(sums, outs, _chunks);
        return (total[.._cols], total[_cols], total[_cols + 1]);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        _x.Dispose(); _y.Dispose(); _mu.Dispose(); _w.Dispose(); _r.Dispose(); _partial.Dispose();
    }
}

/// <summary>Device copies of a binned feature matrix and labels for level-wise tree training.</summary>
public sealed class HistogramsOnDevice : IDisposable
{
    private readonly DeviceBuffer<int> _bins, _slots;
    private readonly DeviceBuffer<double> _labels;
    private readonly int _rows, _features, _maxBins;

    internal HistogramsOnDevice(int[] bins, double[] labels, int rows, int features, int maxBins)
    {
        _rows = rows;
        _features = features;
        _maxBins = maxBins;
        (_bins, _labels, _slots) = GpuDevice.Runtime.Run((acc, _) => (
            GpuDevice.Runtime.Memory.Upload(bins.Length == 0 ? new int[1] : bins), GpuDevice.Runtime.Memory.Upload(labels.Length == 0 ? new double[1] : labels),
            GpuDevice.Runtime.Memory.Rent<int>(Math.Max(1, rows))));
    }

    /// <summary>hist[((slot * features + f) * maxBins + bin) * 3 + {0: count, 1: Σy, 2: Σy²}] for slots 0..slotCount-1.</summary>
    public double[] Build(int[] rowSlots, int slotCount) => GpuDevice.Runtime.Run((acc, _) =>
    {
        var k = MlKernelSet.For(acc);
        _slots.CopyFrom(rowSlots.Length == 0 ? new int[1] : rowSlots);
        using var hist = GpuDevice.Runtime.Memory.Rent<double>(Math.Max(1, (long)slotCount * _features * _maxBins * 3));
        hist.Clear();
        if (_rows > 0 && _features > 0 && slotCount > 0)
            k.Histogram(GpuRuntime.GridFor(acc, (long)_rows * _features), _bins.View, _labels.View, _slots.View, new HistShape(_rows, _features, _maxBins), hist.View);
        acc.Synchronize();
        var result = hist.ToArray();
        return slotCount == 0 ? [] : result;
    });

    /// <inheritdoc />
    public void Dispose()
    {
        _bins.Dispose(); _slots.Dispose(); _labels.Dispose();
    }
}
