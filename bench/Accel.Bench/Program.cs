using BenchmarkDotNet.Running;

BenchmarkSwitcher.FromAssembly(typeof(Accel.Bench.OperatorBenchmarks).Assembly).Run(args);
