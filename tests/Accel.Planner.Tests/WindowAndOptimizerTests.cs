using Accel.Sql;
using static Accel.Sql.Functions;

namespace Accel.Tests;

/// <summary>The DataFrame window and statistics API against DuckDB; what the optimizer does to plans
/// (pushdown, comma joins turned into hash joins, join order, constant folding) as explain shows it;
/// and the errors that subqueries and windows report.</summary>
public sealed class WindowAndOptimizerTests : IClassFixture<DataFrameVsDuckDbTests.Tables>
{
    private readonly DataFrameVsDuckDbTests.Tables _t;
    public WindowAndOptimizerTests(DataFrameVsDuckDbTests.Tables t) => _t = t;

    private (AccelSession S, DataFrame Fact, DataFrame Dim) Session(string path = "auto")
    {
        var s = AccelSession.Builder().Create();
        TestPaths.Configure(s, path);
        s.Conf().Set("accel.batchSize", "257");
        var fact = s.CreateDataFrame(_t.FactRows, TestData.FactSchema);
        var dim = s.CreateDataFrame(TestData.Dim(), TestData.DimSchema);
        fact.CreateOrReplaceTempView("fact");
        dim.CreateOrReplaceTempView("dim");
        return (s, fact, dim);
    }

    private void AssertSame(DataFrame df, string sql)
    {
        var actual = df.Collect().Select(r => r.Values).ToList();
        WorkloadResults.AssertSame(sql, _t.Duck.Query(sql), actual, ordered: false);
    }

    [Fact]
    public void Window_functions_through_the_dataframe_api_match_duckdb()
    {
        var (_, fact, _) = Session();
        var byK = Window.PartitionBy("k").OrderBy(Col("v").Desc(), Col("id"));
        var df = fact.Select(Col("id"), RowNumber().Over(byK).As("rn"), Rank().Over(Window.PartitionBy("k").OrderBy(Col("g").AscNullsFirst())).As("rk"),
            Lag(Col("v"), 1, -1.0).Over(Window.PartitionBy("g").OrderBy("id")).As("prev"),
            Sum(Col("x")).Over(Window.PartitionBy("k")).As("total"),
            Avg(Col("v")).Over(Window.OrderBy("id").RowsBetween(-2, 0)).As("moving"));
        AssertSame(df, """
            SELECT id, row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id) AS rn,
                   rank() OVER (PARTITION BY k ORDER BY g NULLS FIRST) AS rk,
                   lag(v, 1, -1.0) OVER (PARTITION BY g ORDER BY id) AS prev,
                   sum(x) OVER (PARTITION BY k) AS total,
                   avg(v) OVER (ORDER BY id ROWS BETWEEN 2 PRECEDING AND CURRENT ROW) AS moving
            FROM fact
            """);
    }

    [Fact]
    public void Median_percentile_and_corr_through_the_dataframe_api_match_duckdb()
    {
        var (_, fact, _) = Session();
        var df = fact.GroupBy(Col("g")).Agg(Median(Col("v")).As("med"), Percentile(Col("amt"), 0.9).As("p90"), Corr(Col("v"), Col("x")).As("c"));
        AssertSame(df, "SELECT g, median(v), quantile_cont(amt, 0.9), corr(v, x) FROM fact GROUP BY g");
    }

    [Fact]
    public void Comma_joins_become_hash_joins_with_filters_pushed_into_the_scans()
    {
        var (s, _, _) = Session();
        var plan = s.Sql("SELECT f.id, d.name FROM fact f, dim d, dim e WHERE f.k = d.k AND d.k = e.k AND f.v > 10 AND e.weight < 5").ExplainString();
        Assert.DoesNotContain("Cross", plan);
        // Counted by the operator that starts each line: a scan's runtime filter names its join too.
        var lines = plan.Split('\n');
        Assert.Equal(2, lines.Count(l => l.TrimStart(' ', '+', '-').Split(' ')[0].EndsWith("HashJoinExec")));
        // The filters sit directly on the scans they read, below the joins.
        int vFilter = Array.FindIndex(lines, l => l.Contains("FilterExec") && l.Contains("(v > "));
        int wFilter = Array.FindIndex(lines, l => l.Contains("FilterExec") && l.Contains("(weight < "));
        Assert.True(vFilter > 0 && lines[vFilter + 1].Contains("ScanExec"), plan);
        Assert.True(wFilter > 0 && lines[wFilter + 1].Contains("ScanExec"), plan);
    }

