using Accel.Data;
using Accel.Expressions;

namespace Accel.Sql;

/// <summary>A column expression, shaped like Microsoft.Spark.Sql.Column: build it with
/// <see cref="Functions.Col"/>, df["name"] or operators, and pass it to Select, Filter, GroupBy, ...</summary>
public sealed class Column
{
    /// <summary>The unresolved expression this column stands for.</summary>
    public Expr Expr { get; }

    /// <summary>Wraps an expression.</summary>
    public Column(Expr expr) => Expr = expr;

    internal static Column Of(object? value) => value switch
    {
        Column c => c,
        _ => new Column(Literal.Of(value)),
    };

    private static Column Bin(BinaryOp op, Column l, object? r) => new(new BinaryExpr(op, l.Expr, Of(r).Expr));
    private static Column RBin(BinaryOp op, object? l, Column r) => new(new BinaryExpr(op, Of(l).Expr, r.Expr));

    /// <summary>Add of two columns.</summary>
    public static Column operator +(Column l, Column r) => Bin(BinaryOp.Add, l, r);
    /// <summary>Subtract of two columns.</summary>
    public static Column operator -(Column l, Column r) => Bin(BinaryOp.Subtract, l, r);
    /// <summary>Multiply of two columns.</summary>
    public static Column operator *(Column l, Column r) => Bin(BinaryOp.Multiply, l, r);
    /// <summary>Divide of two columns.</summary>
    public static Column operator /(Column l, Column r) => Bin(BinaryOp.Divide, l, r);
    /// <summary>Modulo of two columns.</summary>
    public static Column operator %(Column l, Column r) => Bin(BinaryOp.Modulo, l, r);
    /// <summary>Sum.</summary>
    public static Column operator +(Column l, object r) => Bin(BinaryOp.Add, l, r);
    /// <summary>Sum.</summary>
    public static Column operator +(object l, Column r) => RBin(BinaryOp.Add, l, r);
    /// <summary>Difference.</summary>
    public static Column operator -(Column l, object r) => Bin(BinaryOp.Subtract, l, r);
    /// <summary>Difference.</summary>
    public static Column operator -(object l, Column r) => RBin(BinaryOp.Subtract, l, r);
    /// <summary>Product.</summary>
    public static Column operator *(Column l, object r) => Bin(BinaryOp.Multiply, l, r);
    /// <summary>Product.</summary>
    public static Column operator *(object l, Column r) => RBin(BinaryOp.Multiply, l, r);
    /// <summary>Fractional division (Spark's '/': NULL on division by zero).</summary>
    public static Column operator /(Column l, object r) => Bin(BinaryOp.Divide, l, r);
    /// <summary>Fractional division.</summary>
    public static Column operator /(object l, Column r) => RBin(BinaryOp.Divide, l, r);
    /// <summary>Remainder.</summary>
    public static Column operator %(Column l, object r) => Bin(BinaryOp.Modulo, l, r);
    /// <summary>Negation.</summary>
    public static Column operator -(Column c) => new(new UnaryExpr(UnaryOp.Negate, c.Expr));
    /// <summary>Logical NOT.</summary>
    public static Column operator !(Column c) => new(new UnaryExpr(UnaryOp.Not, c.Expr));
    /// <summary>Equality (an expression, not a C# comparison).</summary>
    public static Column operator ==(Column l, object? r) => Bin(BinaryOp.Equal, l, r);
    /// <summary>Inequality.</summary>
    public static Column operator !=(Column l, object? r) => Bin(BinaryOp.NotEqual, l, r);
    /// <summary>Less than.</summary>
    public static Column operator <(Column l, object r) => Bin(BinaryOp.LessThan, l, r);
    /// <summary>Greater than.</summary>
    public static Column operator >(Column l, object r) => Bin(BinaryOp.GreaterThan, l, r);
    /// <summary>Less than or equal.</summary>
    public static Column operator <=(Column l, object r) => Bin(BinaryOp.LessThanOrEqual, l, r);
    /// <summary>Greater than or equal.</summary>
    public static Column operator >=(Column l, object r) => Bin(BinaryOp.GreaterThanOrEqual, l, r);
    /// <summary>Logical AND.</summary>
    public static Column operator &(Column l, Column r) => Bin(BinaryOp.And, l, r);
    /// <summary>Logical OR.</summary>
    public static Column operator |(Column l, Column r) => Bin(BinaryOp.Or, l, r);

