using Accel.Sql;

namespace Accel.Tests;

/// <summary>Spark SQL through session.Sql, checked against DuckDB running the same text (or its DuckDB
/// spelling) on the same rows, under each forced path where the query allows it.</summary>
public sealed class SqlVsDuckDbTests : IClassFixture<DataFrameVsDuckDbTests.Tables>
{
    private readonly DataFrameVsDuckDbTests.Tables _t;
    public SqlVsDuckDbTests(DataFrameVsDuckDbTests.Tables t) => _t = t;

    private AccelSession Session(string path = "auto")
    {
        var s = AccelSession.Builder().Create();
        TestPaths.Configure(s, path);
        s.Conf().Set("accel.batchSize", "500");
        s.CreateDataFrame(_t.FactRows, TestData.FactSchema).CreateOrReplaceTempView("fact");
        s.CreateDataFrame(TestData.Dim(), TestData.DimSchema).CreateOrReplaceTempView("dim");
        return s;
    }

    private void Same(string sql, string? duckSql = null, bool ordered = false, string path = "auto")
    {
        var actual = Session(path).Sql(sql).Collect().Select(r => DuckDbReference.Normalize(r.Values)).ToList();
        var expected = _t.Duck.Query(duckSql ?? sql).Select(DuckDbReference.Normalize).ToList();
        if (!ordered) { actual.Sort(StringComparer.Ordinal); expected.Sort(StringComparer.Ordinal); }
        Assert.Equal(expected, actual);
    }

    public static TheoryData<string> SkeletonPaths => TestPaths.Skeleton;

    [Theory, MemberData(nameof(SkeletonPaths))]
    public void Filter_project_aggregate(string path) =>
        Same("SELECT k, sum(x) AS sx, count(*) AS n, min(v), max(v), avg(v * 2.0 + 1.0) FROM fact WHERE d >= DATE '2024-02-01' AND (v > 0.5 OR k < 3) GROUP BY k", path: path);

    [Fact]
    public void Joins_aliases_and_qualified_columns() =>
        Same("SELECT f.id, d.name, f.v * d.weight AS w FROM fact f LEFT JOIN dim AS d ON f.k = d.k WHERE f.id < 400");

    [Fact]
    public void Comma_join_with_where_and_semi_anti() {
        Same("SELECT f.id, d.name FROM fact f, dim d WHERE f.k = d.k AND f.id < 100");
        Same("SELECT id FROM fact f LEFT SEMI JOIN dim d ON f.k = d.k", "SELECT id FROM fact f SEMI JOIN dim d ON f.k = d.k");
        Same("SELECT id FROM fact f LEFT ANTI JOIN dim d ON f.k = d.k", "SELECT id FROM fact f ANTI JOIN dim d ON f.k = d.k");
    }

    [Fact]
    public void Having_order_by_nulls_and_limit() =>
        Same("SELECT g, count(*) AS n, round(avg(v), 3) AS av FROM fact GROUP BY g HAVING count(*) > 10 AND n < 1000 ORDER BY n DESC, g NULLS LAST LIMIT 4",
             "SELECT g, count(*) AS n, round(avg(v), 3) AS av FROM fact GROUP BY g HAVING count(*) > 10 AND count(*) < 1000 ORDER BY n DESC, g NULLS LAST LIMIT 4", ordered: true);

    [Fact]
    public void Order_by_a_column_not_selected_and_by_position() {
        Same("SELECT id FROM fact WHERE k = 4 ORDER BY x DESC, id", ordered: true);
        Same("SELECT g, k FROM fact WHERE id < 50 ORDER BY 2 DESC NULLS FIRST, 1, id", "SELECT g, k FROM fact WHERE id < 50 ORDER BY 2 DESC NULLS FIRST, 1 NULLS FIRST, id", ordered: true);
    }

    [Fact]
    public void Cte_subquery_union_distinct() =>
        Same("WITH big AS (SELECT id, k FROM fact WHERE x > 0) SELECT DISTINCT k FROM (SELECT k FROM big UNION ALL SELECT k FROM dim) t");

    [Fact]
    public void Case_cast_in_between_like_interval_extract() =>
        Same("SELECT id, CASE WHEN k IN (1, 2, 3) THEN 'low' WHEN k BETWEEN 4 AND 8 THEN 'mid' ELSE 'high' END, CAST(amt AS INT), " +
             "d + INTERVAL '7' DAY, EXTRACT(YEAR FROM d), s LIKE 'a%', substring(s, 2, 2), coalesce(v, -1.0) FROM fact",
             "SELECT id, CASE WHEN k IN (1, 2, 3) THEN 'low' WHEN k BETWEEN 4 AND 8 THEN 'mid' ELSE 'high' END, trunc(amt)::INTEGER, " +
             "d + 7, year(d), s LIKE 'a%', substring(s, 2, 2), coalesce(v, -1.0) FROM fact");

    [Fact]
    public void Count_distinct_and_broadcast_hint()
    {
        Same("SELECT /*+ BROADCAST(dim) */ dim.name, count(DISTINCT fact.g) FROM fact JOIN dim ON fact.k = dim.k GROUP BY dim.name");
        var plan = Session().Sql("EXPLAIN SELECT /*+ BROADCAST(d) */ f.id FROM fact f JOIN dim d ON f.k = d.k").Collect().Single().GetAs<string>(0);
        Assert.Contains("BroadcastHashJoinExec", plan);
        Assert.Contains("path=", plan);
    }

    [Theory]
    [InlineData("SELECT id FROM fact WHERE", "syntax error at line 1, column 26: found end of input, expected an expression")]
    [InlineData("SELECT id\nFROM fact\nWHERE k >", "line 3, column 10")]
    [InlineData("SELECT id FROM nope", "table or view not found: nope")]
    [InlineData("SELECT nope FROM fact", "column 'nope' does not exist")]
    [InlineData("SELECT frobnicate(id) FROM fact", "undefined function: 'frobnicate' at line 1, column 8")]
    [InlineData("SELECT id FROM fact LIMIT x", "expected a row count after LIMIT")]
    [InlineData("SELECT 'abc FROM fact", "unterminated string literal")]
    [InlineData("SELECT k, x FROM fact GROUP BY k", "neither present in the group by")]
    public void Errors_locate_the_problem(string sql, string message)
    {
        var ex = Assert.Throws<AccelException>(() => Session().Sql(sql).Collect());
        Assert.Contains(message, ex.Message);
    }
}
