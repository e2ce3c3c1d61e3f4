using System.Diagnostics;
using System.Text;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;
using Accel.Planner.Physical;

namespace Accel.Sql;

/// <summary>A lazily evaluated table, shaped like Microsoft.Spark.Sql.DataFrame: transformations build
/// a logical plan; actions (Collect, Count, Show, Write) plan it, choose each operator's path and run it.</summary>
public sealed class DataFrame
{
    /// <summary>Wraps a logical plan.</summary>
    public DataFrame(AccelSession session, LogicalPlan plan)
    {
        Session = session;
        Plan = plan;
    }

    /// <summary>The owning session.</summary>
    public AccelSession Session { get; }
    /// <summary>The logical plan.</summary>
    public LogicalPlan Plan { get; }
    /// <summary>The physical plan of the last action, with its metrics.</summary>
    public ExecNode? LastExecutedPlan { get; private set; }

    private DataFrame With(LogicalPlan plan) => new(Session, plan);

    /// <summary>A column of this DataFrame, pinned to it (distinct from a same-named column of another DataFrame after a join).</summary>
    public Column this[string columnName] => Col(columnName);

    /// <summary>A column of this DataFrame, pinned to it.</summary>
    public Column Col(string columnName)
    {
        var f = Plan.Output[Plan.Output.Require(columnName)];
        return new Column(new ColumnRef(f.Name, f.Id));
    }

    /// <summary>The schema.</summary>
    public Schema Schema() => Plan.Output;
    /// <summary>Column names.</summary>
    public IReadOnlyList<string> Columns => Plan.Output.Fields.Select(f => f.Name).ToArray();
    /// <summary>(name, type) pairs.</summary>
    public IEnumerable<(string Name, string Type)> DTypes() => Plan.Output.Fields.Select(f => (f.Name, f.Type.SqlName));

    /// <summary>Prints the schema as a tree.</summary>
    public void PrintSchema()
    {
        Console.WriteLine("root");
        foreach (var f in Plan.Output.Fields) Console.WriteLine($" |-- {f.Name}: {f.Type.SqlName} (nullable = {(f.Nullable ? "true" : "false")})");
    }

    // ---- transformations ----

