using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>(SELECT ...) used as a value: one column, at most one row (no row gives NULL).</summary>
public sealed record ScalarSubqueryExpr(LogicalPlan Plan) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"scalarsubquery({Plan.Output[0].Name})";
}

/// <summary>EXISTS (SELECT ...).</summary>
public sealed record ExistsExpr(LogicalPlan Plan) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => "exists(subquery)";
}

/// <summary>value IN (SELECT ...); NOT IN is a NOT around it.</summary>
public sealed record InSubqueryExpr(Expr Value, LogicalPlan Plan) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"({Value.DisplayName} IN (subquery))";
}

/// <summary>Rewrites subquery expressions into joins, so that no subquery ever runs row by row (Spark's
/// RewritePredicateSubquery and RewriteCorrelatedScalarSubquery): EXISTS and IN become semi joins, NOT
/// EXISTS and NOT IN anti joins (NOT IN null-aware), and scalar subqueries left outer joins against the
/// subquery aggregated per correlation key. Correlated predicates are lifted out of the subquery's filters
/// and become the join condition.</summary>
public static class SubqueryRewriter
{
    /// <summary>True when <paramref name="e"/> holds a subquery expression.</summary>
    public static bool HasSubquery(Expr e) => ExprTransform.Nodes(e).Any(n => n is ScalarSubqueryExpr or ExistsExpr or InSubqueryExpr);

    /// <summary>The rows of <paramref name="input"/> where <paramref name="condition"/> holds.</summary>
    public static LogicalPlan Filter(LogicalPlan input, Expr condition)
    {
        if (!HasSubquery(condition)) return new FilterNode(input, condition);
        // Names are pinned to the input's columns before the condition is split across joins.
        condition = Pin(condition, input.Output);
        var conjuncts = Conjuncts(condition).ToList();
        var plain = conjuncts.Where(c => !HasSubquery(c)).ToList();
        var plan = plain.Count == 0 ? input : new FilterNode(input, And(plain));
        var rest = new List<Expr>();
        foreach (var c in conjuncts.Where(HasSubquery))
        {
            switch (c)
            {
                case ExistsExpr ex: plan = ExistsJoin(plan, ex.Plan, anti: false); break;
                case UnaryExpr { Op: UnaryOp.Not, Child: ExistsExpr ex }: plan = ExistsJoin(plan, ex.Plan, anti: true); break;
                case InSubqueryExpr inq: plan = InJoin(plan, inq.Value, inq.Plan, negated: false); break;
                case UnaryExpr { Op: UnaryOp.Not, Child: InSubqueryExpr inq }: plan = InJoin(plan, inq.Value, inq.Plan, negated: true); break;
                default: rest.Add(c); break;
            }
        }
        if (rest.Count == 0) return plan;
        var widened = AttachScalars(plan, rest, out var rewritten);
        var filtered = new FilterNode(widened, And(rewritten));
        return ReferenceEquals(widened, plan) ? filtered : Columns(filtered, plan.Output);
    }

    /// <summary>Joins the results of the scalar subqueries in <paramref name="exprs"/> onto <paramref name="input"/>
    /// and returns the widened input; <paramref name="rewritten"/> reads those results as columns.</summary>
    public static LogicalPlan AttachScalars(LogicalPlan input, IReadOnlyList<Expr> exprs, out Expr[] rewritten)
    {
        exprs = exprs.Select(e => Pin(e, input.Output)).ToArray();
        var plan = input;
        var replaced = new Dictionary<Expr, Expr>(ReferenceEqualityComparer.Instance);
        foreach (var e in exprs)
            foreach (var n in ExprTransform.Nodes(e))
            {
                if (replaced.ContainsKey(n)) continue;
                switch (n)
                {
                    case ScalarSubqueryExpr s: (plan, replaced[n]) = ScalarJoin(plan, s.Plan); break;
                    case ExistsExpr ex: (plan, replaced[n]) = ExistsMark(plan, ex.Plan); break;
                    case InSubqueryExpr inq: (plan, replaced[n]) = InMark(plan, inq.Value, inq.Plan); break;
                }
            }
        rewritten = exprs.Select(e => ExprTransform.Transform(e, n => replaced.TryGetValue(n, out var r) ? r : null)).ToArray();
        return plan;
    }

