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
        foreach (var r in SqlLogicTest.Parse(Path.Combine(Dir, file)))
        {
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
            Assert.Equal(r.Expected, SqlLogicTest.Render(rows, r.RowSort));
        }
    }

    public static TheoryData<string> Files()
    {
        var d = new TheoryData<string>();
        foreach (var f in Directory.GetFiles(Dir, "*.test").Order()) d.Add(Path.GetFileName(f));
        return d;
    }
}
