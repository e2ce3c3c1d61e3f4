using System.Text.Json;
using Accel.Bench.Harness;

namespace Accel.Tests;

/// <summary>`accel bench --suite ml` at a tiny scale: every case runs on the SIMD and scalar paths, each row is
/// verified by accuracy (metrics recorded, within bounds) before it is timed, and the report has the accuracy table.</summary>
public sealed class MlSuiteTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-bench-ml-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void The_ml_suite_runs_at_a_tiny_size_and_verifies_accuracy()
    {
        var json = Path.Combine(_dir, "results.json");
        var report = Path.Combine(_dir, "report.md");
        int code = BenchRunner.Run(["--suite", "ml", "--sf", "0.001", "--reps", "1", "--paths", "simd,scalar,mlnet", "--threads", "2",
            "--out", json, "--report", report, "--cache", Path.Combine(_dir, "cache")]);
        Assert.Equal(0, code);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        // Four cases on simd, scalar and mlnet; no DuckDB rows (training has no DuckDB answer).
        Assert.Equal(12, results.Count);
        Assert.DoesNotContain(results, r => r.GetProperty("path").GetString() == "duckdb");
        foreach (var r in results)
        {
            string path = r.GetProperty("path").GetString()!, query = r.GetProperty("query").GetString()!;
            if (path == "mlnet" && query is not ("linreg-normal-32" or "dtree-depth8-16"))
            {
                Assert.Equal("unsupported", r.GetProperty("status").GetString());
                continue;
            }
            Assert.Equal("ok", r.GetProperty("status").GetString());
            Assert.True(r.GetProperty("median_ms").GetDouble() > 0);
            var m = r.GetProperty("metrics");
            switch (query)
            {
                case "als-rank10-iter10":
                    double rmse = m.GetProperty("rmse").GetDouble();
                    Assert.InRange(rmse, m.GetProperty("oracle_rmse").GetDouble(), 0.9 * m.GetProperty("baseline_rmse").GetDouble());
                    Assert.Equal(path, r.GetProperty("plan_paths").GetProperty("normal equations").GetString());
                    break;
                case "linreg-normal-32":
                    Assert.InRange(m.GetProperty("rmse").GetDouble(), 0.5 * 0.94, 0.5 * 1.06);
                    Assert.True(m.GetProperty("max_coef_error").GetDouble() <= m.GetProperty("coef_tolerance").GetDouble());
                    break;
                case "dtree-depth8-16":
                    Assert.True(m.GetProperty("holdout_rmse").GetDouble() <= m.GetProperty("rmse_bound").GetDouble());
                    Assert.True(m.GetProperty("holdout_rmse").GetDouble() >= 0.9 * m.GetProperty("truth_holdout_rmse").GetDouble());
                    if (path != "mlnet") Assert.Equal(path, r.GetProperty("plan_paths").GetProperty("histograms").GetString());
                    break;
                case "item-cosine-top10":
                    Assert.True(m.GetProperty("pairs").GetDouble() > 0);
                    Assert.Equal(path, r.GetProperty("plan_paths").GetProperty("co-occurrence top-k").GetString());
                    break;
                default:
                    Assert.Fail($"unexpected case {query}");
                    break;
            }
        }
        // The SIMD path is checked against the scalar one.
        Assert.Contains(results, r => r.GetProperty("path").GetString() == "simd" && r.GetProperty("metrics").TryGetProperty("rel_diff_vs_scalar", out _));
        var text = File.ReadAllText(report);
        Assert.Contains("## ml", text);
        Assert.Contains("rmse=", text);
    }

    [Fact]
    public void Every_case_is_listed_once_and_the_list_is_the_extension_point()
    {
        var o = BenchOptions.Parse(["--suite", "ml", "--sf", "0.001"]);
        var names = MlSuite.Cases(o).Select(c => c.Name).ToList();
        Assert.Equal(["als-rank10-iter10", "linreg-normal-32", "dtree-depth8-16", "item-cosine-top10"], names);
        Assert.Contains("mlnet", BenchOptions.KnownPaths);
    }
}
