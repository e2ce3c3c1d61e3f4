using System.Diagnostics;
using System.Numerics;
using System.Text.Json.Serialization;
using Accel.Kernels;
using ILGPU;
using ILGPU.Runtime;
using Accel.Vectorized;

namespace Accel.Bench.Harness;

/// <summary>The GPU a run found.</summary>
public sealed record GpuInfo(
    [property: JsonPropertyName("name")] string Name,
    [property: JsonPropertyName("memory_gb")] double MemoryGb,
    [property: JsonPropertyName("driver")] string Driver);

/// <summary>The machine a run measured, with the memory bandwidths the roofline is drawn against.</summary>
public sealed record MachineInfo(
    [property: JsonPropertyName("cpu")] string Cpu,
    [property: JsonPropertyName("cores")] int Cores,
    [property: JsonPropertyName("simd")] string Simd,
    [property: JsonPropertyName("gpu")] GpuInfo? Gpu,
    [property: JsonPropertyName("gpu_unavailable_reason")] string? GpuUnavailableReason,
    [property: JsonPropertyName("host_read_gbps")] double HostReadGbps,
    [property: JsonPropertyName("device_read_gbps")] double? DeviceReadGbps,
    [property: JsonPropertyName("h2d_gbps")] double? H2dGbps,
    [property: JsonPropertyName("os")] string Os,
    [property: JsonPropertyName("dotnet")] string DotNet,
    [property: JsonPropertyName("date")] string Date,
    [property: JsonPropertyName("gc")] string? Gc = null);

/// <summary>Describes the machine and measures its read bandwidths.</summary>
public static class Machine
{
    /// <summary>CPU, cores, SIMD width, GPU (or why none), and bandwidths measured now.</summary>
    public static MachineInfo Describe(int threads)
    {
        var (gpuOk, gpuWhy) = GpuDevice.Availability;
        GpuInfo? gpu = null;
        double? h2d = null, deviceRead = null;
        if (gpuOk && !GpuDevice.Runtime.IsCpuSimulator)
        {
            var info = GpuDevice.Runtime.Info;
            gpu = new GpuInfo(info.Name, Math.Round(info.MemoryBytes / 1e9, 1), info.Driver);
            h2d = HostToDeviceGbps();
            deviceRead = DeviceCopyGbps();
        }
        return new MachineInfo(CpuName(), Environment.ProcessorCount, SimdCapabilities.Description, gpu, gpu is null ? gpuWhy : null,
            Math.Round(HostReadGbps(threads), 2), deviceRead is null ? null : Math.Round(deviceRead.Value, 1), h2d is null ? null : Math.Round(h2d.Value, 2),
            System.Runtime.InteropServices.RuntimeInformation.OSDescription, Environment.Version.ToString(), DateTime.UtcNow.ToString("yyyy-MM-dd"), GcSettings());
    }

    // The GC settings timings depend on (the gen0 budget most of all on a VM with costly page faults; see accel bench).
    private static string GcSettings() =>
        $"{(System.Runtime.GCSettings.IsServerGC ? "server" : "workstation")}, gen0size={Environment.GetEnvironmentVariable("DOTNET_GCgen0size") ?? "default"}";

    private static string CpuName()
    {
        try
        {
            var line = File.ReadLines("/proc/cpuinfo").FirstOrDefault(l => l.StartsWith("model name", StringComparison.Ordinal));
            if (line is not null) return line[(line.IndexOf(':') + 1)..].Trim();
        }
        catch (IOException) { }
        return System.Runtime.InteropServices.RuntimeInformation.ProcessArchitecture.ToString();
    }

    /// <summary>Best of five passes summing a 512 MiB array with every thread: the sustained host read rate.</summary>
    public static double HostReadGbps(int threads)
    {
        const int Longs = 64 << 20;
        var data = new long[Longs];
        for (int i = 0; i < data.Length; i += 512) data[i] = i;
        int parts = Math.Max(1, threads);
        double best = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            var sw = Stopwatch.StartNew();
            long total = 0;
            Parallel.For(0, parts, new ParallelOptions { MaxDegreeOfParallelism = parts }, p =>
            {
                int start = (int)((long)Longs * p / parts), end = (int)((long)Longs * (p + 1) / parts);
                var acc = Vector<long>.Zero;
                int i = start;
                for (; i + Vector<long>.Count <= end; i += Vector<long>.Count) acc += new Vector<long>(data, i);
                long s = Vector.Sum(acc);
                for (; i < end; i++) s += data[i];
                Interlocked.Add(ref total, s);
            });
            GC.KeepAlive(total);
            best = Math.Max(best, Longs * 8.0 / sw.Elapsed.TotalSeconds / 1e9);
        }
        return best;
    }

    // Device memory bandwidth: best of five 1 GiB device-to-device copies, counting the bytes read and written
    // (the figure GPU vendors quote, and what a scan-bound kernel such as Q6's can at best approach).
    private static double DeviceCopyGbps()
    {
        const long Longs = 128L << 20;
        var rt = GpuDevice.Runtime;
        double best = 0;
        rt.Run((acc, _) =>
        {
            using var src = acc.Allocate1D<long>(Longs);
            using var dst = acc.Allocate1D<long>(Longs);
            src.MemSetToZero();
            src.View.CopyTo(dst.View); // warm-up
            acc.Synchronize();
            for (int pass = 0; pass < 5; pass++)
            {
                var sw = Stopwatch.StartNew();
                src.View.CopyTo(dst.View);
                acc.Synchronize();
                best = Math.Max(best, 2.0 * Longs * 8 / sw.Elapsed.TotalSeconds / 1e9);
            }
            return 0;
        });
        return best;
    }

    // Best of five 256 MiB host-to-device copies.
    private static double HostToDeviceGbps()
    {
        var rt = GpuDevice.Runtime;
        var host = new long[32 << 20];
        double best = 0;
        for (int pass = 0; pass < 5; pass++)
        {
            double seconds = rt.Run((acc, _) =>
            {
                using var buffer = acc.Allocate1D<long>(host.Length);
                acc.Synchronize();
                var sw = Stopwatch.StartNew();
                buffer.CopyFromCPU(host);
                acc.Synchronize();
                return sw.Elapsed.TotalSeconds;
            });
            best = Math.Max(best, host.Length * 8.0 / seconds / 1e9);
        }
        return best;
    }
}
