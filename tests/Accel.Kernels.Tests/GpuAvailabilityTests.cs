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
                Assert.Equal("no CUDA device: libcuda.so.1 not found", why);
                Assert.Equal(2, GpuSelfTest.Run(text));
                Assert.Contains("GPU: none — no CUDA device: libcuda.so.1 not found", text.ToString());
                Assert.Contains("looked for the NVIDIA driver at: libcuda.so.1, /usr/local/nvidia/lib64/libcuda.so.1", text.ToString());
                Assert.DoesNotContain("EQUAL", text.ToString());
                var s = DifferentialCases.Schema;
                var r = new FilterGpu().CanRun(new Accel.Execution.FilterSpec(s, Accel.Expressions.Binder.Bind(DifferentialCases.Predicates[0], s)), new Accel.Execution.ExecEnvironment(10));
                Assert.Equal("no GPU: no CUDA device: libcuda.so.1 not found", r.Reason);
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
