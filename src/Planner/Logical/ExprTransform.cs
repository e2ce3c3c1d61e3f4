using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>Tree walks over unbound expressions.</summary>
public static class ExprTransform
{
    /// <summary>Rewrites top-down: where <paramref name="rule"/> returns a replacement, it is used as is;
    /// otherwise the node's children are rewritten.</summary>
    public static Expr Transform(Expr e, Func<Expr, Expr?> rule)
    {
        var replaced = rule(e);
        if (replaced is not null) return replaced;
        Expr T(Expr x) => Transform(x, rule);
        return e switch
        {
            BinaryExpr b => b with { Left = T(b.Left), Right = T(b.Right) },
            UnaryExpr u => u with { Child = T(u.Child) },
            InExpr i => i with { Value = T(i.Value), List = i.List.Select(T).ToArray() },
            CaseWhenExpr c => c with { Branches = c.Branches.Select(br => (T(br.When), T(br.Then))).ToArray(), Else = c.Else is null ? null : T(c.Else) },
            CastExpr c => c with { Child = T(c.Child) },
            FunctionCall f => f with { Args = f.Args.Select(T).ToArray() },
            AggregateExpr a => a with { Arg = a.Arg is null ? null : T(a.Arg) },
            AliasExpr a => a with { Child = T(a.Child) },
            SortOrder s => s with { Child = T(s.Child) },
            InSubqueryExpr q => q with { Value = T(q.Value) },
            WindowExpr w => w with { Function = T(w.Function), PartitionBy = w.PartitionBy.Select(T).ToArray(), OrderBy = w.OrderBy.Select(o => (SortOrder)T(o)).ToArray() },
            _ => e,
        };
    }

    /// <summary>Every node of the tree, parents first.</summary>
    public static IEnumerable<Expr> Nodes(Expr e)
    {
        var list = new List<Expr>();
        Transform(e, x => { list.Add(x); return null; });
        return list;
    }

    /// <summary>The expression without a top-level alias.</summary>
    public static Expr StripAlias(Expr e) => e is AliasExpr a ? StripAlias(a.Child) : e;

    /// <summary>The output column name Spark gives an expression.</summary>
    public static string OutputName(Expr e) => e switch
    {
        AliasExpr a => a.Name,
        ColumnRef c => c.Name,
        _ => e.DisplayName,
    };
}
