using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Reorders trees of inner joins greedily: the largest input (the fact table) is the probe side of a
/// left-deep chain, and at each step the smallest input connected to the joined set by a condition is
/// joined next, so every hash table is built on a small, filtered input and no cross product is formed
/// while a connected input remains. Without statistics, a key-foreign-key join is estimated to keep the
/// larger side's rows.</summary>
public static class JoinReorder
{
    /// <summary>The plan with every inner-join tree of three or more inputs reordered.</summary>
    public static LogicalPlan Reorder(LogicalPlan plan)
    {
        if (plan is JoinNode j && LogicalOptimizer.IsInner(j.Type))
        {
            var leaves = new List<LogicalPlan>();
            var conditions = new List<Expr>();
            Flatten(j, leaves, conditions);
            if (leaves.Count > 2) return Build(j, leaves.Select(Reorder).ToList(), conditions);
        }
        var children = plan.Children.Select(Reorder).ToArray();
        return children.Length == 0 || children.Zip(plan.Children).All(x => ReferenceEquals(x.First, x.Second)) ? plan : plan.WithChildren(children);
    }

    private static void Flatten(LogicalPlan p, List<LogicalPlan> leaves, List<Expr> conditions)
    {
        if (p is JoinNode j && LogicalOptimizer.IsInner(j.Type))
        {
            Flatten(j.Left, leaves, conditions);
            Flatten(j.Right, leaves, conditions);
            if (j.Condition is not null) conditions.AddRange(SubqueryRewriter.Conjuncts(j.Condition));
        }
        else leaves.Add(p);
    }

    private static LogicalPlan Build(JoinNode original, List<LogicalPlan> leaves, List<Expr> conditions)
    {
        var uses = conditions.Select(c => LeavesOf(c, leaves)).ToList();
        // An equality with its two sides over different inputs can be a hash-join key.
        var equi = conditions.Select(c => c is BinaryExpr { Op: BinaryOp.Equal } eq && LeavesOf(eq.Left, leaves).Count > 0 && LeavesOf(eq.Right, leaves).Count > 0
            && !LeavesOf(eq.Left, leaves).Overlaps(LeavesOf(eq.Right, leaves))).ToList();
        var estimates = leaves.Select(Estimate).ToList();
        var remaining = Enumerable.Range(0, leaves.Count).ToList();
        int first = remaining.OrderByDescending(i => estimates[i]).ThenBy(i => i).First();
        remaining.Remove(first);
        var joined = new HashSet<int> { first };
        var plan = leaves[first];
        var used = new bool[conditions.Count];
        while (remaining.Count > 0)
        {
            bool Connected(int i, bool equiOnly) => uses.Where((u, c) => !equiOnly || equi[c]).Any(u => u.Contains(i) && u.Overlaps(joined) && u.All(x => x == i || joined.Contains(x)));
            var candidates = remaining.Where(i => Connected(i, true)).ToList();
            if (candidates.Count == 0) candidates = remaining.Where(i => Connected(i, false)).ToList();
            if (candidates.Count == 0) candidates = remaining;
            int next = candidates.OrderBy(i => estimates[i]).ThenBy(i => i).First();
            remaining.Remove(next);
            joined.Add(next);
            var on = new List<Expr>();
            for (int c = 0; c < conditions.Count; c++)
                if (!used[c] && uses[c].All(joined.Contains)) { on.Add(conditions[c]); used[c] = true; }
            plan = new JoinNode(plan, leaves[next], on.Count == 0 ? JoinType.Cross : JoinType.Inner, on.Count == 0 ? null : SubqueryRewriter.And(on));
        }
        // Conditions over no input (constants) stay as a filter.
        var leftover = conditions.Where((_, c) => !used[c]).ToList();
        plan = LogicalOptimizer.Filter(plan, leftover);
        return SubqueryRewriter.Columns(plan, original.Output);
    }

    // The leaves whose columns a condition reads.
    private static HashSet<int> LeavesOf(Expr c, List<LogicalPlan> leaves)
    {
        var set = new HashSet<int>();
        foreach (var col in ExprTransform.Nodes(c).OfType<ColumnRef>())
        {
            int leaf = leaves.FindIndex(l => col.Id != 0 ? l.Output.IndexOfId(col.Id) >= 0 : l.Output.IndexOf(col.Name) >= 0);
            if (leaf >= 0) set.Add(leaf);
        }
        return set;
    }

    /// <summary>Estimated output rows of a plan, from source row counts and fixed selectivities.</summary>
    public static double Estimate(LogicalPlan p) => p switch
    {
        ScanNode s => s.Source.EstimatedRows >= 0 ? s.Source.EstimatedRows : 1_000_000,
        FilterNode f => Estimate(f.Child) * SubqueryRewriter.Conjuncts(f.Condition).Aggregate(1.0, (sel, c) => sel * Selectivity(c)),
        AggregateNode a => a.Keys.Count == 0 ? 1 : Math.Max(1, Estimate(a.Child) / 2),
        LimitNode l => Math.Min(l.Count, Estimate(l.Child)),
        JoinNode { Type: JoinType.Cross } j => Estimate(j.Left) * Estimate(j.Right),
        JoinNode { Type: JoinType.LeftSemi or JoinType.LeftAnti } j => Estimate(j.Left) / 2,
        JoinNode j => Math.Max(Estimate(j.Left), Estimate(j.Right)),
        _ => p.Children.Count == 0 ? 1_000_000 : p.Children.Max(Estimate),
    };

    private static double Selectivity(Expr c) => c switch
    {
        BinaryExpr { Op: BinaryOp.Equal } b when b.Left is Literal || b.Right is Literal => 0.1,
        BinaryExpr { Op: BinaryOp.Or } b => Math.Min(1, Selectivity(b.Left) + Selectivity(b.Right)),
        BinaryExpr { Op: BinaryOp.LessThan or BinaryOp.LessThanOrEqual or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual } => 0.4,
        InExpr { Negated: false } i => Math.Min(0.5, 0.1 * i.List.Count),
        FunctionCall { Name: "like" or "rlike" } => 0.25,
        _ => 0.5,
    };
}
