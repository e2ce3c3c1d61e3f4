using Accel.Data;
using Accel.Kernels;
using Accel.Sql;
using static Accel.Sql.Functions;

namespace Accel.Tests;

/// <summary>These tests change the process-wide device memory budget, so they run alone.</summary>
[CollectionDefinition("device-memory", DisableParallelization = true)]
public sealed class DeviceMemoryCollection;

/// <summary>The device memory manager seen from queries (GPU kernels on ILGPU's CPU accelerator): cached tables kept on
/// the device, out-of-memory splitting and fail-over with their EXPLAIN ANALYZE and log-line records, strict mode,
/// CACHE TABLE / UNCACHE TABLE, and the settings' validation. Every answer is compared with the scalar path.</summary>
[Collection("device-memory")]
public sealed class DeviceMemoryPlanTests
{
    static DeviceMemoryPlanTests() => GpuDevice.Use(GpuMode.Cpu);

    private const int Rows = 16_384;

    private static DataFrame Fact(string path)
    {
        var s = AccelSession.Builder().Create();
        TestPaths.Configure(s, path);
        return s.CreateDataFrame(TestData.Fact(Rows), TestData.FactSchema);
    }

    private static DataFrame FilterProject(DataFrame fact) =>
        fact.Filter(Col("k") > 2).Select(Col("id"), (Col("v") * 2.0 + Col("x")).Alias("w"));

    private static List<string> Rendered(DataFrame df) => df.Collect().Select(r => string.Join("|", r.Values)).ToList();

    private static List<string> Scalar(Func<DataFrame, DataFrame> query) => Rendered(query(Fact("scalar")));

    // Runs `body` with the device budget set to what is held now (resident tables, buffers in use) plus `headroom`.
    private static void WithHeadroom(AccelSession session, long headroom, Action body)
    {
        var stats = GpuDevice.Runtime.Memory.Stats;
        session.Conf().Set(RuntimeConfig.MemoryBudgetKey, (stats.ResidentBytes + stats.InUseBytes + headroom).ToString());
        try { body(); }
        finally { session.Conf().Set(RuntimeConfig.MemoryBudgetKey, "default"); }
    }

    [Fact]
    public void A_cached_table_stays_on_the_device_and_gpu_queries_over_it_move_fewer_bytes()
    {
        var expected = Scalar(FilterProject);
        var uncached = FilterProject(Fact("gpu"));
        Assert.Equal(expected, Rendered(uncached));
        long movedUncached = Flatten(uncached.LastExecutedPlan!).Sum(n => n.Metrics.BytesMoved);

        var cached = Fact("gpu").Cache();
        Assert.True(cached.IsCached);
        var query = FilterProject(cached);
        var plan = query.ExplainString();
        // Decimals are scaled int64 on the device, strings their dictionary codes: every column is resident.
        Assert.True(plan.Contains("gpu-resident: 8 column chunks on the gpu"), plan);
        Assert.DoesNotContain("on the host (no device layout)", plan);
        Assert.Equal(expected, Rendered(query));
        long movedCached = Flatten(query.LastExecutedPlan!).Sum(n => n.Metrics.BytesMoved);
        Assert.True(movedUncached > 0);
        // Resident filter input moves only the predicate result's positions; uncached it stages k, v and x too.
        Assert.True(movedCached < movedUncached * 0.8, $"cached moved {movedCached} B, uncached {movedUncached} B");
        Assert.Contains("moved=", query.ExplainString(analyze: true));

        var back = cached.Unpersist();
        Assert.False(back.IsCached);
        Assert.DoesNotContain("gpu-resident", FilterProject(cached).ExplainString()); // the host copy stays readable
        Assert.Equal(expected, Rendered(FilterProject(back)));
    }