    [Fact]
    public void Join_reordering_puts_the_largest_input_on_the_probe_side_and_joins_connected_inputs_first()
    {
        var (s, _, _) = Session();
        // Written with the two small tables first and no condition between them: a cross product as written.
        var df = s.Sql("SELECT count(*) FROM dim a, dim b, fact f WHERE a.k = f.k AND b.k = f.k");
        var plan = df.ExplainString();
        Assert.DoesNotContain("Cross", plan);
        Assert.Equal(_t.Duck.Query("SELECT count(*) FROM dim a, dim b, fact f WHERE a.k = f.k AND b.k = f.k")[0][0], df.Collect().First().Values[0]);
    }

    [Theory]
    [InlineData(0), InlineData(1), InlineData(37), InlineData(5_000), InlineData(200_000)]
    public void Distinct_sketch_estimates_distinct_values_within_five_percent(int distinct)
    {
        // Each value three times, interleaved with NULLs, which are not values.
        var longs = Enumerable.Range(0, distinct * 3).Select(i => (object?)((long)(i % Math.Max(1, distinct)) * 7919)).Append(null).ToList();
        var strings = longs.Select(v => v is long l ? (object?)("key-" + l) : null).ToList();
        foreach (var (type, values) in new[] { (Accel.Data.DataType.Int64, longs), (Accel.Data.DataType.Utf8, strings) })
        {
            var sketch = new Accel.Planner.Optimizer.DistinctSketch();
            var batch = Accel.Data.ColumnBatch.FromRows(new Accel.Data.Schema([new("v", type)]), values.Select(v => new[] { v }).ToList());
            sketch.Add(batch[0]);
            double estimate = sketch.Estimate();
            Assert.True(Math.Abs(estimate - distinct) <= Math.Max(0.5, 0.05 * distinct), $"{type}: {distinct} distinct values estimated as {estimate}");
        }
    }

    [Fact]
    public void Join_reordering_joins_a_dimension_to_its_selective_filter_before_the_fact_table_probes_it()
    {
        // A TPC-H Q3 shape: lines -> orders -> customers, customers filtered to one segment of five. Joining lines to
        // orders first would build on every order; the bushy plan builds on orders of that segment only.
        var s = AccelSession.Builder().Create();
        var rng = new Random(5);
        var lines = s.CreateDataFrame(Enumerable.Range(0, 20_000).Select(i => new object?[] { (long)(i / 4 * 3), (long)rng.Next(100) }).ToList(),
            new Accel.Data.Schema([new("l_ok", Accel.Data.DataType.Int64), new("l_v", Accel.Data.DataType.Int64)]));
        var orders = s.CreateDataFrame(Enumerable.Range(0, 5_000).Select(i => new object?[] { (long)(i * 3), (long)(i % 1000) }).ToList(),
            new Accel.Data.Schema([new("o_ok", Accel.Data.DataType.Int64), new("o_ck", Accel.Data.DataType.Int64)]));
        var customers = s.CreateDataFrame(Enumerable.Range(0, 1000).Select(i => new object?[] { (long)i, "seg" + i % 5 }).ToList(),
            new Accel.Data.Schema([new("c_ck", Accel.Data.DataType.Int64), new("c_seg", Accel.Data.DataType.Utf8)]));
        lines.CreateOrReplaceTempView("lines");
        orders.CreateOrReplaceTempView("orders");
        customers.CreateOrReplaceTempView("customers");
        var df = s.Sql("SELECT count(*), sum(l_v) FROM lines, orders, customers WHERE l_ok = o_ok AND o_ck = c_ck AND c_seg = 'seg2'");
        var lines2 = df.ExplainString().Split('\n');
        // The top join probes lines with o_ok; the orders-customers join sits below it, on its build side.
        int top = Array.FindIndex(lines2, l => l.Contains("HashJoinExec Inner [l_ok = o_ok]"));
        int inner = Array.FindIndex(lines2, l => l.Contains("HashJoinExec Inner [o_ck = c_ck]"));
        Assert.True(top >= 0 && inner > top, string.Join('\n', lines2));
        var row = df.Collect().Single().Values;
        long expectedCount = 0, expectedSum = 0;
        foreach (var r in lines.Collect())
        {
            long ok = (long)r.Values[0]!;
            if (ok % 3 == 0 && ok / 3 < 5000 && ok / 3 % 1000 % 5 == 2) { expectedCount++; expectedSum += (long)r.Values[1]!; }
        }
        Assert.Equal(expectedCount, row[0]);
        Assert.Equal(expectedSum, row[1]);
    }

