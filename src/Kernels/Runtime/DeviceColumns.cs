using Accel.Data;
using Accel.Execution;

namespace Accel.Kernels;

/// <summary>Host-side staging of columns for the kernels: every integer-family column widened to int64,
/// floating columns as double bits, booleans as 0/1, validity one byte per row; column-major.</summary>
internal static class DeviceColumns
{
    /// <summary>Whether a column can be staged (and so made device-resident): the integer family, floating, boolean, and
    /// strings as the codes of their <see cref="StringDictionary"/>.</summary>
    public static bool CanStage(ColumnVector c) => c is PrimitiveVector<long> or PrimitiveVector<int> or PrimitiveVector<double> or PrimitiveVector<float>
        or PrimitiveVector<bool> or StringVector;

    /// <summary>Stages rows of one column into <paramref name="d"/> (values) and <paramref name="vs"/> (validity bytes): the
    /// first d.Length physical rows, or the rows <paramref name="selection"/> names (its first d.Length entries). A string
    /// column stages its dictionary codes, through <paramref name="remap"/> when given (see <see cref="StringDictionary.Union"/>).</summary>
    public static void StageColumn(ColumnVector c, Span<long> d, Span<byte> vs, ReadOnlySpan<int> selection, int[]? remap = null)
    {
        int n = d.Length;
        bool all = selection.IsEmpty;
        switch (c)
        {
            case PrimitiveVector<long> v:
                if (all) v.Values.AsSpan(0, n).CopyTo(d);
                else for (int i = 0; i < n; i++) d[i] = v.Values[selection[i]];
                break;
            case PrimitiveVector<int> v: for (int i = 0; i < n; i++) d[i] = v.Values[all ? i : selection[i]]; break;
            case PrimitiveVector<double> v:
                if (all) System.Runtime.InteropServices.MemoryMarshal.Cast<double, long>(v.Values.AsSpan(0, n)).CopyTo(d);
                else for (int i = 0; i < n; i++) d[i] = BitConverter.DoubleToInt64Bits(v.Values[selection[i]]);
                break;
            case PrimitiveVector<float> v: for (int i = 0; i < n; i++) d[i] = BitConverter.DoubleToInt64Bits(v.Values[all ? i : selection[i]]); break;
            case PrimitiveVector<bool> v: for (int i = 0; i < n; i++) d[i] = v.Values[all ? i : selection[i]] ? 1 : 0; break;
            case StringVector v:
            {
                var codes = StringDictionary.Of(v).Codes;
                for (int i = 0; i < n; i++)
                {
                    int code = codes[all ? i : selection[i]];
                    d[i] = remap is null ? code : remap[code];
                }
                break;
            }
            default: throw new AccelException($"gpu: cannot stage a {c.Type} column");
        }
        if (c.Validity is null) vs.Fill(1);
        else for (int i = 0; i < n; i++) vs[i] = c.IsNull(all ? i : selection[i]) ? (byte)0 : (byte)1;
    }

    /// <summary>Kernel results (int64 or double bits plus validity bytes) as a column of <paramref name="type"/>.</summary>
    public static ColumnVector Unstage(DataType type, long[] values, byte[] valid, int n)
    {
        ValidityBitmap? validity = null;
        for (int i = 0; i < n; i++) if (valid[i] == 0) (validity ??= new ValidityBitmap(n)).Set(i, false);
        switch (type.Id)
        {
            case TypeId.Boolean: return new PrimitiveVector<bool>(type, Map(values, n, v => v != 0), validity);
            case TypeId.Int32 or TypeId.Date32: return new PrimitiveVector<int>(type, Map(values, n, v => (int)v), validity);
            case TypeId.Float64: return new PrimitiveVector<double>(type, Map(values, n, BitConverter.Int64BitsToDouble), validity);
            case TypeId.Float32: return new PrimitiveVector<float>(type, Map(values, n, v => (float)BitConverter.Int64BitsToDouble(v)), validity);
            default: return new PrimitiveVector<long>(type, values.Length == n ? values : values[..n], validity);
        }
    }

    private static T[] Map<T>(long[] a, int n, Func<long, T> f)
    {
        var r = new T[n];
        for (int i = 0; i < n; i++) r[i] = f(a[i]);
        return r;
    }
}

/// <summary>First-guess costs of the GPU path (to be calibrated by the benchmark harness): host-to-device
/// transfer of the bytes each operator reads, a fixed launch overhead, and device throughput.</summary>
internal static class GpuCostModel
{
    /// <summary>Host-to-device (and back) bandwidth, bytes per second (PCIe 4/5 with pageable memory).</summary>
    public const double TransferBytesPerSecond = 12e9;
    /// <summary>Fixed cost of one kernel launch plus synchronisation, milliseconds.</summary>
    public const double LaunchMs = 0.02;
    /// <summary>Device nanoseconds per row per expression node.</summary>
    public const double NsPerRowPerNode = 0.01;

    /// <summary>How much slower ILGPU's CPU accelerator runs a kernel than a GPU: it emulates every thread, so
    /// auto never picks it over a real CPU path (tests and ACCEL_GPU=cpu still force it).</summary>
    public const double SimulatorSlowdown = 10_000;

    public static CostEstimate Estimate(long rows, int columnsIn, int columnsOut, int nodes, int launches, bool onDevice)
    {
        long bytes = onDevice ? rows * 9L * columnsOut : rows * 9L * (columnsIn + columnsOut);
        double slowdown = GpuDevice.Availability.Available && GpuDevice.Runtime.IsCpuSimulator ? SimulatorSlowdown : 1;
        return new CostEstimate((rows * NsPerRowPerNode * Math.Max(1, nodes) / 1e6 + launches * LaunchMs) * slowdown, bytes, bytes / TransferBytesPerSecond * 1e3);
    }

    public static Support Available()
    {
        var (ok, why) = GpuDevice.Availability;
        return ok ? Support.Yes : Support.No($"no GPU: {why}");
    }
}