    [Fact]
    public void Caching_under_a_cpu_path_or_with_accel_gpu_cache_false_keeps_the_table_on_the_host()
    {
        Assert.DoesNotContain("gpu-resident", Fact("simd").Cache().ExplainString());
        var fact = Fact("gpu");
        fact.Session.Conf().Set("accel.gpu.cache", "false");
        var cached = fact.Cache();
        Assert.Matches(@"cached \[1 batches, 16384 rows\]", cached.ExplainString());
        fact.Session.Conf().Set("accel.gpu.cache", "true");
        Assert.Contains("gpu-resident", cached.Cache().ExplainString()); // caching again only moves it to the device
    }

    [Fact]
    public void A_batch_that_does_not_fit_is_split_and_the_pieces_give_the_same_rows_in_order()
    {
        var expected = Scalar(FilterProject);
        var query = FilterProject(Fact("gpu"));
        string? line = null;
        query.Session.QueryCompleted += (l, _) => line = l;
        WithHeadroom(query.Session, 128 * 1024, () => Assert.Equal(expected, Rendered(query)));
        var nodes = Flatten(query.LastExecutedPlan!);
        var filter = nodes.Single(n => n.Name == "FilterExec");
        Assert.True(filter.Metrics.GpuSplits >= 3, $"splits={filter.Metrics.GpuSplits}");
        Assert.Null(filter.Metrics.Failover);
        Assert.Equal(Accel.Execution.ExecPath.Gpu, filter.Metrics.ActualPath);
        Assert.Contains("gpu out of memory: split", Accel.Planner.Physical.Explain.Render(query.LastExecutedPlan!, analyze: true));
        Assert.Contains("FilterExec=gpu(split", line);
    }

    [Fact]
    public void Past_the_smallest_piece_the_operator_fails_over_to_simd_unless_strict()
    {
        var expected = Scalar(FilterProject);
        var query = FilterProject(Fact("gpu"));
        string? line = null;
        query.Session.QueryCompleted += (l, _) => line = l;
        WithHeadroom(query.Session, 8 * 1024, () => Assert.Equal(expected, Rendered(query)));
        var filter = Flatten(query.LastExecutedPlan!).Single(n => n.Name == "FilterExec");
        Assert.Equal(Accel.Execution.ExecPath.Simd, filter.Metrics.ActualPath);
        Assert.StartsWith("gpu failed (DeviceOutOfMemoryException: device memory budget exceeded", filter.Metrics.Failover);
        Assert.EndsWith("reran on simd", filter.Metrics.Failover);
        var analyzed = Accel.Planner.Physical.Explain.Render(query.LastExecutedPlan!, analyze: true);
        Assert.Contains("ran=simd", analyzed);
        Assert.Contains("failover: gpu failed", analyzed);
        Assert.Matches(@"FilterExec=simd(\(split \d+x\))?\(failover\)", line);

        query.Session.Conf().Set("accel.strict", "true");
        WithHeadroom(query.Session, 8 * 1024, () =>
        {
            var ex = Assert.Throws<AccelException>(() => query.Collect());
            Assert.Contains("failed on the gpu path and accel.strict=true forbids a fail-over", ex.Message);
            Assert.Contains("device memory budget exceeded", ex.Message);
        });
    }

    [Fact]
    public void An_aggregate_that_does_not_fit_fails_over_whole()
    {
        static DataFrame Agg(DataFrame f) => f.GroupBy("k").Agg(Sum("x"), Count(Lit(1))).OrderBy("k");
        var expected = Scalar(Agg);
        var query = Agg(Fact("gpu"));
        WithHeadroom(query.Session, 8 * 1024, () => Assert.Equal(expected, Rendered(query)));
        var agg = Flatten(query.LastExecutedPlan!).Single(n => n.Name == "HashAggregateExec");
        Assert.Equal(Accel.Execution.ExecPath.Simd, agg.Metrics.ActualPath);
        Assert.Equal(0, agg.Metrics.GpuSplits);
        Assert.Contains("DeviceOutOfMemoryException", agg.Metrics.Failover);
    }

