using Accel.Data;
using Accel.Expressions;

namespace Accel.Kernels;

/// <summary>Opcodes of the postfix programs the evaluation kernel interprets. Every integer family value
/// (int, bigint, date, timestamp, scaled decimal) travels as an int64, every floating value as a double, so
/// a whole expression tree is one kernel launch (fused), not one launch per node.</summary>
internal static class Op
{
    public const int LoadLong = 0, LoadDouble = 1, ConstLong = 2, ConstDouble = 3;
    public const int AddLong = 10, SubLong = 11, MulLong = 12, AddDouble = 13, SubDouble = 14, MulDouble = 15, DivDouble = 16;
    public const int LongToDouble = 20, RoundToFloat = 21, WrapInt = 22;
    public const int CompareLong = 30, CompareDouble = 31;
    public const int And = 40, Or = 41, Not = 42, IsNull = 43, IsNotNull = 44;
    /// <summary>Decimal steps on scaled int64 values. A step whose exact result might not fit an int64 marks the row
    /// for the host (validity byte 2), which recomputes it with the scalar evaluator: exact, never wrapped.</summary>
    public const int RescaleUp = 50, RescaleDown = 51, CheckPrecision = 52, AddChecked = 53, SubChecked = 54, MulChecked = 55,
        DivDecimal = 56, DecimalToDouble = 57;
    /// <summary>Validity byte of a row the kernel could not compute exactly (the host recomputes it).</summary>
    public const byte HostRow = 2;
    public const int MaxStack = 16;
}

/// <summary>A bound expression compiled to a postfix program over the columns it reads.</summary>
internal sealed class ExprProgram
{
    private readonly List<int> _code = [];
    private readonly List<long> _consts = [];
    private readonly List<int> _columns = [];
    private int _depth, _maxDepth;

    /// <summary>(opcode, argument) pairs.</summary>
    public int[] Code => _code.ToArray();
    /// <summary>Constants as int64 (doubles as their bits).</summary>
    public long[] Constants => _consts.Count == 0 ? [0] : _consts.ToArray();
    /// <summary>Input ordinals, in the order the program numbers them.</summary>
    public IReadOnlyList<int> Columns => _columns;
    /// <summary>Whether the result is floating point.</summary>
    public bool ResultIsDouble { get; private set; }
    /// <summary>Whether some rows may come back marked <see cref="Op.HostRow"/> (the program has checked decimal steps).</summary>
    public bool MayMarkHostRows { get; private set; }

