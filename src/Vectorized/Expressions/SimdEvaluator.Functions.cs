using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Accel.Data;
using Accel.Expressions;

namespace Accel.Vectorized;

// The functions whose rule is per row (rounding, calendar months, text formatting, regular expressions, arrays):
// each runs one typed loop over a whole column, calling the shared rule of FunctionCatalog or CastKernels for each row
// without boxing, and takes a byte-level fast path where one gives the same answer.
public static partial class SimdEvaluator
{
    // An array column (split's result, or one read): offsets into a child column, as ListVector stores it.
    private sealed record Lst(ListVector Column, ulong[] Valid) : Value;

    // round(x, d): integers and decimals on their stored int64 (a decimal to fewer digits divides its scaled value,
    // rounding half away from zero); doubles and floats by the scalar rule, HALF_UP on the decimal value.
    private static Value Round(Value v, DataType from, DataType to, int scale, int n)
    {
        if (v is Const c) return new Const(RoundOne(c.Value, from, to, scale));
        var x = (Vec)v;
        switch (from.Id)
        {
            case TypeId.Float64:
            {
                var src = x.Rows<double>(n);
                var r = NewArray<double>(n);
                for (int i = 0; i < n; i++) r[i] = FunctionCatalog.RoundHalfUp(src[i], scale);
                return new Vec(r, x.Valid);
            }
            case TypeId.Float32:
            {
                var src = x.Rows<float>(n);
                var r = NewArray<float>(n);
                for (int i = 0; i < n; i++) r[i] = (float)FunctionCatalog.RoundHalfUp(src[i], scale);
                return new Vec(r, x.Valid);
            }
            case TypeId.Decimal when from.Scale > to.Scale:
            {
                long divisor = ValueConversions.Pow10[from.Scale - to.Scale];
                var src = x.Rows<long>(n);
                var r = NewArray<long>(n);
                for (int i = 0; i < n; i++) r[i] = FunctionCatalog.DivideHalfUp(src[i], divisor);
                return new Vec(r, x.Valid);
            }
            case TypeId.Int64 when scale < 0:
            {
                var src = x.Rows<long>(n);
                var r = NewArray<long>(n);
                for (int i = 0; i < n; i++) r[i] = FunctionCatalog.RoundToPowerOfTen(src[i], -scale);
                return new Vec(r, x.Valid);
            }
            case TypeId.Int32 when scale < 0:
            {
                var src = x.Rows<int>(n);
                var r = NewArray<int>(n);
                for (int i = 0; i < n; i++) r[i] = unchecked((int)FunctionCatalog.RoundToPowerOfTen(src[i], -scale));
                return new Vec(r, x.Valid);
            }
            default:
                return v; // an integer to d >= 0 digits, or a decimal to at least its scale: every value is already round
        }
    }

    private static object RoundOne(object stored, DataType from, DataType to, int scale) => stored switch
    {
        double d => FunctionCatalog.RoundHalfUp(d, scale),
        float f => (float)FunctionCatalog.RoundHalfUp(f, scale),
        long m when from.Id == TypeId.Decimal => from.Scale > to.Scale ? FunctionCatalog.DivideHalfUp(m, ValueConversions.Pow10[from.Scale - to.Scale]) : m,
        long l => scale < 0 ? FunctionCatalog.RoundToPowerOfTen(l, -scale) : l,
        int i => scale < 0 ? unchecked((int)FunctionCatalog.RoundToPowerOfTen(i, -scale)) : i,
        _ => throw new InvalidOperationException($"simd: round of a stored {stored.GetType().Name}"),
    };

    // add_months by the calendar rule of FunctionCatalog, row by row over the days and months.
    private static Value AddMonths(Value days, Value months, int n)
    {
        if (days is Const d && months is Const m) return new Const(FunctionCatalog.AddMonths((int)d.Value, (int)m.Value));
        var start = IntRows(days, n, out var startValid);
        var add = IntRows(months, n, out var addValid);
        var valid = Bitmask.And(startValid, addValid);
        var r = NewArray<int>(n);
        for (int i = 0; i < n; i++)
            if ((valid[i >> 6] >> (i & 63) & 1) != 0) r[i] = FunctionCatalog.AddMonths(start[i], add[i]);
        return new Vec(r, valid);
    }