    /// <summary>Sum.</summary>
    public Column Plus(object other) => this + other;
    /// <summary>Difference.</summary>
    public Column Minus(object other) => this - other;
    /// <summary>Product.</summary>
    public Column Multiply(object other) => this * other;
    /// <summary>Fractional division.</summary>
    public Column Divide(object other) => this / other;
    /// <summary>Remainder.</summary>
    public Column Mod(object other) => this % other;
    /// <summary>Equality.</summary>
    public Column EqualTo(object? other) => this == other;
    /// <summary>Inequality.</summary>
    public Column NotEqual(object? other) => this != other;
    /// <summary>NULL-safe equality (&lt;=&gt;).</summary>
    public Column EqNullSafe(object? other) => Bin(BinaryOp.EqualNullSafe, this, other);
    /// <summary>Greater than.</summary>
    public Column Gt(object other) => this > other;
    /// <summary>Less than.</summary>
    public Column Lt(object other) => this < other;
    /// <summary>Greater than or equal.</summary>
    public Column Geq(object other) => this >= other;
    /// <summary>Less than or equal.</summary>
    public Column Leq(object other) => this <= other;
    /// <summary>Logical AND.</summary>
    public Column And(Column other) => this & other;
    /// <summary>Logical OR.</summary>
    public Column Or(Column other) => this | other;
    /// <summary>True when NULL.</summary>
    public Column IsNull() => new(new UnaryExpr(UnaryOp.IsNull, Expr));
    /// <summary>True when not NULL.</summary>
    public Column IsNotNull() => new(new UnaryExpr(UnaryOp.IsNotNull, Expr));
    /// <summary>lower &lt;= this &lt;= upper.</summary>
    public Column Between(object lower, object upper) => (this >= lower) & (this <= upper);
    /// <summary>this IN (values).</summary>
    public Column IsIn(params object?[] values) => new(new InExpr(Expr, values.Select(v => Of(v).Expr).ToArray()));
    /// <summary>SQL LIKE pattern match.</summary>
    public Column Like(string pattern) => new(new FunctionCall("like", [Expr, Literal.Of(pattern)]));
    /// <summary>Regular-expression match.</summary>
    public Column RLike(string pattern) => new(new FunctionCall("rlike", [Expr, Literal.Of(pattern)]));
    /// <summary>Substring from 1-based position.</summary>
    public Column Substr(int startPos, int length) => new(new FunctionCall("substring", [Expr, Literal.Of(startPos), Literal.Of(length)]));
    /// <summary>Cast to a type given by its Spark name ("int", "double", "decimal(10,2)", "date", ...).</summary>
    public Column Cast(string type) => new(new CastExpr(Expr, DataType.Parse(type)));
    /// <summary>Names the column.</summary>
    public Column Alias(string name) => new(new AliasExpr(Expr, name));
    /// <summary>Names the column.</summary>
    public Column As(string name) => Alias(name);
    /// <summary>Names the column.</summary>
    public Column Name(string name) => Alias(name);
    /// <summary>Ascending sort order (NULLS FIRST).</summary>
    public Column Asc() => new(new SortOrder(Expr, true));
    /// <summary>This aggregate or ranking function evaluated over a window (row_number().Over(Window.PartitionBy(..).OrderBy(..))).</summary>
    public Column Over(WindowSpec window) => new(new WindowExpr(Expr, window.Partition, window.Order, window.Frame));
    /// <summary>This aggregate over the whole input as one window (every row sees the total).</summary>
    public Column Over() => Over(new WindowSpec([], [], null));
    /// <summary>Ascending, NULLS FIRST.</summary>
    public Column AscNullsFirst() => new(new SortOrder(Expr, true, true));
    /// <summary>Ascending, NULLS LAST.</summary>
    public Column AscNullsLast() => new(new SortOrder(Expr, true, false));
    /// <summary>Descending sort order (NULLS LAST).</summary>
    public Column Desc() => new(new SortOrder(Expr, false));
    /// <summary>Descending, NULLS FIRST.</summary>
    public Column DescNullsFirst() => new(new SortOrder(Expr, false, true));
    /// <summary>Descending, NULLS LAST.</summary>
    public Column DescNullsLast() => new(new SortOrder(Expr, false, false));

    /// <summary>Adds a branch to a CASE built with <see cref="Functions.When"/>.</summary>
    public Column When(Column condition, object value)
    {
        if (Expr is not CaseWhenExpr c || c.Else is not null)
            throw new AccelException("When() can only be applied on a Column previously generated by Functions.When() and not yet ended by Otherwise()");
        return new(c with { Branches = c.Branches.Append((condition.Expr, Of(value).Expr)).ToArray() });
    }

    /// <summary>The ELSE value of a CASE built with <see cref="Functions.When"/>.</summary>
    public Column Otherwise(object value)
    {
        if (Expr is not CaseWhenExpr c || c.Else is not null)
            throw new AccelException("Otherwise() can only be applied on a Column previously generated by Functions.When() and only once");
        return new(c with { Else = Of(value).Expr });
    }

    /// <inheritdoc />
    public override string ToString() => Expr.DisplayName;

    // == builds an expression (as in Spark), so object equality stays reference equality.
    /// <inheritdoc />
    public override bool Equals(object? obj) => ReferenceEquals(this, obj);
    /// <inheritdoc />
    public override int GetHashCode() => System.Runtime.CompilerServices.RuntimeHelpers.GetHashCode(this);
}
