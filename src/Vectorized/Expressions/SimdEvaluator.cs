using System.Runtime.CompilerServices;
using System.Numerics;
using System.Runtime.Intrinsics;
using Accel.Data;
using Accel.Expressions;
using Accel.Semantics;

namespace Accel.Vectorized;

/// <summary>Evaluates the expressions the SIMD path supports with vector loops: numeric arithmetic into
/// typed arrays plus a validity mask, predicates into two row masks (TRUE rows, FALSE rows; neither is
/// NULL), which makes Spark's three-valued AND/OR/NOT plain word operations.</summary>
public static partial class SimdEvaluator
{
    private abstract record Value;
    // Values[Offset..Offset+n) are the rows: Offset is non-zero only for a column read in place by EvaluateRange.
    // MaxAbs, when known, bounds every row's magnitude (decimal overflow checks need no pass over the rows then).
    private sealed record Vec(Array Values, ulong[] Valid, int Offset = 0, Int128? MaxAbs = null) : Value
    {
        public Span<T> Rows<T>(int n) => ((T[])Values).AsSpan(Offset, n);
    }
    private sealed record Const(object Value) : Value;
    private sealed record Truth(ulong[] True, ulong[] False) : Value;
    // A string column, compared row by row on its UTF-8 bytes (string literals are Const of byte[]).
    private sealed record Str(StringVector Column, ulong[] Valid) : Value;

    /// <summary>Why the SIMD path cannot evaluate <paramref name="e"/> (null when it can).</summary>
    public static string? Unsupported(BoundExpr e, Schema input) => UnsupportedNode(e) is { } why ? $"{why} has no SIMD kernel yet" : null;

    // The first node of `e` the evaluator has no kernel for, described (null when there is none).
    private static string? UnsupportedNode(BoundExpr e)
    {
        foreach (var n in e.Descendants())
        {
            string? why = n switch
            {
                BoundColumn c when !IsVectorType(c.Type) && c.Type.Id is not (TypeId.Boolean or TypeId.Utf8 or TypeId.Array) => $"column '{c.Name}' is {c.Type}",
                BoundLiteral { Value: null } l when l.Type.Id is not (TypeId.Null or TypeId.Boolean or TypeId.Utf8 or TypeId.Array) && !IsVectorType(l.Type) => $"a NULL {l.Type} literal",
                BoundCast { Child: BoundLiteral { Value: null } } c when c.Type.Id is not (TypeId.Boolean or TypeId.Utf8 or TypeId.Array) && !IsVectorType(c.Type) => $"a NULL {c.Type} literal",
                BoundLiteral { Value: null } or BoundCast { Child: BoundLiteral { Value: null } } => null,
                BoundLiteral l when !IsVectorType(l.Type) && l.Type.Id is not (TypeId.Boolean or TypeId.Utf8) => $"a {l.Type} literal",
                BoundBinary { Op: BinaryOp.Divide } b when b.Type.Id is not (TypeId.Float64 or TypeId.Decimal) => $"division producing {b.Type}",
                BoundBinary { Op: BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply or BinaryOp.Modulo or BinaryOp.IntDivide } b
                    when !IsVectorType(b.Type) => $"arithmetic on {b.Type}",
                BoundBinary b when (IsComparison(b.Op) || b.Op == BinaryOp.EqualNullSafe) && !IsVectorType(b.Left.Type) && b.Left.Type.Id is not (TypeId.Utf8 or TypeId.Boolean)
                    => $"comparison of {b.Left.Type} values",
                BoundCast c when c.Type.Id == TypeId.Array && ArrayCastUnsupported(c.Child.Type, c.Type) is { } element => $"CAST({c.Child.Type} AS {c.Type}): {element}",
                BoundCast { Type.Id: TypeId.Array } => null,
                // Casts among numbers, booleans and date/time (widening, decimal and narrowing ones included) and to or
                // from text all have kernels.
                BoundCast c when !IsCastBetweenScalars(c.Child.Type, c.Type) && !IsCastToString(c.Child.Type, c.Type) && !IsCastFromString(c.Child.Type, c.Type)
                    => $"CAST({c.Child.Type} AS {c.Type})",
                BoundIn i when i.List.Any(x => x is not BoundLiteral) => "IN with a non-literal list",
                BoundIn i when !IsVectorType(i.Value.Type) && i.Value.Type.Id is not (TypeId.Utf8 or TypeId.Boolean) => $"IN over {i.Value.Type}",
                BoundCase c when !IsVectorType(c.Type) && c.Type.Id is not (TypeId.Boolean or TypeId.Utf8 or TypeId.Array) => $"CASE WHEN producing {c.Type}",
                BoundFunction { Name: "coalesce" } f when !IsVectorType(f.Type) && f.Type.Id is not (TypeId.Utf8 or TypeId.Boolean or TypeId.Array) => $"coalesce of {f.Type} values",
                BoundFunction { Name: "round" } f when !IsVectorType(f.Type) => $"round of {f.Type}",
                BoundFunction { Name: "abs" } f when !IsVectorType(f.Type) => $"abs of {f.Type}",
                BoundFunction { Name: "like" or "year" or "month" or "dayofmonth" or "pow" or "sqrt" or "substring" or "coalesce" or "upper" or "lower"
                    or "length" or "abs" or "date_add" or "date_sub" or "datediff" or "to_date" or "concat" or "trim" or "ltrim" or "rtrim"
                    or "round" or "add_months" or "rlike" or "split" or "size" } => null,
                BoundFunction f => $"function '{f.Name}'",
                BoundColumn { Type.Id: TypeId.Utf8 or TypeId.Array } c when n == e => $"a bare {c.Type} column '{c.Name}'",
                _ => null,
            };
            if (why is not null) return why;
        }
        return null;
    }

    private static bool IsDecimalCast(DataType from, DataType to) =>
        (from.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Decimal && to.Id == TypeId.Decimal) || (from.Id == TypeId.Decimal && to.Id == TypeId.Float64);

    private static bool IsComparison(BinaryOp op) => op is BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan
        or BinaryOp.LessThanOrEqual or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual;

    private static bool IsVectorType(DataType t) => t.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64
        or TypeId.Date32 or TypeId.Timestamp or TypeId.Decimal;

    private static bool IsWidening(DataType from, DataType to) => (from.Id, to.Id) is
        (TypeId.Int32, TypeId.Int64) or (TypeId.Int32, TypeId.Float64) or (TypeId.Int64, TypeId.Float64) or (TypeId.Float32, TypeId.Float64);

    /// <summary>Rows (positions among the first <paramref name="rows"/> physical rows of compact columns)
    /// where the predicate is TRUE, as a mask.</summary>
    public static ulong[] TrueRows(BoundExpr predicate, IReadOnlyList<ColumnVector> columns, int rows) =>
        AsTruth(Eval(predicate, columns, rows), rows).True;

    /// <summary>The values of a numeric expression over compact columns.</summary>
    public static ColumnVector EvaluateColumn(BoundExpr e, IReadOnlyList<ColumnVector> columns, int rows)
    {
        switch (Eval(e, columns, rows))
        {
            case Vec v: return Build(e.Type, v.Offset == 0 ? v.Values : CopyRows(v, rows), Bitmask.ToValidity(v.Valid, rows), rows);
            case Str s: return s.Column;
            case Lst l: return l.Column;
            case Const c: return ScalarEvaluator.Constant(e.Type, Storage.ToClr(e.Type, c.Value), rows);
            case Truth t:
            {
                var values = new bool[rows];
                for (int i = 0; i < rows; i++) values[i] = (t.True[i >> 6] >> (i & 63) & 1) != 0;
                return new PrimitiveVector<bool>(DataType.Boolean, values, Bitmask.ToValidity(Bitmask.Or(t.True, t.False), rows));
            }
            default: throw new InvalidOperationException();
        }
    }

    private static Array CopyRows(Vec v, int n) => v.Values switch
    {
        int[] => v.Rows<int>(n).ToArray(),
        long[] => v.Rows<long>(n).ToArray(),
        float[] => v.Rows<float>(n).ToArray(),
        double[] => v.Rows<double>(n).ToArray(),
        _ => throw new InvalidOperationException(),
    };

    private static ColumnVector Build(DataType type, Array values, ValidityBitmap? validity, int rows) => values switch
    {
        int[] a => new PrimitiveVector<int>(type, a, validity, rows),
        long[] a => new PrimitiveVector<long>(type, a, validity, rows),
        float[] a => new PrimitiveVector<float>(type, a, validity, rows),
        double[] a => new PrimitiveVector<double>(type, a, validity, rows),
        _ => throw new InvalidOperationException(),
    };