    private static ReadOnlySpan<int> IntRows(Value v, int n, out ulong[] valid)
    {
        if (v is Vec x)
        {
            valid = x.Valid;
            return x.Rows<int>(n);
        }
        valid = Bitmask.AllSet(n);
        var filled = new int[n];
        Array.Fill(filled, (int)((Const)v).Value);
        return filled;
    }

    private static bool IsNumericCast(DataType from, DataType to) => (from.Id, to.Id) switch
    {
        (TypeId.Float64 or TypeId.Float32 or TypeId.Int64 or TypeId.Decimal, TypeId.Int32) => true,
        (TypeId.Float64 or TypeId.Float32 or TypeId.Decimal, TypeId.Int64) => true,
        (TypeId.Float64 or TypeId.Int32 or TypeId.Int64, TypeId.Float32) => true,
        (TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal, TypeId.Boolean) => true,
        (TypeId.Boolean, TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64) => true,
        (TypeId.Timestamp, TypeId.Date32) or (TypeId.Date32, TypeId.Timestamp) => true,
        _ => false,
    };

    // The narrowing casts between numbers, booleans and date/time, each one typed loop with CastKernels' rule:
    // floating point to integers truncates and saturates (NaN is 0), bigint to int wraps, a decimal truncates its
    // scaled value, a number is TRUE when non-zero, a timestamp's date is the floor of its days.
    private static Value NumericCast(Value v, DataType from, DataType to, int n)
    {
        if (v is Const c)
        {
            var cast = CastKernels.CastValue(Storage.ToClr(from, c.Value), from, to);
            return cast is bool b ? AsTruthConstant(b, n) : new Const(Storage.FromClr(to, cast!));
        }
        if (v is Truth t)
        {
            return to.Id switch
            {
                TypeId.Int32 => FromTruth(t, 1, n), TypeId.Int64 => FromTruth(t, 1L, n), TypeId.Float32 => FromTruth(t, 1f, n), _ => FromTruth(t, 1d, n),
            };
        }
        var x = (Vec)v;
        if (to.Id == TypeId.Boolean)
        {
            var nonZero = new ulong[Bitmask.Words(n)];
            for (int i = 0; i < n; i++)
            {
                bool truth = x.Values switch
                {
                    int[] a => a[x.Offset + i] != 0, long[] a => a[x.Offset + i] != 0, float[] a => a[x.Offset + i] != 0, _ => ((double[])x.Values)[x.Offset + i] != 0,
                };
                if (truth) nonZero[i >> 6] |= 1UL << (i & 63);
            }
            nonZero = Bitmask.And(nonZero, x.Valid);
            return new Truth(nonZero, Bitmask.AndNot(x.Valid, nonZero));
        }
        long scaleDivisor = from.Id == TypeId.Decimal ? ValueConversions.Pow10[from.Scale] : 1;
        const long MicrosPerDay = 86_400_000_000L;
        Array r = (from.Id, to.Id) switch
        {
            (TypeId.Float64, TypeId.Int32) => Map(x.Rows<double>(n), n, CastKernels.SaturateInt),
            (TypeId.Float32, TypeId.Int32) => Map(x.Rows<float>(n), n, f => CastKernels.SaturateInt(f)),
            (TypeId.Int64, TypeId.Int32) => Map(x.Rows<long>(n), n, l => unchecked((int)l)),
            (TypeId.Decimal, TypeId.Int32) => Map(x.Rows<long>(n), n, m => unchecked((int)(m / scaleDivisor))),
            (TypeId.Float64, TypeId.Int64) => Map(x.Rows<double>(n), n, CastKernels.SaturateLong),
            (TypeId.Float32, TypeId.Int64) => Map(x.Rows<float>(n), n, f => CastKernels.SaturateLong(f)),
            (TypeId.Decimal, TypeId.Int64) => Map(x.Rows<long>(n), n, m => m / scaleDivisor),
            (TypeId.Float64, TypeId.Float32) => Map(x.Rows<double>(n), n, d => (float)d),
            (TypeId.Int32, TypeId.Float32) => Map(x.Rows<int>(n), n, i => (float)i),
            (TypeId.Int64, TypeId.Float32) => Map(x.Rows<long>(n), n, l => (float)l),
            (TypeId.Timestamp, TypeId.Date32) => Map(x.Rows<long>(n), n, us => (int)Math.DivRem(us, MicrosPerDay, out long rem) - (rem < 0 ? 1 : 0)),
            (TypeId.Date32, TypeId.Timestamp) => Map(x.Rows<int>(n), n, d => d * MicrosPerDay),
            _ => throw new InvalidOperationException($"simd: no loop casts {from} to {to}"),
        };
        return new Vec(r, x.Valid);
    }

