using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Tests;

/// <summary>Random inputs and the skeleton pipeline's expressions, shared by the SIMD and GPU differential
/// tests: every path must give what the scalar path gives.</summary>
public static class DifferentialCases
{
    /// <summary>Columns of every type the skeleton kernels take.</summary>
    public static readonly Schema Schema = new([
        new Field("i", DataType.Int32), new Field("l", DataType.Int64), new Field("d", DataType.Float64), new Field("d2", DataType.Float64),
        new Field("f", DataType.Float32), new Field("dt", DataType.Date32), new Field("m", DataType.Decimal(12, 2)),
        new Field("ts", DataType.Timestamp), new Field("k", DataType.Int32), new Field("g", DataType.Int64),
    ]);

    /// <summary>A batch of <paramref name="rows"/> rows where each value is NULL with probability <paramref name="nullDensity"/>;
    /// values include extremes (int.MaxValue, NaN, -0.0, zero divisors).</summary>
    public static ColumnBatch Batch(int rows, double nullDensity, int seed)
    {
        var rng = new Random(seed);
        object? N(object v) => rng.NextDouble() < nullDensity ? null : v;
        var data = new List<object?[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            data.Add([
                N(rng.Next(20) == 0 ? int.MaxValue - rng.Next(3) : rng.Next(-300, 300)),
                N(rng.NextInt64(-4_000_000_000_000, 4_000_000_000_000)),
                N(rng.Next(40) == 0 ? double.NaN : rng.Next(40) == 0 ? -0.0 : Math.Round(rng.NextDouble() * 4 - 2, 3)),
                N(rng.Next(8) == 0 ? 0.0 : Math.Round(rng.NextDouble() * 4 - 2, 2)),
                N((float)(rng.Next(-8, 8) / 2.0)),
                N(new DateOnly(2024, 1, 1).AddDays(rng.Next(366))),
                N(Math.Round((decimal)(rng.NextDouble() * 100), 2)),
                N(new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(rng.Next(1_000_000))),
                N(rng.Next(-5, 40)),
                N(rng.NextInt64(-6, 6) * 1_000_000_007L),
            ]);
        }
        return ColumnBatch.FromRows(Schema, data);
    }

    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);

    /// <summary>Predicates: comparisons column-literal and column-column on numeric and date columns, AND/OR/NOT, IS NULL.</summary>
    public static readonly Expr[] Predicates =
    [
        B(BinaryOp.LessThan, C("i"), L(100)),
        B(BinaryOp.And, B(BinaryOp.GreaterThanOrEqual, C("l"), L(0L)), B(BinaryOp.LessThanOrEqual, C("d"), C("d2"))),
        B(BinaryOp.Or, B(BinaryOp.And, B(BinaryOp.GreaterThan, C("dt"), L(new DateOnly(2024, 3, 1))), B(BinaryOp.LessThan, C("dt"), L(new DateOnly(2024, 9, 1)))), B(BinaryOp.Equal, C("f"), L(1.5f))),
        B(BinaryOp.Or, new UnaryExpr(UnaryOp.Not, B(BinaryOp.GreaterThan, C("d"), L(0.5))), new UnaryExpr(UnaryOp.IsNull, C("i"))),
        B(BinaryOp.And, B(BinaryOp.GreaterThan, C("m"), L(10.25m)), B(BinaryOp.NotEqual, C("ts"), C("ts"))),
        B(BinaryOp.Or, B(BinaryOp.Equal, C("d"), C("d")), B(BinaryOp.GreaterThan, L(5), C("k"))),
        B(BinaryOp.LessThan, C("i"), C("l")),
    ];

    /// <summary>Projections: arithmetic with wrapping integers, double division by zero, float rounding, negation and implicit casts.</summary>
    public static readonly Expr[] Projections =
    [
        B(BinaryOp.Add, B(BinaryOp.Multiply, C("l"), L(3_000_000_007L)), C("i")),
        B(BinaryOp.Subtract, B(BinaryOp.Multiply, C("i"), C("i")), L(7)),
        B(BinaryOp.Divide, B(BinaryOp.Add, C("d"), L(1.0)), C("d2")),
        new UnaryExpr(UnaryOp.Negate, B(BinaryOp.Multiply, C("f"), L(2.5f))),
        B(BinaryOp.Multiply, C("i"), B(BinaryOp.Subtract, L(1.0), C("d"))),
        B(BinaryOp.Divide, C("i"), C("k")),
        new UnaryExpr(UnaryOp.Negate, C("d")),
        B(BinaryOp.GreaterThan, C("d"), C("d2")),
    ];

    /// <summary>Aggregate specs: global, by an int32 key (NULL group), by a wide-range int64 key.</summary>
    public static IEnumerable<AggregateSpec> Aggregates()
    {
        var s = Schema;
        var calls = new List<AggregateCall> { new(AggFunc.CountStar, -1, false, DataType.Int64) };
        foreach (var col in new[] { "l", "d", "i", "f" })
        {
            int o = s.IndexOf(col);
            foreach (var f in new[] { AggFunc.Count, AggFunc.Sum, AggFunc.Min, AggFunc.Max, AggFunc.Avg })
                calls.Add(new AggregateCall(f, o, false, AggregateTypes.ResultType(f, s[o].Type)));
        }
        calls.Add(new AggregateCall(AggFunc.Min, s.IndexOf("dt"), false, DataType.Date32));
        calls.Add(new AggregateCall(AggFunc.Max, s.IndexOf("dt"), false, DataType.Date32));
        foreach (var keys in new[] { Array.Empty<int>(), [s.IndexOf("k")], [s.IndexOf("g")] })
            yield return new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
    }

    /// <summary>DISTINCT aggregates under no key, one key and two keys: counts over a small-range int (pairs of group and
    /// value pack into one word), int64s and dates, a double (NaN and -0.0 among its values), and sums and averages.</summary>
    public static IEnumerable<AggregateSpec> DistinctAggregates()
    {
        var s = Schema;
        var calls = new List<AggregateCall>();
        foreach (var col in new[] { "i", "l", "dt", "d", "k" })
            calls.Add(new AggregateCall(AggFunc.Count, s.IndexOf(col), true, DataType.Int64));
        calls.Add(new AggregateCall(AggFunc.Sum, s.IndexOf("i"), true, AggregateTypes.ResultType(AggFunc.Sum, DataType.Int32)));
        calls.Add(new AggregateCall(AggFunc.Avg, s.IndexOf("k"), true, AggregateTypes.ResultType(AggFunc.Avg, DataType.Int32)));
        calls.Add(new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64));
        foreach (var keys in new[] { Array.Empty<int>(), [s.IndexOf("k")], [s.IndexOf("g"), s.IndexOf("k")] })
            yield return new AggregateSpec(s, keys, calls, new Schema(keys.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
    }

    /// <summary>Runs one filter on a path and on the scalar path; null when equal.</summary>
    public static string? CompareFilter(IFilterImpl impl, ColumnBatch batch, Expr predicate)
    {
        var spec = new FilterSpec(batch.Schema, Binder.Bind(predicate, batch.Schema));
        var expected = new Accel.Operators.FilterScalar().Filter(batch, spec).Selection!;
        var actual = impl.Filter(batch, spec).Selection!;
        return expected.SequenceEqual(actual) ? null : $"{predicate}: scalar keeps {expected.Length} rows, {impl.Path} keeps {actual.Length}";
    }

    /// <summary>Runs one projection on a path and on the scalar path; null when equal (exactly).</summary>
    public static string? CompareProject(IProjectImpl impl, ColumnBatch batch, Expr expr)
    {
        var bound = Binder.Bind(expr, batch.Schema);
        var spec = new ProjectSpec(batch.Schema, [bound], new Schema([new Field("x", bound.Type)]));
        var diff = ResultComparer.FirstDifference(new Accel.Operators.ProjectScalar().Project(batch, spec), impl.Project(batch, spec));
        return diff is null ? null : $"{expr}: {diff}";
    }

    /// <summary>Runs one projection of several expressions on a path and on the scalar path; null when equal.</summary>
    public static string? CompareProject(IProjectImpl impl, ColumnBatch batch, IReadOnlyList<Expr> exprs)
    {
        var bound = exprs.Select(e => Binder.Bind(e, batch.Schema)).ToArray();
        var spec = new ProjectSpec(batch.Schema, bound, new Schema(bound.Select((b, i) => new Field($"x{i}", b.Type))));
        var diff = ResultComparer.FirstDifference(new Accel.Operators.ProjectScalar().Project(batch, spec), impl.Project(batch, spec));
        return diff is null ? null : $"[{string.Join(", ", exprs)}]: {diff}";
    }

    /// <summary>Runs one aggregate on a path and on the scalar path; null when equal (floating sums within 1e-9).</summary>
    public static string? CompareAggregate(IHashAggregateImpl impl, IEnumerable<ColumnBatch> batches, AggregateSpec spec)
    {
        var list = batches.ToList();
        var diff = ResultComparer.FirstDifference(new Accel.Operators.HashAggregateScalar().Aggregate(list, spec), impl.Aggregate(list, spec), unordered: true, relativeTolerance: 1e-9);
        return diff is null ? null : $"keys=[{string.Join(",", spec.KeyOrdinals)}]: {diff}";
    }
}
