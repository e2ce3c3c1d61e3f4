using Accel.Data;
using Accel.Expressions;
using ILGPU;
using ILGPU.Runtime;

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
    /// <summary>Lookup (argument: index of a header of three constants: the table's base, its entry count K, and the
    /// value that stands for NULL in it) replaces a dictionary code by the table entry at that code (entry K for a NULL
    /// string): a subtree over one string column, computed on the host once per distinct string. Select pops (condition, then, else) and keeps then where the condition is
    /// TRUE (CASE WHEN); ConstNull pushes a NULL.</summary>
    public const int Lookup = 60, Select = 61, ConstNull = 62;
    /// <summary>The year (argument 0), month (1) or day of month (2) of a date's day number, proleptic Gregorian.</summary>
    public const int DatePart = 63;
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
    private readonly List<Lookup> _lookups = [];
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
        foreach (var n in KernelNodes(e))
        {
            string? why = n switch
            {
                BoundColumn c when !IsKernelType(c.Type) => $"column '{c.Name}' is {c.Type}",
                BoundLiteral { Value: null } => null,
                BoundLiteral l when !IsKernelType(l.Type) => $"a {l.Type} literal",
                BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply } b when b.Type.Id is TypeId.Date32 or TypeId.Timestamp => $"{b.Type} arithmetic",
                BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Divide } b when b.Type.Id == TypeId.Decimal
                    && (b.Left.Type.Id != TypeId.Decimal || b.Right.Type.Id != TypeId.Decimal) => $"{b.Type} arithmetic over {b.Left.Type} and {b.Right.Type}",
                BoundBinary { Op: BinaryOp.Divide } b when b.Type.Id is not (TypeId.Float64 or TypeId.Decimal) => $"division producing {b.Type}",
                BoundBinary { Op: BinaryOp.Modulo or BinaryOp.IntDivide or BinaryOp.EqualNullSafe } b => $"operator {BinaryExpr.Symbol(b.Op)}",
                BoundCast { Child: BoundLiteral { Value: null } } c when IsKernelType(c.Type) => null,
                BoundCast c when !IsWidening(c.Child.Type, c.Type) && !IsDecimalCast(c.Child.Type, c.Type) => $"CAST({c.Child.Type} AS {c.Type})",
                BoundIn { List.Count: 0 } => "an empty IN list",
                BoundIn i when i.Value.Type.Id == TypeId.Utf8 => $"IN over a string computed from several columns",
                BoundCase k when !IsKernelType(k.Type) => $"CASE WHEN giving {k.Type}",
                BoundFunction { Name: "year" or "month" or "dayofmonth" or "date_add" or "date_sub" or "datediff" } => null,
                BoundFunction f => $"function '{f.Name}'",
                _ => null,
            };
            if (why is not null) return $"{why} has no GPU kernel yet";
        }
        // A bare NULL (type void) has no kernel layout to come back in.
        if (!IsKernelType(e.Type)) return $"a {e.Type} result has no GPU kernel yet";
        int depth = StackDepth(e);
        return depth > Op.MaxStack ? $"expression needs a stack of {depth} values, deeper than the kernel stack ({Op.MaxStack})" : null;
    }

    /// <summary>The nodes the kernel itself evaluates: every node except those inside a dictionary lookup
    /// (<see cref="LookupColumn"/>), which count as one leaf.</summary>
    private static IEnumerable<BoundExpr> KernelNodes(BoundExpr e)
    {
        if (LookupColumn(e) is not null) yield break;
        yield return e;
        foreach (var c in e.Children) foreach (var n in KernelNodes(c)) yield return n;
    }

    /// <summary>The string column a subtree reads when it reads only that one column and gives a kernel type (s = 'x',
    /// s LIKE 'a%', substring(s, 1, 2) IN (..), length(s)): such a subtree has one value per distinct string, so the
    /// host computes it once per dictionary entry and the kernel looks the row's code up. Null for any other subtree.</summary>
    internal static BoundColumn? LookupColumn(BoundExpr e)
    {
        if (e is BoundColumn || !IsKernelType(e.Type)) return null;
        BoundColumn? col = null;
        foreach (var n in e.Descendants())
        {
            if (n is not BoundColumn c) continue;
            if (col is null) col = c;
            else if (col.Ordinal != c.Ordinal) return null;
        }
        return col is { Type.Id: TypeId.Utf8 } ? col : null;
    }

    /// <summary>The evaluation stack <see cref="Emit"/>'s program needs: a left-deep chain (a + b + c + ...) needs 2
    /// however long, while every right operand that is itself a subtree holds one more value on the stack.</summary>
    internal static int StackDepth(BoundExpr e) => e switch
    {
        _ when LookupColumn(e) is not null => 1,
        BoundColumn or BoundLiteral => 1,
        BoundCast { Child: BoundLiteral { Value: null } } => 1,
        // Each IN item is compared with the value, then ORed into the running result.
        BoundIn i => i.List.Select((x, j) => j == 0 ? Math.Max(StackDepth(i.Value), 1 + StackDepth(x)) : Math.Max(1 + StackDepth(i.Value), 2 + StackDepth(x))).Max(),
        // Every WHEN and THEN, then the ELSE, stay on the stack until the Selects fold them.
        BoundCase k => CaseOperands(k).Select((x, j) => j + StackDepth(x)).Max(),
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

    private int SlotOf(int ordinal)
    {
        int slot = _columns.IndexOf(ordinal);
        if (slot < 0) { slot = _columns.Count; _columns.Add(ordinal); }
        return slot;
    }

    private void Emit(BoundExpr e)
    {
        if (LookupColumn(e) is { } stringColumn)
        {
            int slot = SlotOf(stringColumn.Ordinal);
            Push(Op.LoadLong, slot, +1);
            var subtree = e.MapColumns(c => c with { Ordinal = 0 });
            string key = StructuralKey(subtree);
            // One table per distinct subtree and column, however often it occurs (IN repeats its value per item).
            if (_lookups.FirstOrDefault(l => l.Slot == slot && l.Key == key) is { } same)
            {
                Push(Op.Lookup, same.Header, 0);
                return;
            }
            // The header (table base, entry count, NULL sentinel) is filled in per dictionary by ConstantsFor.
            _lookups.Add(new Lookup(subtree, key, slot, _consts.Count));
            _consts.AddRange([0, 0, 0]);
            Push(Op.Lookup, _consts.Count - 3, 0);
            return;
        }
        switch (e)
        {
            case BoundColumn c:
                Push(IsDouble(c.Type) ? Op.LoadDouble : Op.LoadLong, SlotOf(c.Ordinal), +1);
                break;
            case BoundLiteral { Value: null } or BoundCast { Child: BoundLiteral { Value: null } }:
                Push(Op.ConstNull, 0, +1);
                break;
            case BoundIn i:
                for (int j = 0; j < i.List.Count; j++)
                {
                    Emit(i.Value);
                    Emit(i.List[j]);
                    Push(IsDouble(i.Value.Type) ? Op.CompareDouble : Op.CompareLong, 0, -1);
                    // value = a OR value = b ...: three-valued, so a NULL item makes a miss NULL as Spark's IN does.
                    if (j > 0) Push(Op.Or, 0, -1);
                }
                if (i.Negated) Push(Op.Not, 0, 0);
                break;
            case BoundFunction { Name: "year" or "month" or "dayofmonth" } f:
                Emit(f.Args[0]);
                Push(Op.DatePart, f.Name == "year" ? 0 : f.Name == "month" ? 1 : 2, 0);
                break;
            case BoundFunction { Name: "date_add" or "date_sub" or "datediff" } f:
                // Day numbers: date_add is days + n, date_sub and datediff days - n, wrapping in int as the scalar path.
                Emit(f.Args[0]);
                Emit(f.Args[1]);
                Push(f.Name == "date_add" ? Op.AddLong : Op.SubLong, 0, -1);
                Push(Op.WrapInt, 0, 0);
                break;
            case BoundCase k:
            {
                foreach (var operand in CaseOperands(k)) Emit(operand);
                for (int j = 0; j < k.Branches.Count; j++) Push(Op.Select, 0, -2);
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

    // WHEN1, THEN1, WHEN2, THEN2, ..., ELSE (NULL when absent): folded right to left by Select, so the first TRUE WHEN wins.
    private static IEnumerable<BoundExpr> CaseOperands(BoundCase k) =>
        k.Branches.SelectMany(b => new[] { b.When, b.Then }).Append(k.Else ?? new BoundLiteral(null, k.Type));

    /// <summary>The constants for one run: the compiled ones plus, per dictionary lookup, its table computed by the
    /// scalar evaluator over the distinct strings of the staged column (<paramref name="dictionaries"/>, per slot) and NULL.</summary>
    public long[] ConstantsFor(IReadOnlyList<StringVector?> dictionaries)
    {
        if (_lookups.Count == 0) return Constants;
        var consts = new List<long>(_consts);
        foreach (var l in _lookups)
        {
            var dictionary = dictionaries[l.Slot] ?? throw new AccelException("gpu: a string lookup's column was staged without its dictionary");
            var (entries, nullValue) = l.TableFor(dictionary);
            consts[l.Header] = consts.Count;
            consts[l.Header + 1] = entries.Length - 1;
            consts[l.Header + 2] = nullValue;
            consts.AddRange(entries);
        }
        return consts.ToArray();
    }

    // A subtree's identity for the table caches: node kinds, operators, names, literal values and every type, in order
    // (records compare their child lists by reference, so record equality would not do).
    private static string StructuralKey(BoundExpr e)
    {
        string own = e switch
        {
            BoundColumn c => $"col{c.Ordinal}",
            BoundLiteral l => $"lit[{(l.Value is null ? "NULL" : $"{l.Value.GetType().Name}:{ValueConversions.Format(l.Value)}")}]",
            BoundBinary b => b.Op.ToString(),
            BoundUnary u => u.Op.ToString(),
            BoundIn i => i.Negated ? "notin" : "in",
            BoundCase k => k.Else is null ? "case" : "case-else",
            BoundCast => "cast",
            BoundFunction f => f.Name,
            _ => e.GetType().Name,
        };
        return $"{own}:{e.Type}({string.Join(",", e.Children.Select(StructuralKey))})";
    }

    /// <summary>Runs the program over <paramref name="staged"/> columns of <paramref name="n"/> rows on the device (its code and
    /// constants, lookup tables included, go up with it): a value and a validity byte per row, for the caller to dispose.</summary>
    internal (DeviceBuffer<long> Values, DeviceBuffer<byte> Valid) Run(Accelerator a, KernelSet k, DeviceMemoryPool pool, StagedColumns staged, int n)
    {
        var code = Code;
        using var dCode = pool.Upload<int>(code);
        using var dConsts = pool.Upload<long>(ConstantsFor(staged.Dictionaries));
        var values = pool.Rent<long>(n);
        DeviceBuffer<byte>? valid = null;
        try
        {
            valid = pool.Rent<byte>(n);
            k.Eval(GpuRuntime.GridFor(a, n), staged.Data.View, staged.Valid.View, dCode.View, dConsts.View, code.Length, n, values.View, valid.View);
            return (values, valid);
        }
        catch
        {
            valid?.Dispose();
            values.Dispose();
            throw;
        }
    }

    /// <summary>Whether some constants depend on the staged dictionaries (<see cref="ConstantsFor"/>).</summary>
    public bool HasLookups => _lookups.Count > 0;

    /// <summary>A subtree over one string column, rebound to read ordinal 0; its tables are kept per dictionary.</summary>
    private sealed record Lookup(BoundExpr Subtree, string Key, int Slot, int Header)
    {
        private static readonly Schema OneString = new([new Field("s", DataType.Utf8)]);
        // Per dictionary, the tables of every subtree computed over it, by structural key: programs are compiled per
        // batch, and a batch of a cached table sees the same dictionary every query.
        private static readonly System.Runtime.CompilerServices.ConditionalWeakTable<StringVector, System.Collections.Concurrent.ConcurrentDictionary<string, Tuple<long[], long>>> s_tables = new();

        // Entry c is the subtree's value at dictionary string c, entry K (the last) its value at a NULL string; an entry
        // equal to the sentinel is NULL, so a table costs 8 bytes per distinct string.
        public (long[] Entries, long NullValue) TableFor(StringVector dictionary)
        {
            var t = s_tables.GetValue(dictionary, _ => new()).GetOrAdd(Key, _ =>
            {
                var d = dictionary;
                var b = new StringColumnBuilder(d.Length + 1);
                b.AppendRange(d, 0, d.Length);
                b.AppendNull();
                var input = new ColumnBatch(OneString, [b.Build()], d.Length + 1);
                var result = ScalarEvaluator.Evaluate(Subtree, input);
                var values = new long[d.Length + 1];
                var valid = new byte[d.Length + 1];
                DeviceColumns.StageColumn(result, values, valid, default);
                var used = new HashSet<long>(values);
                long sentinel = long.MinValue;
                while (used.Contains(sentinel)) sentinel++;
                for (int c = 0; c < values.Length; c++) if (valid[c] == 0) values[c] = sentinel;
                return Tuple.Create(values, sentinel);
            });
            return (t.Item1, t.Item2);
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
