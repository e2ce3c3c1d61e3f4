using System.Diagnostics;
using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.RegularExpressions;
using Accel.Planner.Physical;
using Accel.Sql;
using Accel.Tests;
using Accel.Vectorized;

namespace Accel.Bench.Harness;

/// <summary>One query on one path: verified first, then timed.</summary>
public sealed record BenchResult(
    [property: JsonPropertyName("suite")] string Suite,
    [property: JsonPropertyName("query")] string Query,
    [property: JsonPropertyName("scale")] string Scale,
    [property: JsonPropertyName("path")] string Path,
    [property: JsonPropertyName("status")] string Status,
    [property: JsonPropertyName("reason")] string? Reason,
    [property: JsonPropertyName("median_ms")] double? MedianMs,
    [property: JsonPropertyName("min_ms")] double? MinMs,
    [property: JsonPropertyName("max_ms")] double? MaxMs,
    [property: JsonPropertyName("reps")] int Reps,
    [property: JsonPropertyName("rows")] long Rows,
    [property: JsonPropertyName("bytes_read")] long BytesRead,
    [property: JsonPropertyName("achieved_gbps")] double? AchievedGbps,
    [property: JsonPropertyName("pct_of_bandwidth")] double? PercentOfBandwidth,
    [property: JsonPropertyName("resident")] bool? Resident,
    [property: JsonPropertyName("plan_paths")] IReadOnlyDictionary<string, string>? PlanPaths,
    [property: JsonPropertyName("planner_choice")] string? PlannerChoice = null,
    [property: JsonPropertyName("metrics")] IReadOnlyDictionary<string, double>? Metrics = null);

/// <summary>The whole results.json.</summary>
public sealed record BenchRun(
    [property: JsonPropertyName("machine")] MachineInfo Machine,
    [property: JsonPropertyName("command")] string Command,
    [property: JsonPropertyName("threads")] int Threads,
    [property: JsonPropertyName("results")] IReadOnlyList<BenchResult> Results);

/// <summary>`accel bench`: for every suite, query and path, checks the answer against DuckDB's (a wrong answer
/// is `failed` with the first differing row and never timed; a path the planner refuses is `unsupported` with
/// its reason), then runs it once to warm up and `reps` times, recording min/median/max wall time.</summary>
public static class BenchRunner
{
    /// <summary>Runs the command; returns the exit code (1 when any answer was wrong).</summary>
    public static int Run(string[] args)
    {
        var o = BenchOptions.Parse(args);
        SimdCapabilities.Threads = o.Threads;
        Directory.CreateDirectory(o.Cache);
        Progress.Line($"accel bench: suites {string.Join(", ", o.Suites)}; paths {string.Join(", ", o.Paths)}; {o.Reps} reps; {o.Threads} threads");
        var machine = Machine.Describe(o.Threads);
        Progress.Line($"machine: {machine.Cpu}, {machine.Cores} cores, {machine.Simd}, host read {machine.HostReadGbps} GB/s, gpu: {machine.Gpu?.Name ?? machine.GpuUnavailableReason}");
        var results = new List<BenchResult>();
        foreach (var name in o.Suites)
        {
            // Training has no SQL and no DuckDB answer: the ml suite verifies accuracy instead.
            if (name == "ml")
            {
                results.AddRange(MlSuite.Run(o));
                continue;
            }
            var suite = Suites.Create(name, o);
            using var duck = new DuckDbReference();
            duck.Execute($"SET threads = {o.Threads}");
            // Tables load into host memory; gpu runs put them on the device only for their resident measurement.
            var session = AccelSession.Builder().AppName("accel-bench").Config("accel.gpu.cache", "false").Create();
            foreach (var q in suite.Queries.Where(q => o.Queries is null || o.Queries.Contains(q.Name)))
            {
                Progress.Status($"[{suite.Name} {q.Name}] loading");
                suite.TablesFor(q, session, duck);
                var done = RunQuery(suite, q, session, duck, o, machine);
                results.AddRange(done);
                // Without a terminal there is no live line: log one line per query instead.
                if (Console.IsErrorRedirected)
                    Progress.Line($"{suite.Name} {q.Name}: " + string.Join(", ", done.Select(r => $"{r.Path}={(r.Status == "ok" ? $"{r.MedianMs} ms" : r.Status)}")));
            }
        }
        Progress.Line("");
        var run = new BenchRun(machine, "accel bench " + string.Join(' ', args), o.Threads, results);
        File.WriteAllText(o.Out, JsonSerializer.Serialize(run, new JsonSerializerOptions { WriteIndented = true }));
        Report.Write(run, o.Report);
        int failed = results.Count(r => r.Status == "failed");
        Progress.Line($"wrote {o.Out} and {o.Report} ({results.Count} results: {results.Count(r => r.Status == "ok")} ok, {results.Count(r => r.Status == "unsupported")} unsupported, {failed} failed)");
        return failed == 0 ? 0 : 1;
    }

