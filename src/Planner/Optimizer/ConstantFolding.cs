using Accel.Data;
using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Planner.Logical;

/// <summary>Evaluates subexpressions that read no column once, at planning time (date '1994-01-01' + interval
/// '1' year becomes a date literal), so that predicates keep the "column op literal" shape that scan pruning
/// and the SIMD and GPU paths recognise.</summary>
public static class ConstantFolding
{
    private static readonly Schema s_empty = new([]);
    private static readonly ColumnBatch s_oneRow = new(s_empty, [], 1);

    /// <summary>The expression with every foldable constant subexpression replaced by its value.</summary>
    public static Expr Fold(Expr e)
    {
        var folded = ExprTransform.Transform(e, x => ReferenceEquals(x, e) ? null : Fold(x));
        return TryEvaluate(folded) ?? folded;
    }

    private static Literal? TryEvaluate(Expr e)
    {
        if (e is Literal or ColumnRef or OuterRef or AliasExpr or SortOrder or AggregateExpr or WindowExpr) return null;
        if (e is FunctionCall { Name: "explode" or "explode_outer" or "__interval_days" or "__interval_months" }) return null;
        var parts = ExprTransform.Nodes(e).Skip(1).ToList();
        if (parts.Count == 0 || !parts.All(p => p is Literal)) return null;
        try
        {
            var bound = Binder.Bind(e, s_empty);
            var value = ScalarEvaluator.Evaluate(bound, s_oneRow).GetValue(0);
            return new Literal(value, bound.Type);
        }
        catch (AccelException)
        {
            return null; // left for the binder to report where the expression is used
        }
    }
}