    // A cast among numbers, booleans, dates and timestamps: a widening, decimal or narrowing loop, or else CastByRule.
    private static bool IsCastBetweenScalars(DataType from, DataType to) =>
        (IsVectorType(from) || from.Id == TypeId.Boolean) && (IsVectorType(to) || to.Id == TypeId.Boolean);

    // The casts between numbers and date/time that no typed loop covers (floating point into decimals, decimals to
    // float, numbers to and from timestamps): CastKernels' rule for each row, NULL where it gives NULL.
    private static Value CastByRule(Value v, DataType from, DataType to, int n)
    {
        if (v is Const c)
        {
            var cast = CastKernels.CastValue(Storage.ToClr(from, c.Value), from, to);
            return cast is null ? NullOf(to, n) : cast is bool b ? AsTruthConstant(b, n) : new Const(Storage.FromClr(to, cast));
        }
        var valid = ValidOf(v, n);
        var rows = new object?[n];
        for (int i = 0; i < n; i++)
        {
            if (!IsValid(valid, i)) continue;
            object source = v is Truth t ? IsValid(t.True, i) : StoredValue((Vec)v, from, i);
            rows[i] = CastKernels.CastValue(source, from, to);
        }
        var castValid = new ulong[Bitmask.Words(n)];
        for (int i = 0; i < n; i++) if (rows[i] is not null) castValid[i >> 6] |= 1UL << (i & 63);
        if (to.Id == TypeId.Boolean)
        {
            var isTrue = new ulong[castValid.Length];
            for (int i = 0; i < n; i++) if (rows[i] is true) isTrue[i >> 6] |= 1UL << (i & 63);
            return new Truth(isTrue, Bitmask.AndNot(castValid, isTrue));
        }
        Array r = to.Id switch
        {
            TypeId.Int32 or TypeId.Date32 => StoreRows<int>(rows, to, n),
            TypeId.Float32 => StoreRows<float>(rows, to, n),
            TypeId.Float64 => StoreRows<double>(rows, to, n),
            _ => StoreRows<long>(rows, to, n),
        };
        return new Vec(r, castValid);
    }

    private static T[] StoreRows<T>(object?[] rows, DataType type, int n) where T : unmanaged
    {
        var r = NewArray<T>(n);
        for (int i = 0; i < n; i++) if (rows[i] is { } value) r[i] = (T)Storage.FromClr(type, value);
        return r;
    }

    // CAST(array<A> AS array<B>) is the element cast over the flattened elements, under the same offsets.
    private static BoundCast ElementCast(DataType from, DataType to) => new(new BoundColumn(0, from.Element!, "element"), to.Element!);

    private static string? ArrayCastUnsupported(DataType from, DataType to) =>
        from.Id == TypeId.Array && to.Id == TypeId.Array ? UnsupportedNode(ElementCast(from, to)) : "not an array cast";

    private static Lst CastArray(Lst a, DataType from, DataType to, int n)
    {
        var elements = a.Column.Values;
        var cast = EvaluateColumn(ElementCast(from, to), [elements], elements.Length);
        return new Lst(new ListVector(to, a.Column.Offsets, cast, a.Column.Validity), a.Valid);
    }

    private static Truth AsTruthConstant(bool b, int n) =>
        b ? new Truth(Bitmask.AllSet(n), new ulong[Bitmask.Words(n)]) : new Truth(new ulong[Bitmask.Words(n)], Bitmask.AllSet(n));

    // A boolean as a number: `one` where TRUE, zero where FALSE, NULL where neither.
    private static Vec FromTruth<T>(Truth t, T one, int n) where T : unmanaged
    {
        var r = NewArray<T>(n);
        foreach (var i in Bitmask.Positions(t.True, null)) r[i] = one;
        return new Vec(r, Bitmask.Or(t.True, t.False));
    }

