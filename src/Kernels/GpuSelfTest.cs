using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Operators;

namespace Accel.Kernels;

/// <summary>`accel selftest`: says which GPU was found (or exactly why none was), then runs every GPU kernel
/// on random data and compares it with the scalar path.</summary>
public static class GpuSelfTest
{
    /// <summary>Runs the checks; returns 0 when all agree, 1 when any differs, 2 when no GPU is available.</summary>
    public static int Run(TextWriter output, int rows = 0, int seed = 20261123)
    {
        output.WriteLine($"accel selftest (accelerator mode {GpuDevice.Mode.ToString().ToLowerInvariant()}; ACCEL_GPU={Environment.GetEnvironmentVariable("ACCEL_GPU") ?? "unset"})");
        var (ok, why) = GpuDevice.Availability;
        if (!ok)
        {
            output.WriteLine($"GPU: none — {why}");
            if (GpuDevice.Mode is GpuMode.Auto or GpuMode.Cuda)
            {
                output.WriteLine($"  looked for the NVIDIA driver at: {string.Join(", ", GpuDevice.DriverSearchPaths)}");
                output.WriteLine("  (ACCEL_GPU=cpu runs these checks on ILGPU's CPU accelerator instead)");
            }
            return 2;
        }
        var info = GpuDevice.Runtime.Info;
        output.WriteLine($"GPU: {info.Name}");
        output.WriteLine($"  kind:            {info.Kind}");
        output.WriteLine($"  memory:          {info.MemoryBytes / (1024.0 * 1024 * 1024):0.0} GiB");
        output.WriteLine($"  driver:          {info.Driver}");
        output.WriteLine($"  architecture:    {info.Architecture}");
        output.WriteLine($"  instruction set: {info.InstructionSet}");
        output.WriteLine($"  multiprocessors: {info.Multiprocessors}");
        if (rows <= 0) rows = GpuDevice.Runtime.IsCpuSimulator ? 3000 : 1_000_000;
        output.WriteLine($"checking kernels against the scalar path on {rows:N0} random rows (seed {seed})");

        var batch = RandomBatch(rows, seed);
        var s = batch.Schema;
        Expr C(string n) => new ColumnRef(n);
        Expr L(object v) => Literal.Of(v);
        Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);

        int failures = 0;
        void Report(string name, string? diff)
        {
            output.WriteLine($"  {(diff is null ? "EQUAL    " : "DIFFERENT")} {name}{(diff is null ? "" : $": {diff}")}");
            if (diff is not null) failures++;
        }

