using System.Numerics;
using Accel.Data;
using Accel.Semantics;

namespace Accel.Expressions;

/// <summary>Arithmetic over columns with Spark's non-ANSI semantics: integers wrap, division/remainder by
/// zero is NULL, decimals are exact and NULL when the result does not fit its precision.</summary>
public static class Arithmetic
{
    /// <summary>left op right, operands already coerced by the binder.</summary>
    public static ColumnVector Evaluate(BinaryOp op, ColumnVector left, ColumnVector right, DataType resultType)
    {
        if (resultType.Id == TypeId.Decimal) return DecimalOp(op, left, right, resultType);
        return (left, right) switch
        {
            (PrimitiveVector<int> a, PrimitiveVector<int> b) => Numeric(op, a, b, resultType),
            (PrimitiveVector<long> a, PrimitiveVector<long> b) => Numeric(op, a, b, resultType),
            (PrimitiveVector<float> a, PrimitiveVector<float> b) => Numeric(op, a, b, resultType),
            (PrimitiveVector<double> a, PrimitiveVector<double> b) => Numeric(op, a, b, resultType),
            _ => throw new AccelException($"arithmetic {op} is not defined for {left.Type} and {right.Type}"),
        };
    }

    private static ColumnVector Numeric<T>(BinaryOp op, PrimitiveVector<T> a, PrimitiveVector<T> b, DataType type)
        where T : unmanaged, INumber<T>, IMinMaxValue<T>
    {
        int n = a.Length;
        var r = new T[n];
        var validity = ValidityBitmap.And(a.Validity, b.Validity);
        switch (op)
        {
            case BinaryOp.Add: Loop<T, AddOp<T>>(a.Values, b.Values, r); break;
            case BinaryOp.Subtract: Loop<T, SubtractOp<T>>(a.Values, b.Values, r); break;
            case BinaryOp.Multiply: Loop<T, MultiplyOp<T>>(a.Values, b.Values, r); break;
            case BinaryOp.Divide or BinaryOp.Modulo or BinaryOp.IntDivide:
            {
                bool[]? valid = null;
                for (int i = 0; i < n; i++)
                {
                    T x = a.Values[i], y = b.Values[i];
                    if (T.IsZero(y))
                    {
                        valid ??= Flags(validity, n);
                        valid[i] = false;
                        continue;
                    }
                    r[i] = DivRem(op == BinaryOp.Modulo, x, y);
                }
                if (valid is not null) validity = ValidityBitmap.FromFlags(valid);
                break;
            }
            default:
                throw new AccelException($"{op} is not an arithmetic operator");
        }
        return new PrimitiveVector<T>(type, r, validity);
    }

    /// <summary>x % y (<paramref name="remainder"/>) or x div y for a non-zero y, as Spark computes them: the remainder
    /// takes the dividend's sign, integer division truncates toward zero, MinValue div -1 wraps to MinValue and x % -1
    /// is 0 (both overflow a machine division).</summary>
    public static T DivRem<T>(bool remainder, T x, T y) where T : INumber<T>
    {
        if ((typeof(T) == typeof(int) || typeof(T) == typeof(long)) && y == -T.One) return remainder ? T.Zero : unchecked(T.Zero - x);
        return remainder ? x % y : x / y;
    }

    private static bool[] Flags(ValidityBitmap? validity, int n)
    {
        var f = new bool[n];
        for (int i = 0; i < n; i++) f[i] = validity is null || validity.IsValid(i);
        return f;
    }

    private static void Loop<T, TOp>(T[] a, T[] b, T[] r) where T : unmanaged, INumber<T> where TOp : IBinaryOperator<T>
    {
        for (int i = 0; i < r.Length; i++) r[i] = TOp.Invoke(a[i], b[i]);
    }

    private static ColumnVector DecimalOp(BinaryOp op, ColumnVector left, ColumnVector right, DataType type)
    {
        var a = (PrimitiveVector<long>)left;
        var b = (PrimitiveVector<long>)right;
        int sa = left.Type.Scale, sb = right.Type.Scale;
        var builder = new PrimitiveColumnBuilder<long>(type, a.Length);
        for (int i = 0; i < a.Length; i++)
        {
            if (a.IsNull(i) || b.IsNull(i)) { builder.AppendNull(); continue; }
            long? scaled = DecimalValue(op, a.Values[i], sa, b.Values[i], sb, type);
            if (scaled is null) builder.AppendNull(); else builder.AppendValue(scaled.Value);
        }
        return builder.Build();
    }

    /// <summary>One decimal operation on scaled values, exact in System.Decimal, rounded half away from zero to the
    /// result's scale; NULL for a zero divisor or a result with more digits than the result's precision (however many).</summary>
    public static long? DecimalValue(BinaryOp op, long a, int sa, long b, int sb, DataType type)
    {
        decimal x = ValueConversions.ToDecimal(a, sa), y = ValueConversions.ToDecimal(b, sb);
        decimal? r;
        try
        {
            r = op switch
            {
                BinaryOp.Add => x + y,
                BinaryOp.Subtract => x - y,
                BinaryOp.Multiply => x * y,
                BinaryOp.Divide => y == 0 ? null : x / y,
                BinaryOp.Modulo => y == 0 ? null : x % y,
                _ => throw new AccelException($"{op} is not defined for decimals"),
            };
        }
        catch (OverflowException)
        {
            // Past System.Decimal's 28 digits, so far past any 18-digit result: NULL, as Spark's overflow without ANSI mode.
            return null;
        }
        return r is null ? null : ValueConversions.FromDecimal(r.Value, type.Precision, type.Scale);
    }

    /// <summary>Unary minus (integers wrap: -MinValue is MinValue).</summary>
    public static ColumnVector Negate(ColumnVector c) => c switch
    {
        PrimitiveVector<int> v => new PrimitiveVector<int>(c.Type, v.Span.ToArray().Select(x => unchecked(-x)).ToArray(), c.Validity),
        PrimitiveVector<long> v => new PrimitiveVector<long>(c.Type, v.Span.ToArray().Select(x => unchecked(-x)).ToArray(), c.Validity),
        PrimitiveVector<float> v => new PrimitiveVector<float>(c.Type, v.Span.ToArray().Select(x => -x).ToArray(), c.Validity),
        PrimitiveVector<double> v => new PrimitiveVector<double>(c.Type, v.Span.ToArray().Select(x => -x).ToArray(), c.Validity),
        _ => throw new AccelException($"cannot negate {c.Type}"),
    };
}