    /// <summary>Projects columns or expressions; "*" expands to all columns; at most one Explode per Select.</summary>
    public DataFrame Select(params Column[] columns)
    {
        var exprs = new List<Expr>();
        foreach (var c in columns)
        {
            if (c.Expr is ColumnRef { Name: "*", Id: 0 })
                exprs.AddRange(Plan.Output.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id)));
            else exprs.Add(c.Expr);
        }
        int gen = exprs.FindIndex(IsGenerator);
        if (gen < 0)
        {
            if (exprs.Any(WindowPlanner.HasBareAggregate))
                return With(new AggregateNode(Plan, [], exprs));
            var (input, items) = WindowPlanner.Extract(Plan, exprs);
            return With(new ProjectNode(input, items));
        }
        if (exprs.Skip(gen + 1).Any(IsGenerator))
            throw new AccelException("only one generator (explode) is allowed per Select");
        var g = (FunctionCall)ExprTransform.StripAlias(exprs[gen]);
        var name = exprs[gen] is AliasExpr a ? a.Name : "col";
        var projected = exprs.Select((e, i) => i == gen ? new AliasExpr(g.Args[0], name) : e).ToArray();
        return With(new GenerateNode(new ProjectNode(Plan, projected), gen, g.Name == "explode_outer"));
    }

    private static bool IsGenerator(Expr e) => ExprTransform.StripAlias(e) is FunctionCall { Name: "explode" or "explode_outer" };

    /// <summary>Projects columns by name.</summary>
    public DataFrame Select(string column, params string[] columns) => Select(columns.Prepend(column).Select(Functions.Col).ToArray());

    /// <summary>Rows where the condition is TRUE.</summary>
    public DataFrame Filter(Column condition) => With(new FilterNode(Plan, condition.Expr));
    /// <summary>Rows where the condition is TRUE.</summary>
    public DataFrame Where(Column condition) => Filter(condition);

    /// <summary>Adds or replaces a column.</summary>
    public DataFrame WithColumn(string name, Column column)
    {
        var exprs = new List<Expr>();
        bool replaced = false;
        foreach (var f in Plan.Output.Fields)
        {
            if (string.Equals(f.Name, name, StringComparison.OrdinalIgnoreCase)) { exprs.Add(new AliasExpr(column.Expr, name)); replaced = true; }
            else exprs.Add(new ColumnRef(f.Name, f.Id));
        }
        if (!replaced) exprs.Add(new AliasExpr(column.Expr, name));
        return Select(exprs.Select(e => new Column(e)).ToArray());
    }

    /// <summary>Renames a column (no-op when absent, as in Spark).</summary>
    public DataFrame WithColumnRenamed(string existing, string newName)
    {
        if (Plan.Output.IndexOf(existing) < 0) return this;
        return With(new ProjectNode(Plan, Plan.Output.Fields.Select(f => string.Equals(f.Name, existing, StringComparison.OrdinalIgnoreCase)
            ? (Expr)new AliasExpr(new ColumnRef(f.Name, f.Id), newName) : new ColumnRef(f.Name, f.Id)).ToArray()));
    }

    /// <summary>Drops columns by name (absent names are ignored, as in Spark).</summary>
    public DataFrame Drop(params string[] columns) =>
        With(new ProjectNode(Plan, Plan.Output.Fields.Where(f => !columns.Any(c => string.Equals(c, f.Name, StringComparison.OrdinalIgnoreCase)))
            .Select(f => (Expr)new ColumnRef(f.Name, f.Id)).ToArray()));

    /// <summary>Groups by columns for aggregation.</summary>
    public RelationalGroupedDataset GroupBy(params Column[] columns) => new(this, columns);
    /// <summary>Groups by column names.</summary>
    public RelationalGroupedDataset GroupBy(string column, params string[] columns) => GroupBy(columns.Prepend(column).Select(Functions.Col).ToArray());
    /// <summary>Global aggregation (no grouping).</summary>
    public DataFrame Agg(Column expr, params Column[] exprs) => GroupBy().Agg(expr, exprs);

    /// <summary>Inner join on a condition, or another join type ("inner", "left", "left_outer", "right", "full", "outer", "left_semi", "left_anti", "cross").</summary>
    public DataFrame Join(DataFrame right, Column joinExpr, string joinType = "inner") =>
        With(new JoinNode(Plan, right.Plan, ParseJoinType(joinType), joinExpr.Expr));

    /// <summary>Equi-join on a column present on both sides; the output keeps one copy of it.</summary>
    public DataFrame Join(DataFrame right, string usingColumn) => Join(right, [usingColumn], "inner");

    /// <summary>Equi-join on columns present on both sides; the output keeps one copy of each (Spark's USING join).</summary>
    public DataFrame Join(DataFrame right, IEnumerable<string> usingColumns, string joinType = "inner")
    {
        var cols = usingColumns.ToArray();
        var type = ParseJoinType(joinType);
        Expr? cond = null;
        foreach (var c in cols)
        {
            var eq = new BinaryExpr(BinaryOp.Equal, this[c].Expr, right[c].Expr);
            cond = cond is null ? eq : new BinaryExpr(BinaryOp.And, cond, eq);
        }
        var joined = With(new JoinNode(Plan, right.Plan, type, cond));
        if (type is JoinType.LeftSemi or JoinType.LeftAnti) return joined;
        // Key columns first (coalesced for full outer joins), then the rest of each side.
        var outs = new List<Column>();
        foreach (var c in cols)
            outs.Add(type switch
            {
                JoinType.RightOuter => right[c].Alias(c),
                JoinType.FullOuter => Functions.Coalesce(this[c], right[c]).Alias(c),
                _ => this[c],
            });
        outs.AddRange(Plan.Output.Fields.Where(f => !cols.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).Select(f => new Column(new ColumnRef(f.Name, f.Id))));
        outs.AddRange(right.Plan.Output.Fields.Where(f => !cols.Contains(f.Name, StringComparer.OrdinalIgnoreCase)).Select(f => new Column(new ColumnRef(f.Name, f.Id))));
        return joined.Select(outs.ToArray());
    }

    /// <summary>Cartesian product.</summary>
    public DataFrame CrossJoin(DataFrame right) => With(new JoinNode(Plan, right.Plan, JoinType.Cross, null));

    private static JoinType ParseJoinType(string t) => t.ToLowerInvariant().Replace("_", "") switch
    {
        "inner" => JoinType.Inner,
        "left" or "leftouter" => JoinType.LeftOuter,
        "right" or "rightouter" => JoinType.RightOuter,
        "full" or "outer" or "fullouter" => JoinType.FullOuter,
        "leftsemi" or "semi" => JoinType.LeftSemi,
        "leftanti" or "anti" => JoinType.LeftAnti,
        "cross" => JoinType.Cross,
        _ => throw new AccelException($"unsupported join type '{t}'; supported: inner, cross, outer, full, fullouter, full_outer, left, leftouter, left_outer, right, rightouter, right_outer, semi, leftsemi, left_semi, anti, leftanti, left_anti"),
    };

    /// <summary>Sorts by columns (Column.Desc() etc. for direction).</summary>
    public DataFrame OrderBy(params Column[] columns) =>
        With(new SortNode(Plan, columns.Select(c => c.Expr as SortOrder ?? new SortOrder(c.Expr)).ToArray()));
    /// <summary>Sorts ascending by column names.</summary>
    public DataFrame OrderBy(string column, params string[] columns) => OrderBy(columns.Prepend(column).Select(Functions.Col).ToArray());
    /// <summary>Same as OrderBy.</summary>
    public DataFrame Sort(params Column[] columns) => OrderBy(columns);
    /// <summary>Same as OrderBy.</summary>
    public DataFrame Sort(string column, params string[] columns) => OrderBy(column, columns);
    /// <summary>The first n rows.</summary>
    public DataFrame Limit(int n) => With(new LimitNode(Plan, n));
    /// <summary>Distinct rows.</summary>
    public DataFrame Distinct() => With(new DistinctNode(Plan));
    /// <summary>Distinct rows (by all columns).</summary>
    public DataFrame DropDuplicates() => Distinct();
    /// <summary>UNION ALL by position.</summary>
    public DataFrame Union(DataFrame other) => With(new UnionNode(Plan, other.Plan));
    /// <summary>UNION ALL by position.</summary>
    public DataFrame UnionAll(DataFrame other) => Union(other);
    /// <summary>UNION ALL matching columns by name.</summary>
    public DataFrame UnionByName(DataFrame other) => Union(other.Select(Columns.Select(c => other[c]).ToArray()));

    internal DataFrame WithBroadcastHint() => With(new BroadcastHintNode(Plan));

    /// <summary>Runs the plan once and keeps the result in memory; later queries read it from there. On a machine
    /// with a GPU (accel.path auto or gpu, accel.gpu.cache true) the columns are also kept on the device, so GPU
    /// operators over them copy nothing across the bus; explain's scan line says which. Caching a cached DataFrame
    /// runs nothing again (it only puts it on the device if it is not there yet).</summary>
    public DataFrame Cache()
    {
        var conf = Session.Conf();
        bool onDevice = conf.CacheOnDevice && conf.Path is PathSetting.Auto or PathSetting.Gpu;
        if (Plan is ScanNode { Source: InMemorySource { Origin: not null } cached })
        {
            if (onDevice) cached.PinOnDevice();
            return this;
        }
        var batches = Execute().Where(b => b.RowCount > 0).Select(b => b.Compact()).ToList();
        var source = new InMemorySource(Plan.Output, batches, "cached") { Origin = Plan };
        if (onDevice) source.PinOnDevice();
        return With(new ScanNode(source));
    }

    /// <summary>Same as Cache.</summary>
    public DataFrame Persist() => Cache();

    /// <summary>Frees the device-resident copy of a cached DataFrame and returns the DataFrame over the plan it was
    /// cached from (queries on it compute again). DataFrames already derived from the cached one keep reading its
    /// host copy. On a DataFrame that is not cached it does nothing, as in Spark.</summary>
    public DataFrame Unpersist()
    {
        if (Plan is not ScanNode { Source: InMemorySource { Origin: { } origin } cached }) return this;
        cached.ReleaseDevice();
        return With(origin);
    }

    /// <summary>Whether this DataFrame reads the in-memory result of Cache.</summary>
    public bool IsCached => Plan is ScanNode { Source: InMemorySource { Origin: not null } };

    /// <summary>Registers this DataFrame under a name for <see cref="AccelSession.Table"/>.</summary>
    public void CreateOrReplaceTempView(string name) => Session.RegisterView(name, this);
    /// <summary>Registers this DataFrame under a name; fails when the name is taken.</summary>
    public void CreateTempView(string name)
    {
        if (Session.HasView(name)) throw new AccelException($"temporary view '{name}' already exists");
        Session.RegisterView(name, this);
    }

    // ---- actions ----

    /// <summary>Plans the query (paths chosen, nothing run).</summary>
    public ExecNode PhysicalPlan() => new PhysicalPlanner(Session.Implementations, Session.Conf().Path, Session.Conf().RuntimeFilters).Plan(Accel.Planner.Optimizer.LogicalOptimizer.Optimize(Plan));

    /// <summary>Runs the query and streams its batches.</summary>
    public IEnumerable<ColumnBatch> Execute()
    {
        var conf = Session.Conf();
        var root = PhysicalPlan();
        LastExecutedPlan = root;
        var ctx = new ExecContext(conf.Path, conf.Strict, conf.BatchSize);
        var sw = Stopwatch.StartNew();
        long rows = 0;
        foreach (var b in root.Execute(ctx))
        {
            rows += b.RowCount;
            yield return b;
        }
        sw.Stop();
        Session.ReportQuery(Accel.Planner.Physical.Explain.LogLine(root, sw.Elapsed, rows), root);
    }

    /// <summary>All rows.</summary>
    public IEnumerable<Row> Collect()
    {
        var schema = Plan.Output;
        return Execute().SelectMany(b => b.Rows()).Select(r => new Row(r, schema)).ToList();
    }

    /// <summary>The result as one compact batch.</summary>
    public ColumnBatch ToBatch() => ColumnBatch.Concat(Plan.Output, Execute().Select(b => new ColumnBatch(Plan.Output, b.Columns, b.PhysicalRows, b.Selection)).ToList());

    /// <summary>Number of rows.</summary>
    public long Count() => Execute().Sum(b => (long)b.RowCount);
    /// <summary>The first n rows.</summary>
    public IEnumerable<Row> Take(int n) => Limit(n).Collect();
    /// <summary>The first n rows.</summary>
    public IEnumerable<Row> Head(int n) => Take(n);
    /// <summary>The first row, or null.</summary>
    public Row? First() => Take(1).FirstOrDefault();

    /// <summary>Prints the first rows as a table, like Spark's show().</summary>
    public void Show(int numRows = 20, int truncate = 20, bool vertical = false) => Console.Write(ShowString(numRows, truncate));

    /// <summary>The text Show prints.</summary>
    public string ShowString(int numRows = 20, int truncate = 20)
    {
        var rows = Limit(numRows + 1).Collect().ToList();
        bool more = rows.Count > numRows;
        if (more) rows.RemoveAt(rows.Count - 1);
        string Cell(object? v)
        {
            var s = v is null ? "NULL" : ValueConversions.Format(v);
            return truncate > 0 && s.Length > truncate ? s[..Math.Max(0, truncate - 3)] + "..." : s;
        }
        var header = Columns.ToArray();
        var cells = rows.Select(r => r.Values.Select(Cell).ToArray()).ToList();
        var widths = header.Select((h, i) => Math.Max(3, Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length)))).ToArray();
        var sep = "+" + string.Join("+", widths.Select(w => new string('-', w))) + "+";
        var sb = new StringBuilder();
        sb.AppendLine(sep);
        sb.AppendLine("|" + string.Join("|", header.Select((h, i) => truncate > 0 ? h.PadLeft(widths[i]) : h.PadRight(widths[i]))) + "|");
        sb.AppendLine(sep);
        foreach (var c in cells) sb.AppendLine("|" + string.Join("|", c.Select((v, i) => truncate > 0 ? v.PadLeft(widths[i]) : v.PadRight(widths[i]))) + "|");
        sb.AppendLine(sep);
        if (more) sb.AppendLine($"only showing top {numRows} row{(numRows == 1 ? "" : "s")}");
        return sb.ToString();
    }

    /// <summary>Prints the physical plan: each operator with its path and why the other paths were not
    /// taken; with <paramref name="analyze"/> the query runs first and rows, batches, time and bytes moved
    /// are added per operator.</summary>
    public void Explain(bool extended = false, bool analyze = false) => Console.Write(ExplainString(extended, analyze));

    /// <summary>The text Explain prints.</summary>
    public string ExplainString(bool extended = false, bool analyze = false)
    {
        var sb = new StringBuilder();
        if (extended)
        {
            sb.AppendLine("== Logical Plan ==");
            RenderLogical(Plan, 0, sb);
            sb.AppendLine();
        }
        ExecNode root;
        if (analyze)
        {
            foreach (var _ in Execute()) { }
            root = LastExecutedPlan!;
        }
        else root = PhysicalPlan();
        sb.Append(Accel.Planner.Physical.Explain.Render(root, analyze));
        return sb.ToString();
    }

    /// <summary>The plan as data: per operator, its path, the reasons for the others and (after a run) metrics.</summary>
    public OperatorInfo PlanInfo(bool analyze = false)
    {
        if (analyze) { foreach (var _ in Execute()) { } return Accel.Planner.Physical.Explain.Describe(LastExecutedPlan!, true); }
        return Accel.Planner.Physical.Explain.Describe(PhysicalPlan(), false);
    }

    private static void RenderLogical(LogicalPlan p, int depth, StringBuilder sb)
    {
        var pad = depth == 0 ? "" : new string(' ', (depth - 1) * 3) + "+- ";
        var detail = p switch
        {
            ScanNode s => $"{s.Source.Format} {s.Source.Describe}",
            FilterNode f => f.Condition.DisplayName,
            ProjectNode pr => "[" + string.Join(", ", pr.Exprs.Select(e => e.DisplayName)) + "]",
            AggregateNode a => $"keys=[{string.Join(", ", a.Keys.Select(k => k.DisplayName))}] [{string.Join(", ", a.Outputs.Select(o => o.DisplayName))}]",
            JoinNode j => $"{j.Type} {j.Condition?.DisplayName}",
            SortNode s => string.Join(", ", s.Orders.Select(o => o.DisplayName)),
            LimitNode l => l.Count.ToString(System.Globalization.CultureInfo.InvariantCulture),
            _ => "",
        };
        sb.AppendLine($"{pad}{p.GetType().Name.Replace("Node", "")} {detail}");
        foreach (var c in p.Children) RenderLogical(c, depth + 1, sb);
    }

    /// <summary>Writes the result to files.</summary>
    public DataFrameWriter Write() => new(this);
}
