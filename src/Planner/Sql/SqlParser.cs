using System.Globalization;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Sql;

/// <summary>A parsed statement: a query, EXPLAIN [ANALYZE] of one, CREATE [OR REPLACE] TEMP VIEW name AS query,
/// CACHE TABLE name [[AS] query] or UNCACHE TABLE [IF EXISTS] name. <see cref="Plan"/> is null only for UNCACHE.</summary>
public sealed record SqlStatement(LogicalPlan? Plan, bool Explain, bool Analyze, string? CreateView = null, CacheCommand? Cache = null);

/// <summary>CACHE TABLE (keep <see cref="Table"/>'s rows in memory, and on the device when there is one) or UNCACHE TABLE.</summary>
/// <param name="Table">The view name.</param>
/// <param name="Uncache">True for UNCACHE TABLE.</param>
/// <param name="IfExists">UNCACHE TABLE IF EXISTS: a missing name is not an error.</param>
public sealed record CacheCommand(string Table, bool Uncache, bool IfExists);

/// <summary>Recursive-descent parser for the subset of Spark SQL Accel runs, building the same logical plan
/// as the DataFrame API. Errors give the line and column, the token found and what was expected.</summary>
public sealed class SqlParser
{
    private readonly List<Token> _t;
    private int _p;
    private readonly Func<string, LogicalPlan?> _catalog;
    private readonly Dictionary<string, LogicalPlan> _ctes = new(StringComparer.OrdinalIgnoreCase);
    // Scopes of the queries enclosing the expression being parsed, innermost last: a subquery resolves a
    // name it does not have against them, as a correlation.
    private readonly List<Scope> _scopes = [];

    private SqlParser(string sql, Func<string, LogicalPlan?> catalog)
    {
        _t = Lexer.Tokenize(sql);
        _catalog = catalog;
    }

    /// <summary>Parses one statement; <paramref name="catalog"/> resolves table names.</summary>
    public static SqlStatement Parse(string sql, Func<string, LogicalPlan?> catalog)
    {
        var p = new SqlParser(sql, catalog);
        if (p.Accept("CREATE"))
        {
            if (p.Accept("OR")) p.Expect("REPLACE");
            if (!p.Accept("TEMP")) p.Accept("TEMPORARY");
            p.Expect("VIEW");
            var name = p.Identifier("a view name");
            p.Expect("AS");
            var body = p.Query();
            p.AcceptSymbol(";");
            if (p.Peek.Kind != TokenKind.End) throw p.Error("end of statement");
            return new SqlStatement(body, false, false, name);
        }
        if (p.Accept("CACHE")) return p.CacheTable();
        if (p.Accept("UNCACHE"))
        {
            p.Expect("TABLE");
            bool ifExists = p.Accept("IF");
            if (ifExists) p.Expect("EXISTS");
            var name = p.Identifier("a table name");
            p.EndOfStatement();
            return new SqlStatement(null, false, false, Cache: new CacheCommand(name, Uncache: true, ifExists));
        }
        bool explain = false, analyze = false;
        if (p.Accept("EXPLAIN"))
        {
            explain = true;
            analyze = p.Accept("ANALYZE");
            p.Accept("EXTENDED");
        }
        var plan = p.Query();
        p.AcceptSymbol(";");
        if (p.Peek.Kind != TokenKind.End) throw p.Error("end of statement");
        if (SubqueryRewriter.HasOuterRefs(plan)) throw new AccelException("a correlated reference could not be decorrelated in this position");
        return new SqlStatement(plan, explain, analyze);
    }

    // CACHE TABLE name [[AS] query]: without a query the name must already be a view.
    private SqlStatement CacheTable()
    {
        Expect("TABLE");
        var name = Identifier("a table name");
        LogicalPlan plan;
        if (Accept("AS") || Peek.Is("SELECT") || Peek.Is("WITH") || Peek.IsSymbol("("))
            plan = Query();
        else
            plan = _catalog(name) ?? throw new AccelException($"CACHE TABLE: table or view not found: {name}");
        EndOfStatement();
        return new SqlStatement(plan, false, false, Cache: new CacheCommand(name, Uncache: false, IfExists: false));
    }

    private void EndOfStatement()
    {
        AcceptSymbol(";");
        if (Peek.Kind != TokenKind.End) throw Error("end of statement");
    }

    // ---------------- tokens ----------------

    private Token Peek => _t[_p];
    private Token PeekAt(int k) => _t[Math.Min(_p + k, _t.Count - 1)];
    private Token Next() => _t[_p++];
    private bool Accept(string keyword) { if (Peek.Is(keyword)) { _p++; return true; } return false; }
    private bool AcceptSymbol(string s) { if (Peek.IsSymbol(s)) { _p++; return true; } return false; }
    private void Expect(string keyword) { if (!Accept(keyword)) throw Error(keyword.ToUpperInvariant()); }
    private void ExpectSymbol(string s) { if (!AcceptSymbol(s)) throw Error($"'{s}'"); }
    private AccelException Error(string expected) =>
        new($"syntax error at line {Peek.Line}, column {Peek.Column}: found {Peek.Describe}, expected {expected}");

    private static readonly HashSet<string> s_reserved = new(StringComparer.OrdinalIgnoreCase)
    {
        "SELECT", "FROM", "WHERE", "GROUP", "HAVING", "ORDER", "LIMIT", "UNION", "JOIN", "ON", "INNER", "LEFT", "RIGHT", "FULL",
        "OUTER", "CROSS", "SEMI", "ANTI", "AS", "AND", "OR", "NOT", "BY", "WITH", "ASC", "DESC", "NULLS", "CASE", "WHEN", "THEN",
        "ELSE", "END", "IS", "IN", "BETWEEN", "LIKE", "RLIKE", "DISTINCT", "ALL", "USING",
    };