    private static bool IsCastToString(DataType from, DataType to) =>
        to.Id == TypeId.Utf8 && (IsVectorType(from) || from.Id == TypeId.Boolean);

    // CAST(x AS STRING): integers and dates formatted straight into UTF-8 bytes (their invariant forms are Spark's);
    // floating point, decimals and timestamps through CastKernels' Spark formatting, one row at a time.
    private static Value CastToString(Value v, DataType from, int n)
    {
        if (v is Const c) return new Const(Encoding.UTF8.GetBytes(CastKernels.ToSparkString(Storage.ToClr(from, c.Value))));
        if (v is Truth t)
        {
            var valid = Bitmask.Or(t.True, t.False);
            var text = new TextRows(n, 5 * n);
            for (int i = 0; i < n; i++)
                if ((valid[i >> 6] >> (i & 63) & 1) == 0) text.Skip();
                else text.Add((t.True[i >> 6] >> (i & 63) & 1) != 0 ? "true"u8 : "false"u8);
            return new Str(text.Build(valid), valid);
        }
        var x = (Vec)v;
        var rows = new TextRows(n, 8 * n);
        switch (from.Id)
        {
            case TypeId.Int32:
            {
                var src = x.Rows<int>(n);
                for (int i = 0; i < n; i++)
                    if (!IsValid(x.Valid, i)) rows.Skip();
                    else { src[i].TryFormat(rows.Room(11), out int w, default, CultureInfo.InvariantCulture); rows.Close(w); }
                break;
            }
            case TypeId.Int64:
            {
                var src = x.Rows<long>(n);
                for (int i = 0; i < n; i++)
                    if (!IsValid(x.Valid, i)) rows.Skip();
                    else { src[i].TryFormat(rows.Room(20), out int w, default, CultureInfo.InvariantCulture); rows.Close(w); }
                break;
            }
            case TypeId.Date32:
            {
                var src = x.Rows<int>(n);
                for (int i = 0; i < n; i++)
                    if (!IsValid(x.Valid, i)) rows.Skip();
                    else { ValueConversions.ToDate(src[i]).TryFormat(rows.Room(10), out int w, "yyyy-MM-dd", CultureInfo.InvariantCulture); rows.Close(w); }
                break;
            }
            default:
                for (int i = 0; i < n; i++)
                    if (!IsValid(x.Valid, i)) rows.Skip();
                    else rows.Add(CastKernels.ToSparkString(StoredValue(x, from, i)));
                break;
        }
        return new Str(rows.Build(x.Valid), x.Valid);
    }

    private static object StoredValue(Vec x, DataType type, int i) => x.Values switch
    {
        double[] a => a[x.Offset + i],
        float[] a => a[x.Offset + i],
        long[] a => ValueConversions.ToObject(type, a[x.Offset + i]),
        int[] a => ValueConversions.ToObject(type, a[x.Offset + i]),
        _ => throw new InvalidOperationException(),
    };

    private static bool IsValid(ulong[] valid, int i) => (valid[i >> 6] >> (i & 63) & 1) != 0;

    // Booleans compare with FALSE < TRUE, as word operations on the TRUE and FALSE masks; NULL where either side is.
    private static Truth CompareTruths(BinaryOp op, Truth l, Truth r, int n)
    {
        var valid = Bitmask.And(Bitmask.Or(l.True, l.False), Bitmask.Or(r.True, r.False));
        var equal = Bitmask.Or(Bitmask.And(l.True, r.True), Bitmask.And(l.False, r.False));
        var less = Bitmask.And(l.False, r.True);
        var greater = Bitmask.And(l.True, r.False);
        var holds = op switch
        {
            BinaryOp.Equal => equal,
            BinaryOp.NotEqual => Bitmask.Or(less, greater),
            BinaryOp.LessThan => less,
            BinaryOp.LessThanOrEqual => Bitmask.Or(less, equal),
            BinaryOp.GreaterThan => greater,
            _ => Bitmask.Or(greater, equal),
        };
        return new Truth(holds, Bitmask.AndNot(valid, holds));
    }

