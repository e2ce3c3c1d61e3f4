using System.Reflection;
using System.Runtime.InteropServices;
using System.Runtime.Loader;
using ILGPU;
using ILGPU.Runtime;
using ILGPU.Runtime.CPU;
using ILGPU.Runtime.Cuda;

namespace Accel.Kernels;

/// <summary>Which accelerator the GPU path uses. Auto takes a CUDA GPU when one exists and never falls back
/// to ILGPU's CPU accelerator, which exists for tests only (ACCEL_GPU=cpu or <see cref="GpuDevice.Use"/>).</summary>
public enum GpuMode { Auto, Cuda, Cpu, Off }

/// <summary>What the GPU path runs on, for plans, logs and the self test.</summary>
/// <param name="Name">Device name.</param>
/// <param name="Kind">CUDA or CPU (ILGPU's simulator).</param>
/// <param name="MemoryBytes">Device memory.</param>
/// <param name="Driver">CUDA driver version (or n/a).</param>
/// <param name="Architecture">Compute capability, e.g. SM_90.</param>
/// <param name="InstructionSet">PTX ISA ILGPU generates.</param>
/// <param name="Multiprocessors">Streaming multiprocessors (or CPU threads).</param>
public sealed record DeviceInfo(string Name, string Kind, long MemoryBytes, string Driver, string Architecture, string InstructionSet, int Multiprocessors)
{
    /// <inheritdoc />
    public override string ToString() =>
        $"{Name} ({Kind}, {MemoryBytes / (1024.0 * 1024 * 1024):0.#} GiB, driver {Driver}, arch {Architecture}, PTX {InstructionSet}, {Multiprocessors} SMs)";
}

/// <summary>The process-wide GPU: created lazily on first use, shared by every GPU operator.</summary>
public static class GpuDevice
{
    private static readonly object s_lock = new();
    private static GpuRuntime? s_runtime;
    private static string? s_unavailable;
    private static GpuMode s_mode;
    private static string? s_modeError;
    private static bool s_resolverInstalled;

    // A bad ACCEL_GPU must not break the type initializer (that would take every query down with a
    // TypeInitializationException); it makes the GPU unavailable with the reason instead.
    static GpuDevice()
    {
        var v = Environment.GetEnvironmentVariable("ACCEL_GPU");
        if (!TryParseMode(v, out s_mode))
        {
            s_mode = GpuMode.Off;
            s_modeError = $"ACCEL_GPU must be auto, cuda, cpu or off, got '{v}'";
        }
        var budget = Environment.GetEnvironmentVariable("ACCEL_GPU_MEMORY_BUDGET");
        if (string.IsNullOrWhiteSpace(budget)) return;
        try { s_budgetOverride = ParseBytes(budget); }
        catch (AccelException ex) { s_modeError ??= $"ACCEL_GPU_MEMORY_BUDGET: {ex.Message}"; }
    }

    /// <summary>Messages about the device (the first-use description), by default to standard error.</summary>
    public static Action<string> Log { get; set; } = m => Console.Error.WriteLine(m);

    private static long? s_budgetOverride;

    /// <summary>The device memory budget in bytes, or null for the default (85% of a CUDA device's memory; 2 GiB on
    /// ILGPU's CPU accelerator). Starts from ACCEL_GPU_MEMORY_BUDGET; accel.gpu.memoryBudget sets it too. The device
    /// is process-wide, so its budget is as well: the last setting wins.</summary>
    public static long? MemoryBudgetBytes
    {
        get { lock (s_lock) return s_budgetOverride; }
        set
        {
            if (value is <= 0) throw new AccelException($"the device memory budget must be positive, got {value}");
            lock (s_lock)
            {
                s_budgetOverride = value;
                if (s_runtime is not null) s_runtime.Memory.BudgetBytes = value ?? s_runtime.DefaultBudget;
            }
        }
    }

    /// <summary>Bytes copied between host and device (both directions) since the device was created; 0 while no
    /// device has been created (reading it never creates one).</summary>
    public static long TransferredBytes
    {
        get
        {
            GpuRuntime? rt;
            lock (s_lock) rt = s_runtime;
            return rt is null ? 0 : rt.Memory.HostToDeviceBytes + rt.Memory.DeviceToHostBytes;
        }
    }