    [Theory]
    [InlineData("SELECT f.id, f.v FROM fact f, dim d WHERE f.k = d.k AND d.name = 'three' AND f.v > (SELECT avg(i.v) FROM fact i WHERE i.k = d.k)")]
    [InlineData("SELECT d.name, a.s FROM dim d JOIN (SELECT k, sum(x) AS s FROM fact GROUP BY k) a ON a.k = d.k WHERE d.weight > 3")]
    public void An_aggregate_joined_on_its_grouping_key_reads_only_the_rows_of_keys_the_other_side_holds(string sql)
    {
        var (s, _, _) = Session();
        var df = s.Sql(sql);
        var lines = df.ExplainString().Split('\n');
        // The aggregate's input is the fact scan semi-joined with the dimension rows that survive their filter.
        int agg = Array.FindIndex(lines, l => l.Contains("HashAggregateExec keys=[k]"));
        int semi = Array.FindIndex(lines, l => l.Contains("HashJoinExec LeftSemi [k = k]"));
        Assert.True(agg >= 0 && semi == agg + 1, string.Join('\n', lines));
        Assert.Contains("Filter", lines[semi + 2] + lines[semi + 3] + lines[semi + 4]);
        AssertSame(df, sql);
    }

    [Theory]
    [InlineData("SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND f.id IN (SELECT id FROM fact WHERE v > 50)", "LeftSemi")]
    [InlineData("SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND NOT EXISTS (SELECT 1 FROM fact i WHERE i.id = f.id AND i.v > 50)", "LeftAnti")]
    public void Semi_and_anti_joins_move_below_the_inner_join_onto_the_input_they_read(string sql, string type)
    {
        var (s, _, _) = Session();
        var df = s.Sql(sql);
        var lines = df.ExplainString().Split('\n');
        // The inner join is above the semi (anti) join, which now reads the fact scan, not the joined rows.
        int inner = Array.FindIndex(lines, l => l.Contains("HashJoinExec Inner"));
        int semi = Array.FindIndex(lines, l => l.Contains("HashJoinExec " + type));
        Assert.True(inner >= 0 && semi > inner, string.Join('\n', lines));
        AssertSame(df, sql);
    }

    [Theory]
    [InlineData("SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND d.name = 'three' AND EXISTS (SELECT 1 FROM fact i WHERE i.k = f.k AND i.id <> f.id)", "LeftSemi")]
    [InlineData("SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND d.name = 'three' AND NOT EXISTS (SELECT 1 FROM fact i WHERE i.k = f.k AND i.v > f.v)", "LeftAnti")]
    [InlineData("SELECT f.id FROM fact f, dim d WHERE f.k = d.k AND d.name = 'three' AND f.id IN (SELECT id FROM fact WHERE v > 50)", "LeftSemi")]
    public void Semi_and_anti_joins_stay_above_a_selective_inner_join_and_build_on_its_few_rows(string sql, string type)
    {
        foreach (var path in new[] { "scalar", "simd" })
        {
            var (s, _, _) = Session(path);
            var df = s.Sql(sql);
            var lines = df.ExplainString().Split('\n');
            // One dimension row of nine keeps about a ninth of the facts: the semi (anti) join probes the whole fact
            // table against that ninth, built on its left side, instead of building on every fact row.
            int inner = Array.FindIndex(lines, l => l.Contains("HashJoinExec Inner"));
            int semi = Array.FindIndex(lines, l => l.Contains("HashJoinExec " + type));
            Assert.True(semi >= 0 && inner > semi && lines[semi].Contains("build=left") && lines[semi].Contains($"path={path}"), string.Join('\n', lines));
            AssertSame(df, sql);
        }
    }

