using Accel.Data;
using Accel.IO.Generators;
using Accel.IO.Workloads;
using Accel.Sql;
using Accel.Tests;

namespace Accel.Bench.Harness;

/// <summary>One benchmark query: its SQL, and for the ops suite the operator it measures and its input size.</summary>
public sealed record BenchQuery(string Name, string Sql, string? Operator = null, long? Size = null, string? DuckDbSql = null);

/// <summary>A suite: the tables it needs (loaded once into Accel's memory and into DuckDB) and its queries.</summary>
public sealed class Suite
{
    /// <summary>Suite name (tpch, h2o-groupby, h2o-join, ops).</summary>
    public required string Name { get; init; }
    /// <summary>The scale, as reported (sf=1, rows=1e6, ...).</summary>
    public required string Scale { get; init; }
    /// <summary>The queries in run order; ops queries may each have their own tables (see <see cref="TablesFor"/>).</summary>
    public required IReadOnlyList<BenchQuery> Queries { get; init; }
    /// <summary>Loads the tables a query needs into both engines, when they are not loaded yet.</summary>
    public required Action<BenchQuery, AccelSession, DuckDbReference> TablesFor { get; init; }
}

/// <summary>Builds the suites, generating their data into the cache folder once.</summary>
public static class Suites
{
    /// <summary>The suite called <paramref name="name"/>.</summary>
    public static Suite Create(string name, BenchOptions o) => name switch
    {
        "tpch" => Tpch(o),
        "h2o-groupby" => H2oGroupBy(o),
        "h2o-join" => H2oJoin(o),
        "ops" => Ops(o),
        "ml" => throw new InvalidOperationException("the ml suite has no SQL queries: BenchRunner runs it through MlSuite"),
        _ => throw new AccelException($"unknown suite '{name}' (tpch, h2o-groupby, h2o-join, ops, ml, all)"),
    };

    private static Suite Tpch(BenchOptions o)
    {
        var dir = Path.Combine(o.Cache, $"tpch-sf{o.ScaleFactor.ToString(System.Globalization.CultureInfo.InvariantCulture)}");
        if (!File.Exists(Path.Combine(dir, "lineitem.parquet")))
        {
            Progress.Line($"generating TPC-H SF {o.ScaleFactor} into {dir}");
            TpchGenerator.WriteAll(o.ScaleFactor, dir, "parquet");
        }
        return new Suite
        {
            Name = "tpch",
            Scale = $"sf={o.ScaleFactor}",
            Queries = WorkloadQueries.Names("tpch").Select(q => new BenchQuery(q, WorkloadQueries.Sql("tpch", q), DuckDbSql: WorkloadQueries.DuckDbSql("tpch", q))).ToList(),
            TablesFor = Once((s, duck) =>
            {
                foreach (var t in TpchGenerator.TableNames) LoadParquet(s, duck, t, Path.Combine(dir, t + ".parquet"));
            }),
        };
    }

    private static Suite H2oGroupBy(BenchOptions o)
    {
        const int K = 100;
        var file = Path.Combine(o.Cache, $"G1_{o.Rows:0}_{K}_0_0.parquet");
        if (!File.Exists(file))
        {
            Progress.Line($"generating h2o groupby {o.Rows:0} rows into {file}");
            H2oGenerator.WriteGroupBy((long)o.Rows, K, 0, false, file);
        }
        return new Suite
        {
            Name = "h2o-groupby",
            Scale = $"rows={o.Rows:0e0},k={K}",
            Queries = WorkloadQueries.Names("h2o-groupby").Select(q => new BenchQuery(q, WorkloadQueries.Sql("h2o-groupby", q), DuckDbSql: WorkloadQueries.DuckDbSql("h2o-groupby", q))).ToList(),
            TablesFor = Once((s, duck) => LoadParquet(s, duck, "x", file)),
        };
    }

    private static Suite H2oJoin(BenchOptions o)
    {
        var dir = Path.Combine(o.Cache, $"h2o-join-{o.Rows:0}");
        if (!Directory.Exists(dir) || Directory.GetFiles(dir, "*.parquet").Length < 4)
        {
            Progress.Line($"generating h2o join {o.Rows:0} rows into {dir}");
            H2oGenerator.WriteJoin((long)o.Rows, 0, dir, "parquet");
        }
        return new Suite
        {
            Name = "h2o-join",
            Scale = $"rows={o.Rows:0e0}",
            Queries = WorkloadQueries.Names("h2o-join").Select(q => new BenchQuery(q, WorkloadQueries.Sql("h2o-join", q), DuckDbSql: WorkloadQueries.DuckDbSql("h2o-join", q))).ToList(),
            TablesFor = Once((s, duck) =>
            {
                foreach (var f in Directory.GetFiles(dir, "*.parquet")) LoadParquet(s, duck, Path.GetFileNameWithoutExtension(f), f);
            }),
        };
    }

