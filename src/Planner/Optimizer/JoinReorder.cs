using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Reorders trees of inner joins greedily: the largest input (the fact table) starts a left-deep
/// chain, and at each step the input whose join yields the fewest estimated rows is joined next, so
/// selective dimensions come first, no join fans out on a low-cardinality key while a key join remains,
/// and no cross product is formed while a connected input remains. A join's rows are estimated as
/// |S| * |R| / max(distinct keys), with distinct counts bounded by Parquet min/max statistics.</summary>
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
        var estimates = leaves.Select(Estimate).ToList();
        var remaining = Enumerable.Range(0, leaves.Count).ToList();
        int first = remaining.OrderByDescending(i => estimates[i]).ThenBy(i => i).First();
        remaining.Remove(first);
        var joined = new HashSet<int> { first };
        var plan = leaves[first];
        double rows = estimates[first];
        var used = new bool[conditions.Count];
        while (remaining.Count > 0)
        {
            // Next: the input whose join gives the fewest rows (the conditions' key cardinalities bound the
            // fan-out); an input with no condition to the joined set only when nothing else is left.
            var scored = remaining.Select(i => (Leaf: i, Rows: JoinRows(rows, i, joined, leaves, estimates, conditions, uses, used)))
                .OrderBy(x => x.Rows is null).ThenBy(x => x.Rows ?? estimates[x.Leaf]).ThenBy(x => estimates[x.Leaf]).ThenBy(x => x.Leaf).First();
            int next = scored.Leaf;
            remaining.Remove(next);
            joined.Add(next);
            rows = scored.Rows ?? rows * estimates[next];
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

    // Estimated rows of joining leaf `i` to the joined set (of `rows` rows): |S| * |i| / max(ndv) per equality
    // between them; null when no equality connects them.
    private static double? JoinRows(double rows, int i, HashSet<int> joined, List<LogicalPlan> leaves, List<double> estimates,
        List<Expr> conditions, List<HashSet<int>> uses, bool[] used)
    {
        double result = rows * estimates[i];
        bool connected = false;
        for (int c = 0; c < conditions.Count; c++)
        {
            if (used[c] || !uses[c].Contains(i) || !uses[c].All(x => x == i || joined.Contains(x))) continue;
            if (conditions[c] is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef a, Right: ColumnRef b })
            {
                var (mine, theirs) = LeavesOf(a, leaves).Contains(i) ? (a, b) : (b, a);
                int other = LeavesOf(theirs, leaves).FirstOrDefault(-1);
                if (other < 0 || other == i) continue;
                double ndv = Math.Max(DistinctValues(leaves[i], mine), DistinctValues(leaves[other], theirs));
                result /= Math.Max(1, ndv);
                connected = true;
            }
            else result *= Selectivity(conditions[c]);
        }
        return connected ? Math.Max(1, result) : null;
    }

    /// <summary>Estimated distinct values of a column of a plan: the source's bound (Parquet min/max) for a
    /// scanned column, capped by the plan's estimated rows; the rows themselves when nothing better is known.</summary>
    public static double DistinctValues(LogicalPlan p, ColumnRef column)
    {
        double rows = Math.Max(1, Estimate(p));
        int i = column.Id != 0 ? p.Output.IndexOfId(column.Id) : p.Output.IndexOf(column.Name);
        if (i < 0) return rows;
        var field = p.Output[i];
        double below = p switch
        {
            ScanNode s => s.Source.DistinctBound(field.Name) ?? rows,
            FilterNode or BroadcastHintNode or SortNode or LimitNode or DistinctNode => DistinctValues(p.Children[0], new ColumnRef(field.Name, field.Id)),
            ProjectNode pr when ExprTransform.StripAlias(pr.Exprs[i]) is ColumnRef c => DistinctValues(pr.Child, Resolve(c, pr.Child)),
            JoinNode j => j.Left.Output.IndexOfId(field.Id) >= 0 ? DistinctValues(j.Left, new ColumnRef(field.Name, field.Id))
                : j.Right.Output.IndexOfId(field.Id) >= 0 ? DistinctValues(j.Right, new ColumnRef(field.Name, field.Id)) : rows,
            _ => rows,
        };
        return Math.Min(rows, below);
    }

    private static ColumnRef Resolve(ColumnRef c, LogicalPlan child)
    {
        int i = c.Id != 0 ? child.Output.IndexOfId(c.Id) : child.Output.IndexOf(c.Name);
        return i < 0 ? c : new ColumnRef(child.Output[i].Name, child.Output[i].Id);
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