    // Subexpressions that several expressions of one projection share (Q1's price * (1 - discount)), evaluated once
    // per batch: the evaluator never writes into a value it did not just allocate, so a shared value stays intact.
    [ThreadStatic] private static Dictionary<BoundExpr, Value?>? _shared;

    /// <summary>Evaluates the expressions of one projection over the same rows, computing a subexpression that
    /// occurs more than once (within or across them) a single time.</summary>
    public static ColumnVector[] EvaluateColumns(IReadOnlyList<BoundExpr> exprs, IReadOnlyList<ColumnVector> columns, int rows)
    {
        var occurrences = new Dictionary<BoundExpr, int>();
        foreach (var e in exprs)
            foreach (var d in e.Descendants())
                if (d is BoundBinary or BoundUnary or BoundCast or BoundCase or BoundFunction)
                    occurrences[d] = occurrences.GetValueOrDefault(d) + 1;
        var shared = occurrences.Where(o => o.Value > 1).ToDictionary(o => o.Key, Value? (_) => null);
        var previous = _shared;
        _shared = shared.Count > 0 ? shared : null;
        try
        {
            // A plain column is passed through, except in a range evaluation, which reads only the range's rows.
            return exprs.Select(e => e is BoundColumn c && _scratch is null ? columns[c.Ordinal] : EvaluateColumn(e, columns, rows)).ToArray();
        }
        finally { _shared = previous; }
    }

    // The first row a range evaluation reads columns from (0 otherwise), and the arrays its results go into.
    [ThreadStatic] private static int _rangeStart;
    [ThreadStatic] private static EvaluationScratch? _scratch;

    /// <summary>Why <paramref name="e"/> cannot be evaluated over a row range in place (<see cref="EvaluateRange"/>):
    /// null when it can. Ranges read numeric columns only.</summary>
    public static string? RangeUnsupported(BoundExpr e, Schema input)
    {
        if (Unsupported(e, input) is { } why) return why;
        foreach (var n in e.Descendants())
            if (n is BoundColumn c && !IsVectorType(c.Type)) return $"column '{c.Name}' is {c.Type}, which a row range is not read in place for";
        return null;
    }

    /// <summary>Evaluates <paramref name="exprs"/> over rows [<paramref name="start"/>, start + <paramref name="count"/>)
    /// of full-length columns, reading them in place (no slice is copied). <paramref name="start"/> is a multiple of 64
    /// and every expression passes <see cref="RangeUnsupported"/>. The results are compact columns of
    /// <paramref name="count"/> rows whose arrays belong to <paramref name="scratch"/>: they stay valid until its next
    /// <see cref="EvaluationScratch.Recycle"/>.</summary>
    public static ColumnVector[] EvaluateRange(IReadOnlyList<BoundExpr> exprs, IReadOnlyList<ColumnVector> columns, int start, int count, EvaluationScratch scratch) =>
        InRange(start, scratch, () => EvaluateColumns(exprs, columns, count));

    /// <summary>The rows of [<paramref name="start"/>, start + <paramref name="count"/>) where <paramref name="predicate"/>
    /// is TRUE, as a mask whose bit i is row start + i; the same preconditions as <see cref="EvaluateRange"/>.</summary>
    public static ulong[] TrueRowsInRange(BoundExpr predicate, IReadOnlyList<ColumnVector> columns, int start, int count, EvaluationScratch scratch) =>
        InRange(start, scratch, () => TrueRows(predicate, columns, count));

    // Column reads start at row `start` and result arrays come from `scratch` while `evaluate` runs.
    private static T InRange<T>(int start, EvaluationScratch scratch, Func<T> evaluate)
    {
        if ((start & 63) != 0) throw new ArgumentOutOfRangeException(nameof(start), "a range starts at a multiple of 64 rows");
        var (previousStart, previousScratch) = (_rangeStart, _scratch);
        (_rangeStart, _scratch) = (start, scratch);
        try
        {
            return evaluate();
        }
        finally { (_rangeStart, _scratch) = (previousStart, previousScratch); }
    }

    private static T[] NewArray<T>(int n) => _scratch is { } s ? s.Take<T>(n) : new T[n];

    private static Value Eval(BoundExpr e, IReadOnlyList<ColumnVector> cols, int n)
    {
        if (_shared is not { } shared || !shared.TryGetValue(e, out var known)) return OverDictionary(e, cols, n) ?? EvalNode(e, cols, n);
        return known ?? (shared[e] = OverDictionary(e, cols, n) ?? EvalNode(e, cols, n));
    }