    /// <summary>Why the GPU path cannot run <paramref name="e"/> (null when it can).</summary>
    public static string? Unsupported(BoundExpr e)
    {
        foreach (var n in e.Descendants())
        {
            string? why = n switch
            {
                BoundColumn c when !IsKernelType(c.Type) => $"column '{c.Name}' is {c.Type}",
                BoundLiteral { Value: null } => "a NULL literal",
                BoundLiteral l when !IsKernelType(l.Type) => $"a {l.Type} literal",
                BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply } b when b.Type.Id is TypeId.Date32 or TypeId.Timestamp => $"{b.Type} arithmetic",
                BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide } b when b.Type.Id == TypeId.Decimal
                    && (b.Left.Type.Id != TypeId.Decimal || b.Right.Type.Id != TypeId.Decimal) => $"{b.Type} arithmetic over {b.Left.Type} and {b.Right.Type}",
                BoundBinary { Op: BinaryOp.Divide } b when b.Type.Id is not (TypeId.Float64 or TypeId.Decimal) => $"division producing {b.Type}",
                BoundBinary { Op: BinaryOp.Modulo or BinaryOp.IntDivide or BinaryOp.EqualNullSafe } b => $"operator {BinaryExpr.Symbol(b.Op)}",
                BoundCast c when !IsWidening(c.Child.Type, c.Type) && !IsDecimalCast(c.Child.Type, c.Type) => $"CAST({c.Child.Type} AS {c.Type})",
                BoundIn => "IN lists",
                BoundCase => "CASE WHEN",
                BoundFunction f => $"function '{f.Name}'",
                _ => null,
            };
            if (why is not null) return $"{why} has no GPU kernel yet";
        }
        int depth = StackDepth(e);
        return depth > Op.MaxStack ? $"expression needs a stack of {depth} values, deeper than the kernel stack ({Op.MaxStack})" : null;
    }

    /// <summary>The evaluation stack <see cref="Emit"/>'s program needs: a left-deep chain (a + b + c + ...) needs 2
    /// however long, while every right operand that is itself a subtree holds one more value on the stack.</summary>
    internal static int StackDepth(BoundExpr e) => e switch
    {
        BoundColumn or BoundLiteral => 1,
        BoundCast c => StackDepth(c.Child),
        BoundUnary { Op: UnaryOp.Negate } u => 1 + StackDepth(u.Child),
        BoundUnary u => StackDepth(u.Child),
        BoundBinary b => Math.Max(StackDepth(b.Left), 1 + StackDepth(b.Right)),
        _ => 1 + e.Children.Select(StackDepth).DefaultIfEmpty(0).Max(),
    };

    private static bool IsKernelType(DataType t) => t.Id is TypeId.Boolean or TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64
        or TypeId.Date32 or TypeId.Timestamp or TypeId.Decimal;

    private static bool IsWidening(DataType from, DataType to) => (from.Id, to.Id) is
        (TypeId.Int32, TypeId.Int64) or (TypeId.Int32, TypeId.Float64) or (TypeId.Int64, TypeId.Float64) or (TypeId.Float32, TypeId.Float64);

    // Casts the decimal steps compute exactly: integers and decimals to decimal (rescale, NULL when the precision
    // overflows), and decimal to double (the same rounding as System.Decimal's conversion).
    private static bool IsDecimalCast(DataType from, DataType to) =>
        (to.Id == TypeId.Decimal && from.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Decimal) || (from.Id == TypeId.Decimal && to.Id == TypeId.Float64);

    private static bool IsDouble(DataType t) => t.IsFloating;

    /// <summary>Compiles a supported expression.</summary>
    public static ExprProgram Compile(BoundExpr e)
    {
        var p = new ExprProgram();
        p.Emit(e);
        // The kernel's stack is fixed-size local memory: overflowing it would write out of bounds on the device.
        if (p._maxDepth > Op.MaxStack)
            throw new AccelException($"gpu: expression needs a stack of {p._maxDepth} values, the kernel has {Op.MaxStack}");
        p.ResultIsDouble = IsDouble(e.Type);
        return p;
    }

    private void Push(int op, int arg, int delta)
    {
        _code.Add(op);
        _code.Add(arg);
        _depth += delta;
        _maxDepth = Math.Max(_maxDepth, _depth);
    }

    private void Emit(BoundExpr e)
    {
        switch (e)
        {
            case BoundColumn c:
            {
                int slot = _columns.IndexOf(c.Ordinal);
                if (slot < 0) { slot = _columns.Count; _columns.Add(c.Ordinal); }
                Push(IsDouble(c.Type) ? Op.LoadDouble : Op.LoadLong, slot, +1);
                break;
            }
            case BoundLiteral l:
            {
                _consts.Add(Encode(l.Type, l.Value!));
                Push(IsDouble(l.Type) ? Op.ConstDouble : Op.ConstLong, _consts.Count - 1, +1);
                break;
            }
            case BoundCast { Type.Id: TypeId.Decimal } c:
                Emit(c.Child);
                EmitRescale(c.Child.Type.Id == TypeId.Decimal ? c.Child.Type.Scale : 0, c.Type);
                break;
            case BoundCast { Type.Id: TypeId.Float64, Child.Type.Id: TypeId.Decimal } c:
                Emit(c.Child);
                Push(Op.DecimalToDouble, c.Child.Type.Scale, 0);
                break;
            case BoundCast c:
                Emit(c.Child);
                if (IsDouble(c.Type) && !IsDouble(c.Child.Type)) Push(Op.LongToDouble, 0, 0);
                break;
            case BoundBinary { Type.Id: TypeId.Decimal } b:
                EmitDecimal(b);
                break;
            case BoundUnary { Op: UnaryOp.Negate } u:
                // -1 * x keeps -0.0 and wraps integers exactly as the scalar negation.
                _consts.Add(IsDouble(u.Type) ? BitConverter.DoubleToInt64Bits(-1.0) : -1L);
                Push(IsDouble(u.Type) ? Op.ConstDouble : Op.ConstLong, _consts.Count - 1, +1);
                Emit(u.Child);
                EmitArith(BinaryOp.Multiply, u.Type);
                break;
            case BoundUnary u:
                Emit(u.Child);
                Push(u.Op switch { UnaryOp.Not => Op.Not, UnaryOp.IsNull => Op.IsNull, _ => Op.IsNotNull }, 0, 0);
                break;
            case BoundBinary { Op: BinaryOp.And or BinaryOp.Or } b:
                Emit(b.Left);
                Emit(b.Right);
                Push(b.Op == BinaryOp.And ? Op.And : Op.Or, 0, -1);
                break;
            case BoundBinary b when b.Type.Id == TypeId.Boolean:
                Emit(b.Left);
                Emit(b.Right);
                Push(IsDouble(b.Left.Type) ? Op.CompareDouble : Op.CompareLong, b.Op switch
                {
                    BinaryOp.Equal => 0, BinaryOp.NotEqual => 1, BinaryOp.LessThan => 2,
                    BinaryOp.LessThanOrEqual => 3, BinaryOp.GreaterThan => 4, _ => 5,
                }, -1);
                break;
            case BoundBinary b:
                Emit(b.Left);
                Emit(b.Right);
                EmitArith(b.Op, b.Type);
                break;
            default:
                throw new AccelException($"gpu: cannot compile {e.GetType().Name}");
        }
    }

    // Spark's decimal arithmetic on scaled values: the exact result at its natural scale (operands aligned for + and -,
    // scales added for *), rounded half away from zero to the result's scale, NULL when it needs more digits than the
    // result's precision; / rounds the quotient to the result's scale directly.
    private void EmitDecimal(BoundBinary b)
    {
        int sa = b.Left.Type.Scale, sb = b.Right.Type.Scale;
        MayMarkHostRows = true;
        switch (b.Op)
        {
            case BinaryOp.Add or BinaryOp.Subtract:
            {
                int m = Math.Max(sa, sb);
                Emit(b.Left);
                if (m > sa) Push(Op.RescaleUp, m - sa, 0);
                Emit(b.Right);
                if (m > sb) Push(Op.RescaleUp, m - sb, 0);
                Push(b.Op == BinaryOp.Add ? Op.AddChecked : Op.SubChecked, 0, -1);
                EmitRescale(m, b.Type);
                break;
            }
            case BinaryOp.Multiply:
                Emit(b.Left);
                Emit(b.Right);
                Push(Op.MulChecked, 0, -1);
                EmitRescale(sa + sb, b.Type);
                break;
            default:
                Emit(b.Left);
                Emit(b.Right);
                Push(Op.DivDecimal, b.Type.Scale + sb - sa, -1);
                Push(Op.CheckPrecision, b.Type.Precision, 0);
                break;
        }
    }

    // From a scaled value at scale `from` to decimal type `to`, then the precision check.
    private void EmitRescale(int from, DataType to)
    {
        MayMarkHostRows = true;
        if (to.Scale > from) Push(Op.RescaleUp, to.Scale - from, 0);
        else if (to.Scale < from) Push(Op.RescaleDown, from - to.Scale, 0);
        Push(Op.CheckPrecision, to.Precision, 0);
    }

    private void EmitArith(BinaryOp op, DataType t)
    {
        if (IsDouble(t))
        {
            Push(op switch { BinaryOp.Add => Op.AddDouble, BinaryOp.Subtract => Op.SubDouble, BinaryOp.Multiply => Op.MulDouble, _ => Op.DivDouble }, 0, -1);
            // Float arithmetic done in double and rounded once gives the correctly rounded float result.
            if (t.Id == TypeId.Float32) Push(Op.RoundToFloat, 0, 0);
        }
        else
        {
            Push(op switch { BinaryOp.Add => Op.AddLong, BinaryOp.Subtract => Op.SubLong, _ => Op.MulLong }, 0, -1);
            if (t.Id == TypeId.Int32) Push(Op.WrapInt, 0, 0);
        }
    }

    private static long Encode(DataType t, object v) => t.Id switch
    {
        TypeId.Float32 or TypeId.Float64 => BitConverter.DoubleToInt64Bits(Convert.ToDouble(v)),
        TypeId.Boolean => (bool)v ? 1 : 0,
        TypeId.Int32 => Convert.ToInt32(v),
        TypeId.Int64 => Convert.ToInt64(v),
        TypeId.Date32 => (int)PrimitiveColumnBuilder<int>.ConvertToStorage(t, v),
        _ => (long)PrimitiveColumnBuilder<long>.ConvertToStorage(t, v),
    };
}
