using Accel.Data;
using Accel.Planner.Physical;
using Accel.Sql;
using static Accel.Sql.Functions;

namespace Accel.Tests;

/// <summary>Explain output, forced paths and their errors, plan-as-data, the per-query log line, and user-facing errors.</summary>
public sealed class ExplainAndPathTests : IDisposable
{
    private readonly string _dir = Path.Combine(Path.GetTempPath(), "accel-explain-" + Guid.NewGuid().ToString("N"));

    private static DataFrame Fact(string path, int rows = 500)
    {
        var s = AccelSession.Builder().Create();
        TestPaths.Configure(s, path);
        return s.CreateDataFrame(TestData.Fact(rows), TestData.FactSchema);
    }

    // SQL over the fact table of `rows` rows and the dimension table, under a forced path.
    private static DataFrame FactSql(string path, string sql, int rows = 3000)
    {
        var fact = Fact(path, rows);
        fact.CreateOrReplaceTempView("fact");
        fact.Session.CreateDataFrame(TestData.Dim(), TestData.DimSchema).CreateOrReplaceTempView("dim");
        return fact.Session.Sql(sql);
    }

    private static DataFrame Pipeline(DataFrame fact) =>
        fact.Filter(Col("k") > 2 & Col("d") < Lit(new DateOnly(2024, 6, 1)))
            .WithColumn("w", Col("v") * 2.0)
            .GroupBy("k").Agg(Sum("w"), Count(Lit(1)));