    /// <summary>Parses a byte size: a plain number of bytes or one with a k, m, g or t suffix (binary units, e.g. 512m, 8g).</summary>
    public static long ParseBytes(string text)
    {
        var t = text.Trim().ToLowerInvariant();
        if (t.EndsWith('b')) t = t[..^1];
        long unit = 1;
        if (t.Length > 0 && "kmgt".IndexOf(t[^1]) is int u and >= 0)
        {
            unit = 1L << (10 * (u + 1));
            t = t[..^1];
        }
        if (!double.TryParse(t, System.Globalization.NumberStyles.Float, System.Globalization.CultureInfo.InvariantCulture, out var v) || v <= 0 || double.IsInfinity(v * unit))
            throw new AccelException($"a byte size must be a positive number with an optional k, m, g or t suffix, got '{text}'");
        return (long)Math.Min(long.MaxValue, v * unit);
    }

    /// <summary>The current mode (ACCEL_GPU=auto|cuda|cpu|off, default auto).</summary>
    public static GpuMode Mode => s_mode;

    /// <summary>Parses an ACCEL_GPU value (auto|cuda|gpu|cpu|off|none, case-insensitive; empty means auto).</summary>
    public static bool TryParseMode(string? value, out GpuMode mode)
    {
        GpuMode? m = value?.Trim().ToLowerInvariant() switch
        {
            null or "" or "auto" => GpuMode.Auto,
            "cuda" or "gpu" => GpuMode.Cuda,
            "cpu" => GpuMode.Cpu,
            "off" or "none" => GpuMode.Off,
            _ => null,
        };
        mode = m ?? GpuMode.Auto;
        return m is not null;
    }

    /// <summary>Switches the accelerator (tests select <see cref="GpuMode.Cpu"/>); the previous one is disposed.</summary>
    public static void Use(GpuMode mode)
    {
        lock (s_lock)
        {
            if (mode == s_mode && (s_runtime is not null || s_unavailable is not null)) return;
            s_runtime?.Dispose();
            s_runtime = null;
            s_unavailable = null;
            s_modeError = null;
            s_mode = mode;
        }
    }

    /// <summary>Whether a GPU can be used, and if not, exactly why.</summary>
    public static (bool Available, string Reason) Availability
    {
        get
        {
            lock (s_lock)
            {
                if (s_runtime is null && s_unavailable is null) Initialize();
                return s_runtime is not null ? (true, s_runtime.Info.ToString()) : (false, s_unavailable!);
            }
        }
    }

    /// <summary>The runtime; throws with the reason when no GPU is available.</summary>
    public static GpuRuntime Runtime
    {
        get
        {
            var (ok, why) = Availability;
            return ok ? s_runtime! : throw new AccelException($"no GPU: {why}");
        }
    }

    private static void Initialize()
    {
        if (s_modeError is not null) { s_unavailable = s_modeError; return; }
        if (s_mode == GpuMode.Off) { s_unavailable = "disabled by ACCEL_GPU=off"; return; }
        try
        {
            if (s_mode == GpuMode.Cpu)
            {
                var ctx = Context.Create(b => b.CPU().EnableAlgorithms());
                s_runtime = new GpuRuntime(ctx, ctx.GetCPUDevice(0).CreateAccelerator(ctx));
            }
            else
            {
                InstallCudaResolver();
                if (LoadCudaDriver() == IntPtr.Zero)
                {
                    s_unavailable = OperatingSystem.IsWindows()
                        ? "no CUDA device: nvcuda.dll not found"
                        : "no CUDA device: libcuda.so.1 not found";
                    return;
                }
                var ctx = Context.Create(b => b.Cuda().EnableAlgorithms());
                var devices = ctx.GetCudaDevices();
                if (devices.Count == 0)
                {
                    ctx.Dispose();
                    s_unavailable = "CUDA driver found but it reports 0 devices";
                    return;
                }
                s_runtime = new GpuRuntime(ctx, devices[0].CreateAccelerator(ctx));
            }
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            s_unavailable = $"GPU initialisation failed: {ex.GetType().Name}: {ex.Message}";
        }
    }

    // ILGPU 1.5.3 loads the driver as "cuda" and never tries libcuda.so.1, so on a Linux host with only
    // the NVIDIA driver installed it would silently find no device.
    private static void InstallCudaResolver()
    {
        if (s_resolverInstalled) return;
        s_resolverInstalled = true;
        AssemblyLoadContext.Default.ResolvingUnmanagedDll += (Assembly _, string name) =>
            name is "cuda" or "libcuda" or "nvcuda" ? LoadCudaDriver() : IntPtr.Zero;
    }

