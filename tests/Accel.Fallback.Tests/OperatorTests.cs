using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Operators;

namespace Accel.Tests;

/// <summary>The scalar reference operators on hand-checked inputs, plus randomized checks against naive references.</summary>
public sealed class OperatorTests
{
    private static readonly ExecEnvironment Env = new(100);
    private static ColumnBatch T(Schema s, params object?[][] rows) => ColumnBatch.FromRows(s, rows);
    private static List<string> Rows(ColumnBatch b) => b.Rows().Select(r => string.Join("|", r.Select(ValueConversions.Format))).ToList();

    private static readonly Schema KV = new([new Field("k", DataType.Utf8), new Field("n", DataType.Int32), new Field("v", DataType.Float64), new Field("m", DataType.Decimal(5, 2))]);

    private static AggregateSpec Agg(Schema s, int[] keys, params (AggFunc F, int Ord, bool Distinct)[] calls)
    {
        var c = calls.Select(x => new AggregateCall(x.F, x.Ord, x.Distinct, AggregateTypes.ResultType(x.F, x.Ord < 0 ? null : s[x.Ord].Type))).ToArray();
        return new AggregateSpec(s, keys, c, new Schema(keys.Select(k => s[k]).Concat(c.Select((a, i) => new Field($"a{i}", a.ResultType)))));
    }

    [Fact]
    public void Aggregate_groups_strings_with_one_null_group_and_every_function()
    {
        var t = T(KV, ["a", 1, 1.0, 1.10m], ["b", 2, null, 2.20m], ["a", 1, 3.0, null], [null, 5, 4.0, 0.01m], [null, null, 6.0, 0.02m], ["b", 3, 5.0, 3.33m]);
        var spec = Agg(KV, [0], (AggFunc.CountStar, -1, false), (AggFunc.Count, 2, false), (AggFunc.Sum, 1, false), (AggFunc.Avg, 2, false),
            (AggFunc.Min, 2, false), (AggFunc.Max, 1, false), (AggFunc.Count, 1, true), (AggFunc.Sum, 3, false), (AggFunc.Avg, 3, false), (AggFunc.StdDev, 2, false));
        var r = Rows(new HashAggregateScalar().Aggregate([t], spec));
        r.Sort(StringComparer.Ordinal);
        Assert.Equal([
            "NULL|2|2|5|5.0|4.0|5|1|0.03|0.015000|1.4142135623730951",
            "a|2|2|2|2.0|1.0|1|1|1.10|1.100000|1.4142135623730951",
            "b|2|1|5|5.0|5.0|3|2|5.53|2.765000|NULL",
        ], r);
    }

    [Fact]
    public void Global_aggregate_over_no_rows_returns_one_row()
    {
        var spec = Agg(KV, [], (AggFunc.CountStar, -1, false), (AggFunc.Sum, 1, false), (AggFunc.Max, 0, false));
        Assert.Equal(["0|NULL|NULL"], Rows(new HashAggregateScalar().Aggregate([], spec)));
        Assert.Empty(Rows(new HashAggregateScalar().Aggregate([], Agg(KV, [0], (AggFunc.CountStar, -1, false)))));
    }

    [Fact]
    public void Aggregate_matches_a_naive_group_by_on_random_data()
    {
        var rng = new Random(3);
        var s = new Schema([new Field("a", DataType.Int32), new Field("b", DataType.Utf8), new Field("v", DataType.Int64)]);
        var rows = Enumerable.Range(0, 2000).Select(_ => new object?[] { rng.Next(5) == 0 ? null : rng.Next(7), rng.Next(4) == 0 ? null : "s" + rng.Next(3), (long)rng.Next(-100, 100) }).ToList();
        var spec = Agg(s, [0, 1], (AggFunc.Sum, 2, false), (AggFunc.CountStar, -1, false), (AggFunc.Max, 2, false));
        var actual = Rows(new HashAggregateScalar().Aggregate([T(s, rows.ToArray())], spec)).Order().ToList();
        var expected = rows.GroupBy(r => (r[0], r[1])).Select(g => $"{ValueConversions.Format(g.Key.Item1)}|{ValueConversions.Format(g.Key.Item2)}|{g.Sum(r => (long)r[2]!)}|{g.Count()}|{g.Max(r => (long)r[2]!)}").Order().ToList();
        Assert.Equal(expected, actual);
    }

