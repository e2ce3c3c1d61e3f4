using Accel.Data;

namespace Accel.Expressions;

/// <summary>Binary operators, with Spark's (non-ANSI) semantics.</summary>
public enum BinaryOp
{
    Add, Subtract, Multiply,
    /// <summary>Spark's '/': always fractional (double, or decimal for decimals); x/0 is NULL.</summary>
    Divide,
    /// <summary>Spark's 'div': integral division truncating toward zero; x div 0 is NULL.</summary>
    IntDivide,
    /// <summary>Spark's '%': remainder with the sign of the dividend; x % 0 is NULL.</summary>
    Modulo,
    Equal, NotEqual, LessThan, LessThanOrEqual, GreaterThan, GreaterThanOrEqual,
    /// <summary>'&lt;=&gt;': NULL-safe equality (never NULL).</summary>
    EqualNullSafe,
    /// <summary>Three-valued AND.</summary>
    And,
    /// <summary>Three-valued OR.</summary>
    Or,
}

/// <summary>Unary operators.</summary>
public enum UnaryOp { Not, Negate, IsNull, IsNotNull }

/// <summary>An unresolved expression, as the DataFrame API and the SQL parser build it.
/// Resolved against an input schema by <see cref="Binder"/> into a <see cref="BoundExpr"/>.</summary>
public abstract record Expr
{
    /// <summary>The name Spark gives the result column when no alias is set (e.g. "(a + b)", "sum(x)").</summary>
    public abstract string DisplayName { get; }
    /// <inheritdoc />
    public override string ToString() => DisplayName;
}

/// <summary>A column by name, optionally pinned to an attribute id (df["col"] pins it; Col("col") does not).</summary>
public sealed record ColumnRef(string Name, long Id = 0) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => Name;
}

/// <summary>A constant. <paramref name="Value"/> is a CLR value as <see cref="ColumnVector.GetValue"/> returns them.</summary>
public sealed record Literal(object? Value, DataType Type) : Expr
{
    /// <summary>A literal whose type is inferred from the CLR value (int, long, double, decimal, bool, string, DateOnly, DateTime, null).</summary>
    public static Literal Of(object? value) => value switch
    {
        null => new Literal(null, DataType.Null),
        bool => new Literal(value, DataType.Boolean),
        int => new Literal(value, DataType.Int32),
        short s => new Literal((int)s, DataType.Int32),
        byte b => new Literal((int)b, DataType.Int32),
        long => new Literal(value, DataType.Int64),
        float => new Literal(value, DataType.Float32),
        double => new Literal(value, DataType.Float64),
        decimal m => new Literal(m, DecimalTypeOf(m)),
        string => new Literal(value, DataType.Utf8),
        DateOnly => new Literal(value, DataType.Date32),
        DateTime => new Literal(value, DataType.Timestamp),
        _ => throw new AccelException($"unsupported literal type {value.GetType().Name} (value {value})"),
    };

    /// <summary>The narrowest decimal(p,s) that holds a System.Decimal literal.</summary>
    public static DataType DecimalTypeOf(decimal m)
    {
        int scale = m.Scale;
        var digits = Math.Abs(decimal.Truncate(m * ValueConversions.Pow10[Math.Min(scale, 18)])).ToString(System.Globalization.CultureInfo.InvariantCulture).Length;
        int precision = Math.Max(Math.Max(digits, scale), 1);
        return DataType.Decimal(Math.Min(precision, DataType.MaxDecimalPrecision), Math.Min(scale, DataType.MaxDecimalPrecision));
    }

    /// <inheritdoc />
    public override string DisplayName => Value switch
    {
        null => "NULL",
        string s => s,
        _ => ValueConversions.Format(Value),
    };
}

/// <summary>left op right.</summary>
public sealed record BinaryExpr(BinaryOp Op, Expr Left, Expr Right) : Expr
{
    /// <summary>The SQL spelling of an operator.</summary>
    public static string Symbol(BinaryOp op) => op switch
    {
        BinaryOp.Add => "+", BinaryOp.Subtract => "-", BinaryOp.Multiply => "*", BinaryOp.Divide => "/",
        BinaryOp.IntDivide => "div", BinaryOp.Modulo => "%", BinaryOp.Equal => "=", BinaryOp.NotEqual => "!=",
        BinaryOp.LessThan => "<", BinaryOp.LessThanOrEqual => "<=", BinaryOp.GreaterThan => ">",
        BinaryOp.GreaterThanOrEqual => ">=", BinaryOp.EqualNullSafe => "<=>", BinaryOp.And => "AND", BinaryOp.Or => "OR",
        _ => op.ToString(),
    };

