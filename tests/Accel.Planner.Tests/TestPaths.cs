using Accel.Kernels;
using Accel.Sql;

namespace Accel.Tests;

/// <summary>The forced paths the tests run under. "gpu" runs the GPU kernels on ILGPU's CPU accelerator
/// (CI has no GPU), selected once for the whole test process.</summary>
public static class TestPaths
{
    static TestPaths() => GpuDevice.Use(GpuMode.Cpu);

    /// <summary>Paths for queries made only of the operators that have all three implementations.</summary>
    public static TheoryData<string> Skeleton => new() { "scalar", "simd", "gpu", "auto" };

    /// <summary>Applies a path to a session (the static constructor has selected the CPU accelerator).</summary>
    public static void Configure(AccelSession session, string path) => session.Conf().Set("accel.path", path);
}
