using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>Every SIMD kernel against the scalar path: all sizes 0..257, around the morsel boundary, null
/// densities 0 to 1, at every vector width this machine accelerates.</summary>
[Collection("simd-width")]
public sealed class SimdDifferentialTests
{
    public static TheoryData<double> Densities => new() { 0.0, 0.1, 0.5, 1.0 };

    private static void AtEveryWidth(Action check)
    {
        var saved = SimdCapabilities.MaxWidthBits;
        try
        {
            foreach (var w in SimdCapabilities.SupportedWidths) { SimdCapabilities.MaxWidthBits = w; check(); }
        }
        finally { SimdCapabilities.MaxWidthBits = saved; }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Filter_equals_scalar_for_sizes_0_to_257(double density)
    {
        AtEveryWidth(() =>
        {
            for (int n = 0; n <= 257; n++)
            {
                var batch = DifferentialCases.Batch(n, density, seed: n);
                foreach (var p in DifferentialCases.Predicates)
                    Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, p));
            }
        });
    }

    [Theory, MemberData(nameof(Densities))]
    public void Conjunctions_of_column_literal_comparisons_equal_scalar_across_chunks(double density)
    {
        // The chunked conjunction path: every storage type, the literal on either side, NaN among the doubles,
        // sizes around its 2,048-row chunks and 64-row words (-0.0 != 0.0 caught a lane-mask bug in the vector compares).
        static Expr C(string n) => new ColumnRef(n);
        static Expr L(object v) => Literal.Of(v);
        static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);
        Expr[] predicates =
        [
            B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, C("dt"), L(new DateOnly(2024, 2, 1))), B(BinaryOp.LessThan, C("dt"), L(new DateOnly(2024, 11, 1)))),
            B(BinaryOp.And, B(BinaryOp.And, B(BinaryOp.GreaterThan, C("m"), L(10.25m)), B(BinaryOp.LessThanOrEqual, C("m"), L(90.5m))), B(BinaryOp.LessThan, L(-100), C("i"))),
            B(BinaryOp.And, B(BinaryOp.LessThan, C("d"), L(1.25)), B(BinaryOp.NotEqual, C("d"), L(0.0))),
            // Not a conjunction of column-literal comparisons: the evaluator's path, with the same -0.0 rows.
            B(BinaryOp.And, B(BinaryOp.NotEqual, C("d"), L(0.0)), B(BinaryOp.Equal, C("d"), C("d"))),
            B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, L(0.5), C("d")), B(BinaryOp.Equal, C("k"), L(7))),
            B(BinaryOp.And, B(BinaryOp.GreaterThan, C("l"), L(0L)), B(BinaryOp.LessThan, C("ts"), L(new DateTime(2024, 1, 6, 0, 0, 0, DateTimeKind.Utc)))),
        ];
        AtEveryWidth(() =>
        {
            foreach (int n in new[] { 0, 1, 63, 2047, 2048, 2049, 4160, 70_000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 900 + n);
                foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 5 != 1)]) })
                    foreach (var p in predicates)
                    {
                        var why = DifferentialCases.CompareFilter(new FilterSimd(), input, p);
                        Assert.True(why is null, $"{n} rows: {why}");
                    }
            }
        });
    }

    [Theory, MemberData(nameof(Densities))]
    public void Project_equals_scalar_for_sizes_0_to_257(double density)
    {
        AtEveryWidth(() =>
        {
            for (int n = 0; n <= 257; n++)
            {
                var batch = DifferentialCases.Batch(n, density, seed: 1000 + n);
                foreach (var e in DifferentialCases.Projections)
                    Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, e));
            }
        });
    }

    /// <summary>Decimal +, -, * and negation: scales aligned, products rescaled with rounding where the result
    /// type caps the scale, NULL on overflow of the result precision, literals on either side.</summary>
    public static readonly Expr[] DecimalProjections =
    [
        new BinaryExpr(BinaryOp.Add, new ColumnRef("m"), new ColumnRef("m")),
        new BinaryExpr(BinaryOp.Subtract, Literal.Of(1.5m), new ColumnRef("m")),
        new BinaryExpr(BinaryOp.Multiply, new ColumnRef("m"), Literal.Of(0.001m)),
        new BinaryExpr(BinaryOp.Multiply, new BinaryExpr(BinaryOp.Multiply, new ColumnRef("m"), new ColumnRef("m")), new BinaryExpr(BinaryOp.Subtract, Literal.Of(1m), new ColumnRef("m"))),
        new BinaryExpr(BinaryOp.Multiply, new BinaryExpr(BinaryOp.Multiply, new BinaryExpr(BinaryOp.Multiply, new ColumnRef("m"), new ColumnRef("m")), new ColumnRef("m")), Literal.Of(123456789.123m)),
        new UnaryExpr(UnaryOp.Negate, new BinaryExpr(BinaryOp.Add, new ColumnRef("m"), Literal.Of(0.005m))),
    ];

    [Theory, MemberData(nameof(Densities))]
    public void Decimal_arithmetic_equals_scalar(double density)
    {
        var s = DifferentialCases.Schema;
        foreach (var e in DecimalProjections)
            Assert.True(new ProjectSimd().CanRun(new ProjectSpec(s, [Binder.Bind(e, s)], new Schema([new Field("x", Binder.Bind(e, s).Type)])), new ExecEnvironment(10)).CanRun, e.DisplayName);
        AtEveryWidth(() =>
        {
            foreach (var n in new[] { 0, 1, 63, 64, 65, 257, 3000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 5000 + n);
                foreach (var e in DecimalProjections)
                    Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, e));
            }
        });
    }

    /// <summary>%, div and &lt;=&gt;: zero divisors (NULL), MinValue % -1 and MinValue div -1 (0 and MinValue, where a machine
    /// division overflows), negative operands (the remainder takes the dividend's sign), NaN and -0.0 among the doubles,
    /// decimals, constants on either side.</summary>
    public static readonly Expr[] DivisionProjections =
    [
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("i"), new ColumnRef("k")),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("i"), Literal.Of(7)),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("i"), Literal.Of(-1)),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("i"), Literal.Of(0)),
        new BinaryExpr(BinaryOp.Modulo, Literal.Of(int.MinValue), new ColumnRef("k")),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("l"), new ColumnRef("g")),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("d"), new ColumnRef("d2")),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("f"), Literal.Of(1.5f)),
        new BinaryExpr(BinaryOp.Modulo, new ColumnRef("m"), Literal.Of(3.5m)),
        new BinaryExpr(BinaryOp.Modulo, Literal.Of(7.25m), new ColumnRef("m")),
        new BinaryExpr(BinaryOp.IntDivide, new ColumnRef("l"), new ColumnRef("k")),
        new BinaryExpr(BinaryOp.IntDivide, new ColumnRef("l"), Literal.Of(1000L)),
        new BinaryExpr(BinaryOp.IntDivide, Literal.Of(long.MinValue), new ColumnRef("k")),
        new BinaryExpr(BinaryOp.IntDivide, new ColumnRef("i"), Literal.Of(-1)),
        new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("i"), new ColumnRef("k")),
        new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("d"), Literal.Of(0.0)),
        new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("m"), new ColumnRef("m")),
    ];

    [Theory, MemberData(nameof(Densities))]
    public void Remainder_integer_division_and_null_safe_equality_equal_scalar(double density)
    {
        var s = DifferentialCases.Schema;
        foreach (var e in DivisionProjections)
        {
            var bound = Binder.Bind(e, s);
            var support = new ProjectSimd().CanRun(new ProjectSpec(s, [bound], new Schema([new Field("x", bound.Type)])), new ExecEnvironment(10));
            Assert.True(support.CanRun, $"{e.DisplayName}: {support.Reason}");
        }
        Expr[] predicates =
        [
            new BinaryExpr(BinaryOp.Equal, new BinaryExpr(BinaryOp.Modulo, new ColumnRef("i"), Literal.Of(3)), Literal.Of(1)),
            new UnaryExpr(UnaryOp.Not, new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("i"), new ColumnRef("k"))),
            new BinaryExpr(BinaryOp.Or, new BinaryExpr(BinaryOp.EqualNullSafe, new ColumnRef("k"), Literal.Of(5)), new BinaryExpr(BinaryOp.LessThan, new ColumnRef("d"), Literal.Of(0.0))),
        ];
        AtEveryWidth(() =>
        {
            foreach (var n in new[] { 0, 1, 63, 64, 65, 257, 3000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 7000 + n);
                foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 0)]) })
                {
                    foreach (var e in DivisionProjections)
                        Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                    foreach (var p in predicates)
                        Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
                }
            }
        });
    }

    [Theory, MemberData(nameof(Densities))]
    public void Coalesce_boolean_case_null_literals_abs_and_date_functions_equal_scalar(double density)
    {
        static Expr C(string n) => new ColumnRef(n);
        static Expr L(object? v) => Literal.Of(v);
        static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);
        static Expr F(string name, params Expr[] args) => new FunctionCall(name, args);
        // A boolean CASE with and without ELSE (no branch hit is NULL), its branches NULL on NULL inputs.
        var withElse = new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.GreaterThan, C("d"), L(0.5))),
            (B(BinaryOp.LessThan, C("k"), L(3)), L(false))], B(BinaryOp.GreaterThan, C("l"), L(0L)));
        var noElse = new CaseWhenExpr([(B(BinaryOp.Equal, C("k"), L(7)), L(true)), (B(BinaryOp.LessThan, C("d2"), L(0.0)), B(BinaryOp.LessThan, C("f"), L(0f)))], null);
        Expr[] projections =
        [
            F("coalesce", C("i"), C("k")), F("coalesce", C("d"), C("d2"), L(0.0)), F("coalesce", C("m"), L(1.5m)),
            F("coalesce", C("l"), C("i")), F("coalesce", C("dt"), L(new DateOnly(2024, 1, 1))), withElse, noElse,
            // NULL literals: untyped, cast, in arithmetic and as a boolean CASE's ELSE.
            F("coalesce", L(null), C("k")), B(BinaryOp.Add, C("i"), L(null)), new CastExpr(L(null), DataType.Float64),
            new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5)))], L(null)),
            // abs over every storage type (int.MaxValue, NaN and -0.0 among the values) and the date functions.
            F("abs", C("i")), F("abs", C("l")), F("abs", C("d")), F("abs", C("f")), F("abs", C("m")), F("abs", L(-7)),
            F("abs", B(BinaryOp.Subtract, L(int.MinValue), C("k"))),
            F("date_add", C("dt"), C("k")), F("date_sub", C("dt"), L(30)), F("datediff", C("dt"), L(new DateOnly(2024, 6, 1))), F("to_date", C("dt")),
        ];
        Expr[] predicates =
        [
            withElse, noElse, new UnaryExpr(UnaryOp.Not, noElse), B(BinaryOp.GreaterThan, F("coalesce", C("i"), C("k"), L(0)), L(5)),
            new InExpr(C("k"), [L(3), L(null)]), new InExpr(C("k"), [L(3), L(null)], Negated: true),
            B(BinaryOp.GreaterThan, F("datediff", L(new DateOnly(2024, 9, 1)), C("dt")), F("abs", C("i"))),
            new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5)))], L(null)),
        ];
        var s = DifferentialCases.Schema;
        foreach (var e in projections)
        {
            var bound = Binder.Bind(e, s);
            var support = new ProjectSimd().CanRun(new ProjectSpec(s, [bound], new Schema([new Field("x", bound.Type)])), new ExecEnvironment(10));
            Assert.True(support.CanRun, $"{e.DisplayName}: {support.Reason}");
        }
        AtEveryWidth(() =>
        {
            foreach (var n in new[] { 0, 1, 63, 64, 65, 257, 3000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 8000 + n);
                foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 4 != 2)]) })
                {
                    foreach (var e in projections) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                    foreach (var p in predicates) Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
                }
            }
        });
    }

    /// <summary>Q1's shape: expressions of one projection share subexpressions (evaluated once per batch on the SIMD
    /// path), within one expression and across several, under and over a selection vector.</summary>
    [Theory, MemberData(nameof(Densities))]
    public void Shared_subexpressions_of_one_projection_equal_scalar(double density)
    {
        var price = new BinaryExpr(BinaryOp.Multiply, new ColumnRef("m"), new BinaryExpr(BinaryOp.Subtract, Literal.Of(1m), new ColumnRef("m")));
        Expr[] exprs =
        [
            price,
            new BinaryExpr(BinaryOp.Multiply, price, new BinaryExpr(BinaryOp.Add, Literal.Of(1m), new ColumnRef("m"))),
            new UnaryExpr(UnaryOp.Negate, price),
            new BinaryExpr(BinaryOp.Add, price, price),
            new ColumnRef("m"),
        ];
        foreach (var n in new[] { 0, 1, 65, 3000 })
        {
            var batch = DifferentialCases.Batch(n, density, seed: 8100 + n);
            Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, exprs));
            Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 4 != 1)]), exprs));
        }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Pow_and_sqrt_equal_scalar(double density)
    {
        Expr[] exprs =
        [
            new FunctionCall("pow", [new ColumnRef("d"), Literal.Of(2)]),
            new FunctionCall("pow", [new ColumnRef("i"), new ColumnRef("d2")]),
            new FunctionCall("pow", [Literal.Of(1.5), new ColumnRef("l")]),
            new FunctionCall("sqrt", [new ColumnRef("d")]),
            new FunctionCall("sqrt", [new ColumnRef("m")]),
            new FunctionCall("sqrt", [new FunctionCall("pow", [new ColumnRef("f"), Literal.Of(2.0)])]),
        ];
        var s = DifferentialCases.Schema;
        foreach (var e in exprs)
            Assert.True(new ProjectSimd().CanRun(new ProjectSpec(s, [Binder.Bind(e, s)], new Schema([new Field("x", DataType.Float64)])), new ExecEnvironment(10)).CanRun, e.DisplayName);
        foreach (var n in new[] { 0, 1, 65, 3000 })
        {
            var batch = DifferentialCases.Batch(n, density, seed: 8300 + n);
            foreach (var e in exprs) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, e));
        }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Decimal_aggregates_equal_scalar(double density)
    {
        var s = DifferentialCases.Schema;
        int m = s.IndexOf("m");
        var calls = new[] { AggFunc.Sum, AggFunc.Avg, AggFunc.Min, AggFunc.Max, AggFunc.Count }
            .Select(f => new AggregateCall(f, m, false, AggregateTypes.ResultType(f, s[m].Type))).ToArray();
        AtEveryWidth(() =>
        {
            foreach (var n in new[] { 0, 1, 64, 65, 3000, 70_000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 7000 + n);
                foreach (var keys in new[] { Array.Empty<int>(), [s.IndexOf("k")], [s.IndexOf("g")] })
                {
                    var spec = new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
                    Assert.True(new HashAggregateSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                    Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch], spec));
                }
            }
        });
    }

    [Theory, MemberData(nameof(Densities))]
    public void Variances_corr_and_percentiles_equal_scalar(double density)
    {
        var s = DifferentialCases.Schema;
        var calls = new List<AggregateCall>();
        foreach (var col in new[] { "l", "d", "i", "f", "m" })
            foreach (var f in new[] { AggFunc.StdDev, AggFunc.StdDevPop, AggFunc.Variance, AggFunc.VariancePop })
                calls.Add(new AggregateCall(f, s.IndexOf(col), false, DataType.Float64));
        calls.Add(new AggregateCall(AggFunc.Corr, s.IndexOf("d"), false, DataType.Float64, s.IndexOf("l")));
        calls.Add(new AggregateCall(AggFunc.Corr, s.IndexOf("i"), false, DataType.Float64, s.IndexOf("f")));
        calls.Add(new AggregateCall(AggFunc.Corr, s.IndexOf("m"), false, DataType.Float64, s.IndexOf("d")));
        // Decimals (m) are read as the scalar path reads them: each System.Decimal value converted to a double.
        foreach (var col in new[] { "l", "d", "i", "m" })
        {
            calls.Add(new AggregateCall(AggFunc.Median, s.IndexOf(col), false, DataType.Float64));
            calls.Add(new AggregateCall(AggFunc.Percentile, s.IndexOf(col), false, DataType.Float64, Fraction: 0.9));
        }
        // 70,000 rows are two morsels, whose per-thread means and squared deviations are combined and collected values
        // renumbered into the merged groups.
        foreach (var n in new[] { 0, 1, 2, 65, 3000, 70_000 })
        {
            var batch = DifferentialCases.Batch(n, density, seed: 7500 + n);
            foreach (var keys in new[] { Array.Empty<int>(), [s.IndexOf("k")], [s.IndexOf("g")] })
            {
                var spec = new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
                Assert.True(new HashAggregateSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch], spec));
                Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 0)])], spec));
            }
        }
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(3)]
    public void Keys_that_are_nearly_all_distinct_aggregate_by_hash_partition_as_scalar(int rowsPerKey)
    {
        // Most sampled rows open a group: each thread takes one hash partition of the keys, and nothing is merged.
        // k alone packs into one word; with w (a full-range function of k) the key takes two words.
        var schema = new Schema([new Field("k", DataType.Int64), new Field("v", DataType.Float64), new Field("i", DataType.Int32), new Field("w", DataType.Int64)]);
        var rng = new Random(rowsPerKey);
        var batches = Enumerable.Range(0, 3).Select(b => ColumnBatch.FromRows(schema, Enumerable.Range(0, 40_000).Select(r =>
        {
            long? k = rng.Next(50) == 0 ? null : (long)((b * 40_000 + r) / rowsPerKey) * 1_000_003L;
            return new object?[] { k, rng.Next(5) == 0 ? null : rng.NextDouble(), rng.Next(100), k is { } x ? unchecked(x * -7046029254386353131L) : 0L };
        }).ToList())).ToList();
        batches[1] = batches[1].WithSelection([.. Enumerable.Range(0, 40_000).Where(r => r % 7 != 3)]);
        AggregateCall[] calls =
        [
            new(AggFunc.CountStar, -1, false, DataType.Int64), new(AggFunc.Sum, 1, false, DataType.Float64), new(AggFunc.Max, 2, false, DataType.Int32),
            new(AggFunc.Avg, 2, false, DataType.Float64), new(AggFunc.Median, 1, false, DataType.Float64),
        ];
        var saved = SimdCapabilities.Threads;
        try
        {
            foreach (int[] keys in new[] { new[] { 0 }, [0, 3] })
            {
                var spec = new AggregateSpec(schema, keys, calls, new Schema([.. keys.Select(k => schema[k]), .. calls.Select((c, i) => new Field($"a{i}", c.ResultType))]));
                foreach (int threads in new[] { 1, 2, 3 })
                {
                    SimdCapabilities.Threads = threads;
                    Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), batches, spec));
                }
            }
        }
        finally { SimdCapabilities.Threads = saved; }
    }

    [Fact]
    public void Decimal_sums_that_exceed_the_result_precision_are_null_as_on_the_scalar_path()
    {
        var s = new Schema([new Field("x", DataType.Decimal(18, 0))]);
        // 20 values of 9e17: the sum (1.8e19) no longer fits a long nor decimal(18, 0).
        var batch = ColumnBatch.FromRows(s, Enumerable.Range(0, 20).Select(_ => new object?[] { 900_000_000_000_000_000m }));
        var calls = new[] { new AggregateCall(AggFunc.Sum, 0, false, AggregateTypes.ResultType(AggFunc.Sum, s[0].Type)), new AggregateCall(AggFunc.Avg, 0, false, AggregateTypes.ResultType(AggFunc.Avg, s[0].Type)) };
        var spec = new AggregateSpec(s, [], calls, new Schema([new Field("s", calls[0].ResultType), new Field("a", calls[1].ResultType)]));
        var simd = new HashAggregateSimd().Aggregate([batch], spec);
        Assert.Null(simd[0].GetValue(0));
        Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch], spec));
    }

    [Fact]
    public void Grouped_decimal_sums_past_int64_are_null_as_on_the_scalar_path_and_sum_and_avg_of_one_column_agree()
    {
        // Few groups sum into int64 replicas only when no total can pass int64; group 0's 1.9e19, all in one replica's rows (an int64 replica would wrap it to a plausible 5.5e17), must still come out NULL
        // (as the scalar path's exact sum does), group 1's small values exact; avg shares sum's slots.
        var s = new Schema([new Field("g", DataType.Int32), new Field("x", DataType.Decimal(18, 0))]);
        // Columns without validity bitmaps: the NULL-free loops are the ones that replicate.
        var groups = Enumerable.Range(0, 320).Select(i => i < 84 ? 0 : 1 + i % 2).ToArray();
        var values = Enumerable.Range(0, 320).Select(i => i < 84 ? (i % 4 == 0 && i < 76 ? 999_999_999_999_999_999L : 0L) : i * 7L - 1000).ToArray();
        var batch = new ColumnBatch(s, [new PrimitiveVector<int>(DataType.Int32, groups), new PrimitiveVector<long>(s[1].Type, values)], 320);
        var calls = new[] { AggFunc.Sum, AggFunc.Avg, AggFunc.Count }.Select(f => new AggregateCall(f, 1, false, AggregateTypes.ResultType(f, s[1].Type))).ToArray();
        var spec = new AggregateSpec(s, [0], calls, new Schema([s[0], .. calls.Select((c, i) => new Field($"a{i}", c.ResultType))]));
        var simd = new HashAggregateSimd().Aggregate([batch], spec);
        int g0 = Enumerable.Range(0, simd.RowCount).Single(r => (int)simd[0].GetValue(r)! == 0);
        Assert.Null(simd[1].GetValue(g0));
        Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch], spec));
    }

    [Theory, MemberData(nameof(Densities))]
    public void Aggregate_equals_scalar(double density)
    {
        AtEveryWidth(() =>
        {
            // 70,000 rows are two morsels: per-thread states (NaN minimums, shared row counts) merge.
            foreach (var n in new[] { 0, 1, 2, 7, 63, 64, 65, 257, 3000, 70_000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 2000 + n);
                foreach (var spec in DifferentialCases.Aggregates())
                    Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch], spec));
            }
        });
    }

    [Theory, MemberData(nameof(Densities))]
    public void Distinct_aggregates_equal_scalar_over_parts_and_selections(double density)
    {
        foreach (var n in new[] { 0, 1, 65, 3000, 70_000 })
        {
            var first = DifferentialCases.Batch(n, density, seed: 4000 + n);
            var second = DifferentialCases.Batch(n / 2, density, seed: 5000 + n);
            var selected = second.WithSelection([.. Enumerable.Range(0, second.RowCount).Where(i => i % 5 != 2)]);
            foreach (var spec in DifferentialCases.DistinctAggregates())
            {
                Assert.True(new HashAggregateSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [first, selected], spec));
            }
        }
    }

    /// <summary>Key sets that take every encoding: one packed word (small ranges, direct-indexed or hashed), several
    /// words (int64 values spanning the whole range), floating keys with NaN and -0.0, and NULL keys.</summary>
    private static readonly string[][] KeySets =
    [
        ["i", "k"], ["d"], ["f"], ["dt", "m"], ["ts"], ["k", "g", "dt"], ["l"], ["l", "g"], ["d", "d2", "k"],
    ];

    [Theory, MemberData(nameof(Densities))]
    public void Grouping_by_several_keys_of_every_type_equals_scalar(double density)
    {
        var s = DifferentialCases.Schema;
        var calls = new[]
        {
            new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64),
            new AggregateCall(AggFunc.Sum, s.IndexOf("i"), false, AggregateTypes.ResultType(AggFunc.Sum, DataType.Int32)),
            new AggregateCall(AggFunc.Max, s.IndexOf("d"), false, DataType.Float64),
            new AggregateCall(AggFunc.Count, s.IndexOf("k"), true, DataType.Int64),
            new AggregateCall(AggFunc.Sum, s.IndexOf("m"), true, AggregateTypes.ResultType(AggFunc.Sum, s[s.IndexOf("m")].Type)),
            new AggregateCall(AggFunc.Count, s.IndexOf("d"), true, DataType.Int64),
            new AggregateCall(AggFunc.Avg, s.IndexOf("i"), true, AggregateTypes.ResultType(AggFunc.Avg, DataType.Int32)),
        };
        foreach (var n in new[] { 0, 1, 64, 65, 3000 })
        {
            var batch = DifferentialCases.Batch(n, density, seed: 7000 + n);
            foreach (var names in KeySets)
            {
                var keys = names.Select(s.IndexOf).ToArray();
                var spec = new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
                Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(r => r % 2 == 0)])], spec));
            }
        }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Grouping_by_short_and_long_strings_and_booleans_equals_scalar(double density)
    {
        var schema = new Schema([new Field("short", DataType.Utf8), new Field("long", DataType.Utf8), new Field("b", DataType.Boolean), new Field("v", DataType.Int64)]);
        var rng = new Random(42);
        string?[] shorts = ["", "A", "N", "R", "é", "AB\0", "1234567"];
        object? N(object v) => rng.NextDouble() < density ? null : v;
        var rows = Enumerable.Range(0, 5000).Select(_ => new object?[]
        {
            N(shorts[rng.Next(shorts.Length)]!), N("Customer#" + rng.Next(40).ToString("D9")), N(rng.Next(2) == 0), N((long)rng.Next(1000)),
        }).ToList();
        var batch = ColumnBatch.FromRows(schema, rows);
        var calls = new[] { new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64), new AggregateCall(AggFunc.Sum, 3, false, DataType.Int64),
            new AggregateCall(AggFunc.Count, 1, true, DataType.Int64) };
        foreach (var keys in new[] { new[] { 0 }, [1], [0, 1], [2, 0], [1, 2, 0], [] })
        {
            var spec = new AggregateSpec(schema, keys, calls, new Schema(keys.Select(k => schema[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
            // Two parts whose long strings differ: one dictionary must serve both.
            var second = ColumnBatch.FromRows(schema, rows.Take(700).Select(r => new[] { r[0], r[1] is string x ? x + "+" : null, r[2], r[3] }));
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), [batch, second], spec));
        }
    }

    private static readonly Schema StringSchema = new([
        new Field("s", DataType.Utf8), new Field("t", DataType.Utf8), new Field("n", DataType.Int32), new Field("dt", DataType.Date32),
        new Field("m", DataType.Decimal(12, 2)), new Field("x", DataType.Float64),
    ]);

    private static ColumnBatch StringBatch(int rows, double density, int seed)
    {
        var rng = new Random(seed);
        string[] words = ["", "ASIA", "AIR", "AIR REG", "MAIL", "PROMO BRUSHED", "forest green", "PROMOTION", "é-ü", "special requests", "xx special yy requests"];
        object? N(object v) => rng.NextDouble() < density ? null : v;
        return ColumnBatch.FromRows(StringSchema, Enumerable.Range(0, rows).Select(_ => new object?[]
        {
            N(words[rng.Next(words.Length)]), N(words[rng.Next(words.Length)]), N(rng.Next(-20, 20)),
            N(new DateOnly(1992, 1, 1).AddDays(rng.Next(2600))), N(Math.Round((decimal)(rng.NextDouble() * 2000 - 1000), 2)), N(rng.NextDouble() * 10 - 5),
        }));
    }

    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);
    private static Expr F(string name, params Expr[] args) => new FunctionCall(name, args);

    /// <summary>String comparisons with literals and between columns, IN lists, LIKE with '%' patterns, date parts,
    /// substrings at literal positions (ASCII and not).</summary>
    public static readonly Expr[] StringPredicates =
    [
        B(BinaryOp.Equal, C("s"), L("ASIA")), B(BinaryOp.NotEqual, C("s"), L("")), B(BinaryOp.LessThan, C("s"), L("MAIL")),
        B(BinaryOp.GreaterThanOrEqual, L("AIR"), C("s")), B(BinaryOp.LessThanOrEqual, C("s"), C("t")), B(BinaryOp.Equal, C("s"), C("t")),
        new InExpr(C("s"), [L("AIR"), L("AIR REG"), L("é-ü")]), new InExpr(C("s"), [L("MAIL"), L("")], Negated: true),
        new InExpr(C("n"), [L(1), L(5), L(-7)]), new InExpr(C("m"), [L(1.5m), L(-3m)], Negated: true),
        F("like", C("s"), L("PROMO%")), F("like", C("s"), L("%requests")), F("like", C("s"), L("%special%requests%")), F("like", C("s"), L("AIR")),
        F("like", C("s"), L("%")), F("like", C("s"), L("")), F("like", C("t"), L("%e%e%")),
        B(BinaryOp.And, B(BinaryOp.Equal, F("year", C("dt")), L(1995)), B(BinaryOp.GreaterThan, F("month", C("dt")), L(6))),
        B(BinaryOp.Equal, F("dayofmonth", C("dt")), L(31)),
        new InExpr(F("substring", C("s"), L(1), L(2)), [L("AI"), L("PR"), L("é-")]), B(BinaryOp.Equal, F("substring", C("t"), L(-3), L(2)), L("ue")),
        B(BinaryOp.Equal, F("substring", C("s"), L(0)), C("s")), B(BinaryOp.LessThan, F("substring", C("s"), L(3), L(100)), L("R")),
        // IN lists with literals of 0, 7, 8 and more bytes, over whole rows and over substrings cut in place.
        new InExpr(C("s"), [L("AIR REG"), L("PROMOTION"), L(""), L("forest green")]),
        new InExpr(F("substring", C("s"), L(2), L(7)), [L("IR REG"), L("ROMO BR"), L("-ü"), L("ROMOTIO")], Negated: true),
        new InExpr(F("substring", C("t"), L(1), L(8)), [L("PROMO BR"), L("forest g"), L("é-ü"), L("AIR")]),
        new InExpr(F("substring", C("s"), L(12), L(3)), [L(""), L("ED")]), new InExpr(F("substring", C("s"), L(1), L(0)), [L("")]),
    ];

    [Theory, MemberData(nameof(Densities))]
    public void String_functions_and_string_case_equal_scalar_on_ascii_and_other_text(double density)
    {
        // An all-ASCII column maps its bytes in place and has its lengths from its offsets; İ, ß and é send the column
        // to the scalar rule (İ lowers to two characters, so rows change length).
        string[] ascii = ["", "ASIA", "Air Reg", "forest green", "x1-Y2 z", "MAIL", "  padded  ", "   ", " left", "right "];
        string[] other = [.. ascii, "İstanbul", "straße", "é-ü"];
        Expr[] projections =
        [
            F("upper", C("s")), F("lower", C("t")), F("upper", F("lower", C("s"))), F("lower", F("substring", C("t"), L(2), L(4))),
            F("length", C("s")), F("length", F("lower", C("t"))),
            F("concat", C("s"), L("-"), C("t")), F("concat", F("upper", C("t")), C("s")), F("concat", L("x"), L("")),
            new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("ASIA")), C("t")), (F("like", C("t"), L("%a%")), L("has a"))], F("upper", C("s"))),
            new CaseWhenExpr([(B(BinaryOp.LessThan, C("s"), C("t")), C("s"))], null),
            F("trim", C("s")), F("ltrim", C("t")), F("rtrim", F("concat", L(" "), C("s"), L(" "))),
            // NULL strings: a CASE's ELSE, a concat part.
            new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("ASIA")), C("t"))], Literal.Of(null)), F("concat", C("s"), Literal.Of(null)),
        ];
        Expr[] predicates =
        [
            B(BinaryOp.Equal, F("upper", C("s")), L("FOREST GREEN")), new InExpr(F("lower", C("t")), [L("asia"), L("i̇stanbul"), L("")]),
            B(BinaryOp.GreaterThan, F("length", C("t")), L(6)),
            B(BinaryOp.Equal, F("concat", C("s"), C("t")), L("ASIAMAIL")),
            new UnaryExpr(UnaryOp.IsNull, new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("MAIL")), C("t"))], Literal.Of(null))),
        ];
        foreach (var words in new[] { ascii, other })
            foreach (var n in new[] { 0, 1, 64, 65, 1000 })
            {
                var rng = new Random(n);
                object? N(object v) => rng.NextDouble() < density ? null : v;
                var batch = ColumnBatch.FromRows(StringSchema, Enumerable.Range(0, n).Select(_ => new object?[]
                    { N(words[rng.Next(words.Length)]), N(words[rng.Next(words.Length)]), 1, new DateOnly(2024, 1, 1), 1m, 1.0 }));
                foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 1)]) })
                {
                    foreach (var e in projections) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                    foreach (var p in predicates) Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
                }
            }
    }

    /// <summary>CASE WHEN over numbers and decimals, casts into decimals (widening, narrowing with rounding, overflow to NULL) and to double.</summary>
    public static readonly Expr[] CaseAndCastProjections =
    [
        new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("ASIA")), C("m"))], L(0m)),
        new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("n"), L(0)), C("x")), (B(BinaryOp.LessThan, C("n"), L(-10)), L(-1.0))], null),
        new CaseWhenExpr([(F("like", C("t"), L("PROMO%")), B(BinaryOp.Multiply, C("m"), L(2m)))], C("m")),
        new CastExpr(C("n"), DataType.Decimal(10, 0)), new CastExpr(C("n"), DataType.Decimal(3, 2)), new CastExpr(C("m"), DataType.Decimal(18, 4)),
        new CastExpr(C("m"), DataType.Decimal(12, 0)), new CastExpr(C("m"), DataType.Decimal(4, 1)), new CastExpr(C("m"), DataType.Float64),
        F("year", C("dt")),
        B(BinaryOp.Divide, C("m"), new CastExpr(C("n"), DataType.Decimal(10, 0))), B(BinaryOp.Divide, L(100.00m), C("m")),
        F("substring", C("s"), L(2), L(3)), F("substring", C("t"), L(-4)), F("substring", C("s"), L(20), L(2)),
    ];

    [Theory, MemberData(nameof(Densities))]
    public void String_predicates_case_and_decimal_casts_equal_scalar(double density)
    {
        foreach (var n in new[] { 0, 1, 63, 64, 65, 1000 })
        {
            var batch = StringBatch(n, density, seed: 500 + n);
            var selected = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 1)]);
            foreach (var p in StringPredicates)
            {
                Assert.Null(SimdEvaluator.Unsupported(Binder.Bind(p, StringSchema), StringSchema));
                Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, p));
                Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), selected, p));
            }
            foreach (var e in CaseAndCastProjections)
            {
                Assert.Null(SimdEvaluator.Unsupported(Binder.Bind(e, StringSchema), StringSchema));
                Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, e));
                Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), selected, e));
            }
        }
    }

    /// <summary>Mixed conjunctions the SIMD filter evaluates in stages (numeric conjuncts first, then each string
    /// conjunct on the rows left, over all rows while most survive and over gathered survivors after): Q12's and Q19's
    /// shapes, an OR whose branches all have a numeric part (which also filters early) and one where a branch has none.</summary>
    public static readonly Expr[] StagedPredicates =
    [
        B(BinaryOp.And, new InExpr(C("s"), [L("MAIL"), L("AIR")]), B(BinaryOp.And, B(BinaryOp.LessThan, C("n"), L(5)), B(BinaryOp.GreaterThan, C("dt"), L(new DateOnly(1995, 1, 1))))),
        B(BinaryOp.And, B(BinaryOp.Equal, C("t"), L("AIR")), B(BinaryOp.Or,
            B(BinaryOp.And, B(BinaryOp.Equal, C("s"), L("MAIL")), B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, C("m"), L(1.00m)), B(BinaryOp.LessThanOrEqual, C("m"), L(300.00m)))),
            B(BinaryOp.And, new InExpr(C("s"), [L("AIR"), L("é-ü")]), B(BinaryOp.GreaterThan, C("x"), L(1.5))))),
        B(BinaryOp.And, B(BinaryOp.GreaterThan, C("n"), L(-15)), B(BinaryOp.Or, B(BinaryOp.Equal, C("s"), L("ASIA")), B(BinaryOp.And, B(BinaryOp.LessThan, C("n"), L(0)), F("like", C("t"), L("PROMO%"))))),
        B(BinaryOp.And, B(BinaryOp.And, B(BinaryOp.GreaterThan, C("x"), L(4.0)), B(BinaryOp.NotEqual, C("s"), L(""))), B(BinaryOp.LessThanOrEqual, C("s"), C("t"))),
        B(BinaryOp.And, B(BinaryOp.NotEqual, C("s"), L("")), B(BinaryOp.And, new UnaryExpr(UnaryOp.Not, F("like", C("t"), L("%e%"))), B(BinaryOp.GreaterThan, C("x"), L(-4.0)))),
    ];

    [Theory, MemberData(nameof(Densities))]
    public void Conjunctions_over_strings_and_numbers_evaluated_in_stages_equal_scalar(double density)
    {
        foreach (var n in new[] { 0, 1, 65, 3000 })
        {
            var batch = StringBatch(n, density, seed: 700 + n);
            var selected = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 1)]);
            foreach (var p in StagedPredicates)
            {
                Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, p));
                Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), selected, p));
            }
        }
    }

    [Fact]
    public void Substring_of_invalid_utf8_rows_that_re_encode_longer_equals_scalar()
    {
        // Each invalid byte decodes to U+FFFD, three bytes again: the cut rows outgrow the source's bytes.
        var bytes = new List<byte>();
        var offsets = new List<int> { 0 };
        for (int r = 0; r < 200; r++)
        {
            bytes.AddRange(r % 2 == 1 ? [0xFF, 0xFE] : "0123456789"u8.ToArray());
            offsets.Add(bytes.Count);
        }
        var schema = new Schema([new Field("s", DataType.Utf8)]);
        var batch = new ColumnBatch(schema, [new StringVector([.. offsets], [.. bytes])], 200);
        Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, F("substring", C("s"), L(1), L(100))));
        Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, new InExpr(F("substring", C("s"), L(1), L(1)), [L("\uFFFD"), L("0")])));
        Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, new InExpr(F("substring", C("s"), L(2), L(1)), [L("\uFFFD")], Negated: true)));
    }

    /// <summary>The per-row functions: round over every numeric type (negative digits, int.MaxValue wrapping, NaN and
    /// -0.0), add_months, casts of every type to string, string coalesce, LIKE beyond text and '%', rlike, split (plain
    /// and regular-expression separators, limits) and size.</summary>
    [Theory, MemberData(nameof(Densities))]
    public void Round_add_months_casts_to_string_regex_split_and_size_equal_scalar(double density)
    {
        static Expr S(Expr e) => new CastExpr(e, DataType.Utf8);
        Expr[] numeric =
        [
            F("round", C("d")), F("round", C("d"), L(1)), F("round", C("d2"), L(2)), F("round", C("f"), L(1)), F("round", C("m"), L(1)),
            F("round", C("m"), L(0)), F("round", C("m"), L(3)), F("round", C("m"), L(-1)), F("round", C("i"), L(-1)), F("round", C("i"), L(-2)),
            F("round", C("l"), L(-5)), F("round", C("l"), L(2)), F("round", C("k"), L(-20)), F("round", C("g"), L(-9)), F("round", L(2.5)),
            F("add_months", C("dt"), C("k")), F("add_months", C("dt"), L(-13)), F("add_months", L(new DateOnly(2024, 1, 31)), C("k")),
            S(C("i")), S(C("l")), S(C("d")), S(C("f")), S(C("dt")), S(C("m")), S(C("ts")), S(B(BinaryOp.GreaterThan, C("i"), L(0))), S(L(1.5)),
            F("coalesce", S(C("i")), S(C("d")), L("none")), F("length", S(C("g"))),
            // Narrowing casts: saturation and NaN, wrapping, decimal truncation, booleans both ways, timestamps and dates.
            new CastExpr(C("d"), DataType.Int32), new CastExpr(B(BinaryOp.Multiply, C("d"), L(3e9)), DataType.Int32), new CastExpr(C("f"), DataType.Int32),
            new CastExpr(C("l"), DataType.Int32), new CastExpr(C("m"), DataType.Int32), new CastExpr(C("d"), DataType.Int64), new CastExpr(C("f"), DataType.Int64),
            new CastExpr(B(BinaryOp.Multiply, C("d"), L(1e19)), DataType.Int64), new CastExpr(C("m"), DataType.Int64), new CastExpr(C("d"), DataType.Float32),
            new CastExpr(C("i"), DataType.Float32), new CastExpr(C("l"), DataType.Float32), new CastExpr(C("ts"), DataType.Date32), new CastExpr(C("dt"), DataType.Timestamp),
            new CastExpr(new CastExpr(C("d"), DataType.Boolean), DataType.Int32), new CastExpr(B(BinaryOp.GreaterThan, C("k"), L(3)), DataType.Float64),
            new CastExpr(new UnaryExpr(UnaryOp.Negate, C("m")), DataType.Int32),
            // The rest by CastKernels' rule row by row: floating point into decimals (NaN and overflow NULL), decimals to
            // float, numbers and timestamps both ways.
            new CastExpr(C("d"), DataType.Decimal(6, 2)), new CastExpr(C("f"), DataType.Decimal(4, 1)), new CastExpr(C("m"), DataType.Float32),
            new CastExpr(C("ts"), DataType.Int64), new CastExpr(C("ts"), DataType.Int32), new CastExpr(C("ts"), DataType.Float64),
            new CastExpr(C("k"), DataType.Timestamp), new CastExpr(C("d"), DataType.Timestamp), new CastExpr(C("m"), DataType.Timestamp),
            new CastExpr(B(BinaryOp.GreaterThan, C("i"), L(0)), DataType.Decimal(3, 1)),
            // Booleans compared (FALSE < TRUE), coalesced and in IN lists, as values.
            B(BinaryOp.LessThan, B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            F("coalesce", B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5)), L(false)),
        ];
        Expr[] numericPredicates =
        [
            B(BinaryOp.Equal, F("round", C("d"), L(1)), L(0.5)), B(BinaryOp.GreaterThan, F("add_months", C("dt"), L(1)), L(new DateOnly(2024, 6, 30))),
            B(BinaryOp.Equal, S(C("k")), L("7")), F("like", S(C("dt")), L("2024-0_-1%")),
            new CastExpr(C("i"), DataType.Boolean), new CastExpr(C("d"), DataType.Boolean), new CastExpr(C("m"), DataType.Boolean),
            B(BinaryOp.Equal, new CastExpr(C("ts"), DataType.Date32), C("dt")),
            B(BinaryOp.Equal, B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            B(BinaryOp.NotEqual, B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            B(BinaryOp.GreaterThanOrEqual, B(BinaryOp.GreaterThan, C("k"), L(9)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            B(BinaryOp.LessThanOrEqual, B(BinaryOp.GreaterThan, C("k"), L(9)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            B(BinaryOp.GreaterThan, B(BinaryOp.GreaterThan, C("k"), L(9)), L(false)),
            B(BinaryOp.EqualNullSafe, B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5))),
            new InExpr(B(BinaryOp.GreaterThan, C("i"), L(0)), [L(false), Literal.Of(null)]),
            F("coalesce", B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.LessThan, C("d"), L(0.5))),
        ];
        Expr[] text =
        [
            F("coalesce", C("s"), C("t")), F("coalesce", C("s"), C("t"), L("none")), F("coalesce", F("upper", C("s")), C("t")),
            F("split", C("s"), L(" ")), F("split", C("s"), L("E")), F("split", C("s"), L(" "), L(2)), F("split", C("t"), L("[ -]")),
            F("split", C("s"), L("")), F("split", C("t"), L("e"), L(1)), F("split", C("t"), L("re"), L(-1)), F("split", F("concat", C("s"), L(",")), L(",")),
            F("size", F("split", C("s"), L(" "))), F("size", F("split", C("t"), L("[aeiou]"))),
            // Over 64 rows these run once per distinct value of their column (dictionary codes), a NULL row being one more
            // value: each turns NULL into a value of its own.
            new CaseWhenExpr([(F("rlike", C("s"), L("^A")), L(1))], L(0)), F("coalesce", new CaseWhenExpr([(F("rlike", C("t"), L("e")), C("t"))], null), L("none")),
        ];
        Expr[] textPredicates =
        [
            F("rlike", C("s"), L("AIR")), F("rlike", C("s"), L("^A.R")), F("rlike", C("t"), L("e$")), F("rlike", F("upper", C("t")), L("ST")),
            F("rlike", C("s"), L("")), F("like", C("s"), L("A_R%")), F("like", C("t"), L("%é_ü")), F("like", F("upper", C("s")), L("PROMO%")),
            B(BinaryOp.GreaterThan, F("size", F("split", C("s"), L(" "))), L(1)), B(BinaryOp.Equal, F("coalesce", C("s"), C("t")), L("ASIA")),
            new UnaryExpr(UnaryOp.IsNull, F("rlike", C("s"), L("A"))), B(BinaryOp.EqualNullSafe, F("upper", C("t")), L("MAIL")),
        ];
        foreach (var (schema, exprs) in new[] { (DifferentialCases.Schema, numeric.Concat(numericPredicates)), (StringSchema, text.Concat(textPredicates)) })
            foreach (var e in exprs)
                Assert.True(SimdEvaluator.Unsupported(Binder.Bind(e, schema), schema) is null, $"{e.DisplayName}: {SimdEvaluator.Unsupported(Binder.Bind(e, schema), schema)}");
        AtEveryWidth(() =>
        {
            foreach (var n in new[] { 0, 1, 63, 64, 65, 257, 3000 })
            {
                var numbers = DifferentialCases.Batch(n, density, seed: 9000 + n);
                var strings = StringBatch(n, density, seed: 9100 + n);
                var keep = Enumerable.Range(0, n).Where(i => i % 4 != 1).ToArray();
                foreach (var input in new[] { numbers, numbers.WithSelection(keep) })
                {
                    foreach (var e in numeric) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                    foreach (var p in numericPredicates) Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
                }
                foreach (var input in new[] { strings, strings.WithSelection(keep) })
                {
                    foreach (var e in text) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                    foreach (var p in textPredicates) Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
                }
            }
        });
    }

    private static readonly Schema TextSchema = new([
        new Field("s", DataType.Utf8), new Field("p", DataType.Utf8), new Field("k", DataType.Int32), new Field("j", DataType.Int32)]);

    // Text that parses as every type and text that does not (spaces, signs, fractions, overflow, words, bad dates),
    // and LIKE and regular-expression patterns one per row.
    private static ColumnBatch TextBatch(int rows, double density, int seed)
    {
        string[] texts = ["12", "-7", "+3", " 42 ", "1.9", "-0", "abc", "", "99999999999", "2147483648", "-2147483648", "1e3", "3.25",
            "NaN", "-Infinity", "1.5d", "2024-02-29", "2023-02-29", "2024-1-5", "2024-03-01 10:00", "true", "yes", "F", "0099",
            "123456789012345678901", "1.", ".5", "-", "é", "AIR REG", "a,b,,c", "x-y z"];
        string[] patterns = ["A%", "%R%", "_I_", "", "A.R", "^P", "[aeiou]", "%", ",", " ", "-", "2", "\\d", "e$"];
        var rng = new Random(seed);
        object? N(object v) => rng.NextDouble() < density ? null : v;
        return ColumnBatch.FromRows(TextSchema, Enumerable.Range(0, rows).Select(_ => new object?[]
            { N(texts[rng.Next(texts.Length)]), N(patterns[rng.Next(patterns.Length)]), N(rng.Next(-4, 6)), N(rng.Next(-1, 4)) }));
    }

    /// <summary>Casts from text to every type (the fast shapes and the general rule), and LIKE, rlike, split and
    /// substring whose patterns, limits and positions come from columns.</summary>
    [Theory, MemberData(nameof(Densities))]
    public void Casts_from_string_and_computed_patterns_limits_and_positions_equal_scalar(double density)
    {
        static Expr Cast(Expr e, DataType t) => new CastExpr(e, t);
        Expr[] projections =
        [
            Cast(C("s"), DataType.Int32), Cast(C("s"), DataType.Int64), Cast(C("s"), DataType.Float64), Cast(C("s"), DataType.Float32),
            Cast(C("s"), DataType.Decimal(10, 2)), Cast(C("s"), DataType.Decimal(4, 1)), Cast(C("s"), DataType.Date32), Cast(C("s"), DataType.Timestamp),
            Cast(C("s"), DataType.Boolean), Cast(L("17"), DataType.Int32), Cast(L("x"), DataType.Int32),
            F("split", C("s"), C("p")), F("split", C("s"), C("p"), C("j")), F("split", C("s"), L(","), C("j")), F("split", L("a-b-c"), C("p")),
            F("substring", C("s"), C("k")), F("substring", C("s"), C("k"), C("j")), F("substring", C("s"), L(2), C("j")), F("substring", L("héllo"), C("k"), L(2)),
            F("size", F("split", C("s"), C("p"))),
            // Arrays cast element by element.
            new CastExpr(F("split", C("s"), L(",")), DataType.ArrayOf(DataType.Int32)), new CastExpr(F("split", C("s"), C("p")), DataType.ArrayOf(DataType.Date32)),
            new CastExpr(new CastExpr(F("split", C("s"), L("-")), DataType.ArrayOf(DataType.Float64)), DataType.ArrayOf(DataType.Utf8)),
        ];
        Expr[] predicates =
        [
            B(BinaryOp.GreaterThan, Cast(C("s"), DataType.Int32), L(0)), Cast(C("s"), DataType.Boolean),
            B(BinaryOp.LessThan, Cast(C("s"), DataType.Date32), L(new DateOnly(2024, 3, 1))),
            F("like", C("s"), C("p")), F("rlike", C("s"), C("p")), F("like", L("AIR"), C("p")), F("rlike", F("upper", C("s")), C("p")),
            new UnaryExpr(UnaryOp.Not, F("like", C("s"), C("p"))),
        ];
        foreach (var e in projections.Concat(predicates))
            Assert.True(SimdEvaluator.Unsupported(Binder.Bind(e, TextSchema), TextSchema) is null, $"{e.DisplayName}: {SimdEvaluator.Unsupported(Binder.Bind(e, TextSchema), TextSchema)}");
        foreach (var n in new[] { 0, 1, 63, 64, 65, 257, 2000 })
        {
            var batch = TextBatch(n, density, seed: 9300 + n);
            foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 2)]) })
            {
                foreach (var e in projections) Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), input, e));
                foreach (var p in predicates) Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), input, p));
            }
        }
    }

    [Fact]
    public void Size_of_an_array_column_is_minus_one_for_null_and_counts_elements()
    {
        var schema = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32)), new Field("k", DataType.Int32)]);
        var batch = ColumnBatch.FromRows(schema, Enumerable.Range(0, 130).Select(i => new object?[]
            { i % 5 == 0 ? null : Enumerable.Range(0, i % 4).Cast<object?>().ToArray(), i }));
        var size = Binder.Bind(F("size", C("a")), schema);
        Assert.Null(SimdEvaluator.Unsupported(size, schema));
        var projected = new ProjectSimd().Project(batch, new ProjectSpec(schema, [size], new Schema([new Field("n", DataType.Int32)])));
        Assert.Equal(Enumerable.Range(0, 130).Select(i => i % 5 == 0 ? -1 : i % 4).Cast<object?>(), projected.Rows().Select(r => r[0]));
        Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, B(BinaryOp.GreaterThanOrEqual, F("size", C("a")), L(2))));
        Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch.WithSelection([.. Enumerable.Range(0, 130).Where(i => i % 3 == 0)]),
            new UnaryExpr(UnaryOp.IsNull, C("a"))));
    }

    [Fact]
    public void Array_valued_case_coalesce_and_null_equal_scalar_and_array_literals_are_declined()
    {
        var schema = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32)), new Field("b", DataType.ArrayOf(DataType.Int32)), new Field("k", DataType.Int32)]);
        var rng = new Random(5);
        object? List(int i) => rng.Next(4) == 0 ? null : Enumerable.Range(i, rng.Next(4)).Cast<object?>().ToArray();
        var batch = ColumnBatch.FromRows(schema, Enumerable.Range(0, 300).Select(i => new object?[] { List(i), List(-i), rng.Next(4) == 0 ? null : rng.Next(-3, 4) }));
        Expr[] projections =
        [
            new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("k"), L(0)), C("a")), (B(BinaryOp.LessThan, C("k"), L(-1)), C("b"))], null),
            new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("k"), L(0)), C("a"))], C("b")),
            F("coalesce", C("a"), C("b")), F("size", F("coalesce", C("b"), C("a"))),
            new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("k"), L(0)), C("a"))], new CastExpr(Literal.Of(null), DataType.ArrayOf(DataType.Int32))),
        ];
        foreach (var e in projections)
        {
            Assert.Null(SimdEvaluator.Unsupported(Binder.Bind(e, schema), schema));
            Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch, e));
            Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch.WithSelection([.. Enumerable.Range(0, 300).Where(i => i % 3 == 1)]), e));
        }
        var literal = F("size", F("coalesce", C("a"), new Literal(new object?[] { 1, 2 }, DataType.ArrayOf(DataType.Int32))));
        Assert.Contains("a array<int> literal has no SIMD kernel", SimdEvaluator.Unsupported(Binder.Bind(literal, schema), schema));
    }

    [Fact]
    public void An_invalid_regular_expression_is_the_same_error_on_simd_as_on_scalar()
    {
        var batch = StringBatch(10, 0, seed: 1);
        var spec = new FilterSpec(StringSchema, Binder.Bind(F("rlike", C("s"), L("(unclosed")), StringSchema));
        var simd = Assert.Throws<AccelException>(() => new FilterSimd().Filter(batch, spec));
        var scalar = Assert.Throws<AccelException>(() => new Accel.Operators.FilterScalar().Filter(batch, spec));
        Assert.Equal(scalar.Message, simd.Message);
        Assert.Contains("invalid regular expression '(unclosed'", simd.Message);
    }

    [Fact]
    public void Filter_and_aggregate_across_the_morsel_boundary_and_with_selection_vectors()
    {
        foreach (var n in new[] { 65535, 65537 })
        {
            var batch = DifferentialCases.Batch(n, 0.1, seed: n);
            Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch, DifferentialCases.Predicates[1]));
            // Three batches, the second under an ascending selection vector (cut per morsel), the third under the
            // same rows in descending order (marked once for the whole batch), through several morsels.
            var sel = Enumerable.Range(0, n).Where(i => i % 3 != 0).ToArray();
            var parts = new[] { batch, batch.WithSelection(sel), batch.WithSelection([.. sel.Reverse()]) };
            foreach (var spec in DifferentialCases.Aggregates())
                Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateSimd(), parts, spec));
            Assert.Null(DifferentialCases.CompareFilter(new FilterSimd(), batch.WithSelection(sel), DifferentialCases.Predicates[3]));
            Assert.Null(DifferentialCases.CompareProject(new ProjectSimd(), batch.WithSelection(sel), DifferentialCases.Projections[2]));
        }
    }

    [Fact]
    public void Unsupported_expressions_are_declined_with_the_node_named()
    {
        var s = DifferentialCases.Schema;
        var arrays = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32)), new Field("k", DataType.Int32)]);
        var pair = new Literal(new object?[] { 1, 2 }, DataType.ArrayOf(DataType.Int32));
        var chosen = Binder.Bind(new CaseWhenExpr([(new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("k"), Literal.Of(0)), new ColumnRef("a"))], pair), arrays);
        var support = new ProjectSimd().CanRun(new ProjectSpec(arrays, [chosen], new Schema([new Field("x", chosen.Type)])), new ExecEnvironment(10));
        Assert.False(support.CanRun);
        Assert.Contains("a array<int> literal has no SIMD kernel", support.Reason);

        var sized = Binder.Bind(new BinaryExpr(BinaryOp.GreaterThan, new FunctionCall("size", [new FunctionCall("coalesce", [new ColumnRef("a"), pair])]), Literal.Of(1)), arrays);
        Assert.Contains("a array<int> literal has no SIMD kernel", new FilterSimd().CanRun(new FilterSpec(arrays, sized), new ExecEnvironment(10)).Reason);

        var median = new AggregateSpec(s, [0, 1], [new AggregateCall(AggFunc.Median, s.IndexOf("ts"), false, DataType.Float64)], new Schema([s[0], s[1], new Field("md", DataType.Float64)]));
        Assert.Contains("median over timestamp", new HashAggregateSimd().CanRun(median, new ExecEnvironment(10)).Reason);
        var distinctStddev = new AggregateSpec(s, [0], [new AggregateCall(AggFunc.StdDev, s.IndexOf("d"), true, DataType.Float64)], new Schema([s[0], new Field("sd", DataType.Float64)]));
        Assert.Contains("stddev(DISTINCT) is not vectorized yet", new HashAggregateSimd().CanRun(distinctStddev, new ExecEnvironment(10)).Reason);
        Assert.Contains("grouping by a array", new HashAggregateSimd().CanRun(new AggregateSpec(arrays, [0], [], arrays), new ExecEnvironment(10)).Reason);
    }

    [Fact]
    public void Simd_is_estimated_cheaper_than_scalar()
    {
        var s = DifferentialCases.Schema;
        var spec = new FilterSpec(s, Binder.Bind(DifferentialCases.Predicates[1], s));
        var env = new ExecEnvironment(1_000_000);
        Assert.True(new FilterSimd().Estimate(spec, env).TotalMs < new Accel.Operators.FilterScalar().Estimate(spec, env).TotalMs);
    }
}