    [Theory]
    [InlineData("scalar")]
    [InlineData("simd")]
    [InlineData("gpu")]
    public void Forced_path_is_the_path_of_every_compute_operator_and_explain_gives_reasons(string path)
    {
        var text = Pipeline(Fact(path)).ExplainString();
        Assert.StartsWith("== Physical Plan ==", text);
        var lines = text.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1).ToList();
        foreach (var op in new[] { "HashAggregateExec", "FilterExec" })
        {
            var line = lines.Single(l => l.Contains(op));
            Assert.Contains($"path={path}", line);
            foreach (var other in new[] { "gpu", "simd", "scalar" }.Where(p => p != path))
                Assert.Contains($"{other}: ", line);
        }
        Assert.Contains(lines, l => l.Contains("ScanExec") && l.Contains("path=scalar") && l.Contains("no device decoder yet"));
    }

    [Fact]
    public void Auto_prefers_simd_over_scalar_by_cost_and_says_so()
    {
        var line = Pipeline(Fact("auto")).ExplainString().Split('\n').Single(l => l.Contains("FilterExec"));
        Assert.Matches(@"path=(simd|gpu)", line);
        Assert.Contains("scalar: cost", line);
    }

    [Fact]
    public void Forcing_a_path_an_operator_cannot_take_is_an_error_naming_operator_and_reason()
    {
        // A join condition comparing strings has no GPU kernel (the equi-join keys alone would run there).
        var fact = Fact("gpu");
        var dim = fact.Session.CreateDataFrame(TestData.Dim(), TestData.DimSchema);
        var joined = fact.Join(dim, (fact["k"] == dim["k"]) & (fact["s"] < dim["name"]));
        var ex = Assert.Throws<AccelException>(() => joined.Collect());
        Assert.Contains("accel.path=gpu", ex.Message);
        Assert.Contains("HashJoinExec cannot run on the gpu path", ex.Message);
        Assert.Contains("join condition: column 's' is string has no GPU kernel yet", ex.Message);
        var windowed = Fact("gpu").Select(Col("id"), RowNumber().Over(Window.OrderBy(Col("id"))).Alias("rn"));
        Assert.Contains("no gpu implementation of WindowExec yet", Assert.Throws<AccelException>(() => windowed.Collect()).Message);

        // split of a literal is folded into an array literal at planning time, and array literals have no SIMD kernel.
        var words = Fact("simd").Select(Col("id"), Coalesce(Split(Col("s"), " "), Split(Lit("x y"), " ")).Alias("w"));
        var ex2 = Assert.Throws<AccelException>(() => words.Collect());
        Assert.Contains("ProjectExec cannot run on the simd path", ex2.Message);
        Assert.Contains("a array<string> literal has no SIMD kernel yet", ex2.Message);

        var decimalRemainder = Fact("gpu").Select((Col("amt") % 2).Alias("a"));
        var ex3 = Assert.Throws<AccelException>(() => decimalRemainder.Collect());
        Assert.Contains("ProjectExec cannot run on the gpu path: operator % has no GPU kernel yet", ex3.Message);
    }

    [Fact]
    public void Operators_without_a_gpu_implementation_say_so()
    {
        var df = Fact("auto");
        var text = df.Select(Col("id"), Explode(Split(Col("s"), " ")).Alias("w")).ExplainString();
        var explode = text.Split('\n').Single(l => l.Contains("ExplodeExec"));
        Assert.Contains("gpu: no gpu implementation of ExplodeExec yet", explode);
        Assert.DoesNotContain("no simd implementation", explode);
        // Windows have a SIMD implementation (ranking, lag and lead, frame aggregates) and none on the GPU.
        var ranked = df.Select(Col("id"), RowNumber().Over(Window.OrderBy(Col("id"))).Alias("rn")).ExplainString().Split('\n').Single(l => l.Contains("WindowExec"));
        Assert.Contains("path=simd", ranked);
        Assert.Contains("gpu: no gpu implementation of WindowExec yet", ranked);
        var lagged = df.Select(Col("id"), Lag(Col("x")).Over(Window.OrderBy(Col("id"))).Alias("prev")).ExplainString().Split('\n').Single(l => l.Contains("WindowExec"));
        Assert.Contains("path=simd", lagged);
        Assert.Contains("gpu: no gpu implementation of WindowExec yet", lagged);
        // A top-N has GPU and SIMD implementations: the plan gives the GPU's cost instead of a missing implementation.
        var topN = df.OrderBy(Col("id")).Limit(3).ExplainString().Split('\n').Single(l => l.Contains("TopNExec"));
        Assert.DoesNotContain("no gpu implementation", topN);
        Assert.Contains("gpu: cost", topN);
    }

    [Fact]
    public void Explain_analyze_and_plan_info_report_rows_per_operator()
    {
        var df = Pipeline(Fact("simd", 1000));
        var expectedGroups = df.Count();
        var info = df.PlanInfo(analyze: true);
        Assert.Equal("simd", info.Children[0].ActualPath ?? info.ActualPath);
        Assert.Equal(expectedGroups, info.Metrics!.RowsOut);
        var scan = info;
        while (scan.Children.Count > 0) scan = scan.Children[0];
        Assert.Equal("ScanExec", scan.Name);
        Assert.Equal(1000, scan.Metrics!.RowsOut);
        var text = df.ExplainString(analyze: true);
        Assert.Contains("== Physical Plan (analyzed) ==", text);
        Assert.Contains("rows=1000", text);
    }

    [Fact]
    public void A_simd_aggregate_over_a_filter_and_computed_inputs_evaluates_both_per_morsel_and_explain_says_so()
    {
        DataFrame Query(string path) => Fact(path, 3000).Filter(Col("k") > 2)
            .GroupBy("k").Agg(Sum(Col("v") * 2.0 - Col("k")), Avg(Col("v") * Col("v")), Count(Lit(1)));
        var simd = Query("simd");
        var text = simd.ExplainString(analyze: true);
        var project = text.Split('\n').Single(l => l.Contains("ProjectExec") && l.Contains("_a"));
        var filter = text.Split('\n').Single(l => l.Contains("FilterExec"));
        Assert.Contains("fused: evaluated per morsel by the aggregate above", project);
        Assert.Contains("fused: evaluated per morsel by the aggregate above", filter);
        // The fused filter and projection stand for the rows the filter keeps (as the scalar filter counts them).
        var scalar = Query("scalar");
        var scalarText = scalar.ExplainString(analyze: true);
        var keptRows = scalarText.Split('\n').Single(l => l.Contains("FilterExec")).Split("rows=")[1].Split(' ')[0];
        Assert.Contains($"rows={keptRows} ", filter);
        Assert.Contains($"rows={keptRows} ", project);
        Assert.DoesNotContain("fused", scalar.ExplainString());
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(Query("scalar").ToBatch(), simd.ToBatch(), unordered: true, relativeTolerance: 1e-9));
    }

    [Fact]
    public void A_global_sum_over_a_filter_reads_the_scan_through_one_fused_filter_and_projection()
    {
        // TPC-H Q6's shape: the columns the filter leaves to the sum are picked by no operator of their own, so the
        // aggregate takes the filter as well as the projection.
        DataFrame Query(string path) => FactSql(path, "SELECT sum(v * k) AS s FROM fact WHERE k > 2 AND d < DATE '2024-06-01'");
        var plan = Query("simd").ExplainString().Split('\n').Where(l => l.Contains("Exec")).Select(l => l.TrimStart(' ', '+', '-').Split(' ')[0]).ToList();
        Assert.Equal(["HashAggregateExec", "ProjectExec", "FilterExec", "ScanExec"], plan.SkipWhile(n => n != "HashAggregateExec"));
        var text = Query("simd").ExplainString();
        Assert.Contains("fused", text.Split('\n').Single(l => l.Contains("FilterExec")));
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(Query("scalar").ToBatch(), Query("simd").ToBatch(), unordered: true, relativeTolerance: 1e-9));
    }

    [Fact]
    public void A_column_added_before_group_by_is_evaluated_by_the_aggregate_with_the_filter_below_it()
    {
        // withColumn under groupBy().agg(): the aggregate's renaming of the columns and the computed column are one
        // projection, which the aggregate evaluates per morsel together with the filter.
        DataFrame Query(string path) => Fact(path, 3000).Filter(Col("k") > 2)
            .WithColumn("w", Col("v") * 2.0 - Col("k"))
            .GroupBy("k").Agg(Sum("w"), Count(Lit(1)), Avg("v"), Max("v"));
        var plan = Query("simd").ExplainString().Split('\n').Where(l => l.Contains("Exec")).ToList();
        var below = plan.SkipWhile(l => !l.Contains("HashAggregateExec")).Skip(1).ToList();
        Assert.Equal(["ProjectExec", "FilterExec", "ScanExec"], below.Select(l => l.TrimStart(' ', '+', '-').Split(' ')[0]));
        Assert.All(below.Take(2), l => Assert.Contains("fused: evaluated per morsel by the aggregate above", l));
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(Query("scalar").ToBatch(), Query("simd").ToBatch(), unordered: true, relativeTolerance: 1e-9));
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("simd")]
    public void A_join_outputs_only_the_columns_read_above_it(string path)
    {
        // The join keys and the columns nobody reads are not gathered at every output row.
        DataFrame Query(string p) => FactSql(p, "SELECT name, sum(v) AS total, count(*) AS n FROM fact JOIN dim ON fact.k = dim.k GROUP BY name", rows: 2000);
        var join = Descendants(Query(path).PhysicalPlan()).OfType<HashJoinExec>().Single();
        Assert.Equal(["name", "v"], join.Output.Fields.Select(f => f.Name).Order(StringComparer.Ordinal));
        Assert.NotNull(join.Spec.Emit);
        var expected = Query("scalar").ToBatch();
        Assert.Equal(7, expected.RowCount); // zero, one, two, three, three-bis, five, and seven's NULL name
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(expected, Query(path).ToBatch(), unordered: true, relativeTolerance: 1e-9));
    }

    [Fact]
    public void A_having_against_a_scalar_subquery_filters_the_groups_after_the_aggregate()
    {
        // The subquery's value is a constant: joined onto every input row it would also become a grouping key.
        DataFrame Query(string path) => FactSql(path, "SELECT k, sum(v) AS s FROM fact GROUP BY k HAVING sum(v) > (SELECT avg(v) FROM fact) * 190");
        var plan = Query("simd").ExplainString().Split('\n').Where(l => l.Contains("Exec")).ToList();
        int aggregate = plan.FindIndex(l => l.Contains("HashAggregateExec keys=["));
        Assert.Contains("keys=[k] ", plan[aggregate]);
        Assert.Contains(plan.Take(aggregate), l => l.Contains("HashJoinExec LeftOuter"));
        var expected = Query("scalar").ToBatch();
        Assert.InRange(expected.RowCount, 1, 15); // of 16 groups: some, not all, pass
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(expected, Query("simd").ToBatch(), unordered: true, relativeTolerance: 1e-9));
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("simd")]
    [InlineData("gpu")]
    public void Joins_against_one_subquery_row_filter_the_probe_batches_and_equal_the_query_with_the_values_inlined(string path)
    {
        _ = TestPaths.Skeleton;
        // The NOT IN's counts and the scalar subquery's average are one build row each: their joins make no pairs, and
        // each probe batch (of 256 rows) keeps its columns.
        DataFrame Query(string p, string sql)
        {
            var df = FactSql(p, sql);
            df.Session.Conf().Set("accel.batchSize", "256");
            return df;
        }
        var average = (double)FactSql("scalar", "SELECT avg(v) FROM fact").ToBatch()[0].GetValue(0)!;
        var subqueries = Query(path, "SELECT id, k, g, v FROM fact WHERE k NOT IN (SELECT k FROM dim WHERE weight BETWEEN 3 AND 8) AND v > (SELECT avg(v) FROM fact)");
        var actual = subqueries.ToBatch();
        var keyless = subqueries.ExplainString(analyze: true).Split('\n').Where(l => l.Contains("HashJoinExec") && l.Contains(" [] ")).ToList();
        Assert.Equal(2, keyless.Count);
        Assert.All(keyless, l => Assert.Contains("one build row: no pairs", l));
        Assert.True(keyless.Any(l => l.Contains($"residual filtered over the probe rows on the {path} path")), string.Join("\n", keyless));
        Assert.All(keyless, l => Assert.True(int.Parse(System.Text.RegularExpressions.Regex.Match(l, @"batches=(\d+)").Groups[1].Value) > 1, l));
        // dim's rows of weights 3 to 8 hold keys 3, 3, 5 and 7, no NULL: NOT IN is the complement of the non-NULL keys.
        var inlined = Query("scalar", $"SELECT id, k, g, v FROM fact WHERE k IS NOT NULL AND k NOT IN (3, 5, 7) AND v > {average.ToString("R", System.Globalization.CultureInfo.InvariantCulture)}").ToBatch();
        Assert.InRange(inlined.RowCount, 100, 2000);
        Assert.Null(Accel.Execution.ResultComparer.FirstDifference(inlined, actual, unordered: true, relativeTolerance: 0));
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("simd")]
    [InlineData("gpu")]
    public void Inner_joins_filter_the_scan_below_their_probe_side_by_their_build_keys_and_answer_as_without(string path)
    {
        _ = TestPaths.Skeleton;
        // dim's rows named 'three*' hold key 3 only: the fact scan keeps its k = 3 rows for the join above the left join.
        // Directly over the scan the join's own probe is the filter, and the outer join filters nothing.
        const string inner = "SELECT f.id, f.k, f.v, d.name, e.name AS e_name FROM fact f LEFT JOIN dim e ON f.k + 1 = e.k "
                             + "JOIN dim d ON f.k = d.k WHERE d.name LIKE 'three%'";
        const string direct = "SELECT f.id, f.k, f.v, d.name FROM fact f JOIN dim d ON f.k = d.k WHERE d.name LIKE 'three%'";
        // Nor does an unfiltered build side, which holds every key of its table.
        const string unfiltered = "SELECT f.id, d.name, e.name AS e_name FROM fact f LEFT JOIN dim e ON f.k + 1 = e.k JOIN dim d ON f.k = d.k";
        const string outer = "SELECT f.id, d.name FROM fact f LEFT JOIN dim d ON f.k = d.k AND d.name LIKE 'three%'";
        DataFrame Query(string p, string sql, bool filters)
        {
            var df = FactSql(p, sql);
            df.Session.Conf().Set("accel.runtimeFilters", filters);
            df.Session.Conf().Set("accel.batchSize", "512");
            return df;
        }
        var filtered = Query(path, inner, true);
        var scan = filtered.ExplainString(analyze: true).Split('\n').Single(l => l.Contains("ScanExec") && l.Contains("of 8 columns"));
        Assert.Contains("runtime filters=[k in keys of BroadcastHashJoinExec [k = k]]", scan);
        var m = System.Text.RegularExpressions.Regex.Match(scan, @"runtime filter k kept (\d+) of (\d+)");
        Assert.True(m.Success, scan);
        Assert.Equal(3000, int.Parse(m.Groups[2].Value));
        Assert.InRange(int.Parse(m.Groups[1].Value), 100, 600);
        Assert.DoesNotContain("runtime", Query(path, inner, false).ExplainString());
        Assert.DoesNotContain("runtime", Query(path, outer, true).ExplainString());
        Assert.DoesNotContain("runtime", Query(path, direct, true).ExplainString());
        Assert.DoesNotContain("runtime", Query(path, unfiltered, true).ExplainString());
        foreach (var sql in new[] { inner, direct, unfiltered, outer })
        {
            var expected = Query("scalar", sql, false).ToBatch();
            Assert.Null(Accel.Execution.ResultComparer.FirstDifference(expected, Query(path, sql, true).ToBatch(), unordered: true, relativeTolerance: 0));
        }
        // Run twice: each run publishes its own keys.
        Assert.Equal(filtered.ToBatch().RowCount, filtered.ToBatch().RowCount);
    }

    [Theory]
    [InlineData("scalar")]
    [InlineData("simd")]
    [InlineData("gpu")]
    public void Top_n_over_many_batches_keeps_the_first_rows_of_one_stable_sort(string path)
    {
        _ = TestPaths.Skeleton;
        // 12 batches of 256 rows keep 200 each, cut back to 200 past 1,024. k and g take few values, so the last rows
        // taken tie with rows left out: ties resolve by input order, as one stable sort of all 3,000 rows does.
        var session = AccelSession.Builder().Create();
        TestPaths.Configure(session, path);
        var batches = TestData.Fact(3000).Chunk(256).Select(rows => ColumnBatch.FromRows(TestData.FactSchema, rows)).ToList();
        session.CreateDataFrame(TestData.FactSchema, batches).CreateOrReplaceTempView("fact");
        var df = session.Sql("SELECT id, k, g FROM fact ORDER BY k DESC NULLS LAST, g LIMIT 200");
        Assert.Contains("TopNExec limit=200", df.ExplainString());
        var actual = df.Collect().Select(r => ((long)r.Values[0]!, (int?)r.Values[1], (string?)r.Values[2])).ToList();
        var expected = TestData.Fact(3000).Select(r => ((long)r[0]!, (int?)r[1], (string?)r[2]))
            .OrderBy(r => r.Item2 is null).ThenByDescending(r => r.Item2)
            .ThenBy(r => r.Item3 is not null).ThenBy(r => r.Item3, StringComparer.Ordinal)
            .Take(200).ToList();
        Assert.Equal(expected, actual);
        Assert.Contains(actual, r => r.Item2 != expected[^1].Item2 || r.Item3 != expected[^1].Item3); // not one tie group
    }

    private static IEnumerable<ExecNode> Descendants(ExecNode n) => n.Children.SelectMany(Descendants).Prepend(n);

    [Fact]
    public void Each_query_reports_a_log_line_with_the_path_of_every_operator()
    {
        var df = Pipeline(Fact("scalar"));
        string? line = null;
        df.Session.QueryCompleted += (l, _) => line = l;
        var rows = df.Count();
        Assert.NotNull(line);
        Assert.Contains($"{rows} rows", line);
        Assert.Contains("FilterExec=scalar", line);
        Assert.Contains("HashAggregateExec=scalar", line);
    }

    [Fact]
    public void Unknown_column_lists_the_available_ones()
    {
        var ex = Assert.Throws<AccelException>(() => Fact("auto").Select("nope"));
        Assert.Contains("'nope'", ex.Message);
        Assert.Contains("id, k, g", ex.Message);
    }

    [Fact]
    public void Aggregate_output_must_be_grouped_or_aggregated()
    {
        var ex = Assert.Throws<AccelException>(() => Fact("auto").GroupBy("k").Agg(Col("x"), Sum("v")));
        Assert.Contains("neither present in the group by", ex.Message);
    }

    [Fact]
    public void Invalid_setting_is_rejected()
    {
        var s = AccelSession.Builder().Create();
        var ex = Assert.Throws<AccelException>(() => s.Conf().Set("accel.path", "tpu"));
        Assert.Contains("auto, gpu, simd or scalar", ex.Message);
    }

    [Fact]
    public void Parquet_row_groups_are_skipped_by_pushed_filters()
    {
        var s = AccelSession.Builder().Create();
        var schema = new Schema([new Field("id", DataType.Int64), new Field("v", DataType.Float64)]);
        for (int part = 0; part < 3; part++)
        {
            var rows = Enumerable.Range(part * 100, 100).Select(i => new object?[] { (long)i, i * 0.5 }).ToList();
            s.CreateDataFrame(rows, schema).Write().Mode("append").Parquet(_dir);
        }
        var df = s.Read().Parquet(_dir).Filter(Col("id") >= 250L).Agg(Count(Lit(1)), Sum("v"));
        var result = df.Collect().Single();
        Assert.Equal(50L, result.Get(0));
        Assert.Equal(Enumerable.Range(250, 50).Sum(i => i * 0.5), (double)result.Get(1)!, 9);
        var text = df.ExplainString(analyze: true);
        Assert.Contains("pushed=[id >= 250]", text);
        Assert.Contains("row groups read=1 skipped=2", text);
    }

    [Fact]
    public void Dataframe_round_trips_through_csv_parquet_and_arrow()
    {
        var s = AccelSession.Builder().Create();
        var rows = TestData.Fact(300);
        var df = s.CreateDataFrame(rows, TestData.FactSchema);
        var expected = rows.Select(DuckDbReference.Normalize).ToList();
        df.Write().Parquet(Path.Combine(_dir, "t.parquet"));
        df.Write().Arrow(Path.Combine(_dir, "t.arrow"));
        df.Write().Option("header", "true").Csv(Path.Combine(_dir, "t.csv"));
        foreach (var back in new[]
        {
            s.Read().Parquet(Path.Combine(_dir, "t.parquet")),
            s.Read().Arrow(Path.Combine(_dir, "t.arrow")),
            s.Read().Option("header", "true").Schema(TestData.FactSchema).Csv(Path.Combine(_dir, "t.csv")),
        })
            Assert.Equal(expected, back.Collect().Select(r => DuckDbReference.Normalize(r.Values)).ToList());
    }

    [Fact]
    public void Bad_input_errors_name_file_line_and_column()
    {
        Directory.CreateDirectory(_dir);
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, "id,amount\n1,10\n2,abc\n");
        var s = AccelSession.Builder().Create();
        var ex = Assert.Throws<AccelException>(() => s.Read().Option("header", "true").Schema("id INT, amount INT").Csv(csv).Collect());
        Assert.Contains("bad.csv:3", ex.Message);
        Assert.Contains("'amount'", ex.Message);
        Assert.Contains("'abc'", ex.Message);
        var missing = Assert.Throws<AccelException>(() => s.Read().Parquet(Path.Combine(_dir, "nope.parquet")));
        Assert.Contains("path does not exist", missing.Message);
    }

    public void Dispose()
    {
        if (Directory.Exists(_dir)) Directory.Delete(_dir, true);
    }
}