    private static Value EvalNode(BoundExpr e, IReadOnlyList<ColumnVector> cols, int n)
    {
        switch (e)
        {
            case BoundColumn c:
            {
                var col = cols[c.Ordinal];
                int from = _rangeStart;
                var valid = Bitmask.FromValidity(col.Validity, from, n);
                if (from != 0 && col is not PrimitiveVector<int> and not PrimitiveVector<long> and not PrimitiveVector<float> and not PrimitiveVector<double>)
                    throw new InvalidOperationException($"simd: a range evaluation reads a {col.Type} column"); // RangeUnsupported rules these out
                if (col is StringVector sv) return new Str(sv, valid);
                if (col is ListVector lv) return new Lst(lv, valid);
                if (col is PrimitiveVector<bool> b)
                {
                    var t = new ulong[valid.Length];
                    for (int i = 0; i < n; i++) if (b.Values[i]) t[i >> 6] |= 1UL << (i & 63);
                    return new Truth(Bitmask.And(t, valid), Bitmask.AndNot(valid, t));
                }
                // A range of a longer int64 column (a morsel of a decimal column) takes the whole column's bound, known
                // once per column: each morsel would otherwise scan its rows for the decimal overflow check.
                Int128? maxAbs = col is PrimitiveVector<long> lc && _scratch is not null && lc.Length > n ? ColumnMaxAbs.Of(lc) : null;
                return new Vec(col switch
                {
                    PrimitiveVector<int> v => v.Values,
                    PrimitiveVector<long> v => v.Values,
                    PrimitiveVector<float> v => v.Values,
                    PrimitiveVector<double> v => v.Values,
                    _ => throw new InvalidOperationException(),
                }, valid, from, maxAbs);
            }
            case BoundLiteral { Value: null } l:
                return NullOf(l.Type, n);
            case BoundCast { Child: BoundLiteral { Value: null } } c:
                return NullOf(c.Type, n);
            case BoundLiteral { Value: string text }:
                return new Const(System.Text.Encoding.UTF8.GetBytes(text));
            case BoundLiteral l:
                return l.Type.Id == TypeId.Boolean
                    ? (bool)l.Value! ? new Truth(Bitmask.AllSet(n), new ulong[Bitmask.Words(n)]) : new Truth(new ulong[Bitmask.Words(n)], Bitmask.AllSet(n))
                    : new Const(Storage.FromClr(l.Type, l.Value!));
            case BoundCast c when IsNumericCast(c.Child.Type, c.Type):
                return NumericCast(Eval(c.Child, cols, n), c.Child.Type, c.Type, n);
            case BoundCast c when IsCastFromString(c.Child.Type, c.Type):
                return CastFromString(Eval(c.Child, cols, n), c.Type, n);
            case BoundCast c when IsCastToString(c.Child.Type, c.Type):
                return CastToString(Eval(c.Child, cols, n), c.Child.Type, n);
            case BoundCast c when IsDecimalCast(c.Child.Type, c.Type):
                return DecimalCast(Eval(c.Child, cols, n), c.Child.Type, c.Type, n);
            case BoundCast { Type.Id: TypeId.Array } c:
                return CastArray((Lst)Eval(c.Child, cols, n), c.Child.Type, c.Type, n);
            case BoundCast c when IsWidening(c.Child.Type, c.Type):
                return Widen(Eval(c.Child, cols, n), c.Type, n);
            case BoundCast c:
                return CastByRule(Eval(c.Child, cols, n), c.Child.Type, c.Type, n);
            case BoundFunction { Name: "like", Args: [_, BoundLiteral { Value: string pattern }] } f when LikePattern.TryCreate(pattern) is { } plain:
                return Like(Text(Eval(f.Args[0], cols, n), n), plain, n);
            case BoundFunction { Name: "like" or "rlike" } f:
                return Matches(Text(Eval(f.Args[0], cols, n), n), Eval(f.Args[1], cols, n), f.Name == "like", n);
            case BoundFunction { Name: "split" } f:
                return Split(Text(Eval(f.Args[0], cols, n), n), Eval(f.Args[1], cols, n), f.Args.Count > 2 ? Eval(f.Args[2], cols, n) : null, f.Type, n);
            case BoundFunction { Name: "size" } f:
                return Size((Lst)Eval(f.Args[0], cols, n), n);
            case BoundFunction { Name: "round" } f:
                return Round(Eval(f.Args[0], cols, n), f.Args[0].Type, f.Type, Convert.ToInt32(((BoundLiteral)f.Args[1]).Value, System.Globalization.CultureInfo.InvariantCulture), n);
            case BoundFunction { Name: "add_months" } f:
                return AddMonths(Eval(f.Args[0], cols, n), Eval(f.Args[1], cols, n), n);
            case BoundFunction { Name: "coalesce", Type.Id: TypeId.Boolean } f:
                return CoalesceTruths(f, cols, n);
            case BoundFunction { Name: "coalesce", Type.Id: TypeId.Array } f:
                return CoalesceLists(f, cols, n);
            case BoundFunction { Name: "coalesce", Type.Id: TypeId.Utf8 } f:
                return CoalesceStrings(f, cols, n);
            case BoundFunction { Name: "substring" } f:
                return Substring(Text(Eval(f.Args[0], cols, n), n), Eval(f.Args[1], cols, n), f.Args.Count > 2 ? Eval(f.Args[2], cols, n) : null, n);
            case BoundFunction { Name: "coalesce" } f:
                return Coalesce(f, cols, n);
            case BoundFunction { Name: "upper" or "lower" } f:
                return ChangeCase(f, Text(Eval(f.Args[0], cols, n), n), n);
            case BoundFunction { Name: "length" } f:
                return Length(f, Text(Eval(f.Args[0], cols, n), n), n);
            case BoundFunction { Name: "abs" } f:
                return Abs(Eval(f.Args[0], cols, n), n);
            case BoundFunction { Name: "concat" } f:
                return Concat(f.Args.Select(a => Eval(a, cols, n)).ToArray(), n);
            case BoundFunction { Name: "trim" or "ltrim" or "rtrim" } f:
                return Trim(Text(Eval(f.Args[0], cols, n), n), f.Name != "rtrim", f.Name != "ltrim", n);
            // Dates are days since the epoch: date_add and date_sub add and subtract days (wrapping, as the scalar rule
            // does), datediff subtracts dates, and to_date of a date is the date.
            case BoundFunction { Name: "date_add" or "date_sub" or "datediff" } f:
                return Arith<int>(f.Name == "date_add" ? BinaryOp.Add : BinaryOp.Subtract, Eval(f.Args[0], cols, n), Eval(f.Args[1], cols, n), n);
            case BoundFunction { Name: "to_date" } f:
                return Eval(f.Args[0], cols, n);
            case BoundFunction { Name: "pow" or "sqrt" } f:
                return DoubleFunction(f.Name, f.Args.Select(a => Eval(a, cols, n)).ToArray(), n);
            case BoundFunction f:
                return DatePart(f.Name, Eval(f.Args[0], cols, n), n);
            case BoundIn i when i.Value.Type.Id == TypeId.Utf8:
                return StringIn(i, cols, n);
            case BoundIn i:
            {
                // x IN (a, b, ...) is x = a OR x = b OR ...: three-valued, so a NULL in the list makes a miss NULL.
                var x = Eval(i.Value, cols, n);
                Truth? any = null;
                foreach (var item in i.List)
                {
                    var eq = (Truth)Compare(BinaryOp.Equal, x, Eval(item, cols, n), i.Value.Type, n);
                    any = any is null ? eq : new Truth(Bitmask.Or(any.True, eq.True), Bitmask.And(any.False, eq.False));
                }
                any ??= new Truth(new ulong[Bitmask.Words(n)], Bitmask.AllSet(n));
                return i.Negated ? new Truth(any.False, any.True) : any;
            }
            case BoundCase { Type.Id: TypeId.Boolean } c:
                return BooleanCase(c, cols, n);
            case BoundCase { Type.Id: TypeId.Utf8 } c:
                return StringCase(c, cols, n);
            case BoundCase { Type.Id: TypeId.Array } c:
                return ArrayCase(c, cols, n);
            case BoundCase c:
                return Case(c, cols, n);
            case BoundUnary { Op: UnaryOp.Negate } u when u.Type.Id == TypeId.Decimal:
                return DecimalArith(BinaryOp.Multiply, new Const(-1L), 0, Eval(u.Child, cols, n), u.Child.Type.Scale, u.Type, n);
            case BoundUnary { Op: UnaryOp.Negate } u:
                // -1 * x (not 0 - x) keeps -0.0 for floating point, as the scalar negation does; integers wrap alike.
                return Arith(BinaryOp.Multiply, new Const(Storage.MinusOne(u.Type)), Eval(u.Child, cols, n), u.Type, n);
            case BoundUnary { Op: UnaryOp.Not } u:
            {
                var t = AsTruth(Eval(u.Child, cols, n), n);
                return new Truth(t.False, t.True);
            }
            case BoundUnary { Op: UnaryOp.IsNull or UnaryOp.IsNotNull } u:
            {
                var valid = ValidOf(Eval(u.Child, cols, n), n);
                var invalid = Bitmask.AndNot(Bitmask.AllSet(n), valid);
                return u.Op == UnaryOp.IsNull ? new Truth(invalid, valid) : new Truth(valid, invalid);
            }
            case BoundBinary { Op: BinaryOp.And or BinaryOp.Or } b:
            {
                var l = AsTruth(Eval(b.Left, cols, n), n);
                var r = AsTruth(Eval(b.Right, cols, n), n);
                return b.Op == BinaryOp.And
                    ? new Truth(Bitmask.And(l.True, r.True), Bitmask.Or(l.False, r.False))
                    : new Truth(Bitmask.Or(l.True, r.True), Bitmask.And(l.False, r.False));
            }
            case BoundBinary b when IsComparison(b.Op):
                return Compare(b.Op, Eval(b.Left, cols, n), Eval(b.Right, cols, n), b.Left.Type, n);
            case BoundBinary { Op: BinaryOp.EqualNullSafe } b:
            {
                // a <=> b: equal, or both NULL; never NULL itself.
                var l = Eval(b.Left, cols, n);
                var r = Eval(b.Right, cols, n);
                var equal = (Truth)Compare(BinaryOp.Equal, l, r, b.Left.Type, n);
                var all = Bitmask.AllSet(n);
                var holds = Bitmask.Or(equal.True, Bitmask.AndNot(all, Bitmask.Or(ValidOf(l, n), ValidOf(r, n))));
                return new Truth(holds, Bitmask.AndNot(all, holds));
            }
            case BoundBinary b when b.Type.Id == TypeId.Decimal:
                return DecimalArith(b.Op, Eval(b.Left, cols, n), b.Left.Type.Scale, Eval(b.Right, cols, n), b.Right.Type.Scale, b.Type, n);
            case BoundBinary b:
                return Arith(b.Op, Eval(b.Left, cols, n), Eval(b.Right, cols, n), b.Type, n);
            default:
                throw new AccelException($"simd: cannot evaluate {e.GetType().Name}");
        }
    }

    private static Truth AsTruth(Value v, int n) => v switch
    {
        Truth t => t,
        _ => throw new AccelException("simd: expected a boolean expression"),
    };

    private static ulong[] ValidOf(Value v, int n) => v switch
    {
        Vec x => x.Valid,
        Str x => x.Valid,
        Lst x => x.Valid,
        Truth t => Bitmask.Or(t.True, t.False),
        _ => Bitmask.AllSet(n),
    };

    private static Value Widen(Value v, DataType to, int n)
    {
        if (v is Const c) return new Const(to.Id == TypeId.Int64 ? (object)Convert.ToInt64(c.Value) : Convert.ToDouble(c.Value));
        var x = (Vec)v;
        Array r = (x.Values, to.Id) switch
        {
            (int[], TypeId.Int64) => Map(x.Rows<int>(n), n, i => (long)i),
            (int[], _) => Map(x.Rows<int>(n), n, i => (double)i),
            (long[], _) => Map(x.Rows<long>(n), n, l => (double)l),
            (float[], _) => Map(x.Rows<float>(n), n, f => (double)f),
            _ => throw new InvalidOperationException(),
        };
        return new Vec(r, x.Valid);
    }

