using Accel.Kernels;

namespace Accel.Tests;

/// <summary>How the GPU path reports a machine without a usable GPU.</summary>
[Collection("gpu")]
public sealed class GpuAvailabilityTests
{
    [Fact]
    public void Without_cuda_the_reason_is_specific_and_the_cpu_simulator_is_never_chosen_automatically()
    {
        // Runs in its own process-wide state only when no CUDA driver is present (CI and this machine).
        if (File.Exists("/usr/lib/x86_64-linux-gnu/libcuda.so.1") || File.Exists("/usr/local/nvidia/lib64/libcuda.so.1")) return;
        var text = new StringWriter();
        lock (GpuLock.Instance)
        {
            GpuDevice.Use(GpuMode.Auto);
            try
            {
                var (ok, why) = GpuDevice.Availability;
                Assert.False(ok);
                Assert.Contains("libcuda.so.1 not found", why);
                Assert.Equal(2, GpuSelfTest.Run(text));
                Assert.Contains("GPU: none", text.ToString());
            }
            finally { GpuDevice.Use(GpuMode.Cpu); }
        }
    }
}

/// <summary>Serializes tests that switch the process-wide accelerator.</summary>
internal static class GpuLock
{
    public static readonly object Instance = new();
}
