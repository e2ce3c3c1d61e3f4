using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;

namespace Accel.Tests;

/// <summary>GPU kernels at the edges the random sweep rarely reaches (overflowing sums, sentinel-valued keys,
/// all-NULL columns, selections, boolean columns), and how each operator declines work it cannot do.</summary>
[Collection("gpu")]
public sealed class GpuEdgeCaseTests
{
    static GpuEdgeCaseTests() => GpuDevice.Use(GpuMode.Cpu);

    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);

    private static readonly Schema EdgeSchema = new([
        new Field("k", DataType.Int64), new Field("v", DataType.Int64), new Field("i", DataType.Int32),
        new Field("ts", DataType.Timestamp), new Field("f", DataType.Float32), new Field("nul", DataType.Float64),
        new Field("flag", DataType.Boolean), new Field("dk", DataType.Date32), new Field("d", DataType.Float64),
    ]);

    /// <summary>Keys include long.MinValue (the hash table's empty-slot sentinel), long.MaxValue and NULL; the
    /// long values sit near long.MaxValue so every sum overflows (one sign only: a double sum of values of both
    /// signs near 2^63 cancels to rounding noise, which no tolerance can compare).</summary>
    private static ColumnBatch EdgeBatch(int rows, int seed)
    {
        var rng = new Random(seed);
        long[] keys = [long.MinValue, long.MaxValue, 0, -1, 1];
        var data = new List<object?[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            data.Add([
                rng.Next(7) == 0 ? null : keys[rng.Next(keys.Length)],
                rng.Next(9) == 0 ? null : long.MaxValue - rng.Next(1000) * 3L,
                rng.Next(9) == 0 ? null : rng.Next(2) == 0 ? int.MinValue + rng.Next(3) : int.MaxValue - rng.Next(3),
                rng.Next(9) == 0 ? null : new DateTime(1969, 12, 31, 0, 0, 0, DateTimeKind.Utc).AddMinutes(rng.Next(-100_000, 100_000)),
                rng.Next(9) == 0 ? null : rng.Next(10) == 0 ? float.NaN : rng.Next(10) == 0 ? float.NegativeInfinity : rng.Next(-20, 20) / 4f,
                null,
                rng.Next(5) == 0 ? null : rng.Next(2) == 0,
                rng.Next(6) == 0 ? null : new DateOnly(1999, 12, 30).AddDays(rng.Next(4)),
                rng.Next(6) == 0 ? null : rng.Next(6) == 0 ? double.NaN : rng.Next(-3, 3) * 0.5,
            ]);
        }
        return ColumnBatch.FromRows(EdgeSchema, data);
    }

    private static AggregateSpec Spec(int[] keys, params (AggFunc Func, string? Column)[] calls)
    {
        var s = EdgeSchema;
        var list = calls.Select(c => c.Column is null
            ? new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64)
            : new AggregateCall(c.Func, s.IndexOf(c.Column), false, AggregateTypes.ResultType(c.Func, s[s.IndexOf(c.Column)].Type))).ToList();
        return new AggregateSpec(s, keys, list, new Schema(keys.Select(k => s[k]).Concat(list.Select((c, i) => new Field($"a{i}", c.ResultType)))));
    }

    private static readonly (AggFunc, string?)[] AllCalls =
    [
        (AggFunc.CountStar, null), (AggFunc.Sum, "v"), (AggFunc.Avg, "v"), (AggFunc.Min, "v"), (AggFunc.Max, "v"),
        (AggFunc.Sum, "i"), (AggFunc.Avg, "i"), (AggFunc.Min, "i"), (AggFunc.Max, "i"),
        (AggFunc.Count, "ts"), (AggFunc.Min, "ts"), (AggFunc.Max, "ts"),
        (AggFunc.Sum, "f"), (AggFunc.Min, "f"), (AggFunc.Max, "f"), (AggFunc.Avg, "f"),
        (AggFunc.Count, "nul"), (AggFunc.Sum, "nul"), (AggFunc.Min, "nul"), (AggFunc.Avg, "nul"),
        (AggFunc.Min, "d"), (AggFunc.Max, "d"), (AggFunc.Sum, "d"),
    ];

    [Theory]
    [InlineData(0)]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(300)]
    public void Aggregates_with_overflowing_sums_sentinel_keys_and_all_null_columns_equal_scalar(int rows)
    {
        var batch = EdgeBatch(rows, seed: rows + 11);
        foreach (var keys in new[] { Array.Empty<int>(), [0], [2], [7] })
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [batch], Spec(keys, AllCalls)));
    }

    [Fact]
    public void Overflowing_long_sum_wraps_and_avg_uses_the_true_sum()
    {
        var batch = ColumnBatch.FromRows(EdgeSchema, Enumerable.Range(0, 4).Select(_ => new object?[] { 1L, long.MaxValue, 1, null, null, null, null, null, null }));
        var result = new HashAggregateGpu().Aggregate([batch], Spec([], (AggFunc.Sum, "v"), (AggFunc.Avg, "v"))).Rows().Single();
        Assert.Equal(unchecked(long.MaxValue * 4), result[0]);
        Assert.Equal((double)long.MaxValue, (double)result[1]!, 6);
    }

    [Fact]
    public void Empty_input_without_keys_gives_one_row_of_zero_counts_and_nulls()
    {
        var row = new HashAggregateGpu().Aggregate([], Spec([], (AggFunc.CountStar, null), (AggFunc.Count, "v"), (AggFunc.Sum, "v"), (AggFunc.Max, "d"))).Rows().Single();
        Assert.Equal(new object?[] { 0L, 0L, null, null }, row);
        Assert.Equal(0, new HashAggregateGpu().Aggregate([], Spec([0], (AggFunc.CountStar, null))).RowCount);
    }

    public static TheoryData<int> Sizes() => new() { 1, 2, 31, 32, 33, 129 };

    [Theory, MemberData(nameof(Sizes))]
    public void Boolean_timestamp_and_widened_predicates_equal_scalar_with_and_without_selection(int rows)
    {
        var batch = EdgeBatch(rows, seed: 500 + rows);
        Expr[] predicates =
        [
            C("flag"),
            new UnaryExpr(UnaryOp.Not, C("flag")),
            B(BinaryOp.Or, C("flag"), new UnaryExpr(UnaryOp.IsNotNull, C("nul"))),
            B(BinaryOp.GreaterThan, L(0), C("i")),
            B(BinaryOp.LessThan, C("i"), C("d")),
            B(BinaryOp.GreaterThanOrEqual, C("ts"), L(new DateTime(1970, 1, 1, 0, 0, 0, DateTimeKind.Utc))),
            B(BinaryOp.Equal, C("f"), C("f")),
            B(BinaryOp.NotEqual, C("k"), L(long.MinValue)),
            B(BinaryOp.And, B(BinaryOp.LessThanOrEqual, C("dk"), L(new DateOnly(2000, 1, 1))), new UnaryExpr(UnaryOp.IsNull, C("k"))),
            B(BinaryOp.Equal, C("flag"), B(BinaryOp.GreaterThan, C("d"), L(0.0))),
        ];
        var selection = Enumerable.Range(0, rows).Where(r => r % 3 != 0).ToArray();
        foreach (var p in predicates)
        {
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, p));
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch.WithSelection(selection), p));
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Projections_over_a_selection_equal_scalar(int rows)
    {
        var batch = EdgeBatch(rows, seed: 900 + rows).WithSelection(Enumerable.Range(0, rows).Where(r => r % 2 == 1).ToArray());
        Expr[] exprs =
        [
            B(BinaryOp.Add, C("i"), C("v")),
            B(BinaryOp.Multiply, C("i"), C("i")),
            B(BinaryOp.Divide, C("v"), C("d")),
            new UnaryExpr(UnaryOp.Negate, C("i")),
            B(BinaryOp.Subtract, C("f"), L(0.25f)),
            B(BinaryOp.Add, C("nul"), L(1.0)),
        ];
        foreach (var e in exprs) Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, e));

        var s = EdgeSchema;
        var spec = new ProjectSpec(s, [Binder.Bind(C("ts"), s), Binder.Bind(B(BinaryOp.Add, C("i"), L(1)), s)],
            new Schema([new Field("ts", DataType.Timestamp), new Field("x", DataType.Int32)]));
        Assert.Null(ResultComparer.FirstDifference(new Accel.Operators.ProjectScalar().Project(batch, spec), new ProjectGpu().Project(batch, spec)));
    }

    [Fact]
    public void Work_without_a_kernel_is_declined_naming_the_node_or_type()
    {
        var s = EdgeSchema;
        var env = new ExecEnvironment(1000);
        // Each level keeps its left constant on the stack while the right subtree is evaluated.
        Expr deep = C("d");
        for (int i = 0; i < 20; i++) deep = B(BinaryOp.Add, L(1.0), deep);
        var project = new ProjectGpu();
        foreach (var (expr, expected) in new (Expr, string)[]
        {
            (deep, "a stack of 21 values, deeper than the kernel stack (16)"),
            (new UnaryExpr(UnaryOp.Not, B(BinaryOp.LessThan, L(0.0), deep)), "deeper than the kernel stack"),
            (B(BinaryOp.Modulo, C("i"), L(3)), "operator %"),
            (new CastExpr(C("d"), DataType.Int32), "CAST(double AS int)"),
        })
        {
            var bound = Binder.Bind(expr, s);
            var r = project.CanRun(new ProjectSpec(s, [bound], new Schema([new Field("x", bound.Type)])), env);
            Assert.False(r.CanRun);
            Assert.Contains(expected, r.Reason, StringComparison.OrdinalIgnoreCase);
        }
        // Double and multi-column keys are packed into one word per row on the host (GpuStringTests checks the results).
        Assert.True(new HashAggregateGpu().CanRun(Spec([8], (AggFunc.CountStar, null)), env).CanRun);
        Assert.True(new HashAggregateGpu().CanRun(Spec([0, 2], (AggFunc.CountStar, null)), env).CanRun);
        var stddev = new HashAggregateGpu().CanRun(Spec([], (AggFunc.StdDev, "d")), env);
        Assert.Contains("stddev", stddev.Reason, StringComparison.OrdinalIgnoreCase);
        Assert.True(new HashAggregateGpu().CanRun(Spec([0], AllCalls), env).CanRun);
    }

    [Fact]
    public void A_long_left_deep_chain_fits_the_kernel_stack_and_equals_scalar()
    {
        Expr chain = C("i");
        for (int i = 0; i < 40; i++) chain = B(i % 3 == 0 ? BinaryOp.Multiply : BinaryOp.Add, chain, i % 2 == 0 ? C("i") : L(i));
        var bound = Binder.Bind(chain, EdgeSchema);
        Assert.Equal(2, ExprProgram.StackDepth(bound));
        var spec = new ProjectSpec(EdgeSchema, [bound], new Schema([new Field("x", bound.Type)]));
        Assert.True(new ProjectGpu().CanRun(spec, new ExecEnvironment(100)).CanRun);
        Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), EdgeBatch(70, seed: 3), chain));
    }

    [Fact]
    public void With_the_gpu_switched_off_every_operator_says_no_gpu_and_why()
    {
        var s = EdgeSchema;
        var env = new ExecEnvironment(1000);
        lock (GpuLock.Instance)
        {
            GpuDevice.Use(GpuMode.Off);
            try
            {
                Assert.Equal((false, "disabled by ACCEL_GPU=off"), GpuDevice.Availability);
                var filter = new FilterGpu().CanRun(new FilterSpec(s, Binder.Bind(C("flag"), s)), env);
                var bound = Binder.Bind(B(BinaryOp.Add, C("i"), L(1)), s);
                var project = new ProjectGpu().CanRun(new ProjectSpec(s, [bound], new Schema([new Field("x", bound.Type)])), env);
                var aggregate = new HashAggregateGpu().CanRun(Spec([0], (AggFunc.Sum, "v")), env);
                foreach (var r in new[] { filter, project, aggregate })
                {
                    Assert.False(r.CanRun);
                    Assert.Equal("no GPU: disabled by ACCEL_GPU=off", r.Reason);
                }
                var text = new StringWriter();
                Assert.Equal(2, GpuSelfTest.Run(text));
                Assert.Contains("disabled by ACCEL_GPU=off", text.ToString());
                var ex = Assert.Throws<AccelException>(() => GpuDevice.Runtime);
                Assert.Contains("no GPU: disabled by ACCEL_GPU=off", ex.Message);
            }
            finally { GpuDevice.Use(GpuMode.Cpu); }
        }
        Assert.True(GpuDevice.Availability.Available);
    }

    [Theory]
    [InlineData(null, GpuMode.Auto)]
    [InlineData("", GpuMode.Auto)]
    [InlineData("AUTO", GpuMode.Auto)]
    [InlineData("cuda", GpuMode.Cuda)]
    [InlineData(" cpu ", GpuMode.Cpu)]
    [InlineData("off", GpuMode.Off)]
    [InlineData("none", GpuMode.Off)]
    public void Accel_gpu_values_parse(string? value, GpuMode expected)
    {
        Assert.True(GpuDevice.TryParseMode(value, out var mode));
        Assert.Equal(expected, mode);
    }

    [Fact]
    public void An_unknown_accel_gpu_value_is_rejected()
    {
        Assert.False(GpuDevice.TryParseMode("vulkan", out _));
    }

    [Fact]
    public void The_cpu_accelerator_describes_itself_and_grids_are_bounded_by_the_device()
    {
        var rt = GpuDevice.Runtime;
        Assert.True(rt.IsCpuSimulator);
        Assert.Contains("CPU accelerator", rt.Info.ToString());
        var small = GpuRuntime.GridFor(rt.Accelerator, 1);
        Assert.Equal(1, small.GridDim.X);
        var huge = GpuRuntime.GridFor(rt.Accelerator, 1L << 40);
        Assert.True((long)huge.GridDim.X * huge.GroupDim.X < 1L << 24);
    }
}
