using System.Runtime.InteropServices;
using System.Runtime.Intrinsics;
using Accel.Execution;
using Accel.Kernels.ML;
using Accel.ML.Linalg;
using Accel.Vectorized;

namespace Accel.ML.Tree;

/// <summary>The heavy kernel of tree training: for the rows of each open node, per feature and bin, the count,
/// Σy and Σy² (Spark's variance sufficient statistics). Scalar is the reference loop; SIMD is morsel-parallel with a
/// private histogram per thread (one Vector256 add per row and feature), merged with vector adds; GPU adds with atomics in an ILGPU kernel over (row, feature)
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
        // Thread-local histograms keep 4 doubles per bin (count, Σy, Σy², unused) so that a row's update of one bin is
        // a single Vector256 add instead of three scattered scalar adds; the merge packs them into the 3-per-bin layout.
        long cells = (long)slots * _features * _maxBins;
        const int morsel = 16384;
        int morsels = (_rows + morsel - 1) / morsel;
        var locals = new List<double[]>();
        Parallel.For(0, morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => new double[cells * 4],
            (m, _, local) =>
            {
                int end = Math.Min(_rows, (m + 1) * morsel);
                ref double h = ref MemoryMarshal.GetArrayDataReference(local);
                for (int i = m * morsel; i < end; i++)
                {
                    int slot = rowSlots[i];
                    if (slot < 0) continue;
                    double y = _labels[i];
                    var add = Vector256.Create(1.0, y, y * y, 0.0);
                    int rowAt = i * _features;
                    long slotAt = (long)slot * _features;
                    for (int f = 0; f < _features; f++)
                    {
                        nuint at = (nuint)(((slotAt + f) * _maxBins + _bins[rowAt + f]) * 4);
                        (Vector256.LoadUnsafe(ref h, at) + add).StoreUnsafe(ref h, at);
                    }
                }
                return local;
            },
            local => { lock (locals) locals.Add(local); });
        if (locals.Count == 0) return new double[cells * 3];
        var wide = locals[0];
        // Adding 1.0·x with a fused multiply-add is an exact add, so the merge itself rounds as a plain sum would.
        for (int t = 1; t < locals.Count; t++) VectorOps.Axpy(1.0, locals[t], wide);
        var total = new double[cells * 3];
        for (long c = 0; c < cells; c++)
        {
            total[c * 3] = wide[c * 4];
            total[c * 3 + 1] = wide[c * 4 + 1];
            total[c * 3 + 2] = wide[c * 4 + 2];
        }
        return total;
    }

    /// <inheritdoc />
    public void Dispose() => _device?.Dispose();
}