    /// <summary>Where the NVIDIA driver library is looked for, in order (the soname first, so LD_LIBRARY_PATH wins).</summary>
    public static IReadOnlyList<string> DriverSearchPaths => CudaDriverCandidates;

    private static readonly string[] CudaDriverCandidates = OperatingSystem.IsWindows()
        ? ["nvcuda.dll"]
        : ["libcuda.so.1", "/usr/local/nvidia/lib64/libcuda.so.1", "/usr/lib/x86_64-linux-gnu/libcuda.so.1", "/usr/lib64/libcuda.so.1", "/usr/lib/wsl/lib/libcuda.so.1"];

    private static IntPtr LoadCudaDriver()
    {
        foreach (var candidate in CudaDriverCandidates)
            if (NativeLibrary.TryLoad(candidate, out var handle)) return handle;
        return IntPtr.Zero;
    }
}

/// <summary>An ILGPU context and accelerator with the engine's kernels loaded once.</summary>
public sealed class GpuRuntime : IDisposable
{
    private readonly object _launch = new();
    private bool _announced;

    internal GpuRuntime(Context context, Accelerator accelerator)
    {
        Context = context;
        Accelerator = accelerator;
        Info = Describe(accelerator);
        Kernels = new KernelSet(accelerator);
        DefaultBudget = accelerator.AcceleratorType == AcceleratorType.CPU
            ? Math.Min(2L << 30, Math.Max(64L << 20, GC.GetGCMemoryInfo().TotalAvailableMemoryBytes / 4))
            : (long)(accelerator.MemorySize * 0.85);
        Memory = new DeviceMemoryPool(accelerator, GpuDevice.MemoryBudgetBytes ?? DefaultBudget);
    }

    /// <summary>The device memory manager every GPU operator allocates from.</summary>
    public DeviceMemoryPool Memory { get; }
    /// <summary>The budget used when none is set: 85% of a CUDA device's memory (the rest is the driver's and ILGPU's), 2 GiB on the CPU accelerator.</summary>
    public long DefaultBudget { get; }

    /// <summary>The ILGPU context.</summary>
    public Context Context { get; }
    /// <summary>The accelerator.</summary>
    public Accelerator Accelerator { get; }
    /// <summary>What it is.</summary>
    public DeviceInfo Info { get; }
    internal KernelSet Kernels { get; }

    /// <summary>True for ILGPU's CPU simulator (tests).</summary>
    public bool IsCpuSimulator => Accelerator.AcceleratorType == AcceleratorType.CPU;

    /// <summary>Runs GPU work exclusively, with the accelerator bound to this thread.</summary>
    public T Run<T>(Func<Accelerator, KernelSet, T> work)
    {
        lock (_launch)
        {
            if (!_announced)
            {
                _announced = true;
                GpuDevice.Log($"accel gpu: {Info}");
            }
            using var binding = Accelerator.BindScoped();
            return work(Accelerator, Kernels);
        }
    }

    /// <summary>Grid dimensions for grid-stride kernels: enough groups to fill the device, at most one thread per element.</summary>
    public static KernelConfig GridFor(Accelerator a, long elements)
    {
        int group = Math.Min(a.MaxNumThreadsPerGroup, a.AcceleratorType == AcceleratorType.CPU ? 16 : 256);
        long wanted = Math.Max(1, (elements + group - 1) / group);
        int groups = (int)Math.Min(wanted, (long)a.NumMultiprocessors * Math.Max(1, a.MaxNumThreadsPerMultiprocessor / group) * 4);
        return new KernelConfig(Math.Max(1, groups), group);
    }

    private static DeviceInfo Describe(Accelerator a)
    {
        if (a is CudaAccelerator c)
            return new DeviceInfo(c.Name, "CUDA", c.MemorySize, c.DriverVersion.ToString(), c.Architecture.ToString(), c.InstructionSet.ToString(), c.NumMultiprocessors);
        return new DeviceInfo(a.Name, "ILGPU CPU accelerator (simulator)", GC.GetGCMemoryInfo().TotalAvailableMemoryBytes, "n/a", "cpu", "n/a", a.NumMultiprocessors);
    }

    /// <inheritdoc />
    public void Dispose()
    {
        Memory.Dispose();
        Accelerator.Dispose();
        Context.Dispose();
    }
}