    private static TOut[] Map<TIn, TOut>(ReadOnlySpan<TIn> a, int n, Func<TIn, TOut> f)
    {
        var r = NewArray<TOut>(n);
        for (int i = 0; i < n; i++) r[i] = f(a[i]);
        return r;
    }

    // Decimal +, -, * on scaled int64: operands are aligned to a common scale (the product's scale is the sum of
    // theirs), computed exactly in 128 bits, rounded half away from zero to the result scale, and NULL when
    // the result needs more digits than the result type's precision: the scalar path's (and Spark's) rules.
    private static Value DecimalArith(BinaryOp op, Value l, int leftScale, Value r, int rightScale, DataType type, int n)
    {
        if (op == BinaryOp.Divide) return DecimalDivide(l, leftScale, r, rightScale, type, n);
        if (op == BinaryOp.Modulo) return DecimalRows(l, r, n, (a, b) => Arithmetic.DecimalValue(BinaryOp.Modulo, a, leftScale, b, rightScale, type));
        if (op is not (BinaryOp.Add or BinaryOp.Subtract or BinaryOp.Multiply)) throw new AccelException($"simd: decimal {op} has no kernel");
        int exact = op == BinaryOp.Multiply ? leftScale + rightScale : Math.Max(leftScale, rightScale);
        Int128 lf = op == BinaryOp.Multiply ? 1 : Pow10(exact - leftScale), rf = op == BinaryOp.Multiply ? 1 : Pow10(exact - rightScale);
        int down = exact - type.Scale;
        Int128 divisor = Pow10(Math.Max(0, down)), up = Pow10(Math.Max(0, -down)), limit = Pow10(type.Precision);
        bool Compute(long a, long b, out long value)
        {
            Int128 x = a * lf, y = b * rf;
            Int128 raw = op switch { BinaryOp.Add => x + y, BinaryOp.Subtract => x - y, _ => x * y };
            Int128 q = raw * up;
            if (down > 0)
            {
                q = raw / divisor;
                Int128 rem = raw - q * divisor;
                if (Int128.Abs(rem) * 2 >= divisor) q += Int128.Sign(raw);
            }
            value = (long)q;
            return Int128.Abs(q) < limit;
        }
        if (RawBound(op, l, lf, r, rf, up, n) is { } bound && bound <= long.MaxValue)
        {
            // No row can wrap int64 before rounding, and none can leave the precision after it (rounding adds at most 1).
            if (down <= 0 && bound < limit) return (Vec)DecimalVectors(op, l, (long)lf, r, (long)rf, (long)up, n) with { MaxAbs = bound };
            if (down > 0 && bound / divisor + 1 < limit)
            {
                var raw = (Vec)DecimalVectors(op, l, (long)lf, r, (long)rf, 1, n);
                VectorLoops.DivideRoundHalfAwayFromZero(raw.Rows<long>(n), down);
                return raw with { MaxAbs = bound / divisor + 1 };
            }
        }
        return DecimalRows(l, r, n, (a, b) => Compute(a, b, out long v) ? v : null);
    }

    // The largest magnitude any row can reach before rounding, from the operands' ranges (null when both are
    // constants or a factor alone leaves int64): under 2^63 the exact result is plain int64 vector arithmetic.
    private static Int128? RawBound(BinaryOp op, Value l, Int128 lf, Value r, Int128 rf, Int128 up, int n)
    {
        if (n == 0 || l is Const && r is Const) return null;
        Int128 MaxAbs(Value v)
        {
            if (v is Const c) return Int128.Abs(Convert.ToInt64(c.Value));
            if (v is Vec { MaxAbs: { } known }) return known;
            return ColumnMaxAbs.Of(((Vec)v).Rows<long>(n));
        }
        Int128 a = MaxAbs(l) * lf, b = MaxAbs(r) * rf;
        if (a > long.MaxValue || b > long.MaxValue || up > long.MaxValue) return null; // keeps the bound itself from wrapping
        return (op == BinaryOp.Multiply ? a * b : a + b) * up;
    }

    // One result array: operands are read in place, and only an operand that must be rescaled gets a temporary.
    private static Value DecimalVectors(BinaryOp op, Value l, long lf, Value r, long rf, long up, int n)
    {
        ReadOnlySpan<long> Operand(Vec v, long f)
        {
            if (f == 1) return v.Rows<long>(n);
            var scaled = NewArray<long>(n);
            VectorLoops.BinaryScalar<long, MultiplyOp<long>>(v.Rows<long>(n), f, scaled.AsSpan(0, n), false);
            return scaled.AsSpan(0, n);
        }
        var result = NewArray<long>(n);
        if (l is Vec vl && r is Vec vr)
        {
            ReadOnlySpan<long> a = Operand(vl, lf), b = Operand(vr, rf);
            switch (op)
            {
                case BinaryOp.Add: VectorLoops.Binary<long, AddOp<long>>(a, b, result.AsSpan(0, n)); break;
                case BinaryOp.Subtract: VectorLoops.Binary<long, SubtractOp<long>>(a, b, result.AsSpan(0, n)); break;
                default: VectorLoops.Binary<long, MultiplyOp<long>>(a, b, result.AsSpan(0, n)); break;
            }
        }
        else
        {
            bool scalarLeft = l is Const;
            var vec = (Vec)(scalarLeft ? r : l);
            ReadOnlySpan<long> a = Operand(vec, scalarLeft ? rf : lf);
            long k = Convert.ToInt64(((Const)(scalarLeft ? l : r)).Value) * (scalarLeft ? lf : rf);
            switch (op)
            {
                case BinaryOp.Add: VectorLoops.BinaryScalar<long, AddOp<long>>(a, k, result.AsSpan(0, n), scalarLeft); break;
                case BinaryOp.Subtract: VectorLoops.BinaryScalar<long, SubtractOp<long>>(a, k, result.AsSpan(0, n), scalarLeft); break;
                default: VectorLoops.BinaryScalar<long, MultiplyOp<long>>(a, k, result.AsSpan(0, n), scalarLeft); break;
            }
        }
        if (up != 1) VectorLoops.BinaryScalar<long, MultiplyOp<long>>(result.AsSpan(0, n), up, result.AsSpan(0, n), false);
        var valid = l is Vec x && r is Vec y ? Bitmask.And(x.Valid, y.Valid) : ((Vec)(l is Vec ? l : r)).Valid;
        return new Vec(result, valid);
    }

    // Applies a scaled-decimal operation to every valid row; a null result makes the row NULL.
    private static Value DecimalRows(Value l, Value r, int n, Func<long, long, long?> op)
    {
        if (l is Const cl && r is Const cr)
            return op(Convert.ToInt64(cl.Value), Convert.ToInt64(cr.Value)) is long c ? new Const(c) : new Vec(new long[n], new ulong[Bitmask.Words(n)]);
        bool lv = l is Vec, rv = r is Vec;
        ReadOnlySpan<long> la = l is Vec vl ? vl.Rows<long>(n) : default, ra = r is Vec vr ? vr.Rows<long>(n) : default;
        long lk = lv ? 0 : Convert.ToInt64(((Const)l).Value), rk = rv ? 0 : Convert.ToInt64(((Const)r).Value);
        var valid = lv && rv ? Bitmask.And(((Vec)l).Valid, ((Vec)r).Valid) : (ulong[])((Vec)(lv ? l : r)).Valid.Clone();
        var result = NewArray<long>(n);
        for (int i = 0; i < n; i++)
        {
            if ((valid[i >> 6] >> (i & 63) & 1) == 0) continue;
            if (op(lv ? la[i] : lk, rv ? ra[i] : rk) is long v) result[i] = v;
            else valid[i >> 6] &= ~(1UL << (i & 63));
        }
        return new Vec(result, valid);
    }

    // Quotients need System.Decimal's exact division: row by row through the scalar path's one rule.
    private static Value DecimalDivide(Value l, int leftScale, Value r, int rightScale, DataType type, int n) =>
        DecimalRows(l, r, n, (a, b) => Arithmetic.DecimalValue(BinaryOp.Divide, a, leftScale, b, rightScale, type));

    private static Int128 Pow10(int k)
    {
        Int128 p = 1;
        for (int i = 0; i < k; i++) p *= 10;
        return p;
    }

    private static Value Arith(BinaryOp op, Value l, Value r, DataType type, int n) => type.Id switch
    {
        TypeId.Int32 or TypeId.Date32 => Arith<int>(op, l, r, n),
        TypeId.Int64 or TypeId.Timestamp => Arith<long>(op, l, r, n),
        TypeId.Float32 => Arith<float>(op, l, r, n),
        _ => Arith<double>(op, l, r, n),
    };

