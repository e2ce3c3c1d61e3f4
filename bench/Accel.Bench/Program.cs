using Accel;
using Accel.Bench.Harness;
using BenchmarkDotNet.Running;

// `bench ...` is the verified GPU/SIMD/scalar/DuckDB harness; anything else goes to BenchmarkDotNet.
if (args.Length > 0 && args[0] == "bench")
{
    try
    {
        return BenchRunner.Run(args[1..]);
    }
    catch (AccelException ex)
    {
        Console.Error.WriteLine($"error: {ex.Message}");
        return 1;
    }
}
BenchmarkSwitcher.FromAssembly(typeof(Accel.Bench.OperatorBenchmarks).Assembly).Run(args);
return 0;