    /// <summary>The comparison that holds with its operands swapped (a &lt; b exactly when b &gt; a); other operators are
    /// their own mirror (=, !=, &lt;=&gt; are symmetric).</summary>
    public static BinaryOp Mirrored(BinaryOp op) => op switch
    {
        BinaryOp.LessThan => BinaryOp.GreaterThan,
        BinaryOp.LessThanOrEqual => BinaryOp.GreaterThanOrEqual,
        BinaryOp.GreaterThan => BinaryOp.LessThan,
        BinaryOp.GreaterThanOrEqual => BinaryOp.LessThanOrEqual,
        _ => op,
    };

    /// <inheritdoc />
    public override string DisplayName => $"({Left.DisplayName} {Symbol(Op)} {Right.DisplayName})";
}

/// <summary>op child.</summary>
public sealed record UnaryExpr(UnaryOp Op, Expr Child) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => Op switch
    {
        UnaryOp.Not => $"(NOT {Child.DisplayName})",
        UnaryOp.Negate => $"(- {Child.DisplayName})",
        UnaryOp.IsNull => $"({Child.DisplayName} IS NULL)",
        _ => $"({Child.DisplayName} IS NOT NULL)",
    };
}

/// <summary>value [NOT] IN (list).</summary>
public sealed record InExpr(Expr Value, IReadOnlyList<Expr> List, bool Negated = false) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"({Value.DisplayName}{(Negated ? " NOT" : "")} IN ({string.Join(", ", List.Select(e => e.DisplayName))}))";
}

/// <summary>CASE WHEN c1 THEN v1 ... ELSE e END.</summary>
public sealed record CaseWhenExpr(IReadOnlyList<(Expr When, Expr Then)> Branches, Expr? Else) : Expr
{
    /// <inheritdoc />
    public override string DisplayName =>
        "CASE " + string.Join(" ", Branches.Select(b => $"WHEN {b.When.DisplayName} THEN {b.Then.DisplayName}")) + (Else is null ? "" : $" ELSE {Else.DisplayName}") + " END";
}

/// <summary>CAST(child AS type) with Spark's non-ANSI rules (an unparsable string gives NULL).</summary>
public sealed record CastExpr(Expr Child, DataType To) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"CAST({Child.DisplayName} AS {To.SqlName.ToUpperInvariant()})";
}

/// <summary>A scalar function by its Spark name (lower, substring, date_add, coalesce, round, ...).</summary>
public sealed record FunctionCall(string Name, IReadOnlyList<Expr> Args) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"{Name}({string.Join(", ", Args.Select(a => a.DisplayName))})";
}

/// <summary>Aggregate functions.</summary>
public enum AggFunc
{
    Count, CountStar, Sum, Avg, Min, Max, StdDev, StdDevPop, Variance, VariancePop,
    /// <summary>Exact median (percentile 0.5 with linear interpolation), a double.</summary>
    Median,
    /// <summary>Exact percentile at <see cref="AggregateExpr.Fraction"/> with linear interpolation, a double.</summary>
    Percentile,
    /// <summary>Pearson correlation of Arg and Arg2 over rows where both are non-NULL.</summary>
    Corr,
}

/// <summary>An aggregate call; only valid in an aggregation's output list. <paramref name="Arg2"/> is the
/// second input of two-argument aggregates (corr); <paramref name="Fraction"/> is percentile's fraction.</summary>
public sealed record AggregateExpr(AggFunc Func, Expr? Arg, bool Distinct = false, Expr? Arg2 = null, double Fraction = 0.5) : Expr
{
    /// <summary>Spark's lower-case name of the function.</summary>
    public static string NameOf(AggFunc f) => f switch
    {
        AggFunc.CountStar or AggFunc.Count => "count",
        AggFunc.StdDev => "stddev",
        AggFunc.StdDevPop => "stddev_pop",
        AggFunc.Variance => "variance",
        AggFunc.VariancePop => "var_pop",
        _ => f.ToString().ToLowerInvariant(),
    };