    private string Identifier(string what)
    {
        var tok = Peek;
        if (tok.Kind == TokenKind.QuotedIdentifier || (tok.Kind == TokenKind.Identifier && !s_reserved.Contains(tok.Text))) { _p++; return tok.Text; }
        throw Error(what);
    }

    // ---------------- queries ----------------

    private LogicalPlan Query()
    {
        if (Accept("WITH"))
        {
            do
            {
                var name = Identifier("a CTE name");
                Expect("AS");
                ExpectSymbol("(");
                _ctes[name] = Query();
                ExpectSymbol(")");
            } while (AcceptSymbol(","));
        }
        var (plan, selectScope) = SetOperation();
        if (Accept("ORDER"))
        {
            Expect("BY");
            plan = OrderBy(plan, selectScope);
        }
        if (Accept("LIMIT"))
        {
            var n = Next();
            if (n.Kind != TokenKind.Number || !int.TryParse(n.Text, out int limit)) { _p--; throw Error("a row count after LIMIT"); }
            plan = new LimitNode(plan, limit);
        }
        return plan;
    }

    private (LogicalPlan, SelectInfo?) SetOperation()
    {
        var (plan, info) = SelectOrParens();
        while (Accept("UNION"))
        {
            bool all = Accept("ALL");
            if (!all) Accept("DISTINCT");
            var (right, _) = SelectOrParens();
            plan = new UnionNode(plan, right);
            if (!all) plan = new DistinctNode(plan);
            info = null;
        }
        return (plan, info);
    }

    private (LogicalPlan, SelectInfo?) SelectOrParens()
    {
        if (AcceptSymbol("("))
        {
            var q = Query();
            ExpectSymbol(")");
            return (q, null);
        }
        return Select();
    }

    /// <summary>What ORDER BY needs to know about the select list it sorts.</summary>
    private sealed record SelectInfo(LogicalPlan Input, IReadOnlyList<Expr> Items, bool Aggregated, Scope Scope);

    private (LogicalPlan, SelectInfo) Select()
    {
        Expect("SELECT");
        var hints = Hints();
        bool distinct = Accept("DISTINCT");
        if (!distinct) Accept("ALL");
        // The select list is parsed after FROM, so that subqueries in it see the FROM clause's columns.
        int itemsStart = _p;
        SkipSelectList();
        int itemsEnd = _p;

        Scope scope;
        LogicalPlan input;
        if (Accept("FROM")) (input, scope) = From(hints);
        else
        {
            // SELECT without FROM reads one row of no columns.
            var none = new Schema([]);
            input = new ScanNode(new InMemorySource(none, [new ColumnBatch(none, [], 1)], "one row"));
            scope = new Scope([]);
        }
        scope.Parent = _scopes.Count > 0 ? _scopes[^1] : null;
        _scopes.Add(scope);
        try
        {
            var where = Accept("WHERE") ? Expression() : null;
            var groupBy = new List<Expr>();
            if (Accept("GROUP"))
            {
                Expect("BY");
                do groupBy.Add(Expression()); while (AcceptSymbol(","));
            }
            var having = Accept("HAVING") ? Expression() : null;
            int clausesEnd = _p;
            _p = itemsStart;
            var rawItems = new List<Expr>();
            do rawItems.Add(SelectItem()); while (AcceptSymbol(","));
            if (_p != itemsEnd) throw Error("',' or FROM");
            _p = clausesEnd;
            return BuildSelect(input, scope, rawItems, where, groupBy, having, distinct);
        }
        finally
        {
            _scopes.RemoveAt(_scopes.Count - 1);
        }
    }

    // Moves past the select list: to the first clause keyword or closing parenthesis at nesting depth 0.
    private void SkipSelectList()
    {
        int depth = 0;
        while (Peek.Kind != TokenKind.End)
        {
            var t = Peek;
            if (t.IsSymbol("(")) depth++;
            else if (t.IsSymbol(")")) { if (depth == 0) return; depth--; }
            else if (depth == 0 && (t.IsSymbol(";") || t.Is("FROM") || t.Is("WHERE") || (t.Is("GROUP") && !_t[Math.Max(0, _p - 1)].Is("WITHIN")) || t.Is("HAVING") || t.Is("ORDER")
                || t.Is("LIMIT") || t.Is("UNION"))) return;
            _p++;
        }
    }

    private (LogicalPlan, SelectInfo) BuildSelect(LogicalPlan input, Scope scope, List<Expr> rawItems, Expr? where, List<Expr> groupBy, Expr? having, bool distinct)
    {
        if (where is not null) input = SubqueryRewriter.Filter(input, scope.Resolve(where));
        var items = rawItems.SelectMany(i => scope.Expand(i, input.Output)).Select(scope.Resolve).ToList();
        // GROUP BY 1 refers to the first select item.
        var keys = groupBy.Select(g => g is Literal { Value: int ord } ? StripAlias(items[ord - 1]) : scope.Resolve(g)).ToList();
        bool aggregated = keys.Count > 0 || having is not null || items.Any(HasAggregate);
        var resolvedHaving = having is null ? null : ResolveAliases(scope.Resolve(having), items);

        LogicalPlan plan;
        if (aggregated)
        {
            if (items.Any(WindowPlanner.HasWindow) || (resolvedHaving is not null && WindowPlanner.HasWindow(resolvedHaving)))
                throw new AccelException("window functions in an aggregating SELECT are not supported yet; aggregate in a subquery and apply the window outside it");
            if (resolvedHaving is not null && !items.Any(SubqueryRewriter.HasSubquery) && OnlyUncorrelatedScalars(resolvedHaving))
                return (HavingAfterAggregate(input, keys, items, resolvedHaving, distinct), new SelectInfo(input, items, aggregated, scope));
            // Uncorrelated scalar subqueries are joined onto the input as one-row columns and grouped by,
            // which leaves the groups unchanged and makes their value usable outside aggregates.
            var scalarUsers = items.Concat(resolvedHaving is null ? [] : [resolvedHaving]).ToList();
            if (scalarUsers.Any(SubqueryRewriter.HasSubquery))
            {
                int before = input.Output.Count;
                input = SubqueryRewriter.AttachScalars(input, scalarUsers, out var rewritten);
                items = rewritten.Take(items.Count).ToList();
                if (resolvedHaving is not null) resolvedHaving = rewritten[^1];
                keys.AddRange(input.Output.Fields.Skip(before).Select(f => (Expr)SubqueryRewriter.Ref(f)));
            }
            if (resolvedHaving is null) plan = new AggregateNode(input, keys, items);
            else
            {
                var outputs = items.Append(new AliasExpr(resolvedHaving, "__having")).ToList();
                plan = new AggregateNode(input, keys, outputs);
                plan = new FilterNode(plan, new ColumnRef("__having", plan.Output[items.Count].Id));
                plan = new ProjectNode(plan, plan.Output.Fields.Take(items.Count).Select(f => (Expr)new ColumnRef(f.Name, f.Id)).ToArray());
            }
        }
        else
        {
            if (items.Any(SubqueryRewriter.HasSubquery))
            {
                input = SubqueryRewriter.AttachScalars(input, items, out var rewritten);
                items = rewritten.ToList();
            }
            (input, items) = WindowPlanner.Extract(input, items);
            plan = ProjectWithGenerator(input, items);
        }
        if (distinct) plan = new DistinctNode(plan);
        return (plan, new SelectInfo(input, items, aggregated, scope));
    }

