using Accel.Data;
using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>Resolution helpers shared by the logical nodes.</summary>
public static class Analyzer
{
    /// <summary>Resolves a condition and checks that it is boolean.</summary>
    public static Expr CheckBoolean(Expr condition, Schema input)
    {
        var bound = Binder.Bind(condition, input);
        if (bound.Type.Id is not (TypeId.Boolean or TypeId.Null))
            throw new AccelException($"filter/join condition '{condition.DisplayName}' must be boolean, but it is {bound.Type}");
        return condition;
    }

    /// <summary>The schema of a projection: names from aliases or columns, types from binding; a plain
    /// column keeps its attribute id so df["x"] still resolves downstream.</summary>
    public static Schema ProjectSchema(IReadOnlyList<Expr> exprs, Schema input)
    {
        var fields = new List<Field>(exprs.Count);
        foreach (var e in exprs)
        {
            if (ExprTransform.Nodes(e).OfType<AggregateExpr>().FirstOrDefault() is { } agg)
                throw new AccelException($"aggregate function {agg.DisplayName} is only allowed in GroupBy(..).Agg(..) or a global Agg(..)");
            var bound = Binder.Bind(e, input);
            var name = ExprTransform.OutputName(e);
            bool nullable = bound.Type.Id == TypeId.Null || bound.Descendants().Any(d => d is not BoundColumn c || input[c.Ordinal].Nullable);
            fields.Add(e is ColumnRef && bound is BoundColumn col
                ? input[col.Ordinal] with { Name = name }
                : new Field(name, bound.Type.Id == TypeId.Null ? DataType.Int32 : bound.Type, nullable, Field.NewId()));
        }
        return new Schema(fields);
    }
}
