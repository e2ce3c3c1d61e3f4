using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Filters an aggregate's input down to the groups its consumer can use. When an inner join, or a left
/// outer join with the aggregate on its right, matches a grouping key k with a column x of the other side, a group
/// whose key is not among x's values meets no row and is dropped, so the aggregate's input is semi-joined first with
/// the smallest plan known to hold every value of x (x traced through filters, projections and the equalities of
/// inner and semi joins), unless that plan is a whole table, which filters nothing. Decorrelated subqueries are the
/// common case: TPC-H Q17 then averages the lineitems of about 200 parts instead of all 200,000.</summary>
public static class AggregateInputSemiJoin
{
    /// <summary>The plan with the rewrite applied wherever the source of the key values is smaller than the
    /// aggregate's input.</summary>
    public static LogicalPlan Push(LogicalPlan plan)
    {
        plan = plan.WithChildrenIfChanged(plan.Children.Select(Push).ToArray());
        if (plan is not JoinNode { Type: JoinType.Inner or JoinType.LeftOuter, Condition: { } condition } j) return plan;
        var conjuncts = SubqueryRewriter.Conjuncts(condition).ToList();
        var right = Reduce(j.Right, j.Left, conjuncts);
        var left = j.Type == JoinType.Inner ? Reduce(j.Left, j.Right, conjuncts) : j.Left;
        return ReferenceEquals(left, j.Left) && ReferenceEquals(right, j.Right) ? plan : new JoinNode(left, right, j.Type, j.Condition);
    }

    // `side` (projections over an aggregate) with the aggregate's input semi-joined on the best equality, or unchanged.
    private static LogicalPlan Reduce(LogicalPlan side, LogicalPlan other, List<Expr> conjuncts)
    {
        (ColumnRef Key, LogicalPlan Source, ColumnRef Value, double Rows)? best = null;
        foreach (var c in conjuncts)
        {
            if (c is not BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef a, Right: ColumnRef b }) continue;
            var (mine, theirs) = Has(side, a) && Has(other, b) ? (a, b) : Has(side, b) && Has(other, a) ? (b, a) : (null, null);
            if (mine is null || theirs is null || GroupKey(side, mine) is not { } key) continue;
            foreach (var (source, value) in Sources(other, theirs, depth: 0))
            {
                // A whole table holds every value its column can take (Q15's supplier keys for l_suppkey): a semi join
                // with it would probe every input row and drop none.
                if (Unfiltered(source)) continue;
                double rows = JoinReorder.Estimate(source);
                if (best is null || rows < best.Value.Rows) best = (key, source, value, rows);
            }
        }
        if (best is not { } b2) return side;
        var aggregate = AggregateBelow(side)!;
        if (b2.Rows >= JoinReorder.Estimate(aggregate.Child)) return side;
        var values = new ProjectNode(b2.Source, [b2.Value]);
        var filtered = new JoinNode(aggregate.Child, values, JoinType.LeftSemi, new BinaryExpr(BinaryOp.Equal, b2.Key, SubqueryRewriter.Ref(values.Output[0])));
        return Replace(side, aggregate, aggregate.WithChildren([filtered]));
    }

    private static bool Unfiltered(LogicalPlan p) => p switch
    {
        ScanNode => true,
        ProjectNode or BroadcastHintNode => Unfiltered(p.Children[0]),
        _ => false,
    };

    private static AggregateNode? AggregateBelow(LogicalPlan p) => p switch
    {
        AggregateNode a => a,
        ProjectNode pr => AggregateBelow(pr.Child),
        _ => null,
    };

    private static LogicalPlan Replace(LogicalPlan p, AggregateNode from, LogicalPlan to) =>
        ReferenceEquals(p, from) ? to : p.WithChildren([Replace(p.Children[0], from, to)]);

    // The input column of the aggregate that `column` of `side` passes through unchanged as a grouping key, or null.
    private static ColumnRef? GroupKey(LogicalPlan side, ColumnRef column)
    {
        int i = side.IndexOf(column);
        if (i < 0) return null;
        switch (side)
        {
            case ProjectNode pr when ExprTransform.StripAlias(pr.Exprs[i]) is ColumnRef inner:
                return GroupKey(pr.Child, pr.Child.Resolve(inner));
            case AggregateNode a when ExprTransform.StripAlias(a.Outputs[i]) is ColumnRef k:
                var key = a.Keys.Select(ExprTransform.StripAlias).OfType<ColumnRef>().FirstOrDefault(x => Same(x, k, a.Child));
                return key is null ? null : a.Child.Resolve(key);
            default:
                return null;
        }
    }

    // Plans each known to hold every value that `column` takes in `p` (p itself among them), with the column there.
    private static IEnumerable<(LogicalPlan Plan, ColumnRef Column)> Sources(LogicalPlan p, ColumnRef column, int depth)
    {
        yield return (p, column);
        if (depth > 8) yield break;
        int i = p.IndexOf(column);
        if (i < 0) yield break;
        IEnumerable<(LogicalPlan, ColumnRef)> below = p switch
        {
            FilterNode or BroadcastHintNode => Sources(p.Children[0], p.Children[0].Resolve(column), depth + 1),
            ProjectNode pr when ExprTransform.StripAlias(pr.Exprs[i]) is ColumnRef inner => Sources(pr.Child, pr.Child.Resolve(inner), depth + 1),
            JoinNode { Type: JoinType.Inner or JoinType.LeftSemi } j => JoinSources(j, column, depth),
            JoinNode { Type: JoinType.LeftOuter or JoinType.LeftAnti } j when Has(j.Left, column) => Sources(j.Left, j.Left.Resolve(column), depth + 1),
            _ => [],
        };
        foreach (var s in below) yield return s;
    }

    // Through an inner or semi join: the side the column comes from, and the other side of any equality on it.
    private static IEnumerable<(LogicalPlan, ColumnRef)> JoinSources(JoinNode j, ColumnRef column, int depth)
    {
        var (own, far) = Has(j.Left, column) ? (j.Left, j.Right) : (j.Right, j.Left);
        foreach (var s in Sources(own, own.Resolve(column), depth + 1)) yield return s;
        if (j.Condition is null) yield break;
        foreach (var c in SubqueryRewriter.Conjuncts(j.Condition))
            if (c is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef a, Right: ColumnRef b })
            {
                var partner = Same(a, column, own) && Has(far, b) ? b : Same(b, column, own) && Has(far, a) ? a : null;
                if (partner is not null)
                    foreach (var s in Sources(far, far.Resolve(partner), depth + 1)) yield return s;
            }
    }

    private static bool Has(LogicalPlan p, ColumnRef c) => p.IndexOf(c) >= 0;
    private static bool Same(ColumnRef a, ColumnRef b, LogicalPlan scope) => scope.IndexOf(a) is var i && i >= 0 && i == scope.IndexOf(b);
}
