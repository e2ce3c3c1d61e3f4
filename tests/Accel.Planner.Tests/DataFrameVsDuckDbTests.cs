using Accel.Sql;
using static Accel.Sql.Functions;

namespace Accel.Tests;

/// <summary>DataFrame queries whose expected answers come from DuckDB running the equivalent SQL on the same rows.</summary>
public sealed class DataFrameVsDuckDbTests : IClassFixture<DataFrameVsDuckDbTests.Tables>
{
    /// <summary>The same tables in Accel and in DuckDB.</summary>
    public sealed class Tables : IDisposable
    {
        /// <summary>The reference engine.</summary>
        public DuckDbReference Duck { get; } = new();
        /// <summary>Fact rows.</summary>
        public List<object?[]> FactRows { get; } = TestData.Fact(3000);

        /// <summary>Loads both tables into DuckDB.</summary>
        public Tables()
        {
            Duck.Load("fact", TestData.FactSchema, FactRows);
            Duck.Load("dim", TestData.DimSchema, TestData.Dim());
        }

        /// <inheritdoc />
        public void Dispose() => Duck.Dispose();
    }

    private readonly Tables _t;
    public DataFrameVsDuckDbTests(Tables t) => _t = t;

    private (AccelSession S, DataFrame Fact, DataFrame Dim) Session(string path)
    {
        var s = AccelSession.Builder().Config("accel.path", path).Create();
        TestPaths.Configure(s, path);
        // Small batches so every query crosses many batch boundaries.
        s.Conf().Set("accel.batchSize", "257");
        var fact = s.CreateDataFrame(_t.FactRows, TestData.FactSchema);
        var dim = s.CreateDataFrame(TestData.Dim(), TestData.DimSchema);
        return (s, fact, dim);
    }

    private void AssertSame(DataFrame df, string sql, bool ordered = false)
    {
        var actual = df.Collect().Select(r => DuckDbReference.Normalize(r.Values)).ToList();
        var expected = _t.Duck.Query(sql).Select(DuckDbReference.Normalize).ToList();
        if (!ordered) { actual.Sort(StringComparer.Ordinal); expected.Sort(StringComparer.Ordinal); }
        Assert.Equal(expected.Count, actual.Count);
        for (int i = 0; i < expected.Count; i++) Assert.Equal(expected[i], actual[i]);
    }