    private static Value Arith<T>(BinaryOp op, Value l, Value r, int n) where T : unmanaged, INumber<T>
    {
        if (op is BinaryOp.Modulo or BinaryOp.IntDivide) return DivRem<T>(op == BinaryOp.Modulo, l, r, n);
        if (l is Const cl && r is Const cr)
        {
            T a = (T)cl.Value, b = (T)cr.Value;
            return new Const(op switch { BinaryOp.Add => a + b, BinaryOp.Subtract => a - b, BinaryOp.Multiply => a * b, _ => a / b });
        }
        var result = NewArray<T>(n);
        ulong[] valid;
        if (l is Vec vl && r is Vec vr)
        {
            var a = vl.Rows<T>(n);
            var b = vr.Rows<T>(n);
            valid = Bitmask.And(vl.Valid, vr.Valid);
            switch (op)
            {
                case BinaryOp.Add: VectorLoops.Binary<T, AddOp<T>>(a, b, result.AsSpan(0, n)); break;
                case BinaryOp.Subtract: VectorLoops.Binary<T, SubtractOp<T>>(a, b, result.AsSpan(0, n)); break;
                case BinaryOp.Multiply: VectorLoops.Binary<T, MultiplyOp<T>>(a, b, result.AsSpan(0, n)); break;
                default:
                    VectorLoops.Binary<T, DivideOp<T>>(a, b, result.AsSpan(0, n));
                    valid = Bitmask.AndNot(valid, VectorLoops.ZeroMask<T>(b));
                    break;
            }
            return new Vec(result, valid);
        }
        bool scalarLeft = l is Const;
        var vec = (Vec)(scalarLeft ? r : l);
        T k = (T)((Const)(scalarLeft ? l : r)).Value;
        var span = vec.Rows<T>(n);
        valid = vec.Valid;
        switch (op)
        {
            case BinaryOp.Add: VectorLoops.BinaryScalar<T, AddOp<T>>(span, k, result.AsSpan(0, n), scalarLeft); break;
            case BinaryOp.Subtract: VectorLoops.BinaryScalar<T, SubtractOp<T>>(span, k, result.AsSpan(0, n), scalarLeft); break;
            case BinaryOp.Multiply: VectorLoops.BinaryScalar<T, MultiplyOp<T>>(span, k, result.AsSpan(0, n), scalarLeft); break;
            default:
                VectorLoops.BinaryScalar<T, DivideOp<T>>(span, k, result.AsSpan(0, n), scalarLeft);
                if (scalarLeft) valid = Bitmask.AndNot(valid, VectorLoops.ZeroMask<T>(span));
                else if (T.IsZero(k)) valid = new ulong[valid.Length];
                break;
        }
        return new Vec(result, valid);
    }

    // x % y and x div y. No vector instruction divides integers, so each shape is one tight loop over the rows, with
    // Spark's rule for each pair (Arithmetic.DivRem); a zero divisor makes the row NULL. A constant divisor (id % 7) is
    // checked once, not per row.
    private static Value DivRem<T>(bool remainder, Value l, Value r, int n) where T : unmanaged, INumber<T>
    {
        var result = NewArray<T>(n);
        var dst = result.AsSpan(0, n);
        if (r is Const cr)
        {
            T k = (T)cr.Value;
            if (T.IsZero(k)) return new Vec(result, new ulong[Bitmask.Words(n)]);
            if (l is Const cl) return new Const(Arithmetic.DivRem(remainder, (T)cl.Value, k));
            var a = ((Vec)l).Rows<T>(n);
            if ((typeof(T) == typeof(int) || typeof(T) == typeof(long)) && k == -T.One)
                for (int i = 0; i < n; i++) dst[i] = Arithmetic.DivRem(remainder, a[i], k);
            else if (remainder)
                for (int i = 0; i < n; i++) dst[i] = a[i] % k;
            else
                for (int i = 0; i < n; i++) dst[i] = a[i] / k;
            return new Vec(result, ((Vec)l).Valid);
        }
        var vr = (Vec)r;
        var b = vr.Rows<T>(n);
        var valid = Bitmask.AndNot(l is Vec v ? Bitmask.And(v.Valid, vr.Valid) : vr.Valid, VectorLoops.ZeroMask<T>(b));
        if (l is Const c)
        {
            T x = (T)c.Value;
            for (int i = 0; i < n; i++) dst[i] = T.IsZero(b[i]) ? T.Zero : Arithmetic.DivRem(remainder, x, b[i]);
        }
        else
        {
            var a = ((Vec)l).Rows<T>(n);
            for (int i = 0; i < n; i++) dst[i] = T.IsZero(b[i]) ? T.Zero : Arithmetic.DivRem(remainder, a[i], b[i]);
        }
        return new Vec(result, valid);
    }

    private static Value Compare(BinaryOp op, Value l, Value r, DataType type, int n) => type.Id switch
    {
        TypeId.Utf8 => CompareStrings(op, l, r, n),
        TypeId.Boolean => CompareTruths(op, AsTruth(l, n), AsTruth(r, n), n),
        TypeId.Int32 or TypeId.Date32 => Compare<int>(op, l, r, n),
        TypeId.Int64 or TypeId.Timestamp or TypeId.Decimal => Compare<long>(op, l, r, n),
        TypeId.Float32 => Compare<float>(op, l, r, n),
        _ => Compare<double>(op, l, r, n),
    };

    private static Value Compare<T>(BinaryOp op, Value l, Value r, int n) where T : unmanaged, INumber<T>
    {
        var mask = new ulong[Bitmask.Words(n)];
        ulong[] valid;
        if (l is Const cl && r is Const cr)
        {
            bool holds = CompareScalar(op, (T)cl.Value, (T)cr.Value);
            return holds ? new Truth(Bitmask.AllSet(n), new ulong[mask.Length]) : new Truth(new ulong[mask.Length], Bitmask.AllSet(n));
        }
        if (l is Vec vl && r is Vec vr)
        {
            var a = vl.Rows<T>(n);
            var b = vr.Rows<T>(n);
            valid = Bitmask.And(vl.Valid, vr.Valid);
            switch (op)
            {
                case BinaryOp.Equal: VectorLoops.Compare<T, EqualOp<T>>(a, b, mask); break;
                case BinaryOp.NotEqual: VectorLoops.Compare<T, NotEqualOp<T>>(a, b, mask); break;
                case BinaryOp.LessThan: VectorLoops.Compare<T, LessThanOp<T>>(a, b, mask); break;
                case BinaryOp.LessThanOrEqual: VectorLoops.Compare<T, LessThanOrEqualOp<T>>(a, b, mask); break;
                case BinaryOp.GreaterThan: VectorLoops.Compare<T, GreaterThanOp<T>>(a, b, mask); break;
                default: VectorLoops.Compare<T, GreaterThanOrEqualOp<T>>(a, b, mask); break;
            }
        }
        else
        {
            bool scalarLeft = l is Const;
            var vec = (Vec)(scalarLeft ? r : l);
            T k = (T)((Const)(scalarLeft ? l : r)).Value;
            var a = vec.Rows<T>(n);
            valid = vec.Valid;
            CompareWithConstant(a, k, op, mask, scalarLeft);
        }
        return new Truth(Bitmask.And(mask, valid), Bitmask.AndNot(valid, mask));
    }

    /// <summary>Sets bit i of <paramref name="bits"/> where `a[i] op k` holds (`k op a[i]` when
    /// <paramref name="constantLeft"/>): the one dispatch from a comparison operator to its vector loop.</summary>
    internal static void CompareWithConstant<T>(ReadOnlySpan<T> a, T k, BinaryOp op, Span<ulong> bits, bool constantLeft) where T : unmanaged, INumber<T>
    {
        switch (op)
        {
            case BinaryOp.Equal: VectorLoops.CompareScalar<T, EqualOp<T>>(a, k, bits, constantLeft); break;
            case BinaryOp.NotEqual: VectorLoops.CompareScalar<T, NotEqualOp<T>>(a, k, bits, constantLeft); break;
            case BinaryOp.LessThan: VectorLoops.CompareScalar<T, LessThanOp<T>>(a, k, bits, constantLeft); break;
            case BinaryOp.LessThanOrEqual: VectorLoops.CompareScalar<T, LessThanOrEqualOp<T>>(a, k, bits, constantLeft); break;
            case BinaryOp.GreaterThan: VectorLoops.CompareScalar<T, GreaterThanOp<T>>(a, k, bits, constantLeft); break;
            default: VectorLoops.CompareScalar<T, GreaterThanOrEqualOp<T>>(a, k, bits, constantLeft); break;
        }
    }

