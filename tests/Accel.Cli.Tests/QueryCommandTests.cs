using Accel.Cli;

namespace Accel.Tests;

/// <summary>`accel query` and `accel explain` over files, in each output format, and their errors.</summary>
public sealed class QueryCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-cli-").FullName;
    private readonly string _csv;

    public QueryCommandTests()
    {
        _csv = Path.Combine(_dir, "t.csv");
        File.WriteAllText(_csv, "id,name,price,day\n1,apple,1.5,2024-01-02\n2,\"pear, green\",2.25,2024-01-03\n3,,0.1,\n");
    }

    private string Run(bool explain, params string[] args)
    {
        var w = new StringWriter();
        Assert.Equal(0, QueryCommand.Run(args, w, explain));
        return w.ToString().Replace("\r\n", "\n");
    }

    [Fact]
    public void Csv_format_prints_header_nulls_as_empty_and_quotes_only_when_needed()
    {
        var text = Run(false, "--table", $"t={_csv}", "--format", "csv", "SELECT id, name, price * 2 AS p2, day FROM t ORDER BY id");
        Assert.Equal("id,name,p2,day\n1,apple,3,2024-01-02\n2,\"pear, green\",4.5,2024-01-03\n3,,0.2,\n", text);
    }

    [Fact]
    public void Json_and_table_formats()
    {
        var json = Run(false, "--table", $"t={_csv}", "--format", "json", "SELECT id, name FROM t WHERE id < 3 ORDER BY id");
        Assert.Equal("[{\"id\":1,\"name\":\"apple\"},{\"id\":2,\"name\":\"pear, green\"}]\n", json);
        var table = Run(false, "--table", $"t={_csv}", "SELECT count(*) AS n FROM t");
        Assert.Contains("| 3 |", table);
        Assert.Contains("1 row", table);
    }

    [Fact]
    public void Explain_and_analyze_show_the_path_of_every_operator()
    {
        var plan = Run(true, "--table", $"t={_csv}", "--path", "scalar", "SELECT name, sum(price) FROM t WHERE id > 1 GROUP BY name");
        Assert.StartsWith("== Physical Plan ==", plan);
        Assert.All(plan.Split('\n', StringSplitOptions.RemoveEmptyEntries).Skip(1), l => Assert.Contains("path=", l));
        var analyzed = Run(false, "--table", $"t={_csv}", "--analyze", "SELECT id FROM t WHERE id > 1");
        Assert.Contains("== Physical Plan (analyzed) ==", analyzed);
        Assert.Contains("rows=2", analyzed);
    }

    [Fact]
    public void Bad_sql_and_bad_options_are_errors_and_exit_non_zero()
    {
        Assert.Contains("syntax error at line 1", Assert.Throws<AccelException>(() => Run(false, "--table", $"t={_csv}", "SELECT FROM t")).Message);
        Assert.Contains("--table expects NAME=PATH", Assert.Throws<AccelException>(() => Run(false, "--table", "oops", "SELECT 1")).Message);
        Assert.Contains("--format must be", Assert.Throws<AccelException>(() => Run(false, "--format", "xml", "SELECT 1")).Message);
        Assert.Equal(1, CommandLine.Run(["query", "--table", "t=/no/such.csv", "SELECT 1"]));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