    // coalesce of booleans: each row takes the truth of its first non-NULL argument.
    private static Truth CoalesceTruths(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n)
    {
        var isTrue = new ulong[Bitmask.Words(n)];
        var isFalse = new ulong[isTrue.Length];
        foreach (var arg in f.Args)
        {
            var missing = Bitmask.AndNot(Bitmask.AllSet(n), Bitmask.Or(isTrue, isFalse));
            if (Array.TrueForAll(missing, w => w == 0)) break;
            var t = AsTruth(Eval(arg, cols, n), n);
            isTrue = Bitmask.Or(isTrue, Bitmask.And(missing, t.True));
            isFalse = Bitmask.Or(isFalse, Bitmask.And(missing, t.False));
        }
        return new Truth(isTrue, isFalse);
    }

    // coalesce of strings and of arrays: each row takes its first non-NULL argument, later arguments evaluated only
    // while some row still lacks one; the chosen rows are copied into one new column.
    private static Str CoalesceStrings(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n)
    {
        var (values, pick) = CoalescePicks(f, cols, n);
        return PickedStrings(values, pick, n);
    }

    private static Lst CoalesceLists(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n)
    {
        var (values, pick) = CoalescePicks(f, cols, n);
        return PickedLists(values, pick, f.Type, n);
    }

    // The arguments evaluated and, per row, the index of the first that is not NULL there (-1: none is).
    private static (List<Value> Values, int[] Pick) CoalescePicks(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n)
    {
        var values = new List<Value>();
        var pick = new int[n];
        Array.Fill(pick, -1);
        var valid = new ulong[Bitmask.Words(n)];
        foreach (var arg in f.Args)
        {
            var missing = Bitmask.AndNot(Bitmask.AllSet(n), valid);
            if (Array.TrueForAll(missing, w => w == 0)) break;
            var v = Eval(arg, cols, n);
            var taken = Bitmask.And(missing, ValidOf(v, n));
            foreach (var i in Bitmask.Positions(taken, null)) pick[i] = values.Count;
            values.Add(v);
            for (int w = 0; w < valid.Length; w++) valid[w] |= taken[w];
        }
        return (values, pick);
    }

    // LIKE and rlike through the shared PatternMatcher, the pattern a literal or one per row (a row with a NULL text
    // or pattern is NULL).
    private static Truth Matches(Str s, Value pattern, bool like, int n)
    {
        var matcher = new PatternMatcher(like);
        var valid = Bitmask.And(s.Valid, ValidOf(pattern, n));
        var patterns = PerRowText(pattern);
        var hit = new ulong[Bitmask.Words(n)];
        for (int i = 0; i < n; i++)
            if (IsValid(valid, i) && matcher.Matches(s.Column.GetBytes(i), patterns(i))) hit[i >> 6] |= 1UL << (i & 63);
        return new Truth(hit, Bitmask.AndNot(valid, hit));
    }

    // A string value as a column: a literal (rare here: constant folding computes literal-only calls) repeated per row.
    private static Str Text(Value v, int n)
    {
        if (v is Str s) return s;
        var repeated = (StringVector)ScalarEvaluator.Constant(DataType.Utf8, Storage.ToClr(DataType.Utf8, ((Const)v).Value), n);
        return new Str(repeated, Bitmask.AllSet(n));
    }

    // Row i's text of a string value: a literal is one string for every row (decoded once), a column's row is decoded.
    private static Func<int, string> PerRowText(Value v)
    {
        if (v is Const c)
        {
            var text = Encoding.UTF8.GetString((byte[])c.Value);
            return _ => text;
        }
        var column = ((Str)v).Column;
        return i => Encoding.UTF8.GetString(column.GetBytes(i));
    }