    // EXISTS as a value (e.g. under OR): a left join against the distinct correlation keys with a marker.
    private static (LogicalPlan, Expr) ExistsMark(LogicalPlan outer, LogicalPlan sub)
    {
        while (sub is ProjectNode p && !p.Exprs.Any(HasOuter)) sub = p.Child;
        var (inner, preds) = Decorrelate(sub);
        if (preds.Count == 0)
        {
            var count = new AggregateNode(inner, [], [new AliasExpr(new AggregateExpr(AggFunc.CountStar, null), "__exists_rows")]);
            return (new JoinNode(outer, count, JoinType.Cross, null), new BinaryExpr(BinaryOp.GreaterThan, Ref(count.Output[0]), Literal.Of(0L)));
        }
        var sides = preds.Select(p => EqualitySides(p, "EXISTS")).ToList();
        var keys = sides.Select(x => x.Inner).ToList();
        var marked = new AggregateNode(inner, keys, [.. keys.Select((k, i) => (Expr)new AliasExpr(k, $"__exists_key{i}")), new AliasExpr(Literal.Of(true), "__exists")]);
        var on = And(sides.Select((x, i) => (Expr)new BinaryExpr(BinaryOp.Equal, Unpin(x.Outer), Ref(marked.Output[i]))));
        return (new JoinNode(outer, marked, JoinType.LeftOuter, on), new UnaryExpr(UnaryOp.IsNotNull, Ref(marked.Output[^1])));
    }

    // value IN (subquery) as a three-valued value: TRUE on a match; otherwise NULL when the value is NULL
    // or the subquery holds a NULL (and is not empty); otherwise FALSE.
    private static (LogicalPlan, Expr) InMark(LogicalPlan outer, Expr value, LogicalPlan sub)
    {
        if (sub.Output.Count != 1)
            throw new AccelException($"the IN subquery must return one column, but it returns {sub.Output.Count}: [{string.Join(", ", sub.Output.Fields.Select(f => f.Name))}]");
        var (inner, preds) = Decorrelate(sub);
        if (preds.Count > 0)
            throw new AccelException("a correlated IN subquery is only supported as an AND-ed term of WHERE");
        var col = Ref(inner.Output[0]);
        var marked = new AggregateNode(inner, [col], [new AliasExpr(col, "__in_key"), new AliasExpr(Literal.Of(true), "__in_match")]);
        var stats = new AggregateNode(inner, [], [new AliasExpr(new AggregateExpr(AggFunc.CountStar, null), "__in_rows"), new AliasExpr(new AggregateExpr(AggFunc.Count, col), "__in_values")]);
        var joined = new JoinNode(new JoinNode(outer, marked, JoinType.LeftOuter, new BinaryExpr(BinaryOp.Equal, value, Ref(marked.Output[0]))), stats, JoinType.Cross, null);
        Expr rows = Ref(stats.Output[0]), values = Ref(stats.Output[1]);
        var result = new CaseWhenExpr([
            (new UnaryExpr(UnaryOp.IsNotNull, Ref(marked.Output[1])), Literal.Of(true)),
            (new BinaryExpr(BinaryOp.Equal, rows, Literal.Of(0L)), Literal.Of(false)),
            (new BinaryExpr(BinaryOp.Or, new UnaryExpr(UnaryOp.IsNull, value), new BinaryExpr(BinaryOp.NotEqual, rows, values)), new Literal(null, DataType.Boolean)),
        ], Literal.Of(false));
        return (joined, result);
    }

    private static (Expr Inner, Expr Outer) EqualitySides(Expr pred, string what)
    {
        if (pred is BinaryExpr { Op: BinaryOp.Equal } eq)
        {
            if (!HasOuter(eq.Left) && OnlyOuter(eq.Right)) return (eq.Left, eq.Right);
            if (!HasOuter(eq.Right) && OnlyOuter(eq.Left)) return (eq.Right, eq.Left);
        }
        throw new AccelException($"correlated predicate '{pred.DisplayName}' of an {what} subquery used as a value must be an equality between an inner expression and outer columns");
    }

    private static LogicalPlan ExistsJoin(LogicalPlan outer, LogicalPlan sub, bool anti)
    {
        // The select list of an EXISTS subquery does not matter.
        while (sub is ProjectNode p && !p.Exprs.Any(HasOuter)) sub = p.Child;
        var (inner, preds) = Decorrelate(sub);
        return new JoinNode(outer, inner, anti ? JoinType.LeftAnti : JoinType.LeftSemi, preds.Count == 0 ? null : And(preds.Select(Unpin)));
    }