    /// <summary>Paths under which the skeleton operators (filter, project, aggregate) must give DuckDB's answer.</summary>
    public static TheoryData<string> SkeletonPaths => TestPaths.Skeleton;

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Filter_comparisons_and_or_over_numeric_and_date_columns(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Filter((Col("k") > 3 & Col("v") <= 60.5) | (Col("d") >= Lit(new DateOnly(2024, 6, 1)) & Col("x") != 0L) | Col("k") == 0)
                     .Select("id");
        AssertSame(df, "SELECT id FROM fact WHERE (k > 3 AND v <= 60.5) OR (d >= DATE '2024-06-01' AND x <> 0) OR k = 0");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Filter_with_not_and_null_checks(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Filter(!(Col("k") < 5) & Col("v").IsNotNull() | Col("k").IsNull() & Col("x") < 0L).Select("id", "k");
        AssertSame(df, "SELECT id, k FROM fact WHERE (NOT (k < 5) AND v IS NOT NULL) OR (k IS NULL AND x < 0)");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Projection_arithmetic_follows_spark_types(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Select(Col("id"), (Col("x") + Col("k") * 2).Alias("a"), (Col("v") * 1.5 - Col("k")).Alias("b"), (Col("v") / Col("k")).Alias("c"), (-Col("x")).Alias("e"));
        AssertSame(df, "SELECT id, x + k * 2, v * 1.5 - k, CASE WHEN k = 0 THEN NULL ELSE v / k END, -x FROM fact");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Integer_division_is_double_and_division_by_zero_is_null(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Select(Col("id"), (Col("x") / Col("k")).Alias("q"));
        AssertSame(df, "SELECT id, CASE WHEN k = 0 THEN NULL ELSE x::DOUBLE / k END FROM fact");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Global_aggregates(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Agg(Sum("x"), Count("k"), Count(Lit(1)), Min("v"), Max("v"), Avg("v"), Sum("v"), Min("d"), Max("x"));
        AssertSame(df, "SELECT sum(x), count(k), count(*), min(v), max(v), avg(v), sum(v), min(d), max(x) FROM fact");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Aggregates_grouped_by_integer_key_with_null_group(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.GroupBy("k").Agg(Sum("x"), Count("v"), Count(Lit(1)), Min("x"), Max("v"), Avg("x"), Avg("v"));
        AssertSame(df, "SELECT k, sum(x), count(v), count(*), min(x), max(v), avg(x), avg(v) FROM fact GROUP BY k");
    }

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Filter_project_aggregate_pipeline(string path)
    {
        var (_, fact, _) = Session(path);
        var df = fact.Filter(Col("d") < Lit(new DateOnly(2024, 9, 1)) & Col("v") > 0.0)
                     .WithColumn("w", Col("v") * 2.0 + Col("k"))
                     .GroupBy("k").Agg(Sum("w"), Count(Lit(1)), Max("w"));
        AssertSame(df, "SELECT k, sum(v * 2.0 + k), count(*), max(v * 2.0 + k) FROM fact WHERE d < DATE '2024-09-01' AND v > 0 GROUP BY k");
    }

    [Fact]
    public void Aggregates_grouped_by_strings_with_distinct_and_stddev()
    {
        var (_, fact, _) = Session("scalar");
        var df = fact.GroupBy("g").Agg(CountDistinct("k"), Stddev(Col("v")), Sum("amt"), Avg("amt"), Min("s"), Max("s"));
        AssertSame(df, "SELECT g, count(DISTINCT k), stddev_samp(v), sum(amt), round(avg(amt), 6)::DECIMAL(18,6), min(s), max(s) FROM fact GROUP BY g");
    }

    [Fact]
    public void Multi_key_grouping_and_group_count()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.GroupBy(Col("g"), Year(Col("d")).Alias("y")).Count();
        AssertSame(df, "SELECT g, year(d), count(*) FROM fact GROUP BY g, year(d)");
    }

    [Theory]
    [InlineData("inner", "INNER")]
    [InlineData("left", "LEFT")]
    [InlineData("right", "RIGHT")]
    [InlineData("full", "FULL")]
    public void Joins_on_a_key_with_duplicates_and_nulls(string type, string sqlType)
    {
        var (_, fact, dim) = Session("auto");
        var df = fact.Join(dim, fact["k"] == dim["k"], type).Select(fact["id"], fact["k"], dim["k"], dim["name"], dim["weight"]);
        AssertSame(df, $"SELECT fact.id, fact.k, dim.k, dim.name, dim.weight FROM fact {sqlType} JOIN dim ON fact.k = dim.k");
    }

    [Theory]
    [InlineData("left_semi", "SEMI")]
    [InlineData("left_anti", "ANTI")]
    public void Semi_and_anti_joins(string type, string sqlType)
    {
        var (_, fact, dim) = Session("auto");
        var df = fact.Join(dim, fact["k"] == dim["k"], type).Select("id", "k");
        AssertSame(df, $"SELECT id, k FROM fact {sqlType} JOIN dim ON fact.k = dim.k");
    }

    [Fact]
    public void Multi_column_join_with_residual_and_broadcast_hint()
    {
        var (_, fact, dim) = Session("auto");
        var df = fact.Join(Broadcast(dim), (fact["k"] == dim["k"]) & (fact["v"] > dim["weight"]))
                     .Select(fact["id"], dim["name"]);
        AssertSame(df, "SELECT fact.id, dim.name FROM fact JOIN dim ON fact.k = dim.k AND fact.v > dim.weight");
        Assert.Contains("BroadcastHashJoinExec", df.ExplainString());
    }

    [Fact]
    public void Sort_multi_key_with_spark_null_ordering_and_limit()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.OrderBy(Col("k").Desc(), Col("v").Asc(), Col("id").Asc()).Limit(50).Select("id", "k", "v");
        AssertSame(df, "SELECT id, k, v FROM fact ORDER BY k DESC NULLS LAST, v ASC NULLS FIRST, id ASC LIMIT 50", ordered: true);
        var all = fact.OrderBy(Col("g"), Col("amt").Desc(), Col("id")).Select("id");
        AssertSame(all, "SELECT id FROM fact ORDER BY g ASC NULLS FIRST, amt DESC NULLS LAST, id", ordered: true);
    }

    [Fact]
    public void Distinct_union_and_limit()
    {
        var (_, fact, dim) = Session("auto");
        AssertSame(fact.Select("k", "g").Distinct(), "SELECT DISTINCT k, g FROM fact");
        AssertSame(fact.Select(Col("k")).Union(dim.Select(Col("k"))), "SELECT k FROM fact UNION ALL SELECT k FROM dim");
        Assert.Equal(17, fact.Limit(17).Count());
    }

    [Fact]
    public void String_functions()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.Select(Col("id"), Upper(Col("g")), Lower(Col("g")), Length(Col("s")), Substring(Col("s"), 2, 3),
            Concat(Col("g"), Lit("-"), Col("s")), Trim(Concat(Lit("  "), Col("g"), Lit(" "))), Col("s").Like("%b 1%"));
        AssertSame(df, "SELECT id, upper(g), lower(g), length(s), substring(s, 2, 3), g || '-' || s, trim('  ' || g || ' '), s LIKE '%b 1%' FROM fact");
    }

    [Fact]
    public void Date_functions()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.Select(Col("id"), Year(Col("d")), Month(Col("d")), DayOfMonth(Col("d")), DateAdd(Col("d"), 40), DateSub(Col("d"), 3),
            DateDiff(Col("d"), Lit(new DateOnly(2024, 2, 29))));
        AssertSame(df, "SELECT id, year(d), month(d), day(d), d + 40, d - 3, datediff('day', DATE '2024-02-29', d) FROM fact");
    }

    [Fact]
    public void Case_when_coalesce_in_between_round_abs_cast()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.Select(Col("id"),
            When(Col("k") > 5, "big").When(Col("k") > 0, "small").Otherwise("other"),
            Coalesce(Col("v"), Col("k").Cast("double"), Lit(-1.0)),
            Col("k").IsIn(1, 3, 5), Col("v").Between(0, 10), Round(Col("v"), 1), Abs(Col("x")), Col("amt").Cast("int"));
        AssertSame(df, "SELECT id, CASE WHEN k > 5 THEN 'big' WHEN k > 0 THEN 'small' ELSE 'other' END, coalesce(v, k::DOUBLE, -1.0), " +
                       "k IN (1, 3, 5), v BETWEEN 0 AND 10, round(v, 1), abs(x), trunc(amt)::INTEGER FROM fact");
    }

    [Fact]
    public void Split_and_explode()
    {
        var (_, fact, _) = Session("auto");
        var df = fact.Filter(Col("id") < 200).Select(Col("id"), Explode(Split(Col("s"), " ")).Alias("w"));
        AssertSame(df, "SELECT id, unnest(string_split_regex(s, ' ')) FROM fact WHERE id < 200 AND s IS NOT NULL");
    }
}
