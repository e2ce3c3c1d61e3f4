namespace Accel.Cli;

/// <summary>`accel selftest`: reports the GPU and checks every GPU kernel against the scalar path.</summary>
public static class SelfTestCommand
{
    /// <summary>Runs the self test; the exit code is 0 only when every kernel agrees.</summary>
    public static int Run(string[] args)
    {
        int rows = int.Parse(CommandLine.Option(args, "--rows", "0")!);
        return Kernels.GpuSelfTest.Run(Console.Out, rows);
    }
}
