using System.Globalization;
using System.Text;

namespace Accel.Bench.Harness;

/// <summary>The Markdown report (one table per suite: queries by paths, median ms and the ratio to DuckDB),
/// the roofline table, the planner-agreement figure of the ops suite, and PNG charts next to the report.</summary>
public static class Report
{
    /// <summary>Writes <paramref name="file"/> and its charts (&lt;report&gt;-&lt;suite&gt;-times.png, -speedup.png).</summary>
    public static void Write(BenchRun run, string file)
    {
        var ci = CultureInfo.InvariantCulture;
        var m = run.Machine;
        var sb = new StringBuilder();
        sb.AppendLine("# Accel benchmark report").AppendLine();
        sb.AppendLine($"`{run.Command}` on {m.Date}").AppendLine();
        sb.AppendLine($"* CPU: {m.Cpu}, {m.Cores} cores ({run.Threads} threads used by Accel's SIMD path and by DuckDB), SIMD: {m.Simd}");
        sb.AppendLine($"* GPU: {(m.Gpu is null ? "none (" + m.GpuUnavailableReason + ")" : $"{m.Gpu.Name}, {m.Gpu.MemoryGb} GB, driver {m.Gpu.Driver}")}");
        sb.AppendLine($"* measured host read bandwidth: {m.HostReadGbps.ToString(ci)} GB/s; device read: {(m.DeviceReadGbps?.ToString(ci) ?? "n/a")}; host-to-device: {(m.H2dGbps?.ToString(ci) ?? "n/a")} GB/s");
        sb.AppendLine($"* {m.Os}, .NET {m.DotNet}{(m.Gc is null ? "" : $", GC {m.Gc}")}").AppendLine();
        sb.AppendLine("Every timed answer was first checked against DuckDB's; `failed` cells were never timed, `n/a` cells are paths the planner cannot run that query on (reasons in results.json).").AppendLine();

        var baseName = Path.Combine(Path.GetDirectoryName(Path.GetFullPath(file))!, Path.GetFileNameWithoutExtension(file));
        foreach (var suite in run.Results.GroupBy(r => r.Suite))
        {
            var paths = suite.Select(Column).Distinct().ToList();
            bool ml = suite.Key == "ml";
            // The ml cases each have their own size, given per row.
            sb.AppendLine(ml ? $"## {suite.Key}" : $"## {suite.Key} ({suite.First().Scale})").AppendLine();
            sb.AppendLine("| query | " + string.Join(" | ", paths) + " |");
            sb.AppendLine("|---|" + string.Concat(paths.Select(_ => "---:|")));
            foreach (var q in suite.GroupBy(r => r.Query))
            {
                var duck = q.FirstOrDefault(r => r.Path == "duckdb")?.MedianMs;
                var name = ml ? $"{q.Key}, {q.First().Scale}" : q.Key;
                sb.AppendLine($"| {name} | " + string.Join(" | ", paths.Select(p => Cell(q.FirstOrDefault(r => Column(r) == p), duck))) + " |");
            }
            sb.AppendLine();
            if (!ml) sb.AppendLine("Cells: median ms (ratio to DuckDB's median; below 1 is faster than DuckDB).").AppendLine();

            if (ml)
            {
                AppendAccuracy(sb, suite.ToList());
                var mlTimes = Charts.Times(suite.Key, suite.ToList(), baseName + $"-{suite.Key}-times.png");
                sb.AppendLine($"![{suite.Key} median times]({Path.GetFileName(mlTimes)})").AppendLine();
                continue;
            }
            sb.AppendLine("Roofline: bytes each query scans, and the share of the bandwidth bounding each path that it achieved: host read for the CPU paths, host-to-device for GPU runs that copy their inputs, device memory (copy) for GPU runs over resident tables.").AppendLine();
            sb.AppendLine("| query | MB read | " + string.Join(" | ", paths.Select(p => p + " GB/s (%)")) + " |");
            sb.AppendLine("|---|---:|" + string.Concat(paths.Select(_ => "---:|")));
            foreach (var q in suite.GroupBy(r => r.Query))
                sb.AppendLine($"| {q.Key} | {(q.First().BytesRead / 1e6).ToString("0.#", ci)} | " + string.Join(" | ", paths.Select(p =>
                    q.FirstOrDefault(r => Column(r) == p) is { AchievedGbps: { } g, PercentOfBandwidth: { } pct } ? $"{g.ToString("0.##", ci)} ({pct.ToString("0.#", ci)}%)" : "")) + " |");
            sb.AppendLine();
            AppendPeakMemory(sb, suite.ToList(), paths);

            if (suite.Key == "ops") AppendAgreement(sb, suite.ToList());
            var times = Charts.Times(suite.Key, suite.ToList(), baseName + $"-{suite.Key}-times.png");
            var speedup = Charts.Speedup(suite.Key, suite.ToList(), baseName + $"-{suite.Key}-speedup.png");
            sb.AppendLine($"![{suite.Key} median times]({Path.GetFileName(times)})").AppendLine();
            if (speedup is not null) sb.AppendLine($"![{suite.Key} speedup over DuckDB]({Path.GetFileName(speedup)})").AppendLine();
        }
        File.WriteAllText(file, sb.ToString());
    }

    // Training has no DuckDB answer: each ml row was verified by accuracy; the figures and the stage paths.
    private static void AppendAccuracy(StringBuilder sb, List<BenchResult> ml)
    {
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("Cells: median ms of the training (fit) alone. Accuracy of each verified run (a row outside its bounds is `failed` and was not timed):").AppendLine();
        sb.AppendLine("| case | path | status | accuracy | stage paths |").AppendLine("|---|---|---|---|---|");
        foreach (var r in ml)
        {
            var metrics = r.Metrics is null ? "" : string.Join(", ", r.Metrics.Select(kv => $"{kv.Key}={kv.Value.ToString(kv.Value is > -1e6 and < 1e6 ? "0.#####" : "0.###e0", ci)}"));
            var stages = r.PlanPaths is null ? "" : string.Join(", ", r.PlanPaths.Select(kv => $"{kv.Key}={kv.Value}"));
            sb.AppendLine($"| {r.Query} | {r.Path} | {r.Status}{(r.Reason is null ? "" : ": " + r.Reason.Replace("|", "/"))} | {metrics} | {stages} |");
        }
        sb.AppendLine();
    }

    /// <summary>The report column of a result: its path, with GPU runs over device-resident tables in a column of their own.</summary>
    public static string Column(BenchResult r) => r.Resident == true ? "gpu resident" : r.Path;

    private static string Cell(BenchResult? r, double? duck) => r switch
    {
        null => "",
        { Status: "unsupported" } => "n/a",
        { Status: "failed" } => "**failed**",
        { MedianMs: { } ms } => ms.ToString(ms < 10 ? "0.###" : "0.#", CultureInfo.InvariantCulture)
            + (duck is > 0 && r.Path != "duckdb" ? $" ({(ms / duck.Value).ToString("0.##", CultureInfo.InvariantCulture)}x)" : ""),
        _ => "",
    };

    // Peak managed-heap growth of one run per engine path, against the bytes the query scans.
    private static void AppendPeakMemory(StringBuilder sb, List<BenchResult> results, IReadOnlyList<string> paths)
    {
        var engine = paths.Where(p => results.Any(r => Column(r) == p && r.Metrics?.ContainsKey("peak_heap_bytes") == true)).ToList();
        if (engine.Count == 0) return;
        var ci = CultureInfo.InvariantCulture;
        sb.AppendLine("Peak memory: how far the managed heap grew above its post-collection size during one run (intermediate columns and hash tables; the tables are already in memory; garbage not yet collected counts too), and its ratio to the bytes read.").AppendLine();
        sb.AppendLine("| query | MB read | " + string.Join(" | ", engine.Select(p => p + " peak MB (x read)")) + " |");
        sb.AppendLine("|---|---:|" + string.Concat(engine.Select(_ => "---:|")));
        foreach (var q in results.GroupBy(r => r.Query))
        {
            double read = q.First().BytesRead;
            sb.AppendLine($"| {q.Key} | {(read / 1e6).ToString("0.#", ci)} | " + string.Join(" | ", engine.Select(p =>
                q.FirstOrDefault(r => Column(r) == p)?.Metrics is { } m && m.TryGetValue("peak_heap_bytes", out var peak)
                    ? $"{(peak / 1e6).ToString("0.#", ci)}{(read > 0 ? $" ({(peak / read).ToString("0.##", ci)}x)" : "")}" : "")) + " |");
        }
        sb.AppendLine();
    }

    // Whether the planner's choice for the measured operator was the path that measured fastest.
    private static void AppendAgreement(StringBuilder sb, List<BenchResult> ops)
    {
        int agree = 0, total = 0;
        sb.AppendLine("Planner agreement: the path the planner picks for the measured operator (auto) against the engine path that measured fastest.").AppendLine();
        sb.AppendLine("| query | planner | fastest | agree |").AppendLine("|---|---|---|---|");
        foreach (var q in ops.GroupBy(r => r.Query))
        {
            var measured = q.Where(r => r.Status == "ok" && r.Resident != true && r.Path is "gpu" or "simd" or "scalar").ToList();
            var choice = q.First().PlannerChoice;
            if (measured.Count == 0 || choice is null) continue;
            var fastest = measured.MinBy(r => r.MedianMs!.Value)!.Path;
            bool ok = fastest == choice;
            total++;
            if (ok) agree++;
            sb.AppendLine($"| {q.Key} | {choice} | {fastest} | {(ok ? "yes" : "no")} |");
        }
        sb.AppendLine().AppendLine($"Agreement: {agree} of {total} ({(total == 0 ? 0 : 100.0 * agree / total).ToString("0.#", CultureInfo.InvariantCulture)}%).").AppendLine();
    }
}

/// <summary>PNG charts drawn with ScottPlot.</summary>
public static class Charts
{
    /// <summary>Grouped bars: median ms per query, one bar per path.</summary>
    public static string Times(string suite, List<BenchResult> results, string file)
    {
        var plt = new ScottPlot.Plot();
        var queries = results.Select(r => r.Query).Distinct().ToList();
        var paths = results.Select(Report.Column).Distinct().ToList();
        Grouped(plt, queries, paths, (q, p) => results.FirstOrDefault(r => r.Query == q && Report.Column(r) == p && r.Status == "ok")?.MedianMs);
        plt.Title($"{suite}: median time per query (ms, log10)");
        plt.YLabel("log10(ms)");
        plt.SavePng(file, Math.Max(800, queries.Count * 60), 500);
        return file;
    }

    /// <summary>Bars of DuckDB's median over each engine path's median (above 1: faster than DuckDB).</summary>
    public static string? Speedup(string suite, List<BenchResult> results, string file)
    {
        var queries = results.Select(r => r.Query).Distinct().ToList();
        var paths = results.Select(Report.Column).Distinct().Where(p => p != "duckdb").ToList();
        if (!results.Any(r => r.Path == "duckdb" && r.Status == "ok")) return null;
        var plt = new ScottPlot.Plot();
        Grouped(plt, queries, paths, (q, p) =>
        {
            var duck = results.FirstOrDefault(r => r.Query == q && r.Path == "duckdb")?.MedianMs;
            var mine = results.FirstOrDefault(r => r.Query == q && Report.Column(r) == p && r.Status == "ok")?.MedianMs;
            return duck is > 0 && mine is > 0 ? duck / mine : null;
        }, log: false);
        plt.Title($"{suite}: speedup over DuckDB (DuckDB ms / path ms)");
        plt.SavePng(file, Math.Max(800, queries.Count * 60), 500);
        return file;
    }

    private static void Grouped(ScottPlot.Plot plt, List<string> queries, List<string> paths, Func<string, string, double?> value, bool log = true)
    {
        var palette = new ScottPlot.Palettes.Category10();
        double width = 0.8 / Math.Max(1, paths.Count);
        for (int p = 0; p < paths.Count; p++)
        {
            var bars = new List<ScottPlot.Bar>();
            for (int q = 0; q < queries.Count; q++)
                if (value(queries[q], paths[p]) is { } v && v > 0)
                    bars.Add(new ScottPlot.Bar { Position = q + (p - (paths.Count - 1) / 2.0) * width, Value = log ? Math.Log10(v) : v, Size = width, FillColor = palette.GetColor(p) });
            var plot = plt.Add.Bars(bars);
            plot.LegendText = paths[p];
        }
        plt.Axes.Bottom.SetTicks(Enumerable.Range(0, queries.Count).Select(i => (double)i).ToArray(), queries.ToArray());
        plt.ShowLegend();
    }
}
