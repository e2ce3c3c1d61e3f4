using Accel.Cli;

namespace Accel.Tests;

/// <summary>`accel sql` reading statements from a pipe: multi-line statements, SET, errors that do not stop
/// the shell, and the exit code.</summary>
public sealed class SqlShellTests
{
    private static (int Code, string Out, string Err) RunShell(string input, params string[] args)
    {
        var (oldIn, oldOut, oldErr) = (Console.In, Console.Out, Console.Error);
        var output = new StringWriter();
        var error = new StringWriter();
        try
        {
            Console.SetIn(new StringReader(input));
            Console.SetOut(output);
            Console.SetError(error);
            int code = SqlShell.Run(args);
            return (code, output.ToString().Replace("\r\n", "\n"), error.ToString());
        }
        finally
        {
            Console.SetIn(oldIn);
            Console.SetOut(oldOut);
            Console.SetError(oldErr);
        }
    }

    [Fact]
    public void Statements_span_lines_and_end_with_a_semicolon()
    {
        var (code, output, err) = RunShell("SELECT 1 + 1\n  AS two;\nSET accel.path=scalar;\nSELECT x FROM (VALUES (3), (4)) t(x) WHERE x > 3;\n", "--format", "csv");
        Assert.Equal(0, code);
        Assert.Equal("", err);
        Assert.Equal("two\n2\naccel.path=scalar\nx\n4\n", output);
    }

    [Fact]
    public void An_error_is_reported_and_the_next_statement_still_runs()
    {
        var (code, output, err) = RunShell("SELECT nope;\nSELECT 5 AS five;\nexit;\nSELECT 6;\n", "--format", "csv");
        Assert.Equal(1, code);
        Assert.Contains("error: column 'nope' does not exist", err);
        Assert.Equal("five\n5\n", output);
    }

    [Fact]
    public void Statements_without_a_result_print_ok_and_cached_views_answer_the_same()
    {
        var (code, output, err) = RunShell(
            "CREATE TEMP VIEW t AS SELECT * FROM (VALUES (1, 2.5), (2, 4.0), (3, 1.0)) v(k, x);\nCACHE TABLE t;\n" +
            "SELECT sum(x) AS s FROM t WHERE k > 1;\nUNCACHE TABLE t;\nUNCACHE TABLE missing;\n", "--path", "simd");
        Assert.Equal(1, code);
        Assert.Contains("error: UNCACHE TABLE: table or view not found: missing", err);
        var lines = output.Split('\n');
        Assert.Equal(3, lines.Count(l => l == "OK"));
        Assert.Contains("| 5.0 |", lines);
    }

    [Fact]
    public void With_a_query_argument_it_runs_that_query()
    {
        var (code, output, _) = RunShell("", "--format", "csv", "SELECT 'a' AS s");
        Assert.Equal(0, code);
        Assert.Equal("s\na\n", output);
    }
}
