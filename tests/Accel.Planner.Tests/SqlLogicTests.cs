using Accel.Planner.Sql;

namespace Accel.Tests;

/// <summary>Runs tests/sql/*.test under every forced path, and re-checks their expected rows against DuckDB.</summary>
public sealed class SqlLogicTests
{
    private static readonly string Dir = Path.GetFullPath(Path.Combine(AppContext.BaseDirectory, "../../../../sql"));

    public static TheoryData<string, string> Cases()
    {
        var d = new TheoryData<string, string>();
        foreach (var f in Directory.GetFiles(Dir, "*.test").Order())
            foreach (var p in new[] { "auto", "scalar", "simd", "gpu" }) d.Add(Path.GetFileName(f), p);
        return d;
    }

    [Theory, MemberData(nameof(Cases))]
    public void File_passes_under_path(string file, string path)
    {
        _ = TestPaths.Skeleton; // selects ILGPU's CPU accelerator for the gpu path
        var result = SqlLogicTest.Run(Path.Combine(Dir, file), path);
        Assert.Empty(result.Failures);
        Assert.True(result.Passed > 0, "nothing ran");
        // Every query of the files runs wholly on the SIMD path too; only the GPU path may decline some.
        if (path is "auto" or "scalar" or "simd") Assert.Equal(0, result.Unsupported);
    }

    [Fact]
    public void Twenty_one_of_the_TPCH_queries_run_wholly_on_the_gpu_path_and_the_last_says_why()
    {
        _ = TestPaths.Skeleton;
        var result = SqlLogicTest.Run(Path.Combine(Dir, "tpch.test"), "gpu");
        Assert.Empty(result.Failures);
        Assert.Equal(22, result.Passed); // the load record and 21 queries
        var q22 = Assert.Single(result.UnsupportedQueries);
        Assert.EndsWith("ProjectExec cannot run on the gpu path: function 'substring' has no GPU kernel yet", q22);
    }

    [Theory]
    [InlineData("a\t1.234567", "a\t1.234568", true)]    // a parallel sum rounding the other way in the 6th decimal
    [InlineData("a\t1.234567", "a\t1.234569", false)]
    [InlineData("7\t0.5", "7\t0.500001", true)]
    [InlineData("7\t1", "8\t1", false)]                 // integers match exactly
    [InlineData("x\t1.5", "y\t1.5", false)]
    [InlineData("1.5", "1.5\t2", false)]
    public void Floating_cells_may_differ_by_one_unit_in_the_last_printed_decimal(string actual, string expected, bool matches) =>
        Assert.Equal(matches, SqlLogicTest.LineMatches(actual, expected));

    [Theory]
    [MemberData(nameof(Files))]
    public void Expected_rows_agree_with_duckdb(string file)
    {
        using var duck = new DuckDbReference();
        // ACCEL_SLT_COMPLETE=1 writes DuckDB's rows into the file as the expected results (for new records).
        bool complete = Environment.GetEnvironmentVariable("ACCEL_SLT_COMPLETE") == "1";
        var lines = File.ReadAllLines(Path.Combine(Dir, file)).ToList();
        var completed = new List<(int Line, List<string> Rows)>();
        foreach (var r in SqlLogicTest.Parse(Path.Combine(Dir, file)))
        {
            if (r.Load is { } load)
            {
                foreach (var (name, schema, batches) in SqlLogicData.Tables(load))
                {
                    duck.Execute($"DROP TABLE IF EXISTS {name}");
                    duck.Load(name, schema, batches.SelectMany(b => b.Rows()));
                }
                continue;
            }
            // Spark's VARCHAR cast and CREATE TEMP VIEW are spelled the same in DuckDB; nothing else is rewritten.
            if (!r.IsQuery)
            {
                if (r.ExpectError) Assert.ThrowsAny<Exception>(() => duck.Query(r.Sql));
                else duck.Execute(r.Sql);
                continue;
            }
            var rows = duck.Query(r.Sql).Select(row => row.Select(v => v switch
            {
                DateTime t => (object)DateOnly.FromDateTime(t),
                System.Numerics.BigInteger b => (long)b,
                _ => v,
            }).ToArray());
            if (complete) completed.Add((r.Line, SqlLogicTest.Render(rows, r.RowSort)));
            else Assert.Equal(r.Expected, SqlLogicTest.Render(rows, r.RowSort));
        }
        if (!complete) return;
        foreach (var (line, rows) in completed.OrderByDescending(c => c.Line))
        {
            int sep = lines.FindIndex(line, l => l.Trim() == "----");
            int end = sep + 1;
            while (end < lines.Count && lines[end].Trim().Length > 0) end++;
            lines.RemoveRange(sep + 1, end - sep - 1);
            lines.InsertRange(sep + 1, rows);
        }
        File.WriteAllLines(Path.Combine(Dir, file), lines);
    }

    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Dir, "*.test").Order()) d.Add(Path.GetFileName(f));
        return d;
    }
}
