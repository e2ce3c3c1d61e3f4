using System.Text.Json;
using Accel.Bench.Harness;

namespace Accel.Tests;

/// <summary>`accel bench` end to end at tiny sizes: every result verified and timed or marked unsupported with
/// the planner's reason, results.json in the documented shape, the report and its charts; and the checker
/// that decides what is never timed.</summary>
public sealed class BenchHarnessTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-bench-test-").FullName;

    public void Dispose() => Directory.Delete(_dir, recursive: true);

    [Fact]
    public void A_small_run_writes_verified_results_a_report_and_charts()
    {
        var json = Path.Combine(_dir, "results.json");
        var report = Path.Combine(_dir, "report.md");
        int code = BenchRunner.Run(["--suite", "h2o-groupby,ops", "--rows", "2e3", "--ops-max-rows", "1e3", "--reps", "1", "--paths", "simd,scalar",
            "--threads", "2", "--out", json, "--report", report, "--cache", Path.Combine(_dir, "cache")]);
        Assert.Equal(0, code);

        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var machine = doc.RootElement.GetProperty("machine");
        Assert.True(machine.GetProperty("host_read_gbps").GetDouble() > 0);
        Assert.True(machine.GetProperty("cores").GetInt32() > 0);
        var results = doc.RootElement.GetProperty("results").EnumerateArray().ToList();
        // 10 groupby questions + 5 operators at one size, on simd, scalar and the duckdb reference.
        Assert.Equal(15 * 3, results.Count);
        foreach (var r in results)
        {
            var status = r.GetProperty("status").GetString();
            Assert.Contains(status, new[] { "ok", "unsupported" });
            if (status == "ok")
            {
                Assert.True(r.GetProperty("median_ms").GetDouble() > 0);
                Assert.True(r.GetProperty("min_ms").GetDouble() <= r.GetProperty("max_ms").GetDouble());
                Assert.Equal(1, r.GetProperty("reps").GetInt32());
                // Each engine path's answer also gets one untimed run for its peak memory; DuckDB's memory is not the managed heap.
                bool engine = r.GetProperty("path").GetString() != "duckdb";
                Assert.Equal(engine, r.TryGetProperty("metrics", out var m) && m.ValueKind == JsonValueKind.Object && m.TryGetProperty("peak_heap_bytes", out var peak) && peak.GetDouble() >= 0);
            }
            else Assert.StartsWith($"accel.path={r.GetProperty("path").GetString()}:", r.GetProperty("reason").GetString());
        }
        Assert.Contains(results, r => r.GetProperty("path").GetString() == "scalar" && r.GetProperty("plan_paths").EnumerateObject().Any());
        Assert.All(results.Where(r => r.GetProperty("query").GetString()!.StartsWith("filter")), r => Assert.True(r.GetProperty("bytes_read").GetInt64() > 0));

        var text = File.ReadAllText(report);
        Assert.Contains("## h2o-groupby", text);
        Assert.Contains("## ops", text);
        Assert.Contains("Agreement:", text);
        Assert.Contains("| query | MB read | simd peak MB (x read) | scalar peak MB (x read) |", text);
        Assert.True(File.Exists(Path.Combine(_dir, "report-h2o-groupby-times.png")));
        Assert.True(File.Exists(Path.Combine(_dir, "report-ops-speedup.png")));
    }

    [Fact]
    public void The_gpu_path_is_measured_with_transfer_and_over_device_resident_tables()
    {
        Accel.Kernels.GpuDevice.Use(Accel.Kernels.GpuMode.Cpu); // GPU kernels on ILGPU's CPU accelerator
        var json = Path.Combine(_dir, "gpu.json");
        var report = Path.Combine(_dir, "gpu.md");
        int code = BenchRunner.Run(["--suite", "ops", "--ops-max-rows", "1e3", "--reps", "1", "--paths", "gpu,simd",
            "--threads", "2", "--out", json, "--report", report, "--cache", Path.Combine(_dir, "cache")]);
        Assert.Equal(0, code);
        using var doc = JsonDocument.Parse(File.ReadAllText(json));
        var gpu = doc.RootElement.GetProperty("results").EnumerateArray().Where(r => r.GetProperty("path").GetString() == "gpu").ToList();
        var withTransfer = gpu.Where(r => r.GetProperty("resident").ValueKind == JsonValueKind.False).ToList();
        var resident = gpu.Where(r => r.GetProperty("resident").ValueKind == JsonValueKind.True).ToList();
        Assert.NotEmpty(withTransfer);
        Assert.Equal(withTransfer.Select(r => r.GetProperty("query").GetString()), resident.Select(r => r.GetProperty("query").GetString()));
        Assert.All(resident, r => Assert.Equal("ok", r.GetProperty("status").GetString()));
        static double Moved(JsonElement r) => r.GetProperty("metrics").GetProperty("host_device_bytes").GetDouble();
        // The filter over a resident table moves only its result positions; with transfer it stages the column too.
        var filters = gpu.Where(r => r.GetProperty("query").GetString()!.StartsWith("filter")).ToList();
        Assert.True(Moved(filters.Single(r => r.GetProperty("resident").GetBoolean())) < Moved(filters.Single(r => !r.GetProperty("resident").GetBoolean())));
        Assert.Contains("| query | gpu | gpu resident | simd |", File.ReadAllText(report));
    }

    [Fact]
    public void The_checker_names_the_first_differing_row_and_tolerates_only_rounding()
    {
        List<object?[]> duck = [[1L, "a", 2.5], [2L, "b", 1.0 / 3]];
        Assert.Null(CrossEngine.FirstDifference(duck, [[2, "b", 0.3333333333m], [1, "a", 2.5m]], ordered: false));
        Assert.Equal("DuckDB returned 2 rows, Accel 1", CrossEngine.FirstDifference(duck, [[1L, "a", 2.5]], ordered: true));
        var diff = CrossEngine.FirstDifference(duck, [[1L, "a", 2.5], [2L, "b", 0.34]], ordered: true);
        Assert.StartsWith("row 2 differs at column 3", diff);
        Assert.NotNull(CrossEngine.FirstDifference(duck, [[2L, "b", 1.0 / 3], [1L, "a", 2.5]], ordered: true));
    }

    [Theory]
    [InlineData("--suite", "nope")]
    [InlineData("--paths", "simd,warp")]
    [InlineData("--reps", "zero")]
    [InlineData("--frobnicate", "1")]
    public void Bad_options_are_rejected_with_a_message(string option, string value)
    {
        var ex = Assert.ThrowsAny<AccelException>(() => BenchRunner.Run([option, value, "--out", Path.Combine(_dir, "r.json"), "--report", Path.Combine(_dir, "r.md")]));
        Assert.False(string.IsNullOrWhiteSpace(ex.Message));
    }
}
