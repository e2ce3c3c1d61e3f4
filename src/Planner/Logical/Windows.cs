using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>Appends one window function's result to every row of its input.</summary>
public sealed class WindowNode : LogicalPlan
{
    /// <summary>Creates the node, checking the window resolves over <paramref name="child"/>.</summary>
    public WindowNode(LogicalPlan child, WindowExpr window, string name, long id = 0)
    {
        Child = child;
        Window = window;
        var (type, nullable) = WindowPlanner.ResultType(window, child.Output);
        Output = new Schema([.. child.Output.Fields, new Field(name, type, nullable, id == 0 ? Field.NewId() : id)]);
    }
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; }
    /// <summary>The window function.</summary>
    public WindowExpr Window { get; }
    /// <summary>The window expressions (for tree walks).</summary>
    public IReadOnlyList<Expr> Windows => [Window];
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new WindowNode(children[0], Window, Output[^1].Name, Output[^1].Id);
}

/// <summary>Keeps the rows a ranking window over the same partitions and order could number at most
/// <see cref="Limit"/> (placed below that window by <see cref="Optimizer.WindowGroupLimit"/>); its output is its input's columns.</summary>
public sealed class WindowGroupLimitNode(LogicalPlan child, WindowExpr window, int limit) : LogicalPlan
{
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; } = child;
    /// <summary>The ranking window whose numbers are limited (row_number, rank or dense_rank).</summary>
    public WindowExpr Window { get; } = window;
    /// <summary>The largest number a kept row may get.</summary>
    public int Limit { get; } = limit;
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new WindowGroupLimitNode(children[0], Window, Limit);
}

/// <summary>Window functions in select lists: validation, result types, and the rewrite into WindowNodes.</summary>
public static class WindowPlanner
{
    /// <summary>The ranking and offset window functions (aggregates are windowed as AggregateExpr).</summary>
    public static readonly IReadOnlySet<string> RankingFunctions = new HashSet<string>(StringComparer.OrdinalIgnoreCase) { "row_number", "rank", "dense_rank", "lag", "lead" };

    /// <summary>True when <paramref name="e"/> contains a window function.</summary>
    public static bool HasWindow(Expr e) => ExprTransform.Nodes(e).Any(n => n is WindowExpr);

    /// <summary>True when <paramref name="e"/> has an aggregate call that is not inside a window.</summary>
    public static bool HasBareAggregate(Expr e)
    {
        bool found = false;
        ExprTransform.Transform(e, n =>
        {
            if (n is WindowExpr) return n;
            if (n is AggregateExpr) found = true;
            return null;
        });
        return found;
    }

    /// <summary>Result type and nullability of a window function over <paramref name="input"/>.</summary>
    public static (DataType Type, bool Nullable) ResultType(WindowExpr w, Schema input)
    {
        foreach (var p in w.PartitionBy) Binder.Bind(p, input);
        foreach (var o in w.OrderBy) Binder.Bind(o.Child, input);
        switch (w.Function)
        {
            case AggregateExpr a:
                if (a.Distinct) throw new AccelException($"DISTINCT is not allowed in a window aggregate: {w.DisplayName}");
                var argType = a.Arg is null || a.Func == AggFunc.CountStar ? null : Binder.Bind(a.Arg, input).Type;
                if (a.Arg2 is not null) Binder.Bind(a.Arg2, input);
                return (AggregateTypes.ResultType(a.Arg is Literal { Value: not null } && a.Func == AggFunc.Count ? AggFunc.CountStar : a.Func, argType), a.Func is not (AggFunc.Count or AggFunc.CountStar));
            case FunctionCall { Name: "row_number" or "rank" or "dense_rank" } f:
                if (f.Args.Count != 0) throw new AccelException($"{f.Name}() takes no arguments");
                if (w.OrderBy.Count == 0) throw new AccelException($"window function {f.Name}() requires an ORDER BY in its window: {w.DisplayName}");
                return (DataType.Int32, false);
            case FunctionCall { Name: "lag" or "lead" } f:
                if (f.Args.Count is < 1 or > 3) throw new AccelException($"{f.Name} takes 1 to 3 arguments (value, offset, default), got {f.Args.Count}");
                if (w.OrderBy.Count == 0) throw new AccelException($"window function {f.Name} requires an ORDER BY in its window: {w.DisplayName}");
                if (f.Args.Count > 1 && f.Args[1] is not Literal { Value: int }) throw new AccelException($"the offset of {f.Name} must be an integer literal, got {f.Args[1].DisplayName}");
                return (Binder.Bind(f.Args[0], input).Type, true);
            default:
                throw new AccelException($"'{w.Function.DisplayName}' is not a window function; use an aggregate or row_number, rank, dense_rank, lag, lead");
        }
    }

    /// <summary>Computes every window function in <paramref name="items"/> with a WindowNode over
    /// <paramref name="input"/> and returns the widened input and the items reading those results.</summary>
    public static (LogicalPlan Input, List<Expr> Items) Extract(LogicalPlan input, List<Expr> items)
    {
        if (!items.Any(HasWindow)) return (input, items);
        var plan = input;
        var columns = new Dictionary<string, Expr>();
        var rewritten = items.Select(item => ExprTransform.Transform(item, n =>
        {
            if (n is not WindowExpr w) return null;
            if (ExprTransform.Nodes(w).Skip(1).Any(x => x is WindowExpr)) throw new AccelException($"window functions cannot be nested: {w.DisplayName}");
            if (!columns.TryGetValue(w.DisplayName, out var col))
            {
                var node = new WindowNode(plan, w, w.DisplayName);
                plan = node;
                col = columns[w.DisplayName] = new ColumnRef(node.Output[^1].Name, node.Output[^1].Id);
            }
            return col;
        })).ToList();
        return (plan, rewritten);
    }
}
