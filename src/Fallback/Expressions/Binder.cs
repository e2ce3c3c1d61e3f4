using Accel.Data;

namespace Accel.Expressions;

/// <summary>Resolves an <see cref="Expr"/> against an input schema into a typed <see cref="BoundExpr"/>,
/// inserting Spark's implicit casts so that evaluators never coerce at run time.</summary>
public static class Binder
{
    /// <summary>Binds <paramref name="expr"/> over <paramref name="input"/>.</summary>
    public static BoundExpr Bind(Expr expr, Schema input) => expr switch
    {
        ColumnRef c => BindColumn(c, input),
        Literal l => new BoundLiteral(l.Value, l.Type),
        AliasExpr a => Bind(a.Child, input),
        SortOrder s => Bind(s.Child, input),
        BinaryExpr b => BindBinary(b, input),
        UnaryExpr u => BindUnary(u, input),
        InExpr i => BindIn(i, input),
        CaseWhenExpr c => BindCase(c, input),
        CastExpr c => BindCast(c, input),
        FunctionCall f => FunctionCatalog.Bind(f.Name.ToLowerInvariant(), f.Args.Select(a => Bind(a, input)).ToArray(), f),
        OuterRef o => new BoundLiteral(null, o.Type),
        AggregateExpr a => throw new AccelException($"aggregate function {a.DisplayName} is only allowed in an aggregation (GroupBy(..).Agg(..) or a global Agg(..))"),
        _ => throw new AccelException($"unsupported expression {expr.DisplayName}"),
    };

    private static BoundExpr BindColumn(ColumnRef c, Schema input)
    {
        int i = c.Id != 0 ? input.IndexOfId(c.Id) : -1;
        if (i < 0 && c.Id != 0 && input.Fields.Count(f => string.Equals(f.Name, c.Name, StringComparison.OrdinalIgnoreCase)) == 1)
            throw new AccelException($"column '{c.Name}' of another DataFrame cannot be resolved here; available columns: [{string.Join(", ", input.Fields.Select(f => f.Name))}]");
        if (i < 0) i = input.IndexOf(c.Name);
        if (i < 0) throw new AccelException($"column '{c.Name}' does not exist; available columns: [{string.Join(", ", input.Fields.Select(f => f.Name))}]");
        return new BoundColumn(i, input[i].Type, input[i].Name);
    }

    /// <summary>Wraps <paramref name="e"/> in a cast to <paramref name="to"/> unless it already has that type
    /// (a NULL literal simply takes the type).</summary>
    public static BoundExpr CastTo(BoundExpr e, DataType to)
    {
        if (e.Type == to) return e;
        if (e is BoundLiteral { Value: null }) return new BoundLiteral(null, to);
        if (!Coercion.CanCast(e.Type, to)) throw new AccelException($"cannot cast {e.Type} to {to}");
        // Folding casts of constants keeps "column op literal" shapes that the SIMD and GPU paths recognise.
        if (e is BoundLiteral lit && lit.Type.Id != TypeId.Array) return new BoundLiteral(CastKernels.CastValue(lit.Value, lit.Type, to), to);
        return new BoundCast(e, to);
    }

    private static BoundExpr BindBinary(BinaryExpr b, Schema input)
    {
        var l = Bind(b.Left, input);
        var r = Bind(b.Right, input);
        switch (b.Op)
        {
            case BinaryOp.And or BinaryOp.Or:
                return new BoundBinary(b.Op, RequireBoolean(l, b), RequireBoolean(r, b), DataType.Boolean);
            case BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan or BinaryOp.LessThanOrEqual
                or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual or BinaryOp.EqualNullSafe:
            {
                var t = ComparisonType(l.Type, r.Type, b);
                return new BoundBinary(b.Op, CastTo(l, t), CastTo(r, t), DataType.Boolean);
            }
            default:
                return BindArithmetic(b, l, r);
        }
    }

    private static DataType ComparisonType(DataType a, DataType b, Expr where)
    {
        if (a.Id == TypeId.Boolean && b.Id == TypeId.Boolean) return a;
        if (a.Id == TypeId.Utf8 && b.Id == TypeId.Utf8) return a;
        try
        {
            var t = Coercion.CommonType(a, b);
            if (t.Id == TypeId.Array) throw new AccelException("arrays are not comparable");
            return t.Id == TypeId.Null ? DataType.Boolean : t;
        }
        catch (AccelException)
        {
            throw new AccelException($"cannot compare {a} with {b} in '{where.DisplayName}'");
        }
    }