    private static LogicalPlan InJoin(LogicalPlan outer, Expr value, LogicalPlan sub, bool negated)
    {
        if (sub.Output.Count != 1)
            throw new AccelException($"the IN subquery must return one column, but it returns {sub.Output.Count}: [{string.Join(", ", sub.Output.Fields.Select(f => f.Name))}]");
        var (inner, preds) = Decorrelate(sub);
        var col = inner.Output[0];
        Expr eq = new BinaryExpr(BinaryOp.Equal, value, Ref(col));
        var correlation = preds.Select(Unpin).ToList();
        if (!negated) return new JoinNode(outer, inner, JoinType.LeftSemi, And([eq, .. correlation]));

        bool valueNullable = Analyzer.ProjectSchema([value], outer.Output)[0].Nullable;
        if (!valueNullable && !col.Nullable) return new JoinNode(outer, inner, JoinType.LeftAnti, And([eq, .. correlation]));
        if (correlation.Count > 0)
        {
            // NOT IN is NULL (so the row is dropped) when either side of a candidate pair is NULL.
            Expr nullAware = new BinaryExpr(BinaryOp.Or, eq, new BinaryExpr(BinaryOp.Or, new UnaryExpr(UnaryOp.IsNull, value), new UnaryExpr(UnaryOp.IsNull, Ref(col))));
            return new JoinNode(outer, inner, JoinType.LeftAnti, And([.. correlation, nullAware]));
        }
        // Uncorrelated NOT IN keeps an equi anti join and checks the NULL cases with two counts of the subquery:
        // a row survives when the subquery is empty, or when neither its value nor any subquery value is NULL.
        var stats = new AggregateNode(inner, [], [new AliasExpr(new AggregateExpr(AggFunc.CountStar, null), "__in_rows"), new AliasExpr(new AggregateExpr(AggFunc.Count, Ref(col)), "__in_values")]);
        var anti = new JoinNode(outer, inner, JoinType.LeftAnti, eq);
        var crossed = new JoinNode(anti, stats, JoinType.Cross, null);
        Expr rows = Ref(stats.Output[0]), values = Ref(stats.Output[1]);
        var keep = new BinaryExpr(BinaryOp.Or, new BinaryExpr(BinaryOp.Equal, rows, Literal.Of(0L)),
            new BinaryExpr(BinaryOp.And, new UnaryExpr(UnaryOp.IsNotNull, value), new BinaryExpr(BinaryOp.Equal, rows, values)));
        return Columns(new FilterNode(crossed, keep), outer.Output);
    }

    private static (LogicalPlan, Expr) ScalarJoin(LogicalPlan outer, LogicalPlan sub)
    {
        if (sub.Output.Count != 1)
            throw new AccelException($"a scalar subquery must return one column, but it returns {sub.Output.Count}: [{string.Join(", ", sub.Output.Fields.Select(f => f.Name))}]");
        var (inner, preds) = Decorrelate(sub);
        var joined = new JoinNode(outer, inner, JoinType.LeftOuter, preds.Count == 0 ? null : And(preds.Select(Unpin)));
        Expr value = Ref(inner.Output[0]);
        // The count bug: a correlated count(*) over no rows is 0, not the NULL a missing match gives.
        if (preds.Count > 0 && EmptyInputValue(sub) is { } empty) value = new FunctionCall("coalesce", [value, empty]);
        return (joined, value);
    }

    // The value an aggregate subquery yields over no rows, when that is not NULL (count gives 0).
    private static Literal? EmptyInputValue(LogicalPlan sub)
    {
        if (sub is not AggregateNode { Keys.Count: 0 } a) return null;
        var e = ExprTransform.Transform(ExprTransform.StripAlias(a.Outputs[0]), n => n is AggregateExpr agg
            ? agg.Func is AggFunc.Count or AggFunc.CountStar ? Literal.Of(0L) : new Literal(null, a.Plan.AggregateSchema[a.Plan.KeyCount + a.Plan.Calls.ToList().FindIndex(c => c.Name == agg.DisplayName)].Type)
            : null);
        if (ExprTransform.Nodes(e).Any(n => n is ColumnRef or OuterRef)) return null;
        var folded = ConstantFolding.Fold(e);
        return folded is Literal { Value: not null } l ? l : null;
    }

    // ---------------- decorrelation ----------------

