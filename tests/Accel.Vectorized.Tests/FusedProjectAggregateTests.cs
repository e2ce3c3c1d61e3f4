using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD aggregate that evaluates the filter and the projection below it morsel by morsel, against the scalar
/// filter, projection and aggregate one after another: sizes across morsel boundaries, dense and sparse selection
/// vectors, filters that keep none, few, most and all rows of a morsel, NULLs in the raw columns and NULLs the
/// computation itself produces (decimal overflow).</summary>
public sealed class FusedProjectAggregateTests
{
    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);

    // TPC-H Q1's shapes (a shared decimal subexpression), integer and double arithmetic, and a cast that overflows to NULL.
    private static readonly Expr DiscPrice = B(BinaryOp.Multiply, C("m"), B(BinaryOp.Subtract, L(1m), C("m")));
    private static readonly Expr[] Computed =
    [
        DiscPrice,
        B(BinaryOp.Multiply, DiscPrice, B(BinaryOp.Add, L(1m), C("m"))),
        B(BinaryOp.Multiply, C("d"), L(2.0)),
        B(BinaryOp.Add, C("l"), C("i")),
        new CastExpr(C("m"), DataType.Decimal(3, 1)),
    ];

    // The projection an aggregate's pre-projection is: keys first, then the aggregate inputs (one plain column among them).
    private static (ProjectSpec Project, AggregateSpec Aggregate) Specs(string[] keys)
    {
        var s = DifferentialCases.Schema;
        var exprs = keys.Select(C).Concat(Computed).Append(C("i")).Select(e => Binder.Bind(e, s)).ToArray();
        var projected = new Schema(exprs.Select((e, i) => new Field($"_p{i}", e.Type)));
        var project = new ProjectSpec(s, exprs, projected);
        var calls = new List<AggregateCall> { new(AggFunc.CountStar, -1, false, DataType.Int64) };
        for (int o = keys.Length; o < exprs.Length; o++)
            foreach (var f in new[] { AggFunc.Sum, AggFunc.Avg, AggFunc.Min, AggFunc.Max, AggFunc.Count })
                calls.Add(new AggregateCall(f, o, false, AggregateTypes.ResultType(f, exprs[o].Type)));
        var keyOrdinals = Enumerable.Range(0, keys.Length).ToArray();
        var output = new Schema(keyOrdinals.Select(k => projected[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType))));
        return (project, new AggregateSpec(projected, keyOrdinals, calls, output));
    }

    private static string? Compare(IReadOnlyList<ColumnBatch> batches, ProjectSpec project, AggregateSpec spec)
    {
        var scalarProject = new Accel.Operators.ProjectScalar();
        var expected = new Accel.Operators.HashAggregateScalar().Aggregate(batches.Select(b => scalarProject.Project(b, project)).ToList(), spec);
        var actual = ColumnBatch.Concat(spec.Output, new HashAggregateSimd().AggregateFused(batches, null, project, spec).Parts);
        return ResultComparer.FirstDifference(expected, actual, unordered: true, relativeTolerance: 1e-9);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Fused_projection_and_aggregate_equal_the_scalar_projection_then_aggregate(double density)
    {
        foreach (var keys in new[] { Array.Empty<string>(), ["k"], ["g"], ["dt", "i"] })
        {
            var (project, spec) = Specs(keys);
            Assert.Null(new HashAggregateSimd().CannotFuse(null, project, spec));
            // 70,000 rows are two morsels, the second one partial.
            foreach (var n in new[] { 0, 1, 65, 3000, 70_000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 9100 + n);
                var dense = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 4 != 1)]);
                var sparse = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 5 == 0)]);
                Assert.Equal((string.Join(",", keys), n, (string?)null), (string.Join(",", keys), n, Compare([batch], project, spec)));
                Assert.Equal((string.Join(",", keys), n, (string?)null), (string.Join(",", keys), n, Compare([batch, dense, sparse], project, spec)));
            }
        }
    }

    // Filters that keep about 20% (sparse morsels: survivors gathered), two thirds (dense: the others discarded), none and
    // every non-NULL row; the first three are column-literal conjunctions (chunked), the others general predicates.
    private static readonly Expr[] Filters =
    [
        B(BinaryOp.GreaterThan, C("k"), L(30)),
        B(BinaryOp.And, B(BinaryOp.LessThan, C("i"), L(100)), B(BinaryOp.GreaterThan, C("dt"), L(new DateOnly(2024, 1, 10)))),
        B(BinaryOp.GreaterThan, C("k"), L(100)),
        B(BinaryOp.Or, B(BinaryOp.LessThan, C("k"), L(100)), new UnaryExpr(UnaryOp.IsNull, C("k"))),
        B(BinaryOp.Or, B(BinaryOp.LessThan, C("d"), C("d2")), B(BinaryOp.Equal, C("i"), L(7))),
        .. DifferentialCases.Predicates,
    ];

    private static string? CompareFiltered(IReadOnlyList<ColumnBatch> batches, FilterSpec filter, ProjectSpec? project, AggregateSpec spec)
    {
        var scalarFilter = new Accel.Operators.FilterScalar();
        var scalarProject = new Accel.Operators.ProjectScalar();
        var filtered = batches.Select(b => scalarFilter.Filter(b, filter)).ToList();
        var expected = new Accel.Operators.HashAggregateScalar().Aggregate(project is null ? filtered : filtered.Select(b => scalarProject.Project(b, project)).ToList(), spec);
        var fused = new HashAggregateSimd().AggregateFused(batches, filter, project, spec);
        var kept = filtered.Sum(b => (long)b.RowCount);
        if (fused.RowsKept != kept) return $"the filter kept {fused.RowsKept} rows, the scalar filter {kept}";
        return ResultComparer.FirstDifference(expected, ColumnBatch.Concat(spec.Output, fused.Parts), unordered: true, relativeTolerance: 1e-9);
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.1)]
    [InlineData(0.5)]
    public void Fused_filter_projection_and_aggregate_equal_the_scalar_operators_one_after_another(double density)
    {
        var s = DifferentialCases.Schema;
        foreach (var keys in new[] { Array.Empty<string>(), ["k"], ["dt", "i"] })
        {
            var (project, spec) = Specs(keys);
            // The general predicates with the global aggregate only: the keyed ones share its per-morsel filtering.
            var filters = keys.Length == 0 ? Filters : Filters[..5];
            foreach (var n in new[] { 0, 65, 70_000 })
            {
                var batch = DifferentialCases.Batch(n, density, seed: 9400 + n);
                var dense = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 4 != 1)]);
                var sparse = batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 5 == 0)]);
                foreach (var (predicate, f) in filters.Select((p, f) => (p, f)))
                {
                    var filter = new FilterSpec(s, Binder.Bind(predicate, s));
                    Assert.Null(new HashAggregateSimd().CannotFuse(filter, project, spec));
                    var what = (string.Join(",", keys), n, f);
                    Assert.Equal((what, (string?)null), (what, CompareFiltered([batch, dense, sparse], filter, project, spec)));
                }
            }
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void A_fused_filter_straight_under_the_aggregate_equals_the_scalar_filter_then_aggregate(double density)
    {
        // No projection: the aggregate reads raw columns, including the in-place ones (stddev, corr, median) that a
        // sparse morsel gathers with their NULLs.
        var s = DifferentialCases.Schema;
        var specs = DifferentialCases.Aggregates().Select(a =>
        {
            var calls = a.Aggregates.Concat([
                new AggregateCall(AggFunc.StdDev, s.IndexOf("d"), false, DataType.Float64),
                new AggregateCall(AggFunc.Corr, s.IndexOf("d"), false, DataType.Float64, s.IndexOf("d2")),
                new AggregateCall(AggFunc.Median, s.IndexOf("l"), false, DataType.Float64)]).ToArray();
            return new AggregateSpec(s, a.KeyOrdinals, calls, new Schema(a.KeyOrdinals.Select(k => s[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
        }).ToList();
        var batches = new[] { DifferentialCases.Batch(70_000, density, seed: 9500), DifferentialCases.Batch(500, density, seed: 9501) };
        foreach (var spec in specs)
            foreach (var (predicate, f) in Filters.Select((p, f) => (p, f)))
            {
                var filter = new FilterSpec(s, Binder.Bind(predicate, s));
                Assert.Null(new HashAggregateSimd().CannotFuse(filter, null, spec));
                Assert.Equal((spec.KeyOrdinals.Count, f, (string?)null), (spec.KeyOrdinals.Count, f, CompareFiltered(batches, filter, null, spec)));
            }
    }

    [Fact]
    public void A_filter_over_strings_is_not_fused_and_says_why()
    {
        var strings = new Schema([new Field("s", DataType.Utf8), new Field("x", DataType.Float64)]);
        var filter = new FilterSpec(strings, Binder.Bind(B(BinaryOp.Equal, C("s"), L("A")), strings));
        var spec = new AggregateSpec(strings, [], [new AggregateCall(AggFunc.Sum, 1, false, DataType.Float64)], new Schema([new Field("a0", DataType.Float64)]));
        Assert.Contains("column 's' is", new HashAggregateSimd().CannotFuse(filter, null, spec));
        Assert.Null(new HashAggregateSimd().CannotFuse(new FilterSpec(strings, Binder.Bind(B(BinaryOp.GreaterThan, C("x"), L(1.0)), strings)), null, spec));
        Assert.Throws<ArgumentException>(() => new HashAggregateSimd().AggregateFused([], filter, null, spec));
    }

    [Fact]
    public void A_computed_input_that_turns_null_keeps_its_own_count()
    {
        // m is never NULL here, but m cast to decimal(3,1) is NULL from 99.95 up: count and avg of the cast must skip those rows.
        var (project, spec) = Specs(["k"]);
        var batch = DifferentialCases.Batch(70_000, 0.0, seed: 9200);
        Assert.Null(Compare([batch], project, spec));
        var cast = Binder.Bind(new CastExpr(C("m"), DataType.Decimal(3, 1)), batch.Schema);
        var values = new Accel.Operators.ProjectScalar().Project(batch, new ProjectSpec(batch.Schema, [cast], new Schema([new Field("x", cast.Type)])));
        Assert.True(values[0].NullCount > 0, "the data must contain values the cast overflows on");
    }

    [Fact]
    public void Projections_the_aggregate_cannot_evaluate_per_morsel_are_declined_with_the_reason()
    {
        var s = DifferentialCases.Schema;
        var simd = new HashAggregateSimd();
        ProjectSpec Project(params Expr[] exprs)
        {
            var bound = exprs.Select(e => Binder.Bind(e, s)).ToArray();
            return new ProjectSpec(s, bound, new Schema(bound.Select((b, i) => new Field($"_p{i}", b.Type))));
        }
        AggregateSpec Agg(ProjectSpec p, int[] keys, params AggregateCall[] calls) =>
            new(p.Output, keys, calls, new Schema(keys.Select(k => p.Output[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));

        var sum = Project(C("k"), B(BinaryOp.Multiply, C("d"), L(2.0)));
        Assert.Contains("DISTINCT", simd.CannotFuse(null, sum, Agg(sum, [0], new AggregateCall(AggFunc.Sum, 1, true, DataType.Float64))));
        var computedKey = Project(B(BinaryOp.Add, C("k"), L(1)), B(BinaryOp.Multiply, C("d"), L(2.0)));
        Assert.Contains("computed grouping key", simd.CannotFuse(null, computedKey, Agg(computedKey, [0], new AggregateCall(AggFunc.Sum, 1, false, DataType.Float64))));
        Assert.Contains("stddev", simd.CannotFuse(null, sum, Agg(sum, [0], new AggregateCall(AggFunc.StdDev, 1, false, DataType.Float64))));
        var plain = Project(C("k"), C("d"));
        Assert.Contains("no aggregate input is computed", simd.CannotFuse(null, plain, Agg(plain, [0], new AggregateCall(AggFunc.Sum, 1, false, DataType.Float64))));
        var strings = new Schema([new Field("s", DataType.Utf8), new Field("x", DataType.Float64)]);
        var caseOverString = Binder.Bind(new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("A")), C("x"))], L(0.0)), strings);
        var overString = new ProjectSpec(strings, [caseOverString], new Schema([new Field("_p0", DataType.Float64)]));
        Assert.Contains("column 's' is", simd.CannotFuse(null, overString, Agg(overString, [], new AggregateCall(AggFunc.Sum, 0, false, DataType.Float64))));
        Assert.Throws<ArgumentException>(() => simd.AggregateFused([], null, plain, Agg(plain, [0], new AggregateCall(AggFunc.Sum, 1, false, DataType.Float64))));
    }

    [Fact]
    public void A_range_evaluation_reads_only_its_rows_and_starts_at_a_multiple_of_64()
    {
        var batch = DifferentialCases.Batch(300, 0.2, seed: 9300);
        var e = Binder.Bind(B(BinaryOp.Multiply, C("d"), C("d2")), batch.Schema);
        var whole = SimdEvaluator.EvaluateColumns([e], batch.Columns, 300)[0];
        var scratch = new EvaluationScratch();
        var range = SimdEvaluator.EvaluateRange([e, Binder.Bind(C("d"), batch.Schema)], batch.Columns, 128, 100, scratch);
        Assert.Equal(100, range[0].Length);
        for (int i = 0; i < 100; i++)
        {
            Assert.Equal(whole.GetValue(128 + i), range[0].GetValue(i));
            Assert.Equal(batch[batch.Schema.IndexOf("d")].GetValue(128 + i), range[1].GetValue(i));
        }
        Assert.Throws<ArgumentOutOfRangeException>(() => SimdEvaluator.EvaluateRange([e], batch.Columns, 100, 10, scratch));
    }
}
