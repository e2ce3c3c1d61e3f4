using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;

namespace Accel.Tests;

/// <summary>Decimal arithmetic, casts and aggregates on the GPU kernels (ILGPU's CPU accelerator) against the scalar
/// path: rounding half away from zero, NULL past the result's precision, NULL for a zero divisor, and rows whose
/// exact value passes int64 (recomputed on the host) — all exactly equal.</summary>
[Collection("gpu")]
public sealed class GpuDecimalTests
{
    static GpuDecimalTests() => GpuDevice.Use(GpuMode.Cpu);

    private static readonly Schema DecimalSchema = new([
        new Field("p", DataType.Decimal(15, 2)), new Field("disc", DataType.Decimal(4, 2)), new Field("tax", DataType.Decimal(4, 2)),
        new Field("big", DataType.Decimal(18, 2)), new Field("q", DataType.Decimal(10, 0)), new Field("i", DataType.Int32),
        new Field("k", DataType.Int32),
    ]);

    private static ColumnBatch Batch(int rows, int seed)
    {
        var rng = new Random(seed);
        object? N(object v) => rng.Next(9) == 0 ? null : v;
        decimal Cents(long max) => rng.NextInt64(-max, max) / 100m;
        return ColumnBatch.FromRows(DecimalSchema, Enumerable.Range(0, rows).Select(_ => new object?[]
        {
            N(rng.Next(10) == 0 ? 9_999_999_999_999.99m : Cents(1_000_000_000)),
            N(rng.Next(8) == 0 ? 0m : rng.Next(0, 11) / 100m),
            N(rng.Next(0, 9) / 100m),
            // Near the top of decimal(18,2): sums overflow the precision and products pass int64.
            N(rng.Next(3) == 0 ? 9_999_999_999_999_999.99m - rng.Next(1000) : Cents(10_000_000_000)),
            N((decimal)rng.Next(-100_000, 100_000)),
            N(rng.Next(-1000, 1000)),
            N(rng.Next(0, 7)),
        }));
    }

    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);

    private static readonly Expr[] Projections =
    [
        B(BinaryOp.Multiply, C("p"), B(BinaryOp.Subtract, L(1), C("disc"))),                                            // TPC-H Q1's disc_price
        B(BinaryOp.Multiply, B(BinaryOp.Multiply, C("p"), B(BinaryOp.Subtract, L(1), C("disc"))), B(BinaryOp.Add, L(1), C("tax"))),
        B(BinaryOp.Multiply, C("big"), C("big")),                                                                      // past int64: host rows
        B(BinaryOp.Add, C("big"), C("big")),                                                                           // past 18 digits: NULL
        B(BinaryOp.Subtract, C("p"), C("q")),
        B(BinaryOp.Divide, C("p"), C("disc")),                                                                         // zero divisors: NULL
        B(BinaryOp.Divide, C("big"), C("q")),
        B(BinaryOp.Multiply, C("i"), C("p")),
        new CastExpr(C("p"), DataType.Decimal(18, 4)),
        new CastExpr(C("p"), DataType.Decimal(8, 1)),                                                                  // rounds, and overflows to NULL
        new CastExpr(C("big"), DataType.Decimal(18, 0)),
        new CastExpr(C("i"), DataType.Decimal(6, 2)),
        new CastExpr(C("p"), DataType.Float64),
        new UnaryExpr(UnaryOp.Negate, C("big")),
        B(BinaryOp.Add, B(BinaryOp.Multiply, C("p"), L(0.5m)), L(1.005m)),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(33)]
    [InlineData(1000)]
    public void Decimal_projections_equal_scalar(int rows)
    {
        var batch = Batch(rows, seed: rows);
        foreach (var e in Projections)
        {
            Assert.Null(ExprProgram.Unsupported(Binder.Bind(e, DecimalSchema)));
            Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, e));
        }
        var sel = Enumerable.Range(0, rows).Where(i => i % 3 != 0).ToArray();
        Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch.WithSelection(sel), Projections[2]));
    }

    [Fact]
    public void Rows_past_int64_are_recomputed_on_the_host_not_wrapped()
    {
        var schema = new Schema([new Field("big", DataType.Decimal(18, 2))]);
        var batch = ColumnBatch.FromRows(schema, [[9_999_999_999_999_999.99m], [3.00m], [-9_999_999_999_999_999.99m], [null]]);
        var bound = Binder.Bind(B(BinaryOp.Multiply, C("big"), L(4.5m)), schema);
        Assert.True(ExprProgram.Compile(bound).MayMarkHostRows);
        var spec = new ProjectSpec(schema, [bound], new Schema([new Field("x", bound.Type)]));
        var gpu = new ProjectGpu().Project(batch, spec)[0];
        var scalar = new Accel.Operators.ProjectScalar().Project(batch, spec)[0];
        Assert.Equal(Enumerable.Range(0, 4).Select(scalar.GetValue), Enumerable.Range(0, 4).Select(gpu.GetValue));
        Assert.Equal(13.500m, gpu.GetValue(1));
        Assert.Null(gpu.GetValue(0)); // 4.5e16 needs 20 digits: NULL, as Spark without ANSI mode
    }

    [Theory]
    [InlineData(100)]
    [InlineData(2000)]
    public void Decimal_predicates_equal_scalar(int rows)
    {
        var batch = Batch(rows, seed: 5 + rows);
        Expr[] predicates =
        [
            B(BinaryOp.GreaterThan, B(BinaryOp.Multiply, C("p"), C("disc")), L(100)),
            B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, C("disc"), B(BinaryOp.Subtract, L(0.06m), L(0.01m))), B(BinaryOp.LessThan, C("q"), L(24))),
            B(BinaryOp.LessThan, B(BinaryOp.Multiply, C("big"), C("big")), L(1_000_000m)),     // host rows decide
            B(BinaryOp.Equal, B(BinaryOp.Divide, C("p"), C("disc")), C("p")),
        ];
        foreach (var p in predicates)
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, p));
        Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch.WithSelection(Enumerable.Range(0, rows).Where(i => i % 2 == 0).ToArray()), predicates[2]));
    }

    [Fact]
    public void Decimal_sums_averages_and_extremes_equal_scalar_including_overflow()
    {
        var batch = Batch(3000, seed: 11);
        var s = DecimalSchema;
        var calls = new List<AggregateCall> { new(AggFunc.CountStar, -1, false, DataType.Int64) };
        foreach (var col in new[] { "p", "disc", "big", "q" })
        {
            int o = s.IndexOf(col);
            foreach (var f in new[] { AggFunc.Sum, AggFunc.Avg, AggFunc.Min, AggFunc.Max, AggFunc.Count })
                calls.Add(new AggregateCall(f, o, false, AggregateTypes.ResultType(f, s[o].Type)));
        }
        foreach (var keys in new[] { Array.Empty<int>(), [s.IndexOf("k")] })
        {
            var spec = new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
            Assert.True(new HashAggregateGpu().CanRun(spec, new ExecEnvironment(3000)).CanRun);
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [batch, batch], spec));
            // The big column's sums pass decimal(18,2): the scalar path gives NULL, and so must the GPU.
            var result = new HashAggregateGpu().Aggregate([batch], spec);
            int sumBig = keys.Length + 1 + 2 * 5;
            Assert.Contains(Enumerable.Range(0, result.RowCount), r => result[sumBig].GetValue(r) is null);
        }
    }

    [Fact]
    public void A_join_condition_with_decimal_arithmetic_stays_off_the_gpu_with_a_reason()
    {
        var s = DecimalSchema;
        var both = new Schema(s.Fields.Concat(s.Fields.Select(f => f with { Name = f.Name + "_r", Id = 0 })));
        var residual = Binder.Bind(B(BinaryOp.GreaterThan, B(BinaryOp.Multiply, C("p"), C("disc_r")), L(1)), both);
        var spec = new JoinSpec(s, new Schema(both.Fields.Skip(s.Count)), JoinType.Inner, [s.IndexOf("k")], [s.IndexOf("k")], residual, BuildSide.Right, true, both);
        var r = new HashJoinGpu().CanRun(spec, new ExecEnvironment(100));
        Assert.False(r.CanRun);
        Assert.Contains("decimal arithmetic in a join condition", r.Reason);
    }
}