    private static readonly Schema L = new([new Field("id", DataType.Int32), new Field("k", DataType.Int32)]);
    private static readonly Schema R = new([new Field("k", DataType.Int32), new Field("name", DataType.Utf8)]);
    private static readonly ColumnBatch Left = T(L, [1, 10], [2, 20], [3, null], [4, 10], [5, 30]);
    private static readonly ColumnBatch Right = T(R, [10, "ten"], [10, "TEN"], [20, "twenty"], [null, "null"], [40, "forty"]);

    private static List<string> Join(JoinType type, BuildSide build = BuildSide.Right, BoundExpr? residual = null)
    {
        var outSchema = type is JoinType.LeftSemi or JoinType.LeftAnti ? L : new Schema(L.Fields.Concat(R.Fields));
        var spec = new JoinSpec(L, R, type, [1], [0], residual, build, false, outSchema);
        var r = Rows(new HashJoinScalar().Join(Left, Right, spec));
        r.Sort(StringComparer.Ordinal);
        return r;
    }

    [Fact]
    public void Every_join_type_with_duplicates_and_null_keys()
    {
        Assert.Equal(["1|10|10|TEN", "1|10|10|ten", "2|20|20|twenty", "4|10|10|TEN", "4|10|10|ten"], Join(JoinType.Inner));
        Assert.Equal(Join(JoinType.Inner), Join(JoinType.Inner, BuildSide.Left));
        Assert.Equal(["1|10|10|TEN", "1|10|10|ten", "2|20|20|twenty", "3|NULL|NULL|NULL", "4|10|10|TEN", "4|10|10|ten", "5|30|NULL|NULL"], Join(JoinType.LeftOuter));
        Assert.Equal(["1|10|10|TEN", "1|10|10|ten", "2|20|20|twenty", "4|10|10|TEN", "4|10|10|ten", "NULL|NULL|40|forty", "NULL|NULL|NULL|null"], Join(JoinType.RightOuter, BuildSide.Left));
        Assert.Equal(9, Join(JoinType.FullOuter).Count);
        Assert.Equal(["1|10", "2|20", "4|10"], Join(JoinType.LeftSemi));
        Assert.Equal(["3|NULL", "5|30"], Join(JoinType.LeftAnti));
    }

    [Fact]
    public void Residual_condition_applies_to_pairs_and_outer_rows_survive()
    {
        var combined = new Schema(L.Fields.Concat(R.Fields));
        var residual = Binder.Bind(new BinaryExpr(BinaryOp.Equal, new ColumnRef("name"), Literal.Of("ten")), combined);
        Assert.Equal(["1|10|10|ten", "4|10|10|ten"], Join(JoinType.Inner, residual: residual));
        Assert.Contains("2|20|NULL|NULL", Join(JoinType.LeftOuter, residual: residual));
    }

    [Fact]
    public void Hash_join_matches_a_nested_loop_on_random_data()
    {
        var rng = new Random(5);
        var lrows = Enumerable.Range(0, 2000).Select(i => new object?[] { i, rng.Next(10) == 0 ? null : rng.Next(300) }).ToArray();
        var rrows = Enumerable.Range(0, 500).Select(i => new object?[] { rng.Next(10) == 0 ? null : rng.Next(300), "r" + i }).ToArray();
        var spec = new JoinSpec(L, R, JoinType.Inner, [1], [0], null, BuildSide.Right, false, new Schema(L.Fields.Concat(R.Fields)));
        var actual = Rows(new HashJoinScalar().Join(T(L, lrows), T(R, rrows), spec)).Order().ToList();
        var expected = (from l in lrows from r in rrows where l[1] is not null && Equals(l[1], r[0]) select $"{l[0]}|{l[1]}|{r[0]}|{r[1]}").Order().ToList();
        Assert.Equal(expected, actual);
    }

