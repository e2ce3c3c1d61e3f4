using Accel.Data;
using Accel.Execution;
using Accel.Planner.Logical;

namespace Accel.Planner.Optimizer;

/// <summary>Moves semi and anti joins (IN, EXISTS and their negations) below inner joins, onto the input whose
/// columns their condition reads: the filter then applies before that input meets the others (TPC-H Q18's IN
/// subquery keeps a few dozen of 1.5 million orders before they meet 6 million lineitems). Valid because an
/// inner join's output row carries its input row unchanged, so whether it has a match is decided by that row.
/// A semi join stays above an inner join estimated to keep under half the rows of the input it would sink onto
/// (half: what a semi join of unknown selectivity is taken to keep): there it probes fewer rows and may build on its
/// small left side (TPC-H Q21's EXISTS and NOT EXISTS over 11 million late lineitems, of which the join with one
/// nation's suppliers keeps a twenty-fifth).</summary>
public static class SemiJoinPushdown
{
    /// <summary>The plan with every semi and anti join sunk as deep into inner joins as its condition allows.</summary>
    public static LogicalPlan Push(LogicalPlan plan)
    {
        plan = plan.WithChildrenIfChanged(plan.Children.Select(Push).ToArray());
        return plan is JoinNode { Type: JoinType.LeftSemi or JoinType.LeftAnti } j ? Sink(j) : plan;
    }

    private static LogicalPlan Sink(JoinNode semi)
    {
        if (semi.Left is not JoinNode inner || !LogicalOptimizer.IsInner(inner.Type)) return semi;
        if (Reads(semi, inner.Left) && KeepsHalf(inner, inner.Left))
            return new JoinNode(Sink(new JoinNode(inner.Left, semi.Right, semi.Type, semi.Condition)), inner.Right, inner.Type, inner.Condition);
        if (Reads(semi, inner.Right) && KeepsHalf(inner, inner.Right))
            return new JoinNode(inner.Left, Sink(new JoinNode(inner.Right, semi.Right, semi.Type, semi.Condition)), inner.Type, inner.Condition);
        return semi;
    }

    private static bool KeepsHalf(JoinNode inner, LogicalPlan input) => JoinReorder.Estimate(inner) >= JoinReorder.Estimate(input) / 2;

    // A semi join without a condition (EXISTS over an uncorrelated subquery) reads no row: it stays put.
    private static bool Reads(JoinNode semi, LogicalPlan input) =>
        semi.Condition is { } c && LogicalOptimizer.Binds(c, new Schema(input.Output.Fields.Concat(semi.Right.Output.Fields)));
}