    private static IEnumerable<BenchResult> RunQuery(Suite suite, BenchQuery q, AccelSession session, DuckDbReference duck, BenchOptions o, MachineInfo machine)
    {
        bool ordered = Regex.IsMatch(q.Sql, @"\border\s+by\b[^()]*$", RegexOptions.IgnoreCase | RegexOptions.Singleline);
        Progress.Status($"[{suite.Name} {q.Name}] duckdb reference");
        var duckSql = q.DuckDbSql ?? q.Sql;
        var expected = duck.Query(duckSql);
        long expectedRows = expected.Count;
        long bytes = 0;
        string? plannerChoice = null;
        var results = new List<BenchResult>();

        // The engine's own choice is recorded for the ops suite's agreement figure.
        if (q.Operator is not null)
        {
            session.Conf().Set("accel.path", "auto");
            var plan = session.Sql(q.Sql).PhysicalPlan();
            plannerChoice = Flatten(plan).FirstOrDefault(n => n.Name == q.Operator) is { } op ? PathDecision.Name(op.Decision.Chosen) : null;
        }
        // Every path's answer is checked first and the paths that pass are timed after: the reference answer (millions
        // of boxed rows for the large-result queries) is dropped in between, so no timed run pays for a collection that
        // has to mark it.
        var timers = new List<(int Slot, Func<BenchResult> Time)>();
        foreach (var path in o.Paths.Where(p => p is not ("duckdb" or "mlnet")))
        {
            Verify(path, resident: false);
            // GPU times with the tables already on the device, next to the times above that include the transfer.
            if (path == "gpu" && Accel.Kernels.GpuDevice.Availability.Available && results[^1].Status == "ok")
                if (OnDevice(() => Verify("gpu", resident: true)) is { } notPinned) results.Add(NotResident(notPinned));
        }
        expected = [];
        GC.Collect();
        foreach (var (slot, time) in timers) results[slot] = time();
        session.Conf().Set("accel.strict", false);

        // A forced path runs strict: a GPU operator that failed over to the CPU must not be timed as "gpu".
        void UsePath(string path) => session.Conf().Set("accel.path", path).Set("accel.strict", path != "auto");

        // Runs `body` with the query's tables pinned on the device; returns why not when a table could not be pinned.
        string? OnDevice(Action body)
        {
            var sources = Flatten(session.Sql(q.Sql).PhysicalPlan()).OfType<ScanExec>().Select(s => s.Source)
                .OfType<Accel.Planner.Logical.InMemorySource>().Distinct().ToList();
            try
            {
                foreach (var src in sources) src.PinOnDevice();
                if (sources.FirstOrDefault(src => src.Device is not { Released: false }) is { } missing)
                    return $"tables not resident: {missing.DeviceNote}";
                body();
                return null;
            }
            finally
            {
                foreach (var src in sources) src.ReleaseDevice();
            }
        }

        BenchResult NotResident(string reason) =>
            new(suite.Name, q.Name, suite.Scale, "gpu", "unsupported", reason, null, null, null, 0, 0, 0, null, null, true, null, plannerChoice);

        // Adds the path's result: failed or unsupported now, or a placeholder that its timer replaces.
        void Verify(string path, bool resident)
        {
            UsePath(path);
            List<object?[]> actual;
            ExecNode? executed;
            try
            {
                var df = session.Sql(q.Sql);
                actual = df.Collect().Select(r => r.Values).ToList();
                executed = df.LastExecutedPlan;
            }
            catch (AccelException ex) when (ex.Message.StartsWith($"accel.path={path}:", StringComparison.Ordinal))
            {
                results.Add(new BenchResult(suite.Name, q.Name, suite.Scale, path, "unsupported", ex.Message, null, null, null, 0, 0, 0, null, null, null, null, plannerChoice));
                return;
            }
            catch (Exception ex) when (ex is not OutOfMemoryException)
            {
                results.Add(new BenchResult(suite.Name, q.Name, suite.Scale, path, "failed", $"{ex.GetType().Name}: {ex.Message}", null, null, null, 0, 0, 0, null, null, null, null, plannerChoice));
                return;
            }
            var planPaths = PlanPaths(executed);
            bytes = Math.Max(bytes, executed is null ? 0 : Flatten(executed).Sum(n => n.Metrics.BytesScanned));
            long rows = actual.Count;
            if (CrossEngine.FirstDifference(expected, actual, ordered) is { } diff)
            {
                results.Add(new BenchResult(suite.Name, q.Name, suite.Scale, path, "failed", diff, null, null, null, 0, rows, bytes, null, null, null, planPaths, plannerChoice));
                return;
            }
            results.Add(new BenchResult(suite.Name, q.Name, suite.Scale, path, "ok", null, null, null, null, 0, rows, bytes, null, null, null, planPaths, plannerChoice));
            int slot = results.Count - 1;
            timers.Add((slot, () =>
            {
                if (!resident) return Time(path, resident, rows, planPaths);
                BenchResult? timed = null;
                return OnDevice(() => timed = Time(path, resident, rows, planPaths)) is { } notPinned ? NotResident(notPinned) : timed!;
            }));
        }

        BenchResult Time(string path, bool resident, long rows, IReadOnlyDictionary<string, string> planPaths)
        {
            UsePath(path);
            ExecNode? lastTimed = null;
            var times = TimeRuns(o.Reps, $"[{suite.Name} {q.Name}] {path}{(resident ? " resident" : "")}", () =>
            {
                // The engine's whole answer held in memory in its own columnar batches, as DuckDB's run below holds its
                // materialized result: converting millions of result rows into .NET objects is the client's cost, not the
                // engine's, and swamped the large-result queries (H2O join q1, 9 million rows) on both engines.
                var timed = session.Sql(q.Sql);
                int n = timed.Execute().ToList().Sum(b => b.RowCount);
                lastTimed = timed.LastExecutedPlan;
                return n;
            });
            // --profile: where the time of the last timed run went, operator by operator.
            if (o.Profile && lastTimed is not null) Progress.Line($"{suite.Name} {q.Name} {path}{(resident ? " resident" : "")} profile:\n{Explain.Render(lastTimed, analyze: true)}");
            // resident: null on CPU paths; false when GPU operators copied their inputs to the device during the query.
            bool? onDevice = planPaths.Values.Contains("gpu") ? resident : null;
            long moved = lastTimed is null ? 0 : Flatten(lastTimed).Sum(n => n.Metrics.BytesMoved);
            // One more, untimed run (the sampler thread would disturb the timing) for the query's peak memory.
            var metrics = new Dictionary<string, double> { ["peak_heap_bytes"] = PeakHeapGrowth(() => session.Sql(q.Sql).Execute().ToList()) };
            if (moved > 0) metrics["host_device_bytes"] = moved;
            return Ok(suite, q, path, times, rows, bytes, machine, onDevice, planPaths, plannerChoice) with { Metrics = metrics };
        }
        if (o.Paths.Contains("duckdb"))
        {
            var times = TimeRuns(o.Reps, $"[{suite.Name} {q.Name}] duckdb", () => (int)duck.Run(duckSql));
            results.Add(Ok(suite, q, "duckdb", times, expectedRows, bytes, machine, null, null, plannerChoice));
        }
        // bytes_read is a property of the query: every path gets the figure the engine measured.
        return results.Select(r => r with
        {
            BytesRead = bytes,
            AchievedGbps = r.MedianMs is { } ms && bytes > 0 ? Math.Round(bytes / (ms / 1e3) / 1e9, 3) : null,
            PercentOfBandwidth = r.MedianMs is { } ms2 && bytes > 0 ? Math.Round(100 * bytes / (ms2 / 1e3) / 1e9 / BoundingGbps(r, machine), 2) : null,
        }).ToList();
    }

