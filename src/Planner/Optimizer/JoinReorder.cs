using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Reorders trees of inner joins by greedy operator ordering: of all pairs of inputs that an equality
/// connects, the pair whose join yields the fewest estimated rows is joined first and becomes one input, until one
/// remains. Plans come out bushy where that pays (TPC-H Q3 joins orders to the selective customers before lineitem
/// probes them), the larger input of each join on the left (the probe side), and a cross product only when no
/// connected pair is left. Row counts come from <see cref="Estimate"/>.</summary>
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
        return plan.WithChildrenIfChanged(plan.Children.Select(Reorder).ToArray());
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

    // One input of the greedy ordering: a leaf or a join of leaves, with the leaves it covers.
    private sealed record Part(LogicalPlan Plan, HashSet<int> Leaves, double Rows);

    private static LogicalPlan Build(JoinNode original, List<LogicalPlan> leaves, List<Expr> conditions)
    {
        var uses = conditions.Select(c => LeavesOf(c, leaves)).ToList();
        var used = new bool[conditions.Count];
        var parts = leaves.Select((l, i) => new Part(l, [i], Estimate(l))).ToList();
        while (parts.Count > 1)
        {
            (int A, int B, double Rows)? best = null;
            for (int a = 0; a < parts.Count; a++)
                for (int b = a + 1; b < parts.Count; b++)
                {
                    var on = Between(parts[a], parts[b], conditions, uses, used);
                    if (!on.Any(IsEquiJoin)) continue;
                    double rows = JoinRows(parts[a].Plan, parts[b].Plan, on);
                    if (best is null || rows < best.Value.Rows) best = (a, b, rows);
                }
            // Nothing connected is left: the two smallest inputs form a cross product.
            if (best is null)
            {
                var order = Enumerable.Range(0, parts.Count).OrderBy(i => parts[i].Rows).ThenBy(i => i).ToArray();
                best = (Math.Min(order[0], order[1]), Math.Max(order[0], order[1]), parts[order[0]].Rows * parts[order[1]].Rows);
            }
            var (x, y, _) = best.Value;
            var (big, small) = parts[x].Rows >= parts[y].Rows ? (parts[x], parts[y]) : (parts[y], parts[x]);
            var covered = new HashSet<int>(big.Leaves.Concat(small.Leaves));
            var conds = new List<Expr>();
            for (int c = 0; c < conditions.Count; c++)
                if (!used[c] && uses[c].Count > 0 && uses[c].IsSubsetOf(covered)) { conds.Add(conditions[c]); used[c] = true; }
            var join = new JoinNode(big.Plan, small.Plan, conds.Count == 0 ? JoinType.Cross : JoinType.Inner, conds.Count == 0 ? null : SubqueryRewriter.And(conds));
            parts.RemoveAt(y);
            parts.RemoveAt(x);
            parts.Insert(x, new Part(join, covered, Estimate(join)));
        }
        // Conditions over no input (constants) stay as a filter.
        var plan = LogicalOptimizer.Filter(parts[0].Plan, conditions.Where((_, c) => !used[c]).ToList());
        return SubqueryRewriter.Columns(plan, original.Output);
    }

    // The unused conditions that joining two parts would apply: those over both and nothing else.
    private static List<Expr> Between(Part a, Part b, List<Expr> conditions, List<HashSet<int>> uses, bool[] used)
    {
        var on = new List<Expr>();
        for (int c = 0; c < conditions.Count; c++)
            if (!used[c] && uses[c].Overlaps(a.Leaves) && uses[c].Overlaps(b.Leaves) && uses[c].All(l => a.Leaves.Contains(l) || b.Leaves.Contains(l)))
                on.Add(conditions[c]);
        return on;
    }

    private static bool IsEquiJoin(Expr c) => c is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef, Right: ColumnRef };

    /// <summary>Estimated rows of joining two plans on the conjuncts <paramref name="on"/>: the product of their rows,
    /// divided by the larger distinct count of the most selective equi-join key, times the selectivity of every other
    /// conjunct. Further key columns are taken as dependent on that one: a composite foreign key such as lineitem's
    /// (l_partkey, l_suppkey) into partsupp matches one row, and multiplying the columns' distinct counts instead put
    /// that 6-million-row join first in TPC-H Q9 as if it kept 800,000.</summary>
    public static double JoinRows(LogicalPlan left, LogicalPlan right, IReadOnlyList<Expr> on)
    {
        double l = Math.Max(1, Estimate(left)), r = Math.Max(1, Estimate(right));
        double rows = l * r, divisor = 0;
        foreach (var c in on)
        {
            if (c is BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef a, Right: ColumnRef b } && Sides(a, b, left, right) is var (mine, theirs))
                divisor = Math.Max(divisor, Math.Max(DistinctValues(left, mine), DistinctValues(right, theirs)));
            else rows *= Selectivity(c, null);
        }
        if (divisor > 0) rows /= divisor;
        return Math.Max(1, rows);
    }

    // The equality's columns ordered (left's, right's), or null when it does not join the two plans.
    private static (ColumnRef, ColumnRef)? Sides(ColumnRef a, ColumnRef b, LogicalPlan left, LogicalPlan right) =>
        Has(left, a) && Has(right, b) ? (a, b) : Has(left, b) && Has(right, a) ? (b, a) : null;

    private static bool Has(LogicalPlan p, ColumnRef c) => p.IndexOf(c) >= 0;

    /// <summary>Estimated distinct values of a column of a plan: the source's bound (Parquet min/max) for a
    /// scanned column, capped by the plan's estimated rows; the rows themselves when nothing better is known.</summary>
    public static double DistinctValues(LogicalPlan p, ColumnRef column)
    {
        double rows = Math.Max(1, Estimate(p));
        int i = p.IndexOf(column);
        if (i < 0) return rows;
        var field = p.Output[i];
        double below = p switch
        {
            ScanNode s => s.Source.DistinctEstimate(field.Name) ?? rows,
            FilterNode or BroadcastHintNode or SortNode or LimitNode or DistinctNode => DistinctValues(p.Children[0], new ColumnRef(field.Name, field.Id)),
            ProjectNode pr when ExprTransform.StripAlias(pr.Exprs[i]) is ColumnRef c => DistinctValues(pr.Child, pr.Child.Resolve(c)),
            JoinNode j => j.Left.Output.IndexOfId(field.Id) >= 0 ? DistinctValues(j.Left, new ColumnRef(field.Name, field.Id))
                : j.Right.Output.IndexOfId(field.Id) >= 0 ? DistinctValues(j.Right, new ColumnRef(field.Name, field.Id)) : rows,
            _ => rows,
        };
        return Math.Min(rows, below);
    }


    // The leaves whose columns a condition reads.
    private static HashSet<int> LeavesOf(Expr c, List<LogicalPlan> leaves)
    {
        var set = new HashSet<int>();
        foreach (var col in ExprTransform.Nodes(c).OfType<ColumnRef>())
        {
            int leaf = leaves.FindIndex(l => l.IndexOf(col) >= 0);
            if (leaf >= 0) set.Add(leaf);
        }
        return set;
    }

    /// <summary>Estimated output rows of a plan: source row counts, filter selectivities (an equality with a
    /// literal keeps 1 / the column's distinct values when they are known), join estimates from key distinct values.</summary>
    public static double Estimate(LogicalPlan p) => p switch
    {
        ScanNode s => s.Source.EstimatedRows >= 0 ? s.Source.EstimatedRows : 1_000_000,
        FilterNode f => Math.Max(1, Estimate(f.Child) * SubqueryRewriter.Conjuncts(f.Condition).Aggregate(1.0, (sel, c) => sel * Selectivity(c, f.Child))),
        AggregateNode a => a.Keys.Count == 0 ? 1 : Math.Max(1, Estimate(a.Child) / 2),
        LimitNode l => Math.Min(l.Count, Estimate(l.Child)),
        JoinNode { Type: JoinType.Cross } j => Estimate(j.Left) * Estimate(j.Right),
        JoinNode { Type: JoinType.LeftSemi or JoinType.LeftAnti } j => Estimate(j.Left) / 2,
        JoinNode { Type: JoinType.Inner } j => JoinRows(j.Left, j.Right, j.Condition is null ? [] : SubqueryRewriter.Conjuncts(j.Condition).ToList()),
        JoinNode j => Math.Max(Estimate(j.Left), Estimate(j.Right)),
        _ => p.Children.Count == 0 ? 1_000_000 : p.Children.Max(Estimate),
    };

    // The share of rows a conjunct keeps; `input` (when given) supplies distinct counts for equalities with a literal.
    private static double Selectivity(Expr c, LogicalPlan? input) => c switch
    {
        BinaryExpr { Op: BinaryOp.Equal, Left: ColumnRef col, Right: Literal } when input is not null && KnownDistinct(input, col) is { } n => 1 / Math.Max(1, n),
        BinaryExpr { Op: BinaryOp.Equal, Left: Literal, Right: ColumnRef col } when input is not null && KnownDistinct(input, col) is { } n => 1 / Math.Max(1, n),
        BinaryExpr { Op: BinaryOp.Equal } b when b.Left is Literal || b.Right is Literal => 0.1,
        BinaryExpr { Op: BinaryOp.Or } b => Math.Min(1, Selectivity(b.Left, input) + Selectivity(b.Right, input)),
        BinaryExpr { Op: BinaryOp.And } b => Selectivity(b.Left, input) * Selectivity(b.Right, input),
        BinaryExpr { Op: BinaryOp.LessThan or BinaryOp.LessThanOrEqual or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual } => 0.4,
        InExpr { Negated: false, Value: ColumnRef col } i when input is not null && KnownDistinct(input, col) is { } n => Math.Min(1, i.List.Count / Math.Max(1, n)),
        InExpr { Negated: false } i => Math.Min(0.5, 0.1 * i.List.Count),
        FunctionCall { Name: "like" or "rlike" } => 0.25,
        _ => 0.5,
    };

    // A scanned column's distinct values when its source knows them (through filters and renaming projections).
    private static double? KnownDistinct(LogicalPlan p, ColumnRef column)
    {
        int i = p.IndexOf(column);
        if (i < 0) return null;
        var field = p.Output[i];
        return p switch
        {
            ScanNode s => s.Source.DistinctEstimate(field.Name),
            FilterNode or BroadcastHintNode => KnownDistinct(p.Children[0], new ColumnRef(field.Name, field.Id)),
            ProjectNode pr when ExprTransform.StripAlias(pr.Exprs[i]) is ColumnRef c => KnownDistinct(pr.Child, pr.Child.Resolve(c)),
            _ => null,
        };
    }
}
