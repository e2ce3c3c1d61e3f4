using Accel.Data;
using Accel.Planner.Logical;
using Accel.Planner.Physical;

namespace Accel.Sql;

/// <summary>The entry point, shaped like Microsoft.Spark.Sql.SparkSession:
/// <c>AccelSession.Builder().AppName("app").GetOrCreate()</c>.</summary>
public sealed class AccelSession : IDisposable
{
    private static AccelSession? s_active;
    private static readonly object s_lock = new();
    private readonly Dictionary<string, DataFrame> _views = new(StringComparer.OrdinalIgnoreCase);
    private readonly RuntimeConfig _conf;

    private AccelSession(string appName, RuntimeConfig conf)
    {
        AppName = appName;
        _conf = conf;
    }

    /// <summary>The application name.</summary>
    public string AppName { get; }
    /// <summary>The operator implementations the planner chooses from.</summary>
    public Implementations Implementations { get; } = new();
    /// <summary>Raised after each query with its log line and executed plan.</summary>
    public event Action<string, ExecNode>? QueryCompleted;
    /// <summary>Where the per-query log line goes when accel.log is true (default: standard error).</summary>
    public TextWriter Log { get; set; } = Console.Error;

    /// <summary>Starts building a session.</summary>
    public static SessionBuilder Builder() => new();

    /// <summary>The session settings.</summary>
    public RuntimeConfig Conf() => _conf;

    /// <summary>A reader for CSV, Parquet, Arrow and text files.</summary>
    public DataFrameReader Read() => new(this);

    /// <summary>A DataFrame over rows given as object arrays following <paramref name="schema"/>.</summary>
    public DataFrame CreateDataFrame(IEnumerable<object?[]> rows, Schema schema)
    {
        var batch = ColumnBatch.FromRows(schema, rows);
        return new DataFrame(this, new ScanNode(new InMemorySource(schema, [batch])));
    }

    /// <summary>A DataFrame over rows following a StructType.</summary>
    public DataFrame CreateDataFrame(IEnumerable<object?[]> rows, Types.StructType schema) => CreateDataFrame(rows, schema.ToSchema());

    /// <summary>A DataFrame over batches already in memory.</summary>
    public DataFrame CreateDataFrame(Schema schema, IReadOnlyList<ColumnBatch> batches) =>
        new(this, new ScanNode(new InMemorySource(schema, batches)));

    /// <summary>A single bigint column "id" with values start, start+step, ... below end.</summary>
    public DataFrame Range(long start, long end, long step = 1)
    {
        if (step == 0) throw new AccelException("Range step must not be 0");
        long n = Math.Max(0, (end - start + step + (step > 0 ? -1 : 1)) / step);
        var values = new long[n];
        for (long i = 0; i < n; i++) values[i] = start + i * step;
        var schema = new Schema([new Field("id", DataType.Int64, false)]);
        return CreateDataFrame(schema, [new ColumnBatch(schema, [new PrimitiveVector<long>(DataType.Int64, values)])]);
    }

    /// <summary>Runs Spark SQL over the registered views: a query gives its DataFrame; EXPLAIN [ANALYZE] gives
    /// one row with the plan in a string column "plan"; CREATE TEMP VIEW, CACHE TABLE and UNCACHE TABLE give an
    /// empty DataFrame.</summary>
    public DataFrame Sql(string sqlText)
    {
        var stmt = Accel.Planner.Sql.SqlParser.Parse(sqlText, name => _views.TryGetValue(name, out var df) ? df.Plan : null);
        if (stmt.Cache is { } cache)
        {
            RunCacheCommand(cache, stmt.Plan);
            return CreateDataFrame(Array.Empty<object?[]>(), new Schema([]));
        }
        var df = new DataFrame(this, stmt.Plan!);
        if (stmt.CreateView is not null)
        {
            RegisterView(stmt.CreateView, df);
            return CreateDataFrame(Array.Empty<object?[]>(), new Schema([]));
        }
        if (!stmt.Explain) return df;
        var schema = new Schema([new Field("plan", DataType.Utf8)]);
        return CreateDataFrame([[df.ExplainString(analyze: stmt.Analyze)]], schema);
    }

    /// <summary>A DataFrame registered with CreateOrReplaceTempView.</summary>
    public DataFrame Table(string name) => _views.TryGetValue(name, out var df) ? df
        : throw new AccelException($"table or view not found: {name}; registered: [{string.Join(", ", _views.Keys)}]");

    /// <summary>Whether the view <paramref name="name"/> reads a cached result (CACHE TABLE or Cache()).</summary>
    public bool IsCached(string name) => _views.TryGetValue(name, out var df) && df.IsCached;

    // CACHE TABLE replaces the view by its cached result; UNCACHE TABLE puts back the plan it was cached from.
    private void RunCacheCommand(Accel.Planner.Sql.CacheCommand cache, LogicalPlan? plan)
    {
        if (!cache.Uncache)
        {
            RegisterView(cache.Table, new DataFrame(this, plan!).Cache());
            return;
        }
        if (_views.TryGetValue(cache.Table, out var view)) RegisterView(cache.Table, view.Unpersist());
        else if (!cache.IfExists)
            throw new AccelException($"UNCACHE TABLE: table or view not found: {cache.Table}; registered: [{string.Join(", ", _views.Keys)}]");
    }

    internal bool HasView(string name) => _views.ContainsKey(name);
    internal void RegisterView(string name, DataFrame df) => _views[name] = df;

    internal void ReportQuery(string line, ExecNode plan)
    {
        if (_conf.LogQueries) Log.WriteLine(line);
        QueryCompleted?.Invoke(line, plan);
    }

    /// <summary>Stops the session.</summary>
    public void Stop()
    {
        lock (s_lock) if (ReferenceEquals(s_active, this)) s_active = null;
    }

    /// <inheritdoc />
    public void Dispose() => Stop();

    /// <summary>Builds or returns the active session.</summary>
    public sealed class SessionBuilder
    {
        private string _appName = "accel";
        private readonly List<(string, string)> _settings = [];

        /// <summary>Sets the application name.</summary>
        public SessionBuilder AppName(string name) { _appName = name; return this; }
        /// <summary>Sets a configuration value.</summary>
        public SessionBuilder Config(string key, string value) { _settings.Add((key, value)); return this; }
        /// <summary>Accepted for source compatibility; Accel always runs in-process.</summary>
        public SessionBuilder Master(string master) => this;

        /// <summary>The active session (settings applied to it), or a new one.</summary>
        public AccelSession GetOrCreate()
        {
            lock (s_lock)
            {
                s_active ??= new AccelSession(_appName, new RuntimeConfig());
                foreach (var (k, v) in _settings) s_active._conf.Set(k, v);
                return s_active;
            }
        }

        /// <summary>A new, independent session (used by tests that need their own settings).</summary>
        public AccelSession Create()
        {
            var s = new AccelSession(_appName, new RuntimeConfig());
            foreach (var (k, v) in _settings) s._conf.Set(k, v);
            return s;
        }
    }
}
