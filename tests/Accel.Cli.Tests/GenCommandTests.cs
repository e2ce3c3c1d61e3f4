using Accel.Cli;
using Accel.IO;
using Accel.IO.Generators;

namespace Accel.Tests;

/// <summary>`accel gen`: the files each data set writes, the summary lines, the progress bar and the
/// errors bad options raise.</summary>
public sealed class GenCommandTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-gen-cli-").FullName;

    public void Dispose() => Directory.Delete(_dir, true);

    private static string[] Run(params string[] args)
    {
        var w = new StringWriter();
        Assert.Equal(0, GenCommand.Run(args, w, null));
        return w.ToString().Replace("\r\n", "\n").Split('\n', StringSplitOptions.RemoveEmptyEntries);
    }

    private static long Rows(string path, string format) =>
        FileTable.Open(path, format, new Dictionary<string, string> { ["header"] = "true" })
            .Read(null, [], new ScanMetrics()).Sum(b => (long)b.RowCount);

    [Fact]
    public void Tpch_writes_every_table_and_one_summary_line_each()
    {
        var dir = Path.Combine(_dir, "tpch");
        var lines = Run("tpch", "--sf", "0.001", "--out", dir, "--format", "arrow", "--seed", "3");
        Assert.Equal(TpchGenerator.TableNames.Count + 1, lines.Length);
        foreach (var t in TpchGenerator.TableNames)
        {
            var file = Path.Combine(dir, t + ".arrow");
            var line = Assert.Single(lines, l => l.StartsWith(t + ": ", StringComparison.Ordinal));
            Assert.Matches($@"^{t}: [\d,]+ rows -> .+ \(\d+\.\d\d s\)$", line);
            Assert.Contains(file, line);
            Assert.Contains($"{Rows(file, "arrow"):N0} rows", line);
        }
        Assert.StartsWith("generated 8 files in ", lines[^1]);
        Assert.Equal(150, Rows(Path.Combine(dir, "customer.arrow"), "arrow"));
    }

    [Fact]
    public void H2o_groupby_and_join_accept_scientific_row_counts()
    {
        var file = Path.Combine(_dir, "G1_1e4_1e1_5_1.csv");
        var line = Assert.Single(Run("h2o-groupby", "--rows", "1e4", "--k", "1e1", "--nas", "5", "--sorted", "--out", file));
        Assert.StartsWith("groupby: 10,000 rows -> ", line);
        Assert.Equal(10_000, Rows(file, "csv"));
        Assert.StartsWith("id1,id2,id3,id4,id5,id6,v1,v2,v3\n,", File.ReadAllText(file).Replace("\r\n", "\n"));

        var dir = Path.Combine(_dir, "join");
        var lines = Run("h2o-join", "--rows", "10000", "--out", dir, "--format", "parquet");
        Assert.Equal(5, lines.Length);
        Assert.Equal(10_000, Rows(Path.Combine(dir, "x.parquet"), "parquet"));
        Assert.Equal(1, Rows(Path.Combine(dir, "small.parquet"), "parquet"));
        Assert.Equal(10, Rows(Path.Combine(dir, "medium.parquet"), "parquet"));
        Assert.Equal(10_000, Rows(Path.Combine(dir, "big.parquet"), "parquet"));
    }

    [Fact]
    public void The_progress_bar_redraws_one_line_and_ends_it()
    {
        var progress = new StringWriter();
        Assert.Equal(0, GenCommand.Run(["h2o-groupby", "--rows", "2e4", "--k", "10", "--out", Path.Combine(_dir, "g.parquet")], new StringWriter(), progress));
        var text = progress.ToString();
        Assert.StartsWith("\rh2o-groupby [", text);
        Assert.Contains("100%", text);
        Assert.Single(text.Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.EndsWith(Environment.NewLine, text);
    }

    [Theory]
    [InlineData("--sf must be a positive number, got 'abc'", "tpch", "--sf", "abc", "--out", "d")]
    [InlineData("--sf must be a positive number, got '-1'", "tpch", "--sf", "-1", "--out", "d")]
    [InlineData("accel gen tpch needs --out", "tpch", "--sf", "1")]
    [InlineData("--format must be parquet, csv or arrow, got 'xml'", "tpch", "--sf", "1", "--out", "d", "--format", "xml")]
    [InlineData("unknown option '--rows' for accel gen tpch", "tpch", "--rows", "10")]
    [InlineData("--rows must be a whole number", "h2o-groupby", "--rows", "1.5", "--k", "10", "--out", "g.csv")]
    [InlineData("--rows must be a whole number", "h2o-join", "--rows", "1e20", "--out", "d")]
    [InlineData("--nas must be a percentage between 0 and 100, got 150", "h2o-join", "--rows", "1e4", "--nas", "150", "--out", "d")]
    [InlineData("--seed must be an integer, got 'x'", "h2o-join", "--rows", "1e4", "--seed", "x", "--out", "d")]
    [InlineData("option --out needs a value", "h2o-join", "--rows", "1e4", "--out")]
    [InlineData("option --rows is given twice", "h2o-join", "--rows", "1e4", "--rows", "1e5")]
    [InlineData("cannot tell the output format of 'g.txt'", "h2o-groupby", "--rows", "100", "--k", "10", "--out", "g.txt")]
    [InlineData("unknown data set 'tpcds'", "tpcds", "--sf", "1")]
    [InlineData("usage: accel gen", "--sf", "1")]
    public void Bad_options_raise_one_line_errors(string message, params string[] args)
    {
        var ex = Assert.Throws<AccelException>(() => GenCommand.Run(args, new StringWriter(), null));
        Assert.Contains(message, ex.Message);
        Assert.DoesNotContain('\n', ex.Message);
    }

    [Fact]
    public void Command_line_reports_errors_with_exit_code_one()
    {
        Assert.Equal(1, CommandLine.Run(["gen", "tpch", "--sf", "0", "--out", _dir]));
        Assert.Empty(Directory.GetFileSystemEntries(_dir));
    }
}