    private static Expr StripAlias(Expr e) => ExprTransform.StripAlias(e);

    private static bool OnlyUncorrelatedScalars(Expr e)
    {
        var subqueries = ExprTransform.Nodes(e).Where(n => n is ScalarSubqueryExpr or ExistsExpr or InSubqueryExpr).ToList();
        return subqueries.Count > 0 && subqueries.All(n => n is ScalarSubqueryExpr s && !SubqueryRewriter.HasOuterRefs(s.Plan));
    }

    // A HAVING whose subqueries are all uncorrelated scalars compares the groups with constants: the aggregate computes
    // the parts of the condition that read no subquery, the subqueries' one-row results join the groups after it, and
    // the condition filters there. Joined onto the input instead, the value went through every input row and became one
    // more grouping key (TPC-H Q11: 96,000 rows and 91,000 groups, against the one-column key of partkeys).
    private static LogicalPlan HavingAfterAggregate(LogicalPlan input, List<Expr> keys, List<Expr> items, Expr having, bool distinct)
    {
        var parts = new List<Expr>();
        var condition = ExprTransform.Transform(having, n =>
        {
            if (n is Literal || SubqueryRewriter.HasSubquery(n)) return null;
            parts.Add(new AliasExpr(n, $"__having{parts.Count}"));
            return new ColumnRef($"__having{parts.Count - 1}", 0);
        });
        var aggregate = new AggregateNode(input, keys, [.. items, .. parts]);
        var computed = aggregate.Output.Fields.Skip(items.Count).ToArray();
        condition = ExprTransform.Transform(condition, n => n is ColumnRef { Id: 0 } c && computed.FirstOrDefault(f => f.Name == c.Name) is { } f
            ? SubqueryRewriter.Ref(f) : null);
        var widened = SubqueryRewriter.AttachScalars(aggregate, [condition], out var rewritten);
        LogicalPlan plan = new FilterNode(widened, rewritten[0]);
        plan = new ProjectNode(plan, aggregate.Output.Fields.Take(items.Count).Select(f => (Expr)SubqueryRewriter.Ref(f)).ToArray());
        return distinct ? new DistinctNode(plan) : plan;
    }

    private static bool HasAggregate(Expr e) => WindowPlanner.HasBareAggregate(e);

    // HAVING may name a select alias (HAVING total > 10): replace it by the aliased expression.
    private static Expr ResolveAliases(Expr e, IReadOnlyList<Expr> items) => ExprTransform.Transform(e, x =>
        x is ColumnRef { Id: 0 } c && items.OfType<AliasExpr>().FirstOrDefault(a => string.Equals(a.Name, c.Name, StringComparison.OrdinalIgnoreCase)) is { } a ? a.Child : null);

    private static LogicalPlan ProjectWithGenerator(LogicalPlan input, List<Expr> items)
    {
        int gen = items.FindIndex(i => StripAlias(i) is FunctionCall { Name: "explode" or "explode_outer" });
        if (gen < 0) return new ProjectNode(input, items);
        var g = (FunctionCall)StripAlias(items[gen]);
        var name = items[gen] is AliasExpr al ? al.Name : "col";
        var projected = items.Select((e, i) => i == gen ? new AliasExpr(g.Args[0], name) : e).ToArray();
        return new GenerateNode(new ProjectNode(input, projected), gen, g.Name == "explode_outer");
    }

    private Expr SelectItem()
    {
        if (AcceptSymbol("*")) return new ColumnRef("*");
        if ((Peek.Kind is TokenKind.Identifier or TokenKind.QuotedIdentifier) && PeekAt(1).IsSymbol(".") && PeekAt(2).IsSymbol("*"))
        {
            var q = Next().Text;
            _p += 2;
            return new ColumnRef(q + ".*");
        }
        var e = Expression();
        if (Accept("AS")) return new AliasExpr(e, Identifier("an alias after AS"));
        if (Peek.Kind == TokenKind.QuotedIdentifier || (Peek.Kind == TokenKind.Identifier && !s_reserved.Contains(Peek.Text)))
            return new AliasExpr(e, Next().Text);
        return e;
    }

    private HashSet<string> Hints()
    {
        var broadcast = new HashSet<string>(StringComparer.OrdinalIgnoreCase);
        while (AcceptSymbol("/*+"))
        {
            while (!AcceptSymbol("*/"))
            {
                if (Peek.Kind == TokenKind.End) throw Error("'*/' closing the hint");
                var name = Next();
                if ((name.Is("BROADCAST") || name.Is("BROADCASTJOIN") || name.Is("MAPJOIN")) && AcceptSymbol("("))
                {
                    do broadcast.Add(Identifier("a table name in the hint")); while (AcceptSymbol(","));
                    ExpectSymbol(")");
                }
                AcceptSymbol(",");
            }
        }
        return broadcast;
    }

