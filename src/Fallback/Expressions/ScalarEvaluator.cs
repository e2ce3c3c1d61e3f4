using System.Numerics;
using Accel.Data;
using Accel.Semantics;

namespace Accel.Expressions;

/// <summary>The scalar reference evaluator: evaluates a bound expression column-at-a-time over the live
/// rows of a batch (one output value per live row, in selection order). Every SIMD and GPU kernel must
/// produce exactly what this produces. It never throws on data: Spark's non-ANSI mode turns division by
/// zero, overflowing decimals and unparsable casts into NULL.</summary>
public static class ScalarEvaluator
{
    /// <summary>Evaluates <paramref name="expr"/> over the live rows of <paramref name="batch"/>.</summary>
    public static ColumnVector Evaluate(BoundExpr expr, ColumnBatch batch) => expr switch
    {
        BoundColumn c => batch.Selection is null ? batch[c.Ordinal] : batch[c.Ordinal].Gather(batch.Selection),
        BoundLiteral l => Constant(l.Type, l.Value, batch.RowCount),
        BoundBinary b => EvaluateBinary(b, batch),
        BoundUnary u => EvaluateUnary(u, Evaluate(u.Child, batch)),
        BoundIn i => EvaluateIn(i, batch),
        BoundCase c => EvaluateCase(c, batch),
        BoundCast c => CastKernels.Cast(Evaluate(c.Child, batch), c.Type),
        BoundFunction f => FunctionCatalog.Evaluate(f, f.Args.Select(a => Evaluate(a, batch)).ToArray(), batch.RowCount),
        _ => throw new AccelException($"the scalar evaluator cannot evaluate {expr.GetType().Name}"),
    };

    /// <summary>A column of <paramref name="rows"/> copies of one value.</summary>
    public static ColumnVector Constant(DataType type, object? value, int rows)
    {
        if (value is null) return ColumnVector.Nulls(type.Id == TypeId.Null ? DataType.Int32 : type, rows);
        switch (type.Id)
        {
            case TypeId.Boolean: return Fill(type, (bool)PrimitiveColumnBuilder<bool>.ConvertToStorage(type, value), rows);
            case TypeId.Int32 or TypeId.Date32: return Fill(type, (int)PrimitiveColumnBuilder<int>.ConvertToStorage(type, value), rows);
            case TypeId.Int64 or TypeId.Decimal or TypeId.Timestamp: return Fill(type, (long)PrimitiveColumnBuilder<long>.ConvertToStorage(type, value), rows);
            case TypeId.Float32: return Fill(type, (float)PrimitiveColumnBuilder<float>.ConvertToStorage(type, value), rows);
            case TypeId.Float64: return Fill(type, (double)PrimitiveColumnBuilder<double>.ConvertToStorage(type, value), rows);
            default:
                var b = ColumnBuilder.Create(type, rows);
                for (int i = 0; i < rows; i++) b.Append(value);
                return b.Build();
        }
    }

    private static PrimitiveVector<T> Fill<T>(DataType type, T value, int rows) where T : unmanaged
    {
        var a = new T[rows];
        Array.Fill(a, value);
        return new PrimitiveVector<T>(type, a);
    }

    // ---------------- binary ----------------

    private static ColumnVector EvaluateBinary(BoundBinary b, ColumnBatch batch)
    {
        var l = Evaluate(b.Left, batch);
        var r = Evaluate(b.Right, batch);
        return b.Op switch
        {
            BinaryOp.And => Logic.And(l, r),
            BinaryOp.Or => Logic.Or(l, r),
            BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan or BinaryOp.LessThanOrEqual
                or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual => Comparisons.Compare(b.Op, l, r),
            BinaryOp.EqualNullSafe => Comparisons.EqualNullSafe(l, r),
            _ => Arithmetic.Evaluate(b.Op, l, r, b.Type),
        };
    }