    // Strings compare by their UTF-8 bytes (Spark's order); equality checks the length before the bytes.
    private static Value CompareStrings(BinaryOp op, Value l, Value r, int n)
    {
        if (l is Const cl && r is Const cr)
        {
            bool holds = CompareScalar(op, ((byte[])cl.Value).AsSpan().SequenceCompareTo((byte[])cr.Value), 0);
            return holds ? new Truth(Bitmask.AllSet(n), new ulong[Bitmask.Words(n)]) : new Truth(new ulong[Bitmask.Words(n)], Bitmask.AllSet(n));
        }
        var mask = new ulong[Bitmask.Words(n)];
        ulong[] valid;
        if (l is Str sl && r is Str sr)
        {
            valid = Bitmask.And(sl.Valid, sr.Valid);
            for (int i = 0; i < n; i++)
                if (CompareScalar(op, sl.Column.GetBytes(i).SequenceCompareTo(sr.Column.GetBytes(i)), 0)) mask[i >> 6] |= 1UL << (i & 63);
        }
        else
        {
            bool scalarLeft = l is Const;
            var col = (Str)(scalarLeft ? r : l);
            var k = (byte[])((Const)(scalarLeft ? l : r)).Value;
            valid = col.Valid;
            var offsets = col.Column.Offsets;
            var data = col.Column.Data;
            if (op is BinaryOp.Equal or BinaryOp.NotEqual)
            {
                bool want = op == BinaryOp.Equal;
                for (int i = 0; i < n; i++)
                {
                    int len = offsets[i + 1] - offsets[i];
                    bool eq = len == k.Length && data.AsSpan(offsets[i], len).SequenceEqual(k);
                    if (eq == want) mask[i >> 6] |= 1UL << (i & 63);
                }
            }
            else
                for (int i = 0; i < n; i++)
                {
                    int c = data.AsSpan(offsets[i], offsets[i + 1] - offsets[i]).SequenceCompareTo(k);
                    if (CompareScalar(op, scalarLeft ? -c : c, 0)) mask[i >> 6] |= 1UL << (i & 63);
                }
        }
        return new Truth(Bitmask.And(mask, valid), Bitmask.AndNot(valid, mask));
    }

    private static Value Like(Str s, LikePattern pattern, int n)
    {
        var mask = new ulong[Bitmask.Words(n)];
        for (int i = 0; i < n; i++) if (pattern.Matches(s.Column.GetBytes(i))) mask[i >> 6] |= 1UL << (i & 63);
        return new Truth(Bitmask.And(mask, s.Valid), Bitmask.AndNot(s.Valid, mask));
    }

    // A string IN against literals tests each row once: rows of up to 7 bytes as one word against the short literals'
    // words, longer rows against the longer literals. A substring at a positive literal position is cut
    // in place, without building its column: when the bytes up to the cut's end are ASCII they are the characters,
    // and any other row takes the scalar rule (TPC-H Q22's substring(c_phone, 1, 2) IN (seven codes)).
    private static Value StringIn(BoundIn e, IReadOnlyList<ColumnVector> cols, int n)
    {
        int pos = 0, length = 0;
        Str x;
        if (e.Value is BoundFunction { Name: "substring", Args: [var arg, BoundLiteral { Value: int p }, ..] } sub && p >= 1)
        {
            x = Text(Eval(arg, cols, n), n);
            pos = p;
            length = sub.Args.Count > 2 ? (int)((BoundLiteral)sub.Args[2]).Value! : int.MaxValue;
        }
        else x = Text(Eval(e.Value, cols, n), n);
        var literals = e.List.Select(l => System.Text.Encoding.UTF8.GetBytes((string)((BoundLiteral)l).Value!)).ToArray();
        // Literals of up to 7 bytes are words with their length in the top byte, 8 to a vector; padding (all ones)
        // has length 255, so no row matches it.
        var shortKeys = literals.Where(l => l.Length <= 7).Select(l => ShortKey(l)).ToList();
        while (shortKeys.Count % 8 != 0) shortKeys.Add(ulong.MaxValue);
        var keyVectors = Enumerable.Range(0, shortKeys.Count / 8).Select(v => Vector512.Create(shortKeys.GetRange(v * 8, 8).ToArray())).ToArray();
        var longOnes = literals.Where(l => l.Length > 7).ToArray();
        var src = x.Column;
        var hit = new ulong[Bitmask.Words(n)];
        for (int i = 0; i < n; i++)
        {
            if ((x.Valid[i >> 6] >> (i & 63) & 1) == 0) continue;
            ReadOnlySpan<byte> bytes = src.GetBytes(i);
            if (pos > 0)
            {
                int cutEnd = (int)Math.Min(bytes.Length, (long)pos - 1 + length);
                if (cutEnd <= 8 ? IsAscii(bytes[..Math.Max(0, cutEnd)]) : System.Text.Ascii.IsValid(bytes[..Math.Max(0, cutEnd)]))
                    bytes = cutEnd <= pos - 1 ? default : bytes[(pos - 1)..cutEnd];
                else bytes = System.Text.Encoding.UTF8.GetBytes(FunctionCatalog.Substring(System.Text.Encoding.UTF8.GetString(bytes), pos, length));
            }
            bool found = false;
            if (bytes.Length <= 7)
            {
                var key = Vector512.Create(ShortKey(bytes));
                foreach (var keys in keyVectors) found |= Vector512.EqualsAny(keys, key);
            }
            else
                foreach (var l in longOnes) found |= bytes.SequenceEqual(l);
            hit[i >> 6] |= (found ? 1UL : 0UL) << (i & 63);
        }
        var truth = new Truth(hit, Bitmask.AndNot(x.Valid, hit));
        return e.Negated ? new Truth(truth.False, truth.True) : truth;
    }

    private static bool IsAscii(ReadOnlySpan<byte> bytes)
    {
        int any = 0;
        foreach (byte b in bytes) any |= b;
        return any < 0x80;
    }

    // Up to 7 bytes as one little-endian word, with their count in the top byte.
    private static ulong ShortKey(ReadOnlySpan<byte> bytes)
    {
        ulong w = (ulong)bytes.Length << 56;
        for (int k = 0; k < bytes.Length; k++) w |= (ulong)bytes[k] << (8 * k);
        return w;
    }

    // pow and sqrt over doubles (the binder casts their arguments), with Math.Pow and Math.Sqrt as the scalar path
    // computes them; a NULL argument makes the row NULL.
    private static Value DoubleFunction(string name, Value[] args, int n)
    {
        Func<double, double, double> f = name == "pow" ? Math.Pow : (x, _) => Math.Sqrt(x);
        if (args.All(a => a is Const))
            return new Const(f((double)((Const)args[0]).Value, args.Length > 1 ? (double)((Const)args[1]).Value : 0));
        double[] Doubles(Value v) => v is Const c ? Enumerable.Repeat((double)c.Value, n).ToArray() : ((Vec)v).Rows<double>(n).ToArray();
        var x = Doubles(args[0]);
        var y = args.Length > 1 ? Doubles(args[1]) : x;
        var r = NewArray<double>(n);
        for (int i = 0; i < n; i++) r[i] = f(x[i], y[i]);
        var valid = ValidOf(args[0], n);
        if (args.Length > 1) valid = Bitmask.And(valid, ValidOf(args[1], n));
        return new Vec(r, valid);
    }

    private static Value DatePart(string name, Value v, int n)
    {
        Func<int, int> part = name switch
        {
            "year" => d => ValueConversions.ToDate(d).Year,
            "month" => d => ValueConversions.ToDate(d).Month,
            _ => d => ValueConversions.ToDate(d).Day,
        };
        if (v is Const c) return new Const(part((int)c.Value));
        var x = (Vec)v;
        return new Vec(Map(x.Rows<int>(n), n, part), x.Valid);
    }

