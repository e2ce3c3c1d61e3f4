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

    // coalesce of strings: each row takes its first non-NULL argument, later arguments evaluated only while some row
    // still lacks one; the chosen bytes are copied into one new column.
    private static Str CoalesceStrings(BoundFunction f, IReadOnlyList<ColumnVector> cols, int n)
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
        return PickedStrings(values, pick, n);
    }

    // LIKE with '_' or escapes, and rlike: a regular expression over each row's text, decoded into one reused buffer
    // (no string per row). An rlike pattern of plain text is a byte search instead (rlike finds, it does not anchor).
    private static Truth RegexMatches(Str s, string pattern, bool like, int n)
    {
        var c = s.Column;
        var hit = new ulong[Bitmask.Words(n)];
        if (!like && FunctionCatalog.IsLiteralRegex(pattern))
        {
            var needle = Encoding.UTF8.GetBytes(pattern);
            for (int i = 0; i < n; i++)
                if (IsValid(s.Valid, i) && c.GetBytes(i).IndexOf(needle) >= 0) hit[i >> 6] |= 1UL << (i & 63);
        }
        else
        {
            var re = like ? FunctionCatalog.LikeToRegex(pattern) : FunctionCatalog.CompileRegex(pattern);
            var buffer = ArrayPool<char>.Shared.Rent(256);
            try
            {
                for (int i = 0; i < n; i++)
                {
                    if (!IsValid(s.Valid, i)) continue;
                    var bytes = c.GetBytes(i);
                    if (bytes.Length > buffer.Length)
                    {
                        ArrayPool<char>.Shared.Return(buffer);
                        buffer = ArrayPool<char>.Shared.Rent(bytes.Length);
                    }
                    int chars = Encoding.UTF8.GetChars(bytes, buffer);
                    if (re.IsMatch(buffer.AsSpan(0, chars))) hit[i >> 6] |= 1UL << (i & 63);
                }
            }
            finally { ArrayPool<char>.Shared.Return(buffer); }
        }
        return new Truth(hit, Bitmask.AndNot(s.Valid, hit));
    }

    // split(s, pattern[, limit]) with Java's String.split rules: a plain-text pattern cuts each row's bytes at its
    // occurrences, left to right; any other pattern splits the decoded row by the scalar rule. limit > 0 caps the parts
    // (the last keeps the rest); otherwise every part is kept, trailing empty ones included.
    private static Lst Split(Str s, string pattern, int limit, DataType type, int n)
    {
        var c = s.Column;
        var rowParts = new int[n + 1];
        var parts = new TextRows(n, c.Offsets[n] - c.Offsets[0]);
        bool literal = pattern.Length > 0 && FunctionCatalog.IsLiteralRegex(pattern);
        var separator = Encoding.UTF8.GetBytes(pattern);
        var re = literal ? null : FunctionCatalog.CompileRegex(pattern);
        for (int i = 0; i < n; i++)
        {
            if (IsValid(s.Valid, i))
            {
                if (literal)
                {
                    var rest = c.GetBytes(i);
                    for (int count = 1; limit <= 0 || count < limit; count++)
                    {
                        int at = rest.IndexOf(separator);
                        if (at < 0) break;
                        parts.Add(rest[..at]);
                        rest = rest[(at + separator.Length)..];
                    }
                    parts.Add(rest);
                }
                else
                    foreach (var part in FunctionCatalog.Split(Encoding.UTF8.GetString(c.GetBytes(i)), re!, limit)) parts.Add(part);
            }
            rowParts[i + 1] = parts.Count;
        }
        var elements = parts.Build(null);
        return new Lst(new ListVector(type, rowParts, elements, Bitmask.ToValidity(s.Valid, n)), s.Valid);
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