    [Theory]
    [InlineData("row_number() OVER (PARTITION BY k ORDER BY v DESC NULLS LAST, id)", "r <= 2", 2)]
    [InlineData("rank() OVER (PARTITION BY k ORDER BY g NULLS FIRST)", "r < 3 AND x > 10", 2)]
    [InlineData("dense_rank() OVER (PARTITION BY g ORDER BY x NULLS LAST)", "3 >= r", 3)]
    [InlineData("rank() OVER (ORDER BY v NULLS FIRST)", "r = 4", 4)]
    [InlineData("row_number() OVER (PARTITION BY k, g ORDER BY d DESC, id)", "r <= 5 AND r <= 1", 1)]
    public void A_filter_limiting_a_ranking_window_puts_a_group_limit_under_the_window(string window, string filter, int limit)
    {
        foreach (var path in new[] { "scalar", "simd" })
        {
            var (s, _, _) = Session(path);
            string sql = $"SELECT id, k, g, r FROM (SELECT id, k, g, x, {window} AS r FROM fact) t WHERE {filter}";
            var df = s.Sql(sql);
            var lines = df.ExplainString().Split('\n');
            int win = Array.FindIndex(lines, l => l.Contains("WindowExec"));
            Assert.True(win >= 0 && lines[win + 1].Contains("WindowGroupLimitExec") && lines[win + 1].Contains($"<= {limit} ") && lines[win + 1].Contains($"path={path}"),
                string.Join('\n', lines));
            AssertSame(df, sql);
        }
    }

    [Theory]
    [InlineData("r >= 2")]
    [InlineData("r <= 2 OR x > 10")]
    [InlineData("r <= 0")]
    [InlineData("r <= 1001")]
    public void Filters_that_do_not_bound_the_rank_from_above_leave_the_window_alone(string filter)
    {
        var (s, _, _) = Session();
        string sql = $"SELECT id, r FROM (SELECT id, x, row_number() OVER (PARTITION BY k ORDER BY id) AS r FROM fact) t WHERE {filter}";
        var df = s.Sql(sql);
        Assert.DoesNotContain("WindowGroupLimitExec", df.ExplainString());
        AssertSame(df, sql);
    }

    [Fact]
    public void A_group_limit_needs_the_window_directly_under_the_filter_that_limits_it()
    {
        var (s, _, _) = Session();
        // The filter limits the inner window's numbers; the outer window sees every row, so nothing may be dropped below it.
        const string sql = "SELECT id, r, c FROM (SELECT id, r, count(*) OVER (PARTITION BY k) AS c FROM (SELECT id, k, row_number() OVER (PARTITION BY k ORDER BY id) AS r FROM fact) a) b WHERE r <= 2";
        var df = s.Sql(sql);
        Assert.DoesNotContain("WindowGroupLimitExec", df.ExplainString());
        AssertSame(df, sql);
    }