    private static ColumnVector EvaluateUnary(BoundUnary u, ColumnVector c)
    {
        switch (u.Op)
        {
            case UnaryOp.Not:
            {
                var v = (PrimitiveVector<bool>)c;
                var r = new bool[c.Length];
                for (int i = 0; i < r.Length; i++) r[i] = !v.Values[i];
                return new PrimitiveVector<bool>(DataType.Boolean, r, c.Validity);
            }
            case UnaryOp.IsNull or UnaryOp.IsNotNull:
            {
                var r = new bool[c.Length];
                bool wantNull = u.Op == UnaryOp.IsNull;
                for (int i = 0; i < r.Length; i++) r[i] = c.IsNull(i) == wantNull;
                return new PrimitiveVector<bool>(DataType.Boolean, r);
            }
            default:
                return Arithmetic.Negate(c);
        }
    }

    private static ColumnVector EvaluateIn(BoundIn i, ColumnBatch batch)
    {
        var v = Evaluate(i.Value, batch);
        // v IN (a, b) is v = a OR v = b under three-valued logic: NULL when no item matches and any side is NULL.
        ColumnVector result = Constant(DataType.Boolean, false, v.Length);
        foreach (var item in i.List)
            result = Logic.Or(result, Comparisons.Compare(BinaryOp.Equal, v, Evaluate(item, batch)));
        return i.Negated ? EvaluateUnary(new BoundUnary(UnaryOp.Not, i, DataType.Boolean), result) : result;
    }

    private static ColumnVector EvaluateCase(BoundCase c, ColumnBatch batch)
    {
        int n = batch.RowCount;
        var choice = new int[n];
        Array.Fill(choice, -1);
        int open = n;
        for (int k = 0; k < c.Branches.Count && open > 0; k++)
        {
            var cond = (PrimitiveVector<bool>)Evaluate(c.Branches[k].When, batch);
            for (int i = 0; i < n; i++)
                if (choice[i] < 0 && !cond.IsNull(i) && cond.Values[i]) { choice[i] = k; open--; }
        }
        var values = c.Branches.Select(b => Evaluate(b.Then, batch)).ToList();
        var otherwise = c.Else is null ? null : Evaluate(c.Else, batch);
        var builder = ColumnBuilder.Create(c.Type, n);
        for (int i = 0; i < n; i++)
        {
            var src = choice[i] >= 0 ? values[choice[i]] : otherwise;
            if (src is null) builder.AppendNull();
            else builder.AppendRange(src, i, 1);
        }
        return builder.Build();
    }
}

/// <summary>Three-valued AND/OR over boolean columns.</summary>
public static class Logic
{
    /// <summary>FALSE if either side is FALSE; else NULL if either is NULL; else TRUE.</summary>
    public static ColumnVector And(ColumnVector left, ColumnVector right) => Combine(left, right, isAnd: true);

    /// <summary>TRUE if either side is TRUE; else NULL if either is NULL; else FALSE.</summary>
    public static ColumnVector Or(ColumnVector left, ColumnVector right) => Combine(left, right, isAnd: false);

    private static ColumnVector Combine(ColumnVector left, ColumnVector right, bool isAnd)
    {
        var l = (PrimitiveVector<bool>)left;
        var r = (PrimitiveVector<bool>)right;
        int n = l.Length;
        var values = new bool[n];
        if (l.Validity is null && r.Validity is null)
        {
            for (int i = 0; i < n; i++) values[i] = isAnd ? l.Values[i] & r.Values[i] : l.Values[i] | r.Values[i];
            return new PrimitiveVector<bool>(DataType.Boolean, values);
        }
        var valid = new bool[n];
        for (int i = 0; i < n; i++)
        {
            bool ln = l.IsNull(i), rn = r.IsNull(i);
            bool lv = l.Values[i], rv = r.Values[i];
            // The dominant value (FALSE for AND, TRUE for OR) decides even against NULL.
            bool dominant = !isAnd;
            if ((!ln && lv == dominant) || (!rn && rv == dominant)) { values[i] = dominant; valid[i] = true; }
            else if (ln || rn) valid[i] = false;
            else { values[i] = !dominant; valid[i] = true; }
        }
        return new PrimitiveVector<bool>(DataType.Boolean, values, ValidityBitmap.FromFlags(valid));
    }
}