    private static BoundExpr BindArithmetic(BinaryExpr b, BoundExpr l, BoundExpr r)
    {
        // date +/- integer is date_add/date_sub, as in Spark.
        if (l.Type.Id == TypeId.Date32 && r.Type.IsIntegral && b.Op is BinaryOp.Add or BinaryOp.Subtract)
            return FunctionCatalog.Bind(b.Op == BinaryOp.Add ? "date_add" : "date_sub", [l, r], b);
        // Strings in arithmetic are read as doubles (Spark's implicit cast).
        if (l.Type.Id == TypeId.Utf8) l = CastTo(l, DataType.Float64);
        if (r.Type.Id == TypeId.Utf8) r = CastTo(r, DataType.Float64);
        if (l.Type.Id == TypeId.Null && r.Type.Id == TypeId.Null) { l = CastTo(l, DataType.Int32); r = CastTo(r, DataType.Int32); }
        if (l.Type.Id == TypeId.Null) l = CastTo(l, r.Type);
        if (r.Type.Id == TypeId.Null) r = CastTo(r, l.Type);
        if (!l.Type.IsNumeric || !r.Type.IsNumeric)
            throw new AccelException($"'{b.DisplayName}' needs numeric operands, but got {l.Type} and {r.Type}");

        if (b.Op == BinaryOp.IntDivide)
        {
            if (l.Type.IsFloating || r.Type.IsFloating || l.Type.Id == TypeId.Decimal || r.Type.Id == TypeId.Decimal)
                throw new AccelException($"'div' needs integral operands, but got {l.Type} and {r.Type}");
            return new BoundBinary(b.Op, CastTo(l, DataType.Int64), CastTo(r, DataType.Int64), DataType.Int64);
        }
        var common = Coercion.CommonType(l.Type, r.Type);
        if (common.Id == TypeId.Decimal)
        {
            // Operands keep their own scale; the result type follows Spark's decimal rules.
            var dl = CastTo(l, Coercion.AsDecimal(l.Type));
            var dr = CastTo(r, Coercion.AsDecimal(r.Type));
            return new BoundBinary(b.Op, dl, dr, Coercion.DecimalResult(b.Op, dl.Type, dr.Type));
        }
        if (b.Op == BinaryOp.Divide)
            return new BoundBinary(b.Op, CastTo(l, DataType.Float64), CastTo(r, DataType.Float64), DataType.Float64);
        return new BoundBinary(b.Op, CastTo(l, common), CastTo(r, common), common);
    }

    private static BoundExpr RequireBoolean(BoundExpr e, Expr where)
    {
        if (e.Type.Id == TypeId.Null) return CastTo(e, DataType.Boolean);
        if (e.Type.Id != TypeId.Boolean) throw new AccelException($"'{where.DisplayName}' needs boolean operands, but got {e.Type}");
        return e;
    }

    private static BoundExpr BindUnary(UnaryExpr u, Schema input)
    {
        var c = Bind(u.Child, input);
        return u.Op switch
        {
            UnaryOp.Not => new BoundUnary(UnaryOp.Not, RequireBoolean(c, u), DataType.Boolean),
            UnaryOp.IsNull or UnaryOp.IsNotNull => new BoundUnary(u.Op, c, DataType.Boolean),
            UnaryOp.Negate when c.Type.Id == TypeId.Utf8 => new BoundUnary(u.Op, CastTo(c, DataType.Float64), DataType.Float64),
            UnaryOp.Negate when c.Type.IsNumeric => new BoundUnary(u.Op, c, c.Type),
            UnaryOp.Negate when c.Type.Id == TypeId.Null => new BoundUnary(u.Op, CastTo(c, DataType.Int32), DataType.Int32),
            _ => throw new AccelException($"'{u.DisplayName}' needs a numeric operand, but got {c.Type}"),
        };
    }

    private static BoundExpr BindIn(InExpr i, Schema input)
    {
        var v = Bind(i.Value, input);
        var items = i.List.Select(x => Bind(x, input)).ToArray();
        var t = items.Aggregate(v.Type, (acc, x) => ComparisonType(acc, x.Type, i));
        return new BoundIn(CastTo(v, t), items.Select(x => CastTo(x, t)).ToArray(), i.Negated);
    }

    private static BoundExpr BindCase(CaseWhenExpr c, Schema input)
    {
        var whens = c.Branches.Select(b => RequireBoolean(Bind(b.When, input), c)).ToArray();
        var thens = c.Branches.Select(b => Bind(b.Then, input)).ToArray();
        var otherwise = c.Else is null ? null : Bind(c.Else, input);
        var t = thens.Select(x => x.Type).Concat(otherwise is null ? [] : [otherwise.Type]).Aggregate(Coercion.CommonType);
        if (t.Id == TypeId.Null) t = DataType.Int32;
        return new BoundCase(whens.Select((w, k) => (w, CastTo(thens[k], t))).ToArray(), otherwise is null ? null : CastTo(otherwise, t), t);
    }

    private static BoundExpr BindCast(CastExpr c, Schema input)
    {
        var child = Bind(c.Child, input);
        if (!Coercion.CanCast(child.Type, c.To)) throw new AccelException($"cannot cast {child.Type} to {c.To} in '{c.DisplayName}'");
        return CastTo(child, c.To);
    }
}