    // split(s, pattern[, limit]) with Java's String.split rules: a plain-text pattern cuts each row's bytes at its
    // occurrences, left to right; any other pattern splits the decoded row by the scalar rule. limit > 0 caps the parts
    // (the last keeps the rest); otherwise every part is kept, trailing empty ones included. The pattern and the limit
    // are literals or one per row.
    private static Lst Split(Str s, Value pattern, Value? limit, DataType type, int n)
    {
        var c = s.Column;
        var valid = Bitmask.And(s.Valid, ValidOf(pattern, n));
        var limits = OptionalIntRows(limit, -1, n, ref valid);
        var patterns = PerRowText(pattern);
        var regexes = new Dictionary<string, Regex>();
        var rowParts = new int[n + 1];
        var parts = new TextRows(n, c.Offsets[n] - c.Offsets[0]);
        string? lastPattern = null;
        byte[] separator = [];
        bool literal = false;
        for (int i = 0; i < n; i++)
        {
            if (IsValid(valid, i))
            {
                var p = patterns(i);
                if (p != lastPattern)
                {
                    lastPattern = p;
                    literal = p.Length > 0 && FunctionCatalog.IsLiteralRegex(p);
                    separator = Encoding.UTF8.GetBytes(p);
                }
                if (literal)
                {
                    var rest = c.GetBytes(i);
                    for (int count = 1; limits[i] <= 0 || count < limits[i]; count++)
                    {
                        int at = rest.IndexOf(separator);
                        if (at < 0) break;
                        parts.Add(rest[..at]);
                        rest = rest[(at + separator.Length)..];
                    }
                    parts.Add(rest);
                }
                else
                {
                    if (!regexes.TryGetValue(p, out var re)) regexes[p] = re = FunctionCatalog.CompileRegex(p);
                    foreach (var part in FunctionCatalog.Split(Encoding.UTF8.GetString(c.GetBytes(i)), re, limits[i])) parts.Add(part);
                }
            }
            rowParts[i + 1] = parts.Count;
        }
        var elements = parts.Build(null);
        return new Lst(new ListVector(type, rowParts, elements, Bitmask.ToValidity(valid, n)), valid);
    }

    // An optional integer argument's rows (its default where it is absent), its NULL rows cleared from `valid`.
    private static ReadOnlySpan<int> OptionalIntRows(Value? v, int absent, int n, ref ulong[] valid)
    {
        if (v is null)
        {
            var filled = new int[n];
            Array.Fill(filled, absent);
            return filled;
        }
        var rows = IntRows(v, n, out var rowsValid);
        valid = Bitmask.And(valid, rowsValid);
        return rows;
    }

    // Spark's substring, positions and lengths literals or one per row: an all-ASCII row is cut by bytes (each byte is
    // one character there), any other row by the scalar rule on its decoded text. NULL where any argument is.
    private static Str Substring(Str s, Value pos, Value? length, int n)
    {
        var src = s.Column;
        var starts = IntRows(pos, n, out var posValid);
        var valid = Bitmask.And(s.Valid, posValid);
        var lengths = OptionalIntRows(length, int.MaxValue, n, ref valid);
        var rows = new TextRows(n, src.Offsets[n] - src.Offsets[0]);
        for (int i = 0; i < n; i++)
        {
            if (!IsValid(valid, i)) { rows.Skip(); continue; }
            var bytes = src.GetBytes(i);
            if (System.Text.Ascii.IsValid(bytes))
            {
                var (start, end) = FunctionCatalog.SubstringRange(bytes.Length, starts[i], lengths[i]);
                rows.Add(bytes[start..end]);
            }
            else rows.Add(FunctionCatalog.Substring(Encoding.UTF8.GetString(bytes), starts[i], lengths[i]));
        }
        return new Str(rows.Build(valid), valid);
    }

    private static bool IsCastFromString(DataType from, DataType to) =>
        from.Id == TypeId.Utf8 && (IsVectorType(to) || to.Id == TypeId.Boolean);

