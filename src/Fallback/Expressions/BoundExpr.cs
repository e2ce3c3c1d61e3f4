using Accel.Data;

namespace Accel.Expressions;

/// <summary>A resolved, typed expression over the ordinals of one input schema. Produced by
/// <see cref="Binder"/> with Spark's implicit casts already inserted: the operands of a comparison share
/// one type, and so do the operands of arithmetic (decimals may differ in scale only).</summary>
public abstract record BoundExpr(DataType Type)
{
    /// <summary>Direct children, for tree walks.</summary>
    public abstract IEnumerable<BoundExpr> Children { get; }

    /// <summary>Every node of the tree, this one first.</summary>
    public IEnumerable<BoundExpr> Descendants()
    {
        yield return this;
        foreach (var c in Children) foreach (var d in c.Descendants()) yield return d;
    }

    /// <summary>A short SQL-like rendering for plans and error messages.</summary>
    public abstract string Describe(Schema input);
}

/// <summary>The input column at an ordinal.</summary>
public sealed record BoundColumn(int Ordinal, DataType ColumnType, string Name) : BoundExpr(ColumnType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => [];
    /// <inheritdoc />
    public override string Describe(Schema input) => Name;
}

/// <summary>A constant (CLR value as <see cref="ColumnVector.GetValue"/> returns; null is SQL NULL).</summary>
public sealed record BoundLiteral(object? Value, DataType LiteralType) : BoundExpr(LiteralType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => [];
    /// <inheritdoc />
    public override string Describe(Schema input) => Value switch
    {
        null => "NULL",
        string s => $"'{s}'",
        DateOnly d => $"DATE '{ValueConversions.Format(d)}'",
        DateTime t => $"TIMESTAMP '{ValueConversions.Format(t)}'",
        _ => ValueConversions.Format(Value),
    };
}

/// <summary>left op right with result type <see cref="BoundExpr.Type"/>.</summary>
public sealed record BoundBinary(BinaryOp Op, BoundExpr Left, BoundExpr Right, DataType ResultType) : BoundExpr(ResultType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => [Left, Right];
    /// <inheritdoc />
    public override string Describe(Schema input) => $"({Left.Describe(input)} {BinaryExpr.Symbol(Op)} {Right.Describe(input)})";
}

/// <summary>op child.</summary>
public sealed record BoundUnary(UnaryOp Op, BoundExpr Child, DataType ResultType) : BoundExpr(ResultType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => [Child];
    /// <inheritdoc />
    public override string Describe(Schema input) => Op switch
    {
        UnaryOp.Not => $"NOT {Child.Describe(input)}",
        UnaryOp.Negate => $"-{Child.Describe(input)}",
        UnaryOp.IsNull => $"{Child.Describe(input)} IS NULL",
        _ => $"{Child.Describe(input)} IS NOT NULL",
    };
}

/// <summary>value [NOT] IN (list); list items share the value's type.</summary>
public sealed record BoundIn(BoundExpr Value, IReadOnlyList<BoundExpr> List, bool Negated) : BoundExpr(DataType.Boolean)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => List.Prepend(Value);
    /// <inheritdoc />
    public override string Describe(Schema input) => $"{Value.Describe(input)}{(Negated ? " NOT" : "")} IN ({string.Join(", ", List.Select(e => e.Describe(input)))})";
}

/// <summary>CASE WHEN ... THEN ... ELSE ... END; every THEN/ELSE has the result type.</summary>
public sealed record BoundCase(IReadOnlyList<(BoundExpr When, BoundExpr Then)> Branches, BoundExpr? Else, DataType ResultType) : BoundExpr(ResultType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => Branches.SelectMany(b => new[] { b.When, b.Then }).Concat(Else is null ? [] : [Else]);
    /// <inheritdoc />
    public override string Describe(Schema input) =>
        "CASE " + string.Join(" ", Branches.Select(b => $"WHEN {b.When.Describe(input)} THEN {b.Then.Describe(input)}")) + (Else is null ? "" : $" ELSE {Else.Describe(input)}") + " END";
}

/// <summary>CAST(child AS Type), Spark non-ANSI (failures give NULL).</summary>
public sealed record BoundCast(BoundExpr Child, DataType TargetType) : BoundExpr(TargetType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => [Child];
    /// <inheritdoc />
    public override string Describe(Schema input) => $"CAST({Child.Describe(input)} AS {TargetType.SqlName})";
}

/// <summary>A scalar function, by lower-case Spark name, with arguments already coerced.</summary>
public sealed record BoundFunction(string Name, IReadOnlyList<BoundExpr> Args, DataType ResultType) : BoundExpr(ResultType)
{
    /// <inheritdoc />
    public override IEnumerable<BoundExpr> Children => Args;
    /// <inheritdoc />
    public override string Describe(Schema input) => $"{Name}({string.Join(", ", Args.Select(a => a.Describe(input)))})";
}

/// <summary>Tree rewrites over bound expressions.</summary>
public static class BoundExprRewrite
{
    /// <summary>The tree with every column reference replaced by <paramref name="map"/>'s result (the rest rebuilt as is).</summary>
    public static BoundExpr MapColumns(this BoundExpr e, Func<BoundColumn, BoundExpr> map) => e switch
    {
        BoundColumn c => map(c),
        BoundLiteral => e,
        BoundBinary b => b with { Left = b.Left.MapColumns(map), Right = b.Right.MapColumns(map) },
        BoundUnary u => u with { Child = u.Child.MapColumns(map) },
        BoundIn i => i with { Value = i.Value.MapColumns(map), List = i.List.Select(x => x.MapColumns(map)).ToArray() },
        BoundCase k => k with
        {
            Branches = k.Branches.Select(br => (br.When.MapColumns(map), br.Then.MapColumns(map))).ToArray(),
            Else = k.Else?.MapColumns(map),
        },
        BoundCast c => c with { Child = c.Child.MapColumns(map) },
        BoundFunction f => f with { Args = f.Args.Select(x => x.MapColumns(map)).ToArray() },
        _ => throw new AccelException($"cannot rewrite a {e.GetType().Name}"),
    };
}