    [Fact]
    public void Sort_is_stable_with_spark_null_and_nan_ordering_and_top_n_equals_sort_then_take()
    {
        var s = new Schema([new Field("v", DataType.Float64), new Field("i", DataType.Int32)]);
        var t = T(s, [2.0, 1], [null, 2], [double.NaN, 3], [-0.0, 4], [2.0, 5], [0.0, 6], [double.NegativeInfinity, 7]);
        var asc = Rows(new SortScalar().Sort(t, new SortSpec(s, [new SortKey(0, true, true)])));
        Assert.Equal(["NULL|2", "-Infinity|7", "-0.0|4", "0.0|6", "2.0|1", "2.0|5", "NaN|3"], asc);
        var desc = Rows(new SortScalar().Sort(t, new SortSpec(s, [new SortKey(0, false, false)])));
        Assert.Equal(["NaN|3", "2.0|1", "2.0|5", "-0.0|4", "0.0|6", "-Infinity|7", "NULL|2"], desc);
        Assert.Equal(desc.Take(3), Rows(new SortScalar().Sort(t, new SortSpec(s, [new SortKey(0, false, false)], 3))));
    }

    [Fact]
    public void Strings_sort_by_utf8_bytes()
    {
        var s = new Schema([new Field("s", DataType.Utf8)]);
        var t = T(s, ["b"], ["é"], ["B"], ["a"], ["😀"], ["z"]);
        Assert.Equal(["B", "a", "b", "z", "é", "😀"], Rows(new SortScalar().Sort(t, new SortSpec(s, [new SortKey(0, true, true)]))));
    }

    [Fact]
    public void Explode_drops_null_and_empty_arrays_unless_outer()
    {
        var arr = DataType.ArrayOf(DataType.Utf8);
        var s = new Schema([new Field("id", DataType.Int32), new Field("a", arr)]);
        var t = T(s, [1, new object?[] { "x", "y" }], [2, null], [3, Array.Empty<object?>()], [4, new object?[] { null }]);
        var outSchema = new Schema([s[0], new Field("a", DataType.Utf8)]);
        Assert.Equal(["1|x", "1|y", "4|NULL"], Rows(new ExplodeScalar().Explode(t, new ExplodeSpec(s, 1, false, outSchema))));
        Assert.Equal(["1|x", "1|y", "2|NULL", "3|NULL", "4|NULL"], Rows(new ExplodeScalar().Explode(t, new ExplodeSpec(s, 1, true, outSchema))));
    }

    [Fact]
    public void Filter_keeps_true_rows_only_and_maps_through_an_existing_selection()
    {
        var s = new Schema([new Field("a", DataType.Int32)]);
        var t = T(s, [1], [null], [3], [4], [5]).WithSelection([0, 1, 2, 4]);
        var pred = Binder.Bind(new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("a"), Literal.Of(2)), s);
        Assert.Equal([2, 4], new FilterScalar().Filter(t, new FilterSpec(s, pred)).Selection!);
    }

    [Fact]
    public void Combine_keeps_slices_of_one_batch_as_one_selection_and_concatenates_the_rest()
    {
        var t = T(KV, ["a", 1, 1.0, 1.00m], ["b", 2, 2.0, 2.00m], ["c", null, 3.0, null], ["d", 4, 4.0, 4.00m]);
        // Slices in order over all rows: the same columns, no selection.
        var whole = ColumnBatch.Combine(KV, [t.WithSelection([0, 1]), t.WithSelection([2, 3])]);
        Assert.Same(t.Columns[0], whole.Columns[0]);
        Assert.Null(whole.Selection);
        Assert.Equal(Rows(t), Rows(whole));
        // Slices that skip rows: the same columns under the combined selection.
        var some = ColumnBatch.Combine(KV, [t.WithSelection([3]), t.WithSelection([0, 2])]);
        Assert.Same(t.Columns[1], some.Columns[1]);
        Assert.Equal(["d|4|4.0|4.00", "a|1|1.0|1.00", "c|NULL|3.0|NULL"], Rows(some));
        // Different batches: concatenated like Concat.
        var other = T(KV, ["e", 5, 5.0, 5.00m]);
        Assert.Equal(Rows(ColumnBatch.Concat(KV, [t.WithSelection([1]), other])), Rows(ColumnBatch.Combine(KV, [t.WithSelection([1]), other])));
        Assert.Equal(["b|2|2.0|2.00", "e|5|5.0|5.00"], Rows(ColumnBatch.Combine(KV, [t.WithSelection([1]), other])));
    }
}