    // The bandwidth a path is bound by: device memory for GPU runs over resident tables, the host-to-device link for GPU
    // runs that copy their inputs, host memory otherwise (and when the device figures are unknown).
    private static double BoundingGbps(BenchResult r, MachineInfo machine) => r.Resident switch
    {
        true when machine.DeviceReadGbps is { } d => d,
        false when machine.H2dGbps is { } h => h,
        _ => machine.HostReadGbps,
    };

    private static BenchResult Ok(Suite suite, BenchQuery q, string path, double[] times, long rows, long bytes, MachineInfo machine, bool? resident,
        IReadOnlyDictionary<string, string>? planPaths, string? plannerChoice) =>
        new(suite.Name, q.Name, suite.Scale, path, "ok", null, Math.Round(Median(times), 3), Math.Round(times.Min(), 3), Math.Round(times.Max(), 3),
            times.Length, rows, bytes, null, null, resident, planPaths, plannerChoice);

    // One untimed warm-up run, then `reps` timed runs (milliseconds).
    private static double[] TimeRuns(int reps, string label, Func<int> run)
    {
        Progress.Status($"{label} warm-up");
        run();
        var times = new double[reps];
        for (int i = 0; i < reps; i++)
        {
            Progress.Status($"{label} rep {i + 1}/{reps}");
            var pause = GC.GetTotalPauseDuration();
            int g0 = GC.CollectionCount(0), g2 = GC.CollectionCount(2);
            long faults = MinorFaults();
            var sw = Stopwatch.StartNew();
            run();
            times[i] = sw.Elapsed.TotalMilliseconds;
            if (Environment.GetEnvironmentVariable("ACCEL_BENCH_GC") == "1")
                Console.Error.WriteLine($"{label} rep {i}: {times[i]:F1} ms, gc pause {(GC.GetTotalPauseDuration() - pause).TotalMilliseconds:F1} ms, gen0 {GC.CollectionCount(0) - g0}, gen2 {GC.CollectionCount(2) - g2}, faults {MinorFaults() - faults}");
        }
        return times;
    }