    // ---------------- FROM ----------------

    /// <summary>The relations visible to expressions: alias -> its columns.</summary>
    internal sealed class Scope(List<(string Alias, Schema Columns)> relations)
    {
        public List<(string Alias, Schema Columns)> Relations { get; } = relations;

        /// <summary>The scope of the enclosing query, for correlated references.</summary>
        public Scope? Parent { get; set; }

        public Scope Concat(Scope other) => new([.. Relations, .. other.Relations]);

        private bool HasColumn(string name) => Relations.Any(r => r.Columns.IndexOf(name) >= 0);

        private (string Alias, Schema Columns) Relation(string alias) =>
            Relations.FirstOrDefault(r => string.Equals(r.Alias, alias, StringComparison.OrdinalIgnoreCase));

        /// <summary>Turns qualified references (t.col) into references pinned to that relation's column, and
        /// names only an enclosing query has into outer references.</summary>
        public Expr Resolve(Expr e) => ExprTransform.Transform(e, x =>
        {
            if (x is not ColumnRef { Id: 0 } c) return null;
            if (!c.Name.Contains('.'))
                return HasColumn(c.Name) || c.Name == "*" ? null : Parent?.Outer(null, c.Name);
            int dot = c.Name.LastIndexOf('.');
            var (qualifier, name) = (c.Name[..dot], c.Name[(dot + 1)..]);
            var rel = Relation(qualifier);
            if (rel.Columns is null)
                return Parent?.Outer(qualifier, name)
                    ?? throw new AccelException($"table or alias '{qualifier}' is not in the FROM clause; known: [{string.Join(", ", Relations.Select(r => r.Alias))}]");
            int i = rel.Columns.IndexOf(name);
            if (i < 0) throw new AccelException($"column '{name}' does not exist in '{qualifier}'; available columns: [{string.Join(", ", rel.Columns.Fields.Select(f => f.Name))}]");
            return new ColumnRef(rel.Columns[i].Name, rel.Columns[i].Id);
        });

        // A column of this (enclosing) scope or of one further out, as seen from a subquery.
        private OuterRef? Outer(string? qualifier, string name)
        {
            foreach (var rel in qualifier is null ? Relations : Relations.Where(r => string.Equals(r.Alias, qualifier, StringComparison.OrdinalIgnoreCase)))
            {
                int i = rel.Columns.IndexOf(name);
                if (i >= 0) return new OuterRef(rel.Columns[i].Name, rel.Columns[i].Id, rel.Columns[i].Type);
            }
            return Parent?.Outer(qualifier, name);
        }

