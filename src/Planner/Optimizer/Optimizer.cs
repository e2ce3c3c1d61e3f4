using Accel.Execution;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>The logical rewrites every query goes through before physical planning: constant folding,
/// predicate pushdown (through projections, into join conditions and join sides, below aggregates on
/// grouping keys), semi and anti joins moved below inner joins, join reordering, then aggregates' inputs semi-joined with the key values their consumer can match, and ranking windows that a filter limits to k given only the rows that can rank within k. Projection pruning happens in the physical planner.</summary>
public static class LogicalOptimizer
{
    /// <summary>The optimized plan; its output has the same columns (names and attribute ids) as the input's.</summary>
    public static LogicalPlan Optimize(LogicalPlan plan)
    {
        plan = FoldConstants(plan);
        plan = PredicatePushdown.Push(plan, []);
        plan = SemiJoinPushdown.Push(plan);
        plan = JoinReorder.Reorder(plan);
        plan = AggregateInputSemiJoin.Push(plan);
        plan = WindowGroupLimit.Push(plan);
        return plan;
    }

    /// <summary>Folds constants in filter and join conditions and in projections (keeping output ids).</summary>
    public static LogicalPlan FoldConstants(LogicalPlan plan)
    {
        var children = plan.Children.Select(FoldConstants).ToArray();
        return plan switch
        {
            FilterNode f => new FilterNode(children[0], ConstantFolding.Fold(f.Condition)),
            JoinNode j => new JoinNode(children[0], children[1], j.Type, j.Condition is null ? null : ConstantFolding.Fold(j.Condition)),
            ProjectNode p => new ProjectNode(children[0], p.Exprs.Select(e => e is ColumnRef ? e : ConstantFolding.Fold(e)).ToArray(), p.Output),
            _ => plan.WithChildrenIfChanged(children),
        };
    }

    /// <summary>True when <paramref name="e"/> resolves over <paramref name="schema"/>.</summary>
    internal static bool Binds(Expr e, Accel.Data.Schema schema)
    {
        try { Binder.Bind(e, schema); return true; }
        catch (AccelException) { return false; }
    }

    /// <summary>The conjunction, or no filter at all.</summary>
    internal static LogicalPlan Filter(LogicalPlan plan, IReadOnlyCollection<Expr> conjuncts) =>
        conjuncts.Count == 0 ? plan : new FilterNode(plan, SubqueryRewriter.And(conjuncts));

    /// <summary>True for join types whose output rows come from both sides as an inner product.</summary>
    internal static bool IsInner(JoinType t) => t is JoinType.Inner or JoinType.Cross;
}