    // Casts into decimals scale exactly (rounding half away from zero when the scale shrinks) and give NULL when
    // the value needs more digits than the target precision; decimal to double goes through System.Decimal, as
    // the scalar cast does, so both paths round alike.
    private static Value DecimalCast(Value v, DataType from, DataType to, int n)
    {
        if (to.Id == TypeId.Float64)
        {
            if (v is Const c) return new Const((double)ValueConversions.ToDecimal(Convert.ToInt64(c.Value), from.Scale));
            var x = (Vec)v;
            return new Vec(Map(x.Rows<long>(n), n, l => (double)ValueConversions.ToDecimal(l, from.Scale)), x.Valid);
        }
        int fromScale = from.Id == TypeId.Decimal ? from.Scale : 0;
        if (v is Vec { Values: int[] } iv) v = new Vec(Map(iv.Rows<int>(n), n, i => (long)i), iv.Valid);
        else if (v is Const { Value: int k }) v = new Const((long)k);
        return DecimalArith(BinaryOp.Add, v, fromScale, new Const(0L), fromScale, to, n);
    }

    // The first branch whose condition is TRUE gives the row its value; no TRUE branch gives the ELSE value (or NULL).
    private static Value Case(BoundCase c, IReadOnlyList<ColumnVector> cols, int n) => c.Type.Id switch
    {
        TypeId.Int32 or TypeId.Date32 => Case<int>(c, cols, n),
        TypeId.Float32 => Case<float>(c, cols, n),
        TypeId.Float64 => Case<double>(c, cols, n),
        _ => Case<long>(c, cols, n),
    };

    private static Value Case<T>(BoundCase c, IReadOnlyList<ColumnVector> cols, int n) where T : unmanaged
    {
        var result = NewArray<T>(n);
        var valid = new ulong[Bitmask.Words(n)];
        foreach (var (value, rows) in CaseRows(c, cols, n)) Take(result, valid, value, rows);
        return new Vec(result, valid);
    }

    // The value each row of a CASE takes: each branch's value with the rows whose first TRUE condition is that branch's,
    // then the ELSE value with the rows no condition took (without an ELSE those rows are NULL and are not listed).
    private static List<(Value Value, ulong[] Rows)> CaseRows(BoundCase c, IReadOnlyList<ColumnVector> cols, int n)
    {
        var taken = new List<(Value, ulong[])>(c.Branches.Count + 1);
        var undecided = Bitmask.AllSet(n);
        foreach (var (when, then) in c.Branches)
        {
            var hit = Bitmask.And(AsTruth(Eval(when, cols, n), n).True, undecided);
            taken.Add((Eval(then, cols, n), hit));
            undecided = Bitmask.AndNot(undecided, hit);
        }
        if (c.Else is not null) taken.Add((Eval(c.Else, cols, n), undecided));
        return taken;
    }

    // Copies the value of `v` into `result` at the rows set in `rows`, marking those of them where it is not NULL valid.
    private static void Take<T>(T[] result, ulong[] valid, Value v, ulong[] rows) where T : unmanaged
    {
        if (v is Const k)
        {
            var value = (T)k.Value;
            foreach (var i in Bitmask.Positions(rows, null)) result[i] = value;
            for (int w = 0; w < valid.Length; w++) valid[w] |= rows[w];
            return;
        }
        var x = (Vec)v;
        var src = (T[])x.Values;
        foreach (var i in Bitmask.Positions(rows, null)) result[i] = src[x.Offset + i];
        for (int w = 0; w < valid.Length; w++) valid[w] |= rows[w] & x.Valid[w];
    }

    // A boolean CASE on the TRUE/FALSE masks: each row takes its first hit branch's truth, NULL when no branch hits and
    // there is no ELSE.
    private static Truth BooleanCase(BoundCase c, IReadOnlyList<ColumnVector> cols, int n)
    {
        var isTrue = new ulong[Bitmask.Words(n)];
        var isFalse = new ulong[isTrue.Length];
        foreach (var (value, rows) in CaseRows(c, cols, n))
        {
            var t = AsTruth(value, n);
            for (int w = 0; w < isTrue.Length; w++)
            {
                isTrue[w] |= rows[w] & t.True[w];
                isFalse[w] |= rows[w] & t.False[w];
            }
        }
        return new Truth(isTrue, isFalse);
    }

    // upper and lower: a column of ASCII text (the common case) maps its bytes in one vectorized pass and keeps its
    // offsets; any other character sends the whole column to the scalar rule, since a case mapping may change a row's
    // length in bytes.
    private static Str ChangeCase(BoundFunction f, Str s, int n)
    {
        var c = s.Column;
        int from = c.Offsets[0], to = c.Offsets[n];
        var data = new byte[c.Data.Length];
        var source = c.Data.AsSpan(from, to - from);
        var target = data.AsSpan(from, to - from);
        var status = f.Name == "upper" ? System.Text.Ascii.ToUpper(source, target, out _) : System.Text.Ascii.ToLower(source, target, out _);
        var mapped = status == System.Buffers.OperationStatus.Done
            ? new StringVector(c.Offsets, data, c.Validity, n)
            : (StringVector)FunctionCatalog.Evaluate(f, [c], n);
        return new Str(mapped, s.Valid);
    }

    // length counts characters: in ASCII text each byte is one, so the lengths are the offsets' differences; other text
    // takes the scalar rule (code points of the decoded string, a malformed byte counting as one).
    private static Vec Length(BoundFunction f, Str s, int n)
    {
        var c = s.Column;
        int from = c.Offsets[0];
        if (!System.Text.Ascii.IsValid(c.Data.AsSpan(from, c.Offsets[n] - from)))
            return new Vec(((PrimitiveVector<int>)FunctionCatalog.Evaluate(f, [c], n)).Values, s.Valid);
        var lengths = NewArray<int>(n);
        var offsets = c.Offsets;
        for (int i = 0; i < n; i++) lengths[i] = offsets[i + 1] - offsets[i];
        return new Vec(lengths, s.Valid);
    }

    // A NULL of a numeric, boolean or string type: every row invalid (neither TRUE nor FALSE for a boolean, and an
    // untyped NULL is that unknown too; a string NULL is a column of empty invalid rows).
    private static Value NullOf(DataType type, int n)
    {
        var none = new ulong[Bitmask.Words(n)];
        return type.Id switch
        {
            TypeId.Boolean or TypeId.Null => new Truth(none, new ulong[none.Length]),
            TypeId.Utf8 => new Str(new StringVector(new int[n + 1], [], Bitmask.ToValidity(none, n), n), none),
            TypeId.Array => new Lst(new ListVector(type, new int[n + 1], ColumnBuilder.Create(type.Element!, 0).Build(), Bitmask.ToValidity(none, n)), none),
            TypeId.Int32 or TypeId.Date32 => new Vec(new int[n], none),
            TypeId.Float32 => new Vec(new float[n], none),
            TypeId.Float64 => new Vec(new double[n], none),
            _ => new Vec(new long[n], none),
        };
    }

    private static Value Abs(Value v, int n)
    {
        if (v is Const c)
            return new Const(c.Value switch
            {
                int k => VectorLoops.AbsOf(k), long k => VectorLoops.AbsOf(k), float k => VectorLoops.AbsOf(k), double k => VectorLoops.AbsOf(k),
                _ => throw new InvalidOperationException(),
            });
        var rows = (Vec)v;
        Array r = rows.Values switch
        {
            int[] => AbsRows<int>(rows, n), long[] => AbsRows<long>(rows, n), float[] => AbsRows<float>(rows, n), _ => AbsRows<double>(rows, n),
        };
        return new Vec(r, rows.Valid);
    }

    private static T[] AbsRows<T>(Vec x, int n) where T : unmanaged, INumber<T>
    {
        var r = NewArray<T>(n);
        VectorLoops.Abs<T>(x.Rows<T>(n), r.AsSpan(0, n));
        return r;
    }