    [Fact]
    public void Cache_table_and_uncache_table_in_sql()
    {
        var fact = Fact("gpu");
        var s = fact.Session;
        fact.CreateOrReplaceTempView("fact");
        const string q = "SELECT k, sum(x) AS sx FROM fact WHERE k > 2 GROUP BY k ORDER BY k";
        var expected = Rendered(s.Sql(q));
        Assert.False(s.IsCached("fact"));

        Assert.Empty(s.Sql("CACHE TABLE fact").Collect());
        Assert.True(s.IsCached("fact"));
        Assert.Contains("gpu-resident", s.Sql("EXPLAIN " + q).Collect().Single().GetAs<string>("plan"));
        Assert.Equal(expected, Rendered(s.Sql(q)));

        s.Sql("CACHE TABLE big AS SELECT id, k, x FROM fact WHERE k > 2;");
        Assert.True(s.IsCached("big"));
        Assert.Equal(expected, Rendered(s.Sql("SELECT k, sum(x) AS sx FROM big GROUP BY k ORDER BY k")));

        s.Sql("UNCACHE TABLE fact");
        Assert.False(s.IsCached("fact"));
        Assert.DoesNotContain("gpu-resident", s.Sql("EXPLAIN " + q).Collect().Single().GetAs<string>("plan"));
        Assert.Equal(expected, Rendered(s.Sql(q)));
        s.Sql("UNCACHE TABLE IF EXISTS nothing_here");

        Assert.Contains("UNCACHE TABLE: table or view not found: nothing_here", Assert.Throws<AccelException>(() => s.Sql("UNCACHE TABLE nothing_here")).Message);
        Assert.Contains("CACHE TABLE: table or view not found: missing", Assert.Throws<AccelException>(() => s.Sql("CACHE TABLE missing")).Message);
        Assert.Contains("expected EXISTS", Assert.Throws<AccelException>(() => s.Sql("UNCACHE TABLE IF fact")).Message);
        Assert.Contains("expected end of statement", Assert.Throws<AccelException>(() => s.Sql("CACHE TABLE fact extra")).Message);
    }

    [Theory]
    [InlineData("accel.gpu.memoryBudget", "lots", "accel.gpu.memoryBudget: a byte size must be a positive number")]
    [InlineData("accel.gpu.memoryBudget", "-5m", "got '-5m'")]
    [InlineData("accel.strict", "yes", "accel.strict must be true or false, got 'yes'")]
    [InlineData("accel.gpu.cache", "1", "accel.gpu.cache must be true or false, got '1'")]
    public void Bad_settings_are_errors(string key, string value, string message)
    {
        var conf = AccelSession.Builder().Create().Conf();
        string? before = conf.Get(key);
        Assert.Contains(message, Assert.Throws<AccelException>(() => conf.Set(key, value)).Message);
        Assert.Equal(before, conf.Get(key));
    }

    [Fact]
    public void The_budget_setting_reaches_the_device_pool()
    {
        var conf = AccelSession.Builder().Create().Conf();
        try
        {
            conf.Set(RuntimeConfig.MemoryBudgetKey, "96m");
            Assert.Equal(96L << 20, GpuDevice.Runtime.Memory.BudgetBytes);
            Assert.Equal((96L << 20).ToString(), AccelSession.Builder().Create().Conf().Get(RuntimeConfig.MemoryBudgetKey));
        }
        finally { conf.Set(RuntimeConfig.MemoryBudgetKey, "default"); }
        Assert.Equal(GpuDevice.Runtime.DefaultBudget, GpuDevice.Runtime.Memory.BudgetBytes);
        Assert.Equal("default", AccelSession.Builder().Create().Conf().Get(RuntimeConfig.MemoryBudgetKey));
    }

    private static List<Accel.Planner.Physical.ExecNode> Flatten(Accel.Planner.Physical.ExecNode n) =>
        [n, .. n.Children.SelectMany(Flatten)];
}
