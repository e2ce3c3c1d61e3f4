using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Moves filter conjuncts as close to the scans as they can go without changing results. A conjunct
/// over both sides of an inner join becomes part of its condition (so comma joins become equi-joins);
/// through outer joins only the side that keeps all its rows may receive pushed filters.</summary>
public static class PredicatePushdown
{
    /// <summary>A plan equal to <paramref name="plan"/> filtered by <paramref name="pending"/>, with the
    /// conjuncts pushed down as far as they go.</summary>
    public static LogicalPlan Push(LogicalPlan plan, List<Expr> pending)
    {
        switch (plan)
        {
            case FilterNode f:
                return Push(f.Child, [.. pending, .. SubqueryRewriter.Conjuncts(f.Condition).SelectMany(FactorOr)]);
            case ProjectNode p:
                return PushThroughProject(p, pending);
            case JoinNode j:
                return PushIntoJoin(j, pending);
            case AggregateNode a:
                return PushThroughAggregate(a, pending);
            case SortNode or BroadcastHintNode or DistinctNode:
                return plan.WithChildren([Push(plan.Children[0], pending)]);
            default:
                var children = plan.Children.Select(c => Push(c, [])).ToArray();
                var rebuilt = children.Length == 0 ? plan : plan.WithChildren(children);
                return LogicalOptimizer.Filter(rebuilt, pending);
        }
    }

    private static LogicalPlan PushThroughProject(ProjectNode p, List<Expr> pending)
    {
        var below = new List<Expr>();
        var above = new List<Expr>();
        foreach (var c in pending)
        {
            var substituted = Substitute(c, p.Output, i => ExprTransform.StripAlias(p.Exprs[i]));
            if (substituted is not null && LogicalOptimizer.Binds(substituted, p.Child.Output)) below.Add(substituted);
            else above.Add(c);
        }
        return LogicalOptimizer.Filter(p.WithChildren([Push(p.Child, below)]), above);
    }

    // Conjuncts on grouping columns filter whole groups, so they can filter the input rows instead.
    private static LogicalPlan PushThroughAggregate(AggregateNode a, List<Expr> pending)
    {
        var below = new List<Expr>();
        var above = new List<Expr>();
        foreach (var c in pending)
        {
            var substituted = Substitute(c, a.Output, i =>
            {
                var o = ExprTransform.StripAlias(a.Outputs[i]);
                return o is ColumnRef && a.Keys.Any(k => ExprTransform.StripAlias(k) is ColumnRef kc && SameColumn(kc, (ColumnRef)o, a.Child.Output)) ? o : null;
            });
            if (substituted is not null && LogicalOptimizer.Binds(substituted, a.Child.Output)) below.Add(substituted);
            else above.Add(c);
        }
        return LogicalOptimizer.Filter(a.WithChildren([Push(a.Child, below)]), above);
    }

    private static LogicalPlan PushIntoJoin(JoinNode j, List<Expr> pending)
    {
        var left = new List<Expr>();
        var right = new List<Expr>();
        var condition = new List<Expr>();
        var above = new List<Expr>();
        var l = j.Left.Output;
        var r = j.Right.Output;

        foreach (var c in pending)
        {
            var side = SideOf(c, l, r);
            switch (j.Type)
            {
                case JoinType.Inner or JoinType.Cross:
                    (side == Side.Left ? left : side == Side.Right ? right : side == Side.Both ? condition : above).Add(c);
                    if (side == Side.Both) AddImplied(c, l, r, left, right);
                    break;
                case JoinType.LeftOuter or JoinType.LeftSemi or JoinType.LeftAnti when side == Side.Left:
                    left.Add(c);
                    break;
                case JoinType.RightOuter when side == Side.Right:
                    right.Add(c);
                    break;
                default:
                    above.Add(c);
                    break;
            }
        }
        foreach (var c in j.Condition is null ? [] : SubqueryRewriter.Conjuncts(j.Condition))
        {
            var side = SideOf(c, l, r);
            // An ON conjunct over one side filters that side's candidates; it may move into the side whose
            // unmatched rows are not kept (both sides of an inner join, the right of a left join, ...).
            bool toLeft = side == Side.Left && j.Type is JoinType.Inner or JoinType.Cross or JoinType.LeftSemi or JoinType.RightOuter;
            bool toRight = side == Side.Right && j.Type is JoinType.Inner or JoinType.Cross or JoinType.LeftSemi or JoinType.LeftAnti or JoinType.LeftOuter;
            if (toLeft) left.Add(c);
            else if (toRight) right.Add(c);
            else condition.Add(c);
            if (side == Side.Both && j.Type is JoinType.Inner or JoinType.Cross) AddImplied(c, l, r, left, right);
        }
        var type = j.Type is JoinType.Inner or JoinType.Cross ? condition.Count == 0 ? JoinType.Cross : JoinType.Inner : j.Type;
        var join = new JoinNode(Push(j.Left, left), Push(j.Right, right), type, condition.Count == 0 ? null : SubqueryRewriter.And(condition));
        return LogicalOptimizer.Filter(join, above);
    }