    [Fact]
    public void An_or_over_two_tables_also_filters_each_table_by_its_own_part()
    {
        var (s, _, _) = Session();
        const string sql = "SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND ((f.v > 90 AND d.weight < 2) OR (f.v < 5 AND d.name = 'b'))";
        var df = s.Sql(sql);
        var lines = df.ExplainString().Split('\n');
        // Each side gets the OR of its parts as a filter on its scan; the whole OR stays on the join.
        Assert.Contains(lines, l => l.Contains("FilterExec") && l.Contains("(v > 90") && l.Contains("(v < 5") && !l.Contains("weight"));
        Assert.Contains(lines, l => l.Contains("FilterExec") && l.Contains("(weight < 2") && l.Contains("name = 'b'") && !l.Contains("(v "));
        Assert.Contains(lines, l => l.Contains("HashJoinExec Inner") && l.Contains("residual="));
        AssertSame(df, sql);
    }

    [Fact]
    public void Constant_date_arithmetic_is_folded_and_pushed_like_a_literal()
    {
        var (s, _, _) = Session();
        var plan = s.Sql("SELECT id FROM fact WHERE d < DATE '2024-01-01' + INTERVAL '1' MONTH").ExplainString();
        Assert.Contains("(d < DATE '2024-02-01')", plan);
        Assert.DoesNotContain("add_months", plan);
    }

    [Fact]
    public void An_aggregate_joined_with_a_filtered_table_is_semi_joined_first_and_one_joined_with_a_whole_table_is_not()
    {
        var (s, _, _) = Session();
        const string Totals = "SELECT d.name, t.total FROM dim d JOIN (SELECT k, sum(v) AS total FROM fact GROUP BY k) t ON t.k = d.k";
        // Every key of the whole dim table can match, so a semi join would drop no group (TPC-H Q15's supplier).
        Assert.DoesNotContain("LeftSemi", s.Sql(Totals).ExplainString());
        var filtered = s.Sql(Totals + " WHERE d.name = 'three'");
        Assert.Contains("LeftSemi", filtered.ExplainString());
        Assert.Equal(s.Sql(Totals).Collect().Count(r => (string?)r[0] == "three"), filtered.Collect().Count());
    }

    [Fact]
    public void Correlated_subqueries_run_as_joins_not_row_by_row()
    {
        var (s, _, _) = Session();
        var plan = s.Sql("SELECT id FROM fact f WHERE v > (SELECT avg(v) FROM fact i WHERE i.k = f.k) AND EXISTS (SELECT 1 FROM dim d WHERE d.k = f.k)").ExplainString();
        Assert.Contains("LeftSemi", plan);
        Assert.Contains("LeftOuter", plan);
        Assert.Contains("HashAggregateExec", plan);
    }

    [Theory]
    [InlineData("SELECT id FROM fact WHERE k IN (SELECT k, name FROM dim)", "IN subquery must return one column")]
    [InlineData("SELECT (SELECT k, name FROM dim) FROM fact", "scalar subquery must return one column")]
    [InlineData("SELECT row_number() FROM fact", "needs an OVER (...) clause")]
    [InlineData("SELECT row_number() OVER (PARTITION BY k) FROM fact", "requires an ORDER BY")]
    [InlineData("SELECT sum(x) OVER (ORDER BY id ROWS BETWEEN 1 FOLLOWING AND 1 PRECEDING) FROM fact", "starts after it ends")]
    [InlineData("SELECT id FROM fact WHERE EXISTS (SELECT * FROM dim WHERE dim.k = fact.k LIMIT 1)", "correlated subquery")]
    [InlineData("SELECT id FROM fact WHERE v > (SELECT avg(v) FROM fact i WHERE i.k > outer_k)", "outer_k")]
    [InlineData("SELECT percentile(v, 1.5) FROM fact", "between 0.0 and 1.0")]
    [InlineData("SELECT id FROM fact WHERE d < DATE '2024-01-01' + INTERVAL '1' HOUR", "INTERVAL unit HOUR")]
    [InlineData("SELECT id FROM fact WHERE k IN (SELECT k FROM dim", "line 1, column 50: found end of input")]
    public void Subquery_and_window_errors_name_the_problem(string sql, string expected)
    {
        var (s, _, _) = Session();
        var ex = Assert.ThrowsAny<AccelException>(() => s.Sql(sql).Collect());
        Assert.Contains(expected, ex.Message);
    }
}
