using System.Globalization;
using Accel.Cli;
using Accel.IO.Generators;
using Accel.IO.Workloads;

namespace Accel.Tests;

/// <summary>The 22 TPC-H queries through `accel query --tables DIR --format csv` on SF 0.01 files written by
/// `accel gen tpch`, each line checked against DuckDB on the same files; and `accel sql` reading statements
/// from a pipe.</summary>
public sealed class WorkloadCliTests : IClassFixture<WorkloadCliTests.TpchFiles>
{
    /// <summary>SF 0.01 generated through the CLI once.</summary>
    public sealed class TpchFiles : IDisposable
    {
        public string Dir { get; } = Directory.CreateTempSubdirectory("accel-cli-tpch-").FullName;
        public DuckDbReference Duck { get; } = new();

        public TpchFiles()
        {
            Assert.Equal(0, CommandLine.Run(["gen", "tpch", "--sf", "0.01", "--out", Dir, "--format", "parquet"]));
            foreach (var t in TpchGenerator.TableNames)
                Duck.Execute($"CREATE TABLE {t} AS SELECT * FROM read_parquet('{Path.Combine(Dir, t + ".parquet")}')");
        }

        public void Dispose()
        {
            Duck.Dispose();
            Directory.Delete(Dir, recursive: true);
        }
    }

    private readonly TpchFiles _files;
    public WorkloadCliTests(TpchFiles files) => _files = files;

    public static TheoryData<string> Queries()
    {
        var d = new TheoryData<string>();
        foreach (var q in WorkloadQueries.Names("tpch")) d.Add(q);
        return d;
    }

    [Theory, MemberData(nameof(Queries))]
    public void Tpch_query_through_the_cli_matches_duckdb(string query)
    {
        var sql = WorkloadQueries.Sql("tpch", query);
        var w = new StringWriter();
        Assert.Equal(0, QueryCommand.Run(["--tables", _files.Dir, "--format", "csv", sql], w, explainOnly: false));
        var lines = w.ToString().Replace("\r\n", "\n").Split('\n')[..^1]; // every line ends with \n; a lone NULL is an empty line
        var expected = _files.Duck.Query(sql);
        var actual = lines.Skip(1).Select(l => ParseCsvLine(l).Select(Typed).ToArray()).ToList();
        WorkloadResults.AssertSame(query, expected, actual, ordered: true);
    }

    [Fact]
    public void Explain_shows_a_path_and_the_reasons_for_every_operator()
    {
        var w = new StringWriter();
        Assert.Equal(0, QueryCommand.Run(["--tables", _files.Dir, WorkloadQueries.Sql("tpch", "q05")], w, explainOnly: true));
        var ops = w.ToString().Split('\n').Where(l => l.Contains("Exec ")).ToList();
        Assert.True(ops.Count > 10);
        Assert.All(ops, l => Assert.Matches(@"path=(gpu|simd|scalar)\s+\(gpu: .+; (simd|scalar): .+\)", l));
    }

    // The CLI's CSV: NULL is empty, text quoted only when needed; values come back as numbers when they parse.
    private static object? Typed(string s) =>
        s.Length == 0 ? null : decimal.TryParse(s, NumberStyles.Float, CultureInfo.InvariantCulture, out var m) ? m : s;

    private static List<string> ParseCsvLine(string line)
    {
        var cells = new List<string>();
        var cur = new System.Text.StringBuilder();
        bool quoted = false;
        for (int i = 0; i < line.Length; i++)
        {
            char c = line[i];
            if (quoted)
            {
                if (c == '"' && i + 1 < line.Length && line[i + 1] == '"') { cur.Append('"'); i++; }
                else if (c == '"') quoted = false;
                else cur.Append(c);
            }
            else if (c == '"') quoted = true;
            else if (c == ',') { cells.Add(cur.ToString()); cur.Clear(); }
            else cur.Append(c);
        }
        cells.Add(cur.ToString());
        return cells;
    }
}
