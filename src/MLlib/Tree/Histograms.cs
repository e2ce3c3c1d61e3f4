using Accel.Execution;
using Accel.Kernels.ML;
using Accel.ML.Linalg;
using Accel.Vectorized;

namespace Accel.ML.Tree;

/// <summary>The heavy kernel of tree training: for the rows of each open node, per feature and bin, the count,
/// Σy and Σy² (Spark's variance sufficient statistics). Scalar is the reference loop; SIMD is morsel-parallel with a
/// private histogram per thread, merged with vector adds; GPU adds with atomics in an ILGPU kernel over (row, feature)
/// with the binned matrix and labels resident on the device for the whole fit. Counts are exact on every path; the
/// sums are exact for labels whose partial sums are representable (e.g. integers) and otherwise equal the scalar
/// path's to rounding (the GPU's addition order is not fixed).</summary>
public sealed class HistogramBuilder : IDisposable
{
    private readonly ExecPath _path;
    private readonly int[] _bins;
    private readonly double[] _labels;
    private readonly int _rows, _features, _maxBins;
    private readonly HistogramsOnDevice? _device;

    /// <summary>Prepares binned rows (row-major n×features, each value a bin below <paramref name="maxBins"/>) and labels.</summary>
    public HistogramBuilder(ExecPath path, int[] bins, double[] labels, int rows, int features, int maxBins)
    {
        _path = path;
        _bins = bins; _labels = labels; _rows = rows; _features = features; _maxBins = maxBins;
        if (path == ExecPath.Gpu) _device = MlGpu.UploadHistogramInput(bins, labels, rows, features, maxBins);
    }

    /// <summary>Values per slot: features × maxBins × 3.</summary>
    public int SlotSize => _features * _maxBins * 3;

    /// <summary>hist[((slot·features + f)·maxBins + bin)·3 + {0 count, 1 Σy, 2 Σy²}] over rows with rowSlots[i] in [0, slots).</summary>
    public double[] Build(int[] rowSlots, int slots) => _path switch
    {
        ExecPath.Gpu => _device!.Build(rowSlots, slots),
        ExecPath.Simd => Simd(rowSlots, slots),
        _ => Scalar(rowSlots, slots),
    };

    private void AddRow(double[] hist, int i, int slot)
    {
        double y = _labels[i], y2 = y * y;
        int rowAt = i * _features;
        long slotAt = (long)slot * _features;
        for (int f = 0; f < _features; f++)
        {
            long at = ((slotAt + f) * _maxBins + _bins[rowAt + f]) * 3;
            hist[at] += 1;
            hist[at + 1] += y;
            hist[at + 2] += y2;
        }
    }

    private double[] Scalar(int[] rowSlots, int slots)
    {
        var hist = new double[(long)slots * SlotSize];
        for (int i = 0; i < _rows; i++)
            if (rowSlots[i] >= 0) AddRow(hist, i, rowSlots[i]);
        return hist;
    }

    private double[] Simd(int[] rowSlots, int slots)
    {
        long size = (long)slots * SlotSize;
        var total = new double[size];
        const int morsel = 16384;
        int morsels = (_rows + morsel - 1) / morsel;
        var gate = new object();
        Parallel.For(0, morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => new double[size],
            (m, _, local) =>
            {
                int end = Math.Min(_rows, (m + 1) * morsel);
                for (int i = m * morsel; i < end; i++)
                    if (rowSlots[i] >= 0) AddRow(local, i, rowSlots[i]);
                return local;
            },
            local => { lock (gate) VectorOps.Axpy(1.0, local, total); });
        return total;
    }

    /// <inheritdoc />
    public void Dispose() => _device?.Dispose();
}
