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
        if (path is "auto" or "scalar") Assert.Equal(0, result.Unsupported);
    }

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