    /// <summary>(a AND b) OR (a AND c) is a AND (b OR c): conjuncts common to every branch of an OR are
    /// pulled out, so a join key written inside each branch (TPC-H Q19) still makes an equi-join.</summary>
    public static IEnumerable<Expr> FactorOr(Expr e)
    {
        if (e is not BinaryExpr { Op: BinaryOp.Or }) return [e];
        var branches = Disjuncts(e).Select(b => SubqueryRewriter.Conjuncts(b).ToList()).ToList();
        var common = branches[0].Where(c => branches.Skip(1).All(b => b.Any(x => x == c))).Distinct().ToList();
        if (common.Count == 0) return [e];
        var rest = branches.Select(b => b.Where(c => !common.Contains(c)).ToList()).ToList();
        // A branch left empty is TRUE, which makes the whole OR true.
        if (rest.Any(b => b.Count == 0)) return common;
        var or = rest.Select(b => SubqueryRewriter.And(b)).Aggregate((a, b) => new BinaryExpr(BinaryOp.Or, a, b));
        return [.. common, or];
    }

    private static void AddImplied(Expr c, Schema l, Schema r, List<Expr> left, List<Expr> right)
    {
        if (Implied(c, l) is { } onLeft) left.Add(onLeft);
        if (Implied(c, r) is { } onRight) right.Add(onRight);
    }

    /// <summary>For an OR each of whose branches constrains <paramref name="side"/> (TPC-H Q7: (n1 = 'FRANCE' AND
    /// n2 = 'GERMANY') OR (n1 = 'GERMANY' AND n2 = 'FRANCE')), the OR of those one-side parts. The OR implies it,
    /// so it may filter that side of an inner join early while the OR itself stays where it was; null when some
    /// branch says nothing about the side.</summary>
    public static Expr? Implied(Expr c, Schema side)
    {
        if (c is not BinaryExpr { Op: BinaryOp.Or }) return null;
        var parts = new List<Expr>();
        foreach (var branch in Disjuncts(c))
        {
            var mine = SubqueryRewriter.Conjuncts(branch).Where(x => SideOf(x, side, new Schema([])) == Side.Left).ToList();
            if (mine.Count == 0) return null;
            parts.Add(SubqueryRewriter.And(mine));
        }
        return parts.Aggregate((a, b) => new BinaryExpr(BinaryOp.Or, a, b));
    }

    private static IEnumerable<Expr> Disjuncts(Expr e) => e is BinaryExpr { Op: BinaryOp.Or } o ? Disjuncts(o.Left).Concat(Disjuncts(o.Right)) : [e];

    private enum Side { None, Left, Right, Both }

    private static Side SideOf(Expr c, Schema left, Schema right)
    {
        if (!ExprTransform.Nodes(c).Any(n => n is ColumnRef)) return Side.None;
        if (LogicalOptimizer.Binds(c, left)) return Side.Left;
        if (LogicalOptimizer.Binds(c, right)) return Side.Right;
        return Side.Both;
    }

    // Replaces references to `output` columns by the expression `source(i)` for the column's ordinal;
    // null when some reference has no replacement.
    private static Expr? Substitute(Expr e, Schema output, Func<int, Expr?> source)
    {
        bool ok = true;
        var r = ExprTransform.Transform(e, n =>
        {
            if (n is not ColumnRef c) return null;
            int i = c.Id != 0 ? output.IndexOfId(c.Id) : output.IndexOf(c.Name);
            var s = i < 0 ? null : source(i);
            if (s is null) { ok = false; return n; }
            return s;
        });
        return ok ? r : null;
    }

    private static bool SameColumn(ColumnRef a, ColumnRef b, Schema input)
    {
        int ia = a.Id != 0 ? input.IndexOfId(a.Id) : input.IndexOf(a.Name);
        int ib = b.Id != 0 ? input.IndexOfId(b.Id) : input.IndexOf(b.Name);
        return ia >= 0 && ia == ib;
    }
}