    // concat: NULL when any part is; otherwise the parts' UTF-8 bytes one after another (Spark concatenates bytes; the
    // scalar path's decoded strings give the same bytes for valid UTF-8). One pass sizes every row, one copies.
    private static Str Concat(Value[] parts, int n)
    {
        var valid = Bitmask.AllSet(n);
        foreach (var p in parts) if (p is Str s) valid = Bitmask.And(valid, s.Valid);
        var offsets = new int[n + 1];
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            if ((valid[i >> 6] >> (i & 63) & 1) != 0)
                foreach (var p in parts) total += p is Str s ? s.Column.Offsets[i + 1] - s.Column.Offsets[i] : ((byte[])((Const)p).Value).Length;
            if (total > Array.MaxLength) throw new AccelException("concat produces more than 2 GB of text in one batch");
            offsets[i + 1] = (int)total;
        }
        var data = new byte[total];
        for (int i = 0; i < n; i++)
        {
            int at = offsets[i];
            if (at == offsets[i + 1]) continue;
            foreach (var p in parts)
            {
                var bytes = p is Str s ? s.Column.GetBytes(i) : ((byte[])((Const)p).Value).AsSpan();
                bytes.CopyTo(data.AsSpan(at));
                at += bytes.Length;
            }
        }
        return new Str(new StringVector(offsets, data, Bitmask.ToValidity(valid, n), n), valid);
    }

    // A string CASE: each row's branch from the conditions' masks (NULL where none hits and there is no ELSE).
    private static Str StringCase(BoundCase c, IReadOnlyList<ColumnVector> cols, int n)
    {
        var (values, pick) = CasePicks(c, cols, n);
        return PickedStrings(values, pick, n);
    }

    // The values a CASE's branches (and ELSE) take and, per row, the index of the one it takes (-1: NULL, no branch).
    private static (List<Value> Values, int[] Pick) CasePicks(BoundCase c, IReadOnlyList<ColumnVector> cols, int n)
    {
        var taken = CaseRows(c, cols, n);
        var pick = new int[n];
        Array.Fill(pick, -1);
        for (int b = 0; b < taken.Count; b++)
            foreach (var i in Bitmask.Positions(taken[b].Rows, null)) pick[i] = b;
        return (taken.Select(t => t.Value).ToList(), pick);
    }

    // The string column whose row i is row i of values[pick[i]] (a Str, or a Const of bytes): NULL where pick[i] is -1
    // or that value is NULL. One pass sizes every row, one copies the bytes.
    private static Str PickedStrings(IReadOnlyList<Value> values, int[] pick, int n)
    {
        var valid = new ulong[Bitmask.Words(n)];
        var offsets = new int[n + 1];
        long total = 0;
        for (int i = 0; i < n; i++)
        {
            if (pick[i] >= 0 && (values[pick[i]] is not Str s || (s.Valid[i >> 6] >> (i & 63) & 1) != 0))
            {
                valid[i >> 6] |= 1UL << (i & 63);
                total += values[pick[i]] is Str x ? x.Column.Offsets[i + 1] - x.Column.Offsets[i] : ((byte[])((Const)values[pick[i]]).Value).Length;
                if (total > Array.MaxLength) throw new AccelException("a string expression produces more than 2 GB of text in one batch");
            }
            offsets[i + 1] = (int)total;
        }
        var data = new byte[total];
        for (int i = 0; i < n; i++)
        {
            if (offsets[i] == offsets[i + 1]) continue;
            var bytes = values[pick[i]] is Str s ? s.Column.GetBytes(i) : ((byte[])((Const)values[pick[i]]).Value).AsSpan();
            bytes.CopyTo(data.AsSpan(offsets[i]));
        }
        return new Str(new StringVector(offsets, data, Bitmask.ToValidity(valid, n), n), valid);
    }

    // Spark's trim functions strip the space character only; a UTF-8 byte 0x20 is always that character, so each row's
    // bytes are cut by their leading and trailing 0x20 bytes and copied into one new column.
    private static Str Trim(Str s, bool leading, bool trailing, int n)
    {
        var c = s.Column;
        var from = new int[n];
        var offsets = new int[n + 1];
        for (int i = 0; i < n; i++)
        {
            int a = c.Offsets[i], b = c.Offsets[i + 1];
            if (leading) while (a < b && c.Data[a] == (byte)' ') a++;
            if (trailing) while (b > a && c.Data[b - 1] == (byte)' ') b--;
            from[i] = a;
            offsets[i + 1] = offsets[i] + (b - a);
        }
        var data = new byte[offsets[n]];
        for (int i = 0; i < n; i++) c.Data.AsSpan(from[i], offsets[i + 1] - offsets[i]).CopyTo(data.AsSpan(offsets[i]));
        return new Str(new StringVector(offsets, data, c.Validity, n), s.Valid);
    }

    private static Value Coalesce(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n) => f.Type.Id switch
    {
        TypeId.Int32 or TypeId.Date32 => Coalesce<int>(f, cols, n),
        TypeId.Float32 => Coalesce<float>(f, cols, n),
        TypeId.Float64 => Coalesce<double>(f, cols, n),
        _ => Coalesce<long>(f, cols, n),
    };

    // Each row takes its first non-NULL argument; the arguments after the first are evaluated only while a row lacks one.
    private static Value Coalesce<T>(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n) where T : unmanaged
    {
        var result = NewArray<T>(n);
        var valid = new ulong[Bitmask.Words(n)];
        foreach (var arg in f.Args)
        {
            var missing = Bitmask.AndNot(Bitmask.AllSet(n), valid);
            if (Array.TrueForAll(missing, w => w == 0)) break;
            Take(result, valid, Eval(arg, cols, n), missing);
        }
        return new Vec(result, valid);
    }

    private static bool CompareScalar<T>(BinaryOp op, T a, T b) where T : unmanaged, INumber<T> => op switch
    {
        BinaryOp.Equal => EqualOp<T>.Invoke(a, b),
        BinaryOp.NotEqual => NotEqualOp<T>.Invoke(a, b),
        BinaryOp.LessThan => LessThanOp<T>.Invoke(a, b),
        BinaryOp.LessThanOrEqual => LessThanOrEqualOp<T>.Invoke(a, b),
        BinaryOp.GreaterThan => GreaterThanOp<T>.Invoke(a, b),
        _ => GreaterThanOrEqualOp<T>.Invoke(a, b),
    };
}

/// <summary>Result arrays that one range evaluation after another reuses (a fused aggregate's morsels), so that a
/// query's computed inputs live in a few cache-sized arrays instead of fresh memory per batch.</summary>
public sealed class EvaluationScratch
{
    private readonly List<Array> _free = [], _taken = [];

    /// <summary>A zeroed array of at least <paramref name="n"/> elements, reused when one is free.</summary>
    internal T[] Take<T>(int n)
    {
        for (int i = 0; i < _free.Count; i++)
            if (_free[i] is T[] a && a.Length >= n)
            {
                _free[i] = _free[^1];
                _free.RemoveAt(_free.Count - 1);
                _taken.Add(a);
                a.AsSpan(0, n).Clear();
                return a;
            }
        var fresh = new T[n];
        _taken.Add(fresh);
        return fresh;
    }

    /// <summary>Makes every array handed out so far reusable: the results of the evaluations before this call are dead.</summary>
    public void Recycle()
    {
        _free.AddRange(_taken);
        _taken.Clear();
    }
}

/// <summary>The largest magnitude among an int64 column's values (those under NULLs included, which only widens it),
/// from its cached range.</summary>
internal static class ColumnMaxAbs
{
    public static Int128 Of(PrimitiveVector<long> c) => c.Length == 0 ? 0 : Magnitude(ColumnRange.Of(c));

    /// <summary>The largest magnitude among the values (0 for none).</summary>
    public static Int128 Of(ReadOnlySpan<long> values) => values.IsEmpty ? 0 : Magnitude(VectorLoops.MinMax<long>(values));

    private static Int128 Magnitude((long Lo, long Hi) range) => Int128.Max(Int128.Abs(range.Lo), Int128.Abs(range.Hi));
}

/// <summary>Conversions between CLR literal values and stored (physical) values.</summary>
public static class Storage
{
    /// <summary>The stored form of a literal (dates as day numbers, decimals scaled, timestamps in microseconds).</summary>
    public static object FromClr(DataType t, object v) => t.Id switch
    {
        TypeId.Int32 => Convert.ToInt32(v),
        TypeId.Int64 => Convert.ToInt64(v),
        TypeId.Float32 => Convert.ToSingle(v),
        TypeId.Float64 => Convert.ToDouble(v),
        _ => PrimitiveColumnBuilder<long>.ConvertToStorage(t, v),
    };

    /// <summary>The CLR form of a stored value.</summary>
    public static object ToClr(DataType t, object v) => t.Id switch
    {
        TypeId.Decimal => ValueConversions.ToDecimal((long)v, t.Scale),
        TypeId.Date32 => ValueConversions.ToDate((int)v),
        TypeId.Timestamp => ValueConversions.ToTimestamp((long)v),
        TypeId.Utf8 => System.Text.Encoding.UTF8.GetString((byte[])v),
        _ => v,
    };

    /// <summary>Minus one in a numeric type's storage.</summary>
    public static object MinusOne(DataType t) => t.Id switch
    {
        TypeId.Int32 => (object)(-1), TypeId.Int64 => -1L, TypeId.Float32 => -1f, _ => -1d,
    };
}