    // Single operators at growing sizes: where each path starts to win, and whether the planner knows it.
    private static Suite Ops(BenchOptions o)
    {
        var sizes = new List<long>();
        for (long n = 1_000; n <= (long)o.OpsMaxRows; n *= 10) sizes.Add(n);
        var queries = new List<BenchQuery>();
        foreach (var n in sizes)
        {
            queries.Add(new BenchQuery($"filter-{n:0e0}", $"SELECT count(*) FROM t{n} WHERE b < 0.5 AND a > 0", "FilterExec", n));
            queries.Add(new BenchQuery($"project-{n:0e0}", $"SELECT sum(b * (1.0 - b) + a * 2) FROM t{n}", "ProjectExec", n));
            queries.Add(new BenchQuery($"aggregate-{n:0e0}", $"SELECT k, sum(b), count(*) FROM t{n} GROUP BY k", "HashAggregateExec", n));
            queries.Add(new BenchQuery($"join-{n:0e0}", $"SELECT count(*) FROM t{n} JOIN d ON t{n}.k = d.k", "HashJoinExec", n));
            queries.Add(new BenchQuery($"sort-{n:0e0}", $"SELECT a, b FROM t{n} ORDER BY b LIMIT 100", "TopNExec", n));
        }
        var loaded = new HashSet<string>();
        return new Suite
        {
            Name = "ops",
            Scale = $"rows=1e3..{o.OpsMaxRows:0e0}",
            Queries = queries,
            TablesFor = (q, s, duck) =>
            {
                if (loaded.Add("d")) Load(s, duck, "d", OpsDim());
                var name = $"t{q.Size}";
                if (!loaded.Add(name)) return;
                // Only one size is kept in memory at a time.
                foreach (var old in loaded.Where(x => x.StartsWith('t') && x != name).ToList())
                {
                    duck.Execute($"DROP TABLE IF EXISTS {old}");
                    loaded.Remove(old);
                }
                Load(s, duck, name, OpsFact(q.Size!.Value));
            },
        };
    }

    private static (Schema, List<ColumnBatch>) OpsFact(long rows)
    {
        var schema = new Schema([new Field("a", DataType.Int64, false), new Field("b", DataType.Float64, false), new Field("k", DataType.Int32, false)]);
        var rng = new Random(42);
        var batches = new List<ColumnBatch>();
        for (long start = 0; start < rows; start += 1 << 20)
        {
            int n = (int)Math.Min(1 << 20, rows - start);
            var a = new long[n];
            var b = new double[n];
            var k = new int[n];
            for (int i = 0; i < n; i++) { a[i] = rng.Next(-1000, 1000); b[i] = rng.NextDouble(); k[i] = rng.Next(1000); }
            batches.Add(new ColumnBatch(schema, [new PrimitiveVector<long>(DataType.Int64, a), new PrimitiveVector<double>(DataType.Float64, b), new PrimitiveVector<int>(DataType.Int32, k)], n));
        }
        return (schema, batches);
    }

    private static (Schema, List<ColumnBatch>) OpsDim()
    {
        var schema = new Schema([new Field("k", DataType.Int32, false), new Field("w", DataType.Float64, false)]);
        return (schema, [ColumnBatch.FromRows(schema, Enumerable.Range(0, 500).Select(i => new object?[] { i * 2, i / 10.0 }))]);
    }

    private static void Load(AccelSession s, DuckDbReference duck, string name, (Schema Schema, List<ColumnBatch> Batches) t)
    {
        s.CreateDataFrame(t.Schema, t.Batches).CreateOrReplaceTempView(name);
        duck.Execute($"DROP TABLE IF EXISTS {name}");
        duck.Load(name, t.Schema, t.Batches.SelectMany(b => b.Rows()));
    }

    // Both engines hold the table in memory: Accel caches the decoded Parquet, DuckDB copies it into a table.
    private static void LoadParquet(AccelSession s, DuckDbReference duck, string name, string file)
    {
        s.Read().Parquet(file).Cache().CreateOrReplaceTempView(name);
        duck.Execute($"CREATE OR REPLACE TABLE {name} AS SELECT * FROM read_parquet('{file}')");
    }

    private static Action<BenchQuery, AccelSession, DuckDbReference> Once(Action<AccelSession, DuckDbReference> load)
    {
        bool done = false;
        return (_, s, duck) =>
        {
            if (done) return;
            load(s, duck);
            done = true;
        };
    }
}