        var filters = new (string Name, Expr Predicate)[]
        {
            ("filter int32 < literal", B(BinaryOp.LessThan, C("i"), L(100))),
            ("filter int64 >= literal AND double <= column", B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, C("l"), L(0L)), B(BinaryOp.LessThanOrEqual, C("d"), C("d2")))),
            ("filter date range OR float equality", B(BinaryOp.Or, B(BinaryOp.And, B(BinaryOp.GreaterThan, C("dt"), L(new DateOnly(2024, 3, 1))), B(BinaryOp.LessThan, C("dt"), L(new DateOnly(2024, 9, 1)))), B(BinaryOp.Equal, C("f"), L(1.5f)))),
            ("filter NOT, IS NULL, NaN ordering", B(BinaryOp.Or, new UnaryExpr(UnaryOp.Not, B(BinaryOp.GreaterThan, C("d"), L(0.5))), new UnaryExpr(UnaryOp.IsNull, C("i")))),
            ("filter decimal and timestamp comparisons", B(BinaryOp.And, B(BinaryOp.GreaterThan, C("m"), L(10.25m)), B(BinaryOp.NotEqual, C("ts"), C("ts")))),
        };
        foreach (var (name, predicate) in filters)
            Report(name, Guard(() =>
            {
                var spec = new FilterSpec(s, Binder.Bind(predicate, s));
                var expected = new FilterScalar().Filter(batch, spec).Selection!;
                var actual = new FilterGpu().Filter(batch, spec).Selection!;
                return expected.SequenceEqual(actual) ? null : $"{expected.Length} rows pass on scalar, {actual.Length} on gpu";
            }));

        var projections = new (string Name, Expr Expr)[]
        {
            ("project int64 arithmetic (wrapping)", B(BinaryOp.Add, B(BinaryOp.Multiply, C("l"), L(3_000_000_007L)), C("i"))),
            ("project int32 arithmetic (wrapping)", B(BinaryOp.Subtract, B(BinaryOp.Multiply, C("i"), C("i")), L(7))),
            ("project double arithmetic and division by zero", B(BinaryOp.Divide, B(BinaryOp.Add, C("d"), L(1.0)), C("d2"))),
            ("project float arithmetic and negation", new UnaryExpr(UnaryOp.Negate, B(BinaryOp.Multiply, C("f"), L(2.5f)))),
            ("project mixed int/double (implicit casts)", B(BinaryOp.Multiply, C("i"), B(BinaryOp.Subtract, L(1.0), C("d")))),
        };
        foreach (var (name, expr) in projections)
            Report(name, Guard(() =>
            {
                var bound = Binder.Bind(expr, s);
                var outSchema = new Schema([new Field("x", bound.Type)]);
                var spec = new ProjectSpec(s, [bound], outSchema);
                return ResultComparer.FirstDifference(new ProjectScalar().Project(batch, spec), new ProjectGpu().Project(batch, spec));
            }));

        var aggregates = new (string Name, int[] Keys)[] { ("aggregate global", []), ("aggregate grouped by int32 key (with NULL keys)", [0]), ("aggregate grouped by int64 key (wide range)", [1]) };
        foreach (var (name, keys) in aggregates)
            Report(name, Guard(() =>
            {
                var calls = new List<AggregateCall> { new(AggFunc.CountStar, -1, false, DataType.Int64) };
                foreach (var col in new[] { "l", "d", "i", "f" })
                {
                    int o = s.IndexOf(col);
                    foreach (var f in new[] { AggFunc.Count, AggFunc.Sum, AggFunc.Min, AggFunc.Max, AggFunc.Avg })
                        calls.Add(new AggregateCall(f, o, false, AggregateTypes.ResultType(f, s[o].Type)));
                }
                var groupKeys = keys.Select(k => k == 1 ? s.IndexOf("g") : s.IndexOf("i")).ToArray();
                var outSchema = new Schema(groupKeys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType))));
                var spec = new AggregateSpec(s, groupKeys, calls, outSchema);
                return ResultComparer.FirstDifference(new HashAggregateScalar().Aggregate([batch], spec), new HashAggregateGpu().Aggregate([batch], spec), unordered: true, relativeTolerance: 1e-9);
            }));

        output.WriteLine(failures == 0 ? "all GPU kernels agree with the scalar path" : $"{failures} check(s) differ from the scalar path");
        return failures == 0 ? 0 : 1;
    }

    private static string? Guard(Func<string?> check)
    {
        try { return check(); }
        catch (Exception ex) { return $"threw {ex.GetType().Name}: {ex.Message}"; }
    }

    /// <summary>A random batch with every kernel type, NULLs, NaNs and extreme values.</summary>
    public static ColumnBatch RandomBatch(int rows, int seed)
    {
        var rng = new Random(seed);
        var schema = new Schema([
            new Field("i", DataType.Int32), new Field("l", DataType.Int64), new Field("d", DataType.Float64), new Field("d2", DataType.Float64),
            new Field("f", DataType.Float32), new Field("dt", DataType.Date32), new Field("m", DataType.Decimal(12, 2)),
            new Field("ts", DataType.Timestamp), new Field("g", DataType.Int64),
        ]);
        var data = new List<object?[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            data.Add([
                rng.Next(12) == 0 ? null : rng.Next(20) == 0 ? int.MaxValue - rng.Next(3) : rng.Next(-500, 500),
                rng.Next(15) == 0 ? null : rng.NextInt64(-1_000_000_000_000, 1_000_000_000_000),
                rng.Next(10) == 0 ? null : rng.Next(50) == 0 ? double.NaN : Math.Round(rng.NextDouble() * 4 - 2, 3),
                rng.Next(10) == 0 ? 0.0 : Math.Round(rng.NextDouble() * 4 - 2, 2),
                rng.Next(9) == 0 ? null : (float)(rng.Next(-8, 8) / 2.0),
                new DateOnly(2024, 1, 1).AddDays(rng.Next(366)),
                rng.Next(7) == 0 ? null : Math.Round((decimal)(rng.NextDouble() * 100), 2),
                rng.Next(30) == 0 ? null : new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(rng.Next(1_000_000)),
                rng.Next(25) == 0 ? null : rng.NextInt64(-5, 5) * 1_000_000_007L,
            ]);
        }
        return ColumnBatch.FromRows(schema, data);
    }
}