    /// <summary>How far the managed heap grew above its size after a full collection while <paramref name="run"/> ran,
    /// sampled every millisecond: the query's peak memory (its intermediate columns and hash tables; the tables it reads
    /// are already in memory). An upper bound, since garbage not yet collected counts too.</summary>
    private static long PeakHeapGrowth(Action run)
    {
        GC.Collect();
        GC.WaitForPendingFinalizers();
        GC.Collect();
        long baseline = GC.GetTotalMemory(false);
        long peak = baseline;
        using var done = new ManualResetEventSlim();
        var sampler = new Thread(() =>
        {
            while (!done.Wait(1)) peak = Math.Max(peak, GC.GetTotalMemory(false));
        }) { IsBackground = true };
        sampler.Start();
        try { run(); }
        finally
        {
            done.Set();
            sampler.Join();
        }
        return Math.Max(peak, GC.GetTotalMemory(false)) - baseline;
    }

    private static long MinorFaults()
    {
        try { return long.Parse(File.ReadAllText("/proc/self/stat").Split(')')[1].Split(' ', StringSplitOptions.RemoveEmptyEntries)[7]); }
        catch (IOException) { return 0; }
    }

    private static double Median(double[] xs)
    {
        var s = xs.Order().ToArray();
        return s.Length % 2 == 1 ? s[s.Length / 2] : (s[s.Length / 2 - 1] + s[s.Length / 2]) / 2;
    }

    // Operator -> path it ran on; repeated operators are numbered (HashJoinExec#2).
    private static Dictionary<string, string> PlanPaths(ExecNode? root)
    {
        var map = new Dictionary<string, string>();
        if (root is null) return map;
        foreach (var n in Flatten(root))
        {
            var key = n.Name;
            for (int i = 2; map.ContainsKey(key); i++) key = $"{n.Name}#{i}";
            map[key] = PathDecision.Name(n.Metrics.ActualPath ?? n.Decision.Chosen);
        }
        return map;
    }

    private static IEnumerable<ExecNode> Flatten(ExecNode n) => n.Children.SelectMany(Flatten).Prepend(n);
}