    /// <summary>Lifts the predicates that reference outer columns out of <paramref name="plan"/>. The returned
    /// plan has no outer references and keeps its output columns first, followed by any column the lifted
    /// predicates read; the predicates' inner columns are pinned to attribute ids.</summary>
    internal static (LogicalPlan Plan, List<Expr> Predicates) Decorrelate(LogicalPlan plan)
    {
        if (!HasOuterRefs(plan)) return (plan, []);
        switch (plan)
        {
            case FilterNode f:
            {
                var (child, preds) = Decorrelate(f.Child);
                var local = new List<Expr>();
                foreach (var c in Conjuncts(f.Condition))
                    if (HasOuter(c)) preds.Add(Pin(c, child.Output));
                    else local.Add(c);
                return (local.Count == 0 ? child : new FilterNode(child, And(local)), preds);
            }
            case ProjectNode p when !p.Exprs.Any(HasOuter):
            {
                var (child, preds) = Decorrelate(p.Child);
                var have = p.Output.Fields.Select(f => f.Id).ToHashSet();
                var extra = ReferencedIds(preds).Where(id => !have.Contains(id) && child.Output.IndexOfId(id) >= 0)
                    .Select(id => (Expr)Ref(child.Output[child.Output.IndexOfId(id)])).ToList();
                return (new ProjectNode(child, [.. p.Exprs, .. extra]), preds);
            }
            case AggregateNode a when !a.Keys.Concat(a.Outputs).Any(HasOuter):
            {
                var (child, preds) = Decorrelate(a.Child);
                var keys = a.Keys.ToList();
                var outputs = a.Outputs.ToList();
                var sides = new List<(Expr Inner, Expr Outer)>();
                foreach (var pred in preds) sides.Add(EqualitySides(pred, "aggregating"));
                for (int i = 0; i < sides.Count; i++)
                {
                    keys.Add(sides[i].Inner);
                    outputs.Add(new AliasExpr(sides[i].Inner, $"__corr{i}"));
                }
                var agg = new AggregateNode(child, keys, outputs);
                var lifted = sides.Select((s, i) => (Expr)new BinaryExpr(BinaryOp.Equal, Ref(agg.Output[a.Outputs.Count + i]), s.Outer)).ToList();
                return (agg, lifted);
            }
            case JoinNode { Type: JoinType.Inner or JoinType.Cross } j:
            {
                var (left, lp) = Decorrelate(j.Left);
                var (right, rp) = Decorrelate(j.Right);
                var both = new Schema(left.Output.Fields.Concat(right.Output.Fields));
                var local = new List<Expr>();
                var preds = lp.Concat(rp).ToList();
                foreach (var c in j.Condition is null ? [] : Conjuncts(j.Condition))
                    if (HasOuter(c)) preds.Add(Pin(c, both));
                    else local.Add(c);
                return (new JoinNode(left, right, local.Count == 0 ? JoinType.Cross : JoinType.Inner, local.Count == 0 ? null : And(local)), preds);
            }
            case BroadcastHintNode b:
            {
                var (child, preds) = Decorrelate(b.Child);
                return (new BroadcastHintNode(child), preds);
            }
            default:
                throw new AccelException($"correlated subquery: a reference to an outer column under {plan.GetType().Name.Replace("Node", "")} is not supported (correlations may appear in WHERE, in joins, and under a plain aggregate)");
        }
    }

    /// <summary>Every expression a node holds (not its children's).</summary>
    public static IEnumerable<Expr> ExpressionsOf(LogicalPlan plan) => plan switch
    {
        FilterNode f => [f.Condition],
        ProjectNode p => p.Exprs,
        AggregateNode a => a.Keys.Concat(a.Outputs),
        JoinNode { Condition: { } c } => [c],
        SortNode s => s.Orders,
        WindowNode w => w.Windows,
        WindowGroupLimitNode g => [g.Window],
        _ => [],
    };

    /// <summary>True when the plan (any node) references a column of an enclosing query.</summary>
    public static bool HasOuterRefs(LogicalPlan plan) => ExpressionsOf(plan).Any(HasOuter) || plan.Children.Any(HasOuterRefs);

    private static bool HasOuter(Expr e) => ExprTransform.Nodes(e).Any(n => n is OuterRef);

    private static bool OnlyOuter(Expr e) => ExprTransform.Nodes(e).All(n => n is not ColumnRef) && HasOuter(e);

    private static Expr Pin(Expr e, Schema schema) => ExprTransform.Transform(e, n =>
    {
        if (n is not ColumnRef { Id: 0 } c) return null;
        int i = schema.IndexOf(c.Name);
        return i < 0 ? null : Ref(schema[i]);
    });

    private static Expr Unpin(Expr e) => ExprTransform.Transform(e, n => n is OuterRef o ? new ColumnRef(o.Name, o.Id) : null);

    private static IEnumerable<long> ReferencedIds(IEnumerable<Expr> preds) =>
        preds.SelectMany(ExprTransform.Nodes).OfType<ColumnRef>().Where(c => c.Id != 0).Select(c => c.Id).Distinct();

    // ---------------- helpers ----------------

    /// <summary>A reference pinned to a field.</summary>
    public static ColumnRef Ref(Field f) => new(f.Name, f.Id);

    /// <summary>Projects <paramref name="plan"/> to exactly the columns of <paramref name="schema"/> (by id).</summary>
    public static LogicalPlan Columns(LogicalPlan plan, Schema schema) => new ProjectNode(plan, schema.Fields.Select(f => (Expr)Ref(f)).ToArray());

    /// <summary>The AND-ed parts of a condition.</summary>
    public static IEnumerable<Expr> Conjuncts(Expr e) => ExprTransform.StripAlias(e) is BinaryExpr { Op: BinaryOp.And } a
        ? Conjuncts(a.Left).Concat(Conjuncts(a.Right)) : [e];

    /// <summary>The conjunction of the parts (they must not be empty).</summary>
    public static Expr And(IEnumerable<Expr> parts) => parts.Aggregate((a, b) => new BinaryExpr(BinaryOp.And, a, b));
}