        /// <summary>Expands * and t.* into the columns they stand for.</summary>
        public IEnumerable<Expr> Expand(Expr item, Schema input)
        {
            if (item is ColumnRef { Name: "*", Id: 0 }) return input.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id));
            if (item is ColumnRef { Id: 0 } c && c.Name.EndsWith(".*"))
            {
                var q = c.Name[..^2];
                var rel = Relations.FirstOrDefault(r => string.Equals(r.Alias, q, StringComparison.OrdinalIgnoreCase));
                if (rel.Columns is null) throw new AccelException($"table or alias '{q}' is not in the FROM clause");
                return rel.Columns.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id));
            }
            return [item];
        }
    }

    private (LogicalPlan, Scope) From(HashSet<string> broadcast)
    {
        var (plan, scope) = TableRef(broadcast);
        while (true)
        {
            if (AcceptSymbol(","))
            {
                var (r, rs) = TableRef(broadcast);
                plan = new JoinNode(plan, r, JoinType.Cross, null);
                scope = scope.Concat(rs);
                continue;
            }
            JoinType? type = null;
            if (Accept("JOIN") || (Accept("INNER") && Expect2("JOIN"))) type = JoinType.Inner;
            else if (Accept("CROSS")) { Expect("JOIN"); type = JoinType.Cross; }
            else if (Accept("LEFT"))
            {
                type = Accept("SEMI") ? JoinType.LeftSemi : Accept("ANTI") ? JoinType.LeftAnti : JoinType.LeftOuter;
                Accept("OUTER");
                Expect("JOIN");
            }
            else if (Accept("RIGHT")) { Accept("OUTER"); Expect("JOIN"); type = JoinType.RightOuter; }
            else if (Accept("FULL")) { Accept("OUTER"); Expect("JOIN"); type = JoinType.FullOuter; }
            else if (Accept("SEMI")) { Expect("JOIN"); type = JoinType.LeftSemi; }
            else if (Accept("ANTI")) { Expect("JOIN"); type = JoinType.LeftAnti; }
            if (type is null) return (plan, scope);
            var (right, rightScope) = TableRef(broadcast);
            var both = scope.Concat(rightScope);
            Expr? condition = null;
            if (Accept("ON")) condition = both.Resolve(Expression());
            else if (type != JoinType.Cross) throw Error("ON after the joined table");
            plan = new JoinNode(plan, right, type.Value, condition);
            scope = type is JoinType.LeftSemi or JoinType.LeftAnti ? scope : both;
        }
    }

    private bool Expect2(string keyword) { Expect(keyword); return true; }

    private (LogicalPlan, Scope) TableRef(HashSet<string> broadcast)
    {
        LogicalPlan plan;
        string alias;
        if (AcceptSymbol("("))
        {
            bool values = Peek.Is("VALUES");
            plan = values ? Values() : Query();
            ExpectSymbol(")");
            Accept("AS");
            alias = Identifier("an alias for the subquery");
            if (AcceptSymbol("("))
            {
                var names = new List<string>();
                do names.Add(Identifier("a column name")); while (AcceptSymbol(","));
                ExpectSymbol(")");
                if (names.Count != plan.Output.Count)
                    throw new AccelException($"alias {alias} names {names.Count} columns but the relation has {plan.Output.Count}");
                plan = new ProjectNode(plan, plan.Output.Fields.Select((f, i) => (Expr)new AliasExpr(new ColumnRef(f.Name, f.Id), names[i])).ToArray());
            }
        }
        else
        {
            var nameTok = Peek;
            var name = Identifier("a table name");
            plan = _ctes.TryGetValue(name, out var cte) ? cte : _catalog(name)
                ?? throw new AccelException($"table or view not found: {name} (line {nameTok.Line}, column {nameTok.Column})");
            // Each mention of a table is its own relation (t1 JOIN t1, or t in a subquery of a query over t).
            plan = new ProjectNode(plan, plan.Output.Fields.Select(f => (Expr)new AliasExpr(SubqueryRewriter.Ref(f), f.Name)).ToArray());
            alias = name;
            if (Accept("AS")) alias = Identifier("an alias after AS");
            else if (Peek.Kind == TokenKind.QuotedIdentifier || (Peek.Kind == TokenKind.Identifier && !s_reserved.Contains(Peek.Text))) alias = Next().Text;
            if (broadcast.Contains(name) || broadcast.Contains(alias)) plan = new BroadcastHintNode(plan);
        }
        return (plan, new Scope([(alias, plan.Output)]));
    }

    // VALUES (1, 'a'), (2, NULL): an inline table of constant rows; column types are widened across rows.
    private LogicalPlan Values()
    {
        Expect("VALUES");
        var rows = new List<List<Expr>>();
        do
        {
            ExpectSymbol("(");
            var row = new List<Expr>();
            do row.Add(Expression()); while (AcceptSymbol(","));
            ExpectSymbol(")");
            if (rows.Count > 0 && row.Count != rows[0].Count)
                throw new AccelException($"line {Peek.Line}: VALUES rows must have the same number of columns ({rows[0].Count} and {row.Count})");
            rows.Add(row);
        } while (AcceptSymbol(","));
        var empty = new Schema([]);
        var bound = rows.Select(r => r.Select(e => Binder.Bind(e, empty)).ToArray()).ToArray();
        var types = Enumerable.Range(0, bound[0].Length).Select(c => bound.Select(r => r[c].Type).Aggregate(Coercion.CommonType)).Select(t => t.Id == TypeId.Null ? DataType.Int32 : t).ToArray();
        var schema = new Schema(types.Select((t, i) => new Field($"col{i + 1}", t)));
        var one = new ColumnBatch(empty, [], 1);
        var data = bound.Select(r => r.Select((e, c) => ScalarEvaluator.Evaluate(Binder.CastTo(e, types[c]), one).GetValue(0)).ToArray());
        return new ScanNode(new InMemorySource(schema, [ColumnBatch.FromRows(schema, data)], "values"));
    }

    // ---------------- ORDER BY ----------------

    private LogicalPlan OrderBy(LogicalPlan plan, SelectInfo? info)
    {
        var orders = new List<SortOrder>();
        do orders.Add(SortItem()); while (AcceptSymbol(","));

        var output = plan.Output;
        var resolved = new List<SortOrder>();
        var hidden = new List<Expr>();
        foreach (var o in orders)
        {
            var e = o.Child;
            if (e is Literal { Value: int ord })
            {
                if (ord < 1 || ord > output.Count) throw new AccelException($"ORDER BY position {ord} is not in the select list (1..{output.Count})");
                resolved.Add(o with { Child = new ColumnRef(output[ord - 1].Name, output[ord - 1].Id) });
                continue;
            }
            if (info is not null) e = info.Scope.Resolve(e);
            // A select item or alias: sort by that output column.
            int match = info?.Items.ToList().FindIndex(i => string.Equals(StripAlias(i).DisplayName, e.DisplayName, StringComparison.Ordinal)) ?? -1;
            if (match >= 0 && match < output.Count) { resolved.Add(o with { Child = new ColumnRef(output[match].Name, output[match].Id) }); continue; }
            if (Binds(e, output)) { resolved.Add(o with { Child = e }); continue; }
            if (info is null || info.Aggregated || plan is not (ProjectNode or GenerateNode))
                throw new AccelException($"ORDER BY expression '{e.DisplayName}' is not in the select list");
            hidden.Add(new AliasExpr(e, $"__order{hidden.Count}"));
            resolved.Add(o with { Child = new ColumnRef($"__order{hidden.Count - 1}") });
        }
        if (hidden.Count == 0) return new SortNode(plan, resolved);
        // Sort by input columns the select list dropped: project them too, sort, then drop them.
        var widened = new ProjectNode(info!.Input, info.Items.Concat(hidden).ToArray());
        var sorted = new SortNode(widened, resolved);
        return new ProjectNode(sorted, widened.Output.Fields.Take(info.Items.Count).Select(f => (Expr)new ColumnRef(f.Name, f.Id)).ToArray());
    }

    private static bool Binds(Expr e, Schema s)
    {
        try { Binder.Bind(e, s); return true; }
        catch (AccelException) { return false; }
    }

    // ---------------- expressions ----------------

    private Expr Expression() => Or();

    private Expr Or()
    {
        var e = And();
        while (Accept("OR")) e = new BinaryExpr(BinaryOp.Or, e, And());
        return e;
    }

    private Expr And()
    {
        var e = Not();
        while (Accept("AND")) e = new BinaryExpr(BinaryOp.And, e, Not());
        return e;
    }

    private Expr Not() => Accept("NOT") ? new UnaryExpr(UnaryOp.Not, Not()) : Predicate();

    private Expr Predicate()
    {
        var e = Additive();
        while (true)
        {
            if (Peek.Kind == TokenKind.Symbol && Peek.Text is "=" or "<>" or "!=" or "<" or "<=" or ">" or ">=" or "<=>")
            {
                var op = Next().Text switch
                {
                    "=" => BinaryOp.Equal, "<>" or "!=" => BinaryOp.NotEqual, "<" => BinaryOp.LessThan, "<=" => BinaryOp.LessThanOrEqual,
                    ">" => BinaryOp.GreaterThan, ">=" => BinaryOp.GreaterThanOrEqual, _ => BinaryOp.EqualNullSafe,
                };
                e = new BinaryExpr(op, e, Additive());
                continue;
            }
            if (Accept("IS"))
            {
                bool not = Accept("NOT");
                // IS [NOT] DISTINCT FROM is <=> (negated for IS DISTINCT FROM), as Spark reads it.
                if (Accept("DISTINCT"))
                {
                    Expect("FROM");
                    Expr same = new BinaryExpr(BinaryOp.EqualNullSafe, e, Additive());
                    e = not ? same : new UnaryExpr(UnaryOp.Not, same);
                    continue;
                }
                Expect("NULL");
                e = new UnaryExpr(not ? UnaryOp.IsNotNull : UnaryOp.IsNull, e);
                continue;
            }
            bool negated = Peek.Is("NOT") && (PeekAt(1).Is("BETWEEN") || PeekAt(1).Is("IN") || PeekAt(1).Is("LIKE") || PeekAt(1).Is("RLIKE"));
            if (negated) _p++;
            if (Accept("BETWEEN"))
            {
                var lo = Additive();
                Expect("AND");
                var hi = Additive();
                Expr b = new BinaryExpr(BinaryOp.And, new BinaryExpr(BinaryOp.GreaterThanOrEqual, e, lo), new BinaryExpr(BinaryOp.LessThanOrEqual, e, hi));
                e = negated ? new UnaryExpr(UnaryOp.Not, b) : b;
                continue;
            }
            if (Accept("IN"))
            {
                ExpectSymbol("(");
                if (Peek.Is("SELECT") || Peek.Is("WITH"))
                {
                    var sub = Query();
                    ExpectSymbol(")");
                    Expr inq = new InSubqueryExpr(e, sub);
                    e = negated ? new UnaryExpr(UnaryOp.Not, inq) : inq;
                    continue;
                }
                var list = new List<Expr>();
                do list.Add(Expression()); while (AcceptSymbol(","));
                ExpectSymbol(")");
                e = new InExpr(e, list, negated);
                continue;
            }
            if (Accept("LIKE") || Accept("RLIKE"))
            {
                var name = _t[_p - 1].Text.ToLowerInvariant();
                Expr m = new FunctionCall(name, [e, Additive()]);
                e = negated ? new UnaryExpr(UnaryOp.Not, m) : m;
                continue;
            }
            if (negated) { _p--; throw Error("BETWEEN, IN or LIKE after NOT"); }
            return e;
        }
    }

    private Expr Additive()
    {
        var e = Multiplicative();
        while (true)
        {
            if (AcceptSymbol("+")) e = AddOrInterval(e, Multiplicative(), add: true);
            else if (AcceptSymbol("-")) e = AddOrInterval(e, Multiplicative(), add: false);
            else if (AcceptSymbol("||")) e = new FunctionCall("concat", [e, Multiplicative()]);
            else return e;
        }
    }

    private static Expr AddOrInterval(Expr left, Expr right, bool add) => right switch
    {
        FunctionCall { Name: "__interval_days" } iv => new FunctionCall(add ? "date_add" : "date_sub", [left, iv.Args[0]]),
        FunctionCall { Name: "__interval_months" } iv => new FunctionCall("add_months", [left, add ? iv.Args[0] : Negate((Literal)iv.Args[0])]),
        _ => new BinaryExpr(add ? BinaryOp.Add : BinaryOp.Subtract, left, right),
    };

    private Expr Multiplicative()
    {
        var e = Unary();
        while (true)
        {
            if (AcceptSymbol("*")) e = new BinaryExpr(BinaryOp.Multiply, e, Unary());
            else if (AcceptSymbol("/")) e = new BinaryExpr(BinaryOp.Divide, e, Unary());
            else if (AcceptSymbol("%")) e = new BinaryExpr(BinaryOp.Modulo, e, Unary());
            else if (Accept("DIV")) e = new BinaryExpr(BinaryOp.IntDivide, e, Unary());
            else return e;
        }
    }

    private Expr Unary()
    {
        if (AcceptSymbol("-"))
        {
            var inner = Unary();
            return inner is Literal { Value: int or long or double or decimal } l ? Negate(l) : new UnaryExpr(UnaryOp.Negate, inner);
        }
        AcceptSymbol("+");
        return Primary();
    }

    private static Literal Negate(Literal l) => l.Value switch
    {
        int i => Literal.Of(-i),
        long v => Literal.Of(-v),
        double d => Literal.Of(-d),
        decimal m => new Literal(-m, l.Type),
        _ => l,
    };

    private Expr Primary()
    {
        var tok = Peek;
        switch (tok.Kind)
        {
            case TokenKind.Number: _p++; return NumberLiteral(tok);
            case TokenKind.String: _p++; return Literal.Of(tok.Text);
            case TokenKind.Symbol when tok.Text == "(":
            {
                _p++;
                if (Peek.Is("SELECT") || Peek.Is("WITH"))
                {
                    var sub = Query();
                    ExpectSymbol(")");
                    return new ScalarSubqueryExpr(sub);
                }
                var e = Expression();
                ExpectSymbol(")");
                return e;
            }
            case TokenKind.QuotedIdentifier:
            case TokenKind.Identifier:
                break;
            default:
                throw Error("an expression");
        }
        if (tok.Kind == TokenKind.Identifier)
        {
            if (tok.Is("NULL")) { _p++; return new Literal(null, DataType.Null); }
            if (tok.Is("TRUE") || tok.Is("FALSE")) { _p++; return Literal.Of(tok.Is("TRUE")); }
            if ((tok.Is("DATE") || tok.Is("TIMESTAMP")) && PeekAt(1).Kind == TokenKind.String)
            {
                _p++;
                var text = Next();
                if (tok.Is("DATE"))
                    return Literal.Of(CastKernels.ParseDate(text.Text) ?? throw new AccelException($"line {text.Line}, column {text.Column}: invalid date literal '{text.Text}'"));
                return Literal.Of(CastKernels.ParseTimestamp(text.Text) ?? throw new AccelException($"line {text.Line}, column {text.Column}: invalid timestamp literal '{text.Text}'"));
            }
            if (tok.Is("INTERVAL")) return Interval();
            if (tok.Is("EXISTS") && PeekAt(1).IsSymbol("("))
            {
                _p += 2;
                var sub = Query();
                ExpectSymbol(")");
                return new ExistsExpr(sub);
            }
            if (tok.Is("CASE")) return Case();
            if (tok.Is("CAST") && PeekAt(1).IsSymbol("("))
            {
                _p += 2;
                var e = Expression();
                Expect("AS");
                var type = TypeName();
                ExpectSymbol(")");
                return new CastExpr(e, type);
            }
            if (tok.Is("EXTRACT") && PeekAt(1).IsSymbol("("))
            {
                _p += 2;
                var field = Identifier("YEAR, MONTH or DAY").ToLowerInvariant();
                Expect("FROM");
                var e = Expression();
                ExpectSymbol(")");
                return new FunctionCall(field switch { "year" => "year", "month" => "month", "day" => "dayofmonth", _ => throw new AccelException($"EXTRACT({field.ToUpperInvariant()}) is not supported yet (YEAR, MONTH, DAY)") }, [e]);
            }
            if (s_reserved.Contains(tok.Text) && !PeekAt(1).IsSymbol("(")) throw Error("an expression");
        }
        _p++;
        var name = tok.Text;
        if (AcceptSymbol("("))
        {
            var call = FunctionCall(name, tok);
            if (Accept("OVER")) return Over(call);
            if (call is FunctionCall { Name: var fn } && WindowPlanner.RankingFunctions.Contains(fn))
                throw new AccelException($"window function {fn} at line {tok.Line}, column {tok.Column} needs an OVER (...) clause");
            return call;
        }
        if (AcceptSymbol("."))
        {
            var column = Identifier("a column name after '.'");
            return new ColumnRef(name + "." + column);
        }
        return new ColumnRef(name);
    }

    private Expr Interval()
    {
        _p++;
        var amount = Next();
        if (amount.Kind is not (TokenKind.String or TokenKind.Number) || !int.TryParse(amount.Text.Trim(), out int n)) { _p--; throw Error("an integer amount after INTERVAL"); }
        var unitTok = Peek;
        var unit = Identifier("DAY, MONTH or YEAR").ToLowerInvariant().TrimEnd('s');
        return unit switch
        {
            "day" => new FunctionCall("__interval_days", [Literal.Of(n)]),
            "week" => new FunctionCall("__interval_days", [Literal.Of(7 * n)]),
            "month" => new FunctionCall("__interval_months", [Literal.Of(n)]),
            "year" => new FunctionCall("__interval_months", [Literal.Of(12 * n)]),
            _ => throw new AccelException($"line {unitTok.Line}, column {unitTok.Column}: INTERVAL unit {unitTok.Text.ToUpperInvariant()} is not supported for date arithmetic (DAY, WEEK, MONTH, YEAR)"),
        };
    }

    private Expr Case()
    {
        _p++;
        Expr? subject = Peek.Is("WHEN") ? null : Expression();
        var branches = new List<(Expr, Expr)>();
        while (Accept("WHEN"))
        {
            var w = Expression();
            Expect("THEN");
            branches.Add((subject is null ? w : new BinaryExpr(BinaryOp.Equal, subject, w), Expression()));
        }
        if (branches.Count == 0) throw Error("WHEN");
        var otherwise = Accept("ELSE") ? Expression() : null;
        Expect("END");
        return new CaseWhenExpr(branches, otherwise);
    }

    private DataType TypeName()
    {
        var name = Identifier("a type name");
        if (AcceptSymbol("("))
        {
            var parts = new List<string>();
            do parts.Add(Next().Text); while (AcceptSymbol(","));
            ExpectSymbol(")");
            name += "(" + string.Join(",", parts) + ")";
        }
        try { return DataType.Parse(name); }
        catch (Exception ex) when (ex is ArgumentException or AccelException) { throw new AccelException($"line {Peek.Line}: {ex.Message}"); }
    }

    private static readonly Dictionary<string, AggFunc> s_aggregates = new(StringComparer.OrdinalIgnoreCase)
    {
        ["count"] = AggFunc.Count, ["sum"] = AggFunc.Sum, ["avg"] = AggFunc.Avg, ["mean"] = AggFunc.Avg, ["min"] = AggFunc.Min, ["max"] = AggFunc.Max,
        ["stddev"] = AggFunc.StdDev, ["stddev_samp"] = AggFunc.StdDev, ["std"] = AggFunc.StdDev, ["stddev_pop"] = AggFunc.StdDevPop,
        ["variance"] = AggFunc.Variance, ["var_samp"] = AggFunc.Variance, ["var_pop"] = AggFunc.VariancePop,
    };

    private Expr FunctionCall(string name, Token at)
    {
        if (name.ToLowerInvariant() is "median" or "percentile" or "percentile_cont" or "corr")
            return TwoArgumentAggregate(name.ToLowerInvariant(), at);
        if (s_aggregates.TryGetValue(name, out var agg))
        {
            if (agg == AggFunc.Count && AcceptSymbol("*")) { ExpectSymbol(")"); return new AggregateExpr(AggFunc.CountStar, null); }
            bool distinct = Accept("DISTINCT");
            var arg = Expression();
            ExpectSymbol(")");
            return new AggregateExpr(agg, arg, distinct);
        }
        var args = new List<Expr>();
        if (!AcceptSymbol(")"))
        {
            do args.Add(Expression()); while (AcceptSymbol(","));
            ExpectSymbol(")");
        }
        var lower = name.ToLowerInvariant();
        if (lower is not ("explode" or "explode_outer") && !FunctionCatalog.Names.Contains(lower) && !WindowPlanner.RankingFunctions.Contains(lower))
            throw new AccelException($"undefined function: '{name}' at line {at.Line}, column {at.Column}; known functions: {string.Join(", ", FunctionCatalog.Names.Concat(s_aggregates.Keys).Order())}");
        return new FunctionCall(lower, args);
    }

    // OVER ([PARTITION BY e, ...] [ORDER BY k [ASC|DESC] [NULLS FIRST|LAST], ...] [ROWS|RANGE frame])
    private Expr Over(Expr function)
    {
        ExpectSymbol("(");
        var partition = new List<Expr>();
        if (Accept("PARTITION"))
        {
            Expect("BY");
            do partition.Add(Expression()); while (AcceptSymbol(","));
        }
        var orders = new List<SortOrder>();
        if (Accept("ORDER"))
        {
            Expect("BY");
            do orders.Add(SortItem()); while (AcceptSymbol(","));
        }
        WindowFrame? frame = null;
        if (Peek.Is("ROWS") || Peek.Is("RANGE"))
        {
            bool rows = Next().Is("ROWS");
            long? start, end = 0;
            if (Accept("BETWEEN"))
            {
                start = FrameBound(isStart: true);
                Expect("AND");
                end = FrameBound(isStart: false);
            }
            else start = FrameBound(isStart: true);
            if (start is not null && end is not null && start > end) throw new AccelException($"line {Peek.Line}: the window frame starts after it ends");
            frame = new WindowFrame(rows, start, end);
        }
        ExpectSymbol(")");
        return new WindowExpr(function, partition, orders, frame);
    }

    private long? FrameBound(bool isStart)
    {
        if (Accept("UNBOUNDED"))
        {
            if (Accept(isStart ? "PRECEDING" : "FOLLOWING")) return null;
            throw Error(isStart ? "PRECEDING after UNBOUNDED at the frame start" : "FOLLOWING after UNBOUNDED at the frame end");
        }
        if (Accept("CURRENT")) { Expect("ROW"); return 0; }
        var n = Next();
        if (n.Kind != TokenKind.Number || !long.TryParse(n.Text, out long k)) { _p--; throw Error("UNBOUNDED, CURRENT ROW or a row count"); }
        if (Accept("PRECEDING")) return -k;
        if (Accept("FOLLOWING")) return k;
        throw Error("PRECEDING or FOLLOWING");
    }

    private SortOrder SortItem()
    {
        var e = Expression();
        bool asc = !Accept("DESC");
        if (asc) Accept("ASC");
        bool? nullsFirst = null;
        if (Accept("NULLS")) nullsFirst = Accept("FIRST") ? true : Accept("LAST") ? false : throw Error("FIRST or LAST");
        return new SortOrder(e, asc, nullsFirst);
    }

    // median(x), percentile(x, fraction), corr(x, y).
    private Expr TwoArgumentAggregate(string name, Token at)
    {
        var arg = Expression();
        if (name == "median") { ExpectSymbol(")"); return new AggregateExpr(AggFunc.Median, arg); }
        if (name == "percentile_cont")
        {
            // percentile_cont(fraction) WITHIN GROUP (ORDER BY x [ASC|DESC])
            ExpectSymbol(")");
            Expect("WITHIN");
            Expect("GROUP");
            ExpectSymbol("(");
            Expect("ORDER");
            Expect("BY");
            var key = SortItem();
            ExpectSymbol(")");
            double f = Fraction(arg, name, at);
            return new AggregateExpr(AggFunc.Percentile, key.Child, Fraction: key.Ascending ? f : 1 - f);
        }
        ExpectSymbol(",");
        var second = Expression();
        ExpectSymbol(")");
        if (name == "corr") return new AggregateExpr(AggFunc.Corr, arg, Arg2: second);
        return new AggregateExpr(AggFunc.Percentile, arg, Fraction: Fraction(second, name, at));
    }

    private static double Fraction(Expr e, string name, Token at)
    {
        if (e is not Literal { Value: decimal or double or int } lit)
            throw new AccelException($"line {at.Line}, column {at.Column}: the percentage of {name} must be a numeric literal between 0.0 and 1.0, got {e.DisplayName}");
        double fraction = Convert.ToDouble(lit.Value, CultureInfo.InvariantCulture);
        if (fraction is < 0 or > 1) throw new AccelException($"line {at.Line}, column {at.Column}: the percentage of {name} must be between 0.0 and 1.0, got {fraction}");
        return fraction;
    }

    private static Literal NumberLiteral(Token t)
    {
        var s = t.Text;
        if (s.EndsWith("BD", StringComparison.OrdinalIgnoreCase)) return Literal.Of(decimal.Parse(s[..^2], CultureInfo.InvariantCulture));
        if (s.EndsWith('L') || s.EndsWith('l')) return Literal.Of(long.Parse(s[..^1], CultureInfo.InvariantCulture));
        if (s.EndsWith('D') || s.EndsWith('d')) return Literal.Of(double.Parse(s[..^1], CultureInfo.InvariantCulture));
        if (s.Contains('e') || s.Contains('E')) return Literal.Of(double.Parse(s, CultureInfo.InvariantCulture));
        // Spark reads 1.5 as decimal(2,1) and an integer as int when it fits, else bigint.
        if (s.Contains('.')) return Literal.Of(decimal.Parse(s, CultureInfo.InvariantCulture));
        if (int.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out int i)) return Literal.Of(i);
        if (long.TryParse(s, NumberStyles.None, CultureInfo.InvariantCulture, out long l)) return Literal.Of(l);
        return Literal.Of(decimal.Parse(s, CultureInfo.InvariantCulture));
    }
}