/// <summary>Comparisons with Spark's semantics (NaN = NaN, NaN above all numbers; strings by UTF-8 bytes).</summary>
public static class Comparisons
{
    /// <summary>left op right over two columns of one type; NULL if either side is NULL.</summary>
    public static ColumnVector Compare(BinaryOp op, ColumnVector left, ColumnVector right)
    {
        var validity = ValidityBitmap.And(left.Validity, right.Validity);
        var result = new bool[left.Length];
        switch (left)
        {
            case PrimitiveVector<int> a: Dispatch(op, a.Values, ((PrimitiveVector<int>)right).Values, result); break;
            case PrimitiveVector<long> a: Dispatch(op, a.Values, ((PrimitiveVector<long>)right).Values, result); break;
            case PrimitiveVector<double> a: Dispatch(op, a.Values, ((PrimitiveVector<double>)right).Values, result); break;
            case PrimitiveVector<float> a: Dispatch(op, a.Values, ((PrimitiveVector<float>)right).Values, result); break;
            case PrimitiveVector<bool> a:
            {
                var b = (PrimitiveVector<bool>)right;
                for (int i = 0; i < result.Length; i++) result[i] = Holds(op, a.Values[i].CompareTo(b.Values[i]));
                break;
            }
            case StringVector a:
            {
                var b = (StringVector)right;
                for (int i = 0; i < result.Length; i++) result[i] = Holds(op, a.GetBytes(i).SequenceCompareTo(b.GetBytes(i)));
                break;
            }
            default:
                throw new AccelException($"cannot compare values of type {left.Type}");
        }
        return new PrimitiveVector<bool>(DataType.Boolean, result, validity);
    }

    /// <summary>NULL-safe equality: TRUE when both are NULL, FALSE when one is.</summary>
    public static ColumnVector EqualNullSafe(ColumnVector left, ColumnVector right)
    {
        var eq = (PrimitiveVector<bool>)Compare(BinaryOp.Equal, left, right);
        var r = new bool[left.Length];
        for (int i = 0; i < r.Length; i++)
        {
            bool ln = left.IsNull(i), rn = right.IsNull(i);
            r[i] = ln || rn ? ln && rn : eq.Values[i];
        }
        return new PrimitiveVector<bool>(DataType.Boolean, r);
    }

    private static bool Holds(BinaryOp op, int cmp) => op switch
    {
        BinaryOp.Equal => cmp == 0,
        BinaryOp.NotEqual => cmp != 0,
        BinaryOp.LessThan => cmp < 0,
        BinaryOp.LessThanOrEqual => cmp <= 0,
        BinaryOp.GreaterThan => cmp > 0,
        _ => cmp >= 0,
    };

    private static void Dispatch<T>(BinaryOp op, T[] a, T[] b, bool[] r) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Equal: Loop<T, EqualOp<T>>(a, b, r); break;
            case BinaryOp.NotEqual: Loop<T, NotEqualOp<T>>(a, b, r); break;
            case BinaryOp.LessThan: Loop<T, LessThanOp<T>>(a, b, r); break;
            case BinaryOp.LessThanOrEqual: Loop<T, LessThanOrEqualOp<T>>(a, b, r); break;
            case BinaryOp.GreaterThan: Loop<T, GreaterThanOp<T>>(a, b, r); break;
            default: Loop<T, GreaterThanOrEqualOp<T>>(a, b, r); break;
        }
    }

    private static void Loop<T, TOp>(T[] a, T[] b, bool[] r) where T : unmanaged, INumber<T> where TOp : IComparisonOperator<T>
    {
        for (int i = 0; i < r.Length; i++) r[i] = TOp.Invoke(a[i], b[i]);
    }

    /// <summary>Spark's ordering of two doubles: NaN equals NaN and sorts above everything; -0.0 equals 0.0.</summary>
    public static int CompareDouble(double a, double b)
    {
        bool an = double.IsNaN(a), bn = double.IsNaN(b);
        if (an || bn) return an && bn ? 0 : an ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }
}
