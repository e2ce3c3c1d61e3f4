using Accel.Data;

namespace Accel.Expressions;

/// <summary>Spark's implicit type coercion and result-type rules (non-ANSI), in one place. Decimal
/// precision is capped at 18 (decimals are stored as scaled int64), using Spark's precision-loss
/// adjustment: keep the integral digits and at least min(scale, 6) fractional digits.</summary>
public static class Coercion
{
    private static int NumericRank(TypeId id) => id switch
    {
        TypeId.Int32 => 1,
        TypeId.Int64 => 2,
        TypeId.Decimal => 3,
        TypeId.Float32 => 4,
        TypeId.Float64 => 5,
        _ => 0,
    };

    /// <summary>The decimal type an integral type widens to (int: decimal(10,0), bigint: decimal(18,0) here).</summary>
    public static DataType AsDecimal(DataType t) => t.Id switch
    {
        TypeId.Int32 => DataType.Decimal(10, 0),
        TypeId.Int64 => DataType.Decimal(18, 0),
        TypeId.Decimal => t,
        _ => throw new AccelException($"{t} has no decimal form"),
    };

    /// <summary>The type two operands are widened to, or an error naming both.</summary>
    public static DataType CommonType(DataType a, DataType b)
    {
        if (a == b) return a;
        if (a.Id == TypeId.Null) return b;
        if (b.Id == TypeId.Null) return a;
        if (a.IsNumeric && b.IsNumeric)
        {
            if (a.Id == TypeId.Decimal || b.Id == TypeId.Decimal)
            {
                if (a.IsFloating || b.IsFloating) return DataType.Float64;
                var da = AsDecimal(a);
                var db = AsDecimal(b);
                int scale = Math.Max(da.Scale, db.Scale);
                int intDigits = Math.Max(da.Precision - da.Scale, db.Precision - db.Scale);
                return Bounded(intDigits + scale, scale);
            }
            return NumericRank(a.Id) >= NumericRank(b.Id) ? a : b;
        }
        if ((a.Id, b.Id) is (TypeId.Date32, TypeId.Timestamp) or (TypeId.Timestamp, TypeId.Date32)) return DataType.Timestamp;
        if (a.Id == TypeId.Utf8 && b.Id is TypeId.Date32 or TypeId.Timestamp) return b;
        if (b.Id == TypeId.Utf8 && a.Id is TypeId.Date32 or TypeId.Timestamp) return a;
        if (a.Id == TypeId.Utf8 && b.IsNumeric) return b.Id == TypeId.Decimal ? DataType.Float64 : WidenForString(b);
        if (b.Id == TypeId.Utf8 && a.IsNumeric) return a.Id == TypeId.Decimal ? DataType.Float64 : WidenForString(a);
        if (a.Id == TypeId.Array && b.Id == TypeId.Array) return DataType.ArrayOf(CommonType(a.Element!, b.Element!));
        throw new AccelException($"cannot resolve a common type for {a} and {b}: they are incompatible");
    }

    // Spark compares a string with an integral as bigint and with a fractional as double.
    private static DataType WidenForString(DataType numeric) => numeric.IsIntegral ? DataType.Int64 : DataType.Float64;

    /// <summary>decimal(p,s) adjusted to the 18-digit limit the way Spark adjusts to 38.</summary>
    public static DataType Bounded(int precision, int scale)
    {
        if (precision <= DataType.MaxDecimalPrecision) return DataType.Decimal(Math.Max(precision, 1), scale);
        int intDigits = precision - scale;
        int minScale = Math.Min(scale, 6);
        int adjusted = Math.Max(DataType.MaxDecimalPrecision - intDigits, minScale);
        return DataType.Decimal(DataType.MaxDecimalPrecision, Math.Min(adjusted, DataType.MaxDecimalPrecision));
    }

    /// <summary>Result type of decimal arithmetic (Spark's DecimalPrecision rules, bounded to 18 digits).</summary>
    public static DataType DecimalResult(BinaryOp op, DataType a, DataType b)
    {
        int p1 = a.Precision, s1 = a.Scale, p2 = b.Precision, s2 = b.Scale;
        return op switch
        {
            BinaryOp.Add or BinaryOp.Subtract => Bounded(Math.Max(p1 - s1, p2 - s2) + Math.Max(s1, s2) + 1, Math.Max(s1, s2)),
            BinaryOp.Multiply => Bounded(p1 + p2 + 1, s1 + s2),
            BinaryOp.Divide => Bounded(p1 - s1 + s2 + Math.Max(6, s1 + p2 + 1), Math.Max(6, s1 + p2 + 1)),
            BinaryOp.Modulo => Bounded(Math.Min(p1 - s1, p2 - s2) + Math.Max(s1, s2), Math.Max(s1, s2)),
            _ => throw new ArgumentOutOfRangeException(nameof(op)),
        };
    }

    /// <summary>Whether a value of <paramref name="from"/> can be CAST to <paramref name="to"/>.</summary>
    public static bool CanCast(DataType from, DataType to)
    {
        if (from == to || from.Id == TypeId.Null) return true;
        if (to.Id == TypeId.Utf8) return from.Id != TypeId.Array;
        if (from.Id == TypeId.Array || to.Id == TypeId.Array) return from.Id == to.Id && CanCast(from.Element!, to.Element!);
        bool fromNumLike = from.IsNumeric || from.Id == TypeId.Boolean;
        bool toNumLike = to.IsNumeric || to.Id == TypeId.Boolean;
        if (fromNumLike && toNumLike) return true;
        if (from.Id == TypeId.Utf8) return true;
        if (from.Id is TypeId.Date32 or TypeId.Timestamp && to.Id is TypeId.Date32 or TypeId.Timestamp) return true;
        if (from.Id == TypeId.Timestamp && to.IsNumeric) return true;
        if (from.IsNumeric && to.Id == TypeId.Timestamp) return true;
        return false;
    }
}