    // CAST(string AS ...): CastKernels' parsing rule for each row, except the shapes it reads the same way without
    // decoding the row: an optional sign and up to 18 digits for integers, a number of ASCII digits, signs, points and
    // exponents for floating point and decimals, and yyyy-mm-dd for dates. A row that does not parse is NULL.
    private static Value CastFromString(Value v, DataType to, int n)
    {
        if (v is Const c)
        {
            var parsed = CastKernels.FromString(Encoding.UTF8.GetString((byte[])c.Value), to);
            if (parsed is null) return NullOf(to, n);
            if (parsed is bool b) return AsTruthConstant(b, n);
            return new Const(Storage.FromClr(to, parsed));
        }
        var s = Text(v, n);
        switch (to.Id)
        {
            case TypeId.Boolean:
            {
                var parsed = ParseRows<byte>(s, to, n, static (ReadOnlySpan<byte> _, out byte value) => { value = 0; return -1; },
                    stored => (bool)stored ? (byte)1 : (byte)0);
                var values = (byte[])parsed.Values;
                var isTrue = new ulong[Bitmask.Words(n)];
                for (int i = 0; i < n; i++) if (values[i] != 0) isTrue[i >> 6] |= 1UL << (i & 63);
                isTrue = Bitmask.And(isTrue, parsed.Valid);
                return new Truth(isTrue, Bitmask.AndNot(parsed.Valid, isTrue));
            }
            case TypeId.Int32:
                return ParseRows<int>(s, to, n, static (ReadOnlySpan<byte> text, out int value) =>
                {
                    value = 0;
                    if (!TryDigits(text, out long x)) return -1;
                    if (x is < int.MinValue or > int.MaxValue) return 0;
                    value = (int)x;
                    return 1;
                });
            case TypeId.Int64:
                return ParseRows<long>(s, to, n, static (ReadOnlySpan<byte> text, out long value) => TryDigits(text, out value) ? 1 : -1);
            case TypeId.Float64:
                return ParseRows<double>(s, to, n, static (ReadOnlySpan<byte> text, out double value) =>
                {
                    value = 0;
                    return IsPlainNumber(text) ? double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value) ? 1 : 0 : -1;
                });
            case TypeId.Float32:
                return ParseRows<float>(s, to, n, static (ReadOnlySpan<byte> text, out float value) =>
                {
                    value = 0;
                    if (!IsPlainNumber(text)) return -1;
                    if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out double d)) return 0;
                    value = (float)d;
                    return 1;
                });
            case TypeId.Decimal:
            {
                int precision = to.Precision, scale = to.Scale;
                return ParseRows<long>(s, to, n, (ReadOnlySpan<byte> text, out long value) =>
                {
                    value = 0;
                    if (!IsPlainNumber(text)) return -1;
                    if (!decimal.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) return 0;
                    var scaled = ValueConversions.FromDecimal(m, precision, scale);
                    value = scaled.GetValueOrDefault();
                    return scaled.HasValue ? 1 : 0;
                });
            }
            case TypeId.Date32:
                return ParseRows<int>(s, to, n, static (ReadOnlySpan<byte> text, out int value) => TryIsoDate(text, out value));
            default:
                return ParseRows<long>(s, to, n, static (ReadOnlySpan<byte> _, out long value) => { value = 0; return -1; });
        }
    }

    // A fast parse of one row: 1 with its value, 0 when the row is NULL, -1 when the shape needs the general rule.
    private delegate int FastParse<T>(ReadOnlySpan<byte> text, out T value);

    private static Vec ParseRows<T>(Str s, DataType to, int n, FastParse<T> fast, Func<object, T>? fromParsed = null) where T : unmanaged
    {
        var r = NewArray<T>(n);
        var valid = (ulong[])s.Valid.Clone();
        for (int i = 0; i < n; i++)
        {
            if (!IsValid(valid, i)) continue;
            var text = s.Column.GetBytes(i);
            int got = fast(text, out r[i]);
            if (got < 0)
            {
                var parsed = CastKernels.FromString(Encoding.UTF8.GetString(text), to);
                got = parsed is null ? 0 : 1;
                if (parsed is not null) r[i] = fromParsed is null ? (T)Storage.FromClr(to, parsed) : fromParsed(parsed);
            }
            if (got == 0)
            {
                valid[i >> 6] &= ~(1UL << (i & 63));
                r[i] = default;
            }
        }
        return new Vec(r, valid);
    }

    // An optional sign and 1 to 18 ASCII digits: the integer they spell (which the general rule reads the same way).
    private static bool TryDigits(ReadOnlySpan<byte> text, out long value)
    {
        value = 0;
        int at = text.Length > 0 && text[0] is (byte)'-' or (byte)'+' ? 1 : 0;
        if (text.Length - at is < 1 or > 18) return false;
        long x = 0;
        for (int k = at; k < text.Length; k++)
        {
            uint digit = (uint)(text[k] - '0');
            if (digit > 9) return false;
            x = x * 10 + digit;
        }
        value = text[0] == (byte)'-' ? -x : x;
        return true;
    }

    // The number that ASCII digits spell; -1 when a byte is not a digit.
    private static int Digits(ReadOnlySpan<byte> text)
    {
        int x = 0;
        foreach (byte b in text)
        {
            uint digit = (uint)(b - '0');
            if (digit > 9) return -1;
            x = x * 10 + (int)digit;
        }
        return x;
    }

    // Text of digits, signs, points and exponent marks only: no spaces to trim, no NaN or Infinity words and no d/f
    // suffix, so the number parsers read it as the general rule does after those steps.
    private static bool IsPlainNumber(ReadOnlySpan<byte> text) =>
        text.Length > 0 && text.IndexOfAnyExcept("0123456789+-.eE"u8) < 0;

    // yyyy-mm-dd in ASCII digits: 1 with the day number, 0 for a date that does not exist; -1 for any other shape.
    private static int TryIsoDate(ReadOnlySpan<byte> text, out int days)
    {
        days = 0;
        if (text.Length != 10 || text[4] != (byte)'-' || text[7] != (byte)'-') return -1;
        int y = Digits(text[..4]), m = Digits(text[5..7]), d = Digits(text[8..]);
        if (y < 0 || m < 0 || d < 0) return -1;
        if (y < 1 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m)) return 0;
        days = ValueConversions.FromDate(new DateOnly(y, m, d));
        return 1;
    }

    // CASE and coalesce producing arrays pick each row's list like their string forms, then copy the picked rows' elements
    // through the column builder (arrays come from split or a read column; a row copies its list's elements).
    private static Lst ArrayCase(BoundCase c, IReadOnlyList<ColumnVector> cols, int n)
    {
        var (values, pick) = CasePicks(c, cols, n);
        return PickedLists(values, pick, c.Type, n);
    }

    // The array column whose row i is row i of the list values[pick[i]]: NULL where pick[i] is -1 or that row is NULL.
    private static Lst PickedLists(IReadOnlyList<Value> values, int[] pick, DataType type, int n)
    {
        var builder = ColumnBuilder.Create(type, n);
        var valid = new ulong[Bitmask.Words(n)];
        for (int i = 0; i < n; i++)
        {
            if (pick[i] < 0 || values[pick[i]] is not Lst list || !IsValid(list.Valid, i)) { builder.AppendNull(); continue; }
            builder.AppendRange(list.Column, i, 1);
            valid[i >> 6] |= 1UL << (i & 63);
        }
        return new Lst((ListVector)builder.Build(), valid);
    }

    // size(array): the element count from the offsets; Spark's default gives -1, not NULL, for a NULL array.
    private static Vec Size(Lst a, int n)
    {
        var offsets = a.Column.Offsets;
        var r = NewArray<int>(n);
        for (int i = 0; i < n; i++) r[i] = IsValid(a.Valid, i) ? offsets[i + 1] - offsets[i] : -1;
        return new Vec(r, Bitmask.AllSet(n));
    }

    // Rows of UTF-8 text appended one after another into a growing buffer: the column a per-row string kernel builds.
    private sealed class TextRows(int rows, int expectedBytes)
    {
        private byte[] _data = new byte[Math.Clamp(expectedBytes, 16, 1 << 20)];
        private int[] _offsets = new int[rows + 1];
        private int _count, _at;

        public int Count => _count;

        // At least `bytes` writable bytes at the end of the text so far.
        public Span<byte> Room(int bytes)
        {
            if ((long)_at + bytes > _data.Length)
            {
                long grown = Math.Max((long)_data.Length * 2, (long)_at + bytes);
                if (grown > Array.MaxLength) throw new AccelException("a string function produces more than 2 GB of text in one batch");
                Array.Resize(ref _data, (int)grown);
            }
            return _data.AsSpan(_at);
        }

        // Ends the current row after `written` bytes of its Room.
        public void Close(int written)
        {
            if (_count + 1 >= _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
            _at += written;
            _offsets[++_count] = _at;
        }

        public void Add(ReadOnlySpan<byte> bytes)
        {
            bytes.CopyTo(Room(bytes.Length));
            Close(bytes.Length);
        }

        public void Add(string text)
        {
            int written = Encoding.UTF8.GetBytes(text, Room(Encoding.UTF8.GetMaxByteCount(text.Length)));
            Close(written);
        }

        public void Skip() => Close(0);

        public StringVector Build(ulong[]? valid)
        {
            if (_offsets.Length != _count + 1) Array.Resize(ref _offsets, _count + 1);
            return new StringVector(_offsets, _data, valid is null ? null : Bitmask.ToValidity(valid, _count), _count);
        }
    }
}