    /// <inheritdoc />
    public override string DisplayName => Func switch
    {
        AggFunc.CountStar => "count(1)",
        AggFunc.Corr => $"corr({Arg!.DisplayName}, {Arg2!.DisplayName})",
        AggFunc.Percentile => $"percentile({Arg!.DisplayName}, {ValueConversions.Format(Fraction)})",
        _ => $"{NameOf(Func)}({(Distinct ? "DISTINCT " : "")}{Arg!.DisplayName})",
    };
}

/// <summary>A reference from inside a subquery to a column of the enclosing query (a correlation).
/// It binds as a typed placeholder; the planner decorrelates every subquery into a join before anything runs.</summary>
public sealed record OuterRef(string Name, long Id, DataType Type) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => $"outer({Name})";
}

/// <summary>expr AS name.</summary>
public sealed record AliasExpr(Expr Child, string Name) : Expr
{
    /// <inheritdoc />
    public override string DisplayName => Name;
}

/// <summary>A sort key: expression, direction and where NULLs go (Spark: NULLS FIRST for ASC, NULLS LAST for DESC).</summary>
public sealed record SortOrder(Expr Child, bool Ascending = true, bool? NullsFirst = null) : Expr
{
    /// <summary>Spark's default null placement for the direction when none was given.</summary>
    public bool EffectiveNullsFirst => NullsFirst ?? Ascending;

    /// <inheritdoc />
    public override string DisplayName => $"{Child.DisplayName} {(Ascending ? "ASC" : "DESC")} NULLS {(EffectiveNullsFirst ? "FIRST" : "LAST")}";
}

/// <summary>A window frame: ROWS (physical offsets) or RANGE (peers of the current row's ORDER BY value).
/// <paramref name="Start"/>/<paramref name="End"/> are offsets from the current row (negative: preceding,
/// 0: current row); null is UNBOUNDED.</summary>
public sealed record WindowFrame(bool Rows, long? Start, long? End)
{
    /// <summary>The whole partition.</summary>
    public static readonly WindowFrame Unbounded = new(true, null, null);
    /// <summary>Spark's default with ORDER BY: RANGE BETWEEN UNBOUNDED PRECEDING AND CURRENT ROW.</summary>
    public static readonly WindowFrame RunningWithPeers = new(false, null, 0);

    private static string Bound(long? b, bool start) => b switch
    {
        null => start ? "UNBOUNDED PRECEDING" : "UNBOUNDED FOLLOWING",
        0 => "CURRENT ROW",
        < 0 => $"{-b} PRECEDING",
        _ => $"{b} FOLLOWING",
    };

    /// <summary>SQL spelling.</summary>
    public override string ToString() => $"{(Rows ? "ROWS" : "RANGE")} BETWEEN {Bound(Start, true)} AND {Bound(End, false)}";
}

/// <summary>function OVER (PARTITION BY ... ORDER BY ... frame). <paramref name="Function"/> is an
/// <see cref="AggregateExpr"/> or a call to row_number, rank, dense_rank, lag or lead.</summary>
public sealed record WindowExpr(Expr Function, IReadOnlyList<Expr> PartitionBy, IReadOnlyList<SortOrder> OrderBy, WindowFrame? Frame = null) : Expr
{
    /// <summary>The frame in effect: the given one, else Spark's default for the presence of ORDER BY.</summary>
    public WindowFrame EffectiveFrame => Frame ?? (OrderBy.Count == 0 ? WindowFrame.Unbounded : WindowFrame.RunningWithPeers);

    /// <inheritdoc />
    public override string DisplayName
    {
        get
        {
            var parts = new List<string>();
            if (PartitionBy.Count > 0) parts.Add("PARTITION BY " + string.Join(", ", PartitionBy.Select(p => p.DisplayName)));
            if (OrderBy.Count > 0) parts.Add("ORDER BY " + string.Join(", ", OrderBy.Select(o => o.DisplayName)));
            parts.Add(EffectiveFrame.ToString());
            return $"{Function.DisplayName} OVER ({string.Join(" ", parts)})";
        }
    }
}
