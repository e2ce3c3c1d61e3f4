using System.Globalization;
using System.Text;
using System.Text.RegularExpressions;
using Accel.Data;

namespace Accel.Expressions;

/// <summary>Scalar functions by Spark name: how each binds (argument coercion, result type) and how the
/// scalar path evaluates it. Evaluation is row-at-a-time per function over whole columns; these are
/// reference implementations, not fast paths.</summary>
public static class FunctionCatalog
{
    /// <summary>The functions this catalog knows.</summary>
    public static readonly IReadOnlyCollection<string> Names =
    [
        "coalesce", "round", "abs", "pow", "power", "sqrt", "lower", "upper", "length", "substring", "substr", "concat", "trim", "ltrim", "rtrim",
        "like", "rlike", "split", "size", "year", "month", "dayofmonth", "day", "date_add", "date_sub", "add_months", "datediff", "to_date",
        "explode", "explode_outer",
    ];

    /// <summary>Binds a call to <paramref name="name"/> with bound arguments.</summary>
    public static BoundExpr Bind(string name, BoundExpr[] args, Expr where)
    {
        void Arity(int min, int max)
        {
            if (args.Length < min || args.Length > max)
                throw new AccelException($"function {name} takes {(min == max ? $"{min}" : $"{min} to {max}")} argument(s), but {args.Length} were given in '{where.DisplayName}'");
        }
        BoundExpr Str(BoundExpr e) => Binder.CastTo(e, DataType.Utf8);
        BoundExpr Int(BoundExpr e) => e.Type.IsIntegral || e.Type.Id == TypeId.Null ? Binder.CastTo(e, DataType.Int32) : throw new AccelException($"function {name} needs an integer argument, got {e.Type}");
        BoundExpr Date(BoundExpr e) => e.Type.Id is TypeId.Date32 or TypeId.Timestamp or TypeId.Utf8 or TypeId.Null
            ? Binder.CastTo(e, DataType.Date32) : throw new AccelException($"function {name} needs a date argument, got {e.Type}");
        BoundFunction F(DataType t, params BoundExpr[] a) => new(name, a, t);

        switch (name)
        {
            case "coalesce":
            {
                if (args.Length == 0) throw new AccelException("function coalesce needs at least one argument");
                var t = args.Select(a => a.Type).Aggregate(Coercion.CommonType);
                if (t.Id == TypeId.Null) t = DataType.Int32;
                return F(t, args.Select(a => Binder.CastTo(a, t)).ToArray());
            }
            case "round":
            {
                Arity(1, 2);
                var x = args[0];
                if (!x.Type.IsNumeric) throw new AccelException($"function round needs a numeric argument, got {x.Type}");
                int d = args.Length > 1 ? Convert.ToInt32(((args[1] as BoundLiteral)?.Value) ?? throw new AccelException("round's scale must be an integer literal"), CultureInfo.InvariantCulture) : 0;
                var t = x.Type;
                if (t.Id == TypeId.Decimal)
                {
                    int s = Math.Max(0, Math.Min(t.Scale, d));
                    t = DataType.Decimal(Math.Min(DataType.MaxDecimalPrecision, t.Precision - t.Scale + s + 1), s);
                }
                return F(t, x, new BoundLiteral(d, DataType.Int32));
            }
            case "abs":
                Arity(1, 1);
                if (!args[0].Type.IsNumeric) throw new AccelException($"function abs needs a numeric argument, got {args[0].Type}");
                return F(args[0].Type, args[0]);
            case "pow" or "power":
                Arity(2, 2);
                if (!args[0].Type.IsNumeric && args[0].Type.Id != TypeId.Null || !args[1].Type.IsNumeric && args[1].Type.Id != TypeId.Null)
                    throw new AccelException($"function {name} needs numeric arguments, got {args[0].Type} and {args[1].Type}");
                return new BoundFunction("pow", [Binder.CastTo(args[0], DataType.Float64), Binder.CastTo(args[1], DataType.Float64)], DataType.Float64);
            case "sqrt":
                Arity(1, 1);
                if (!args[0].Type.IsNumeric && args[0].Type.Id != TypeId.Null) throw new AccelException($"function sqrt needs a numeric argument, got {args[0].Type}");
                return F(DataType.Float64, Binder.CastTo(args[0], DataType.Float64));
            case "lower" or "upper" or "trim" or "ltrim" or "rtrim":
                Arity(1, 1);
                return F(DataType.Utf8, Str(args[0]));
            case "length":
                Arity(1, 1);
                return F(DataType.Int32, Str(args[0]));
            case "substring" or "substr":
                Arity(2, 3);
                return new BoundFunction("substring", args.Length == 2 ? [Str(args[0]), Int(args[1])] : [Str(args[0]), Int(args[1]), Int(args[2])], DataType.Utf8);
            case "concat":
                return F(DataType.Utf8, args.Select(Str).ToArray());
            case "like" or "rlike":
                Arity(2, 2);
                return F(DataType.Boolean, Str(args[0]), Str(args[1]));
            case "split":
                Arity(2, 3);
                return args.Length == 2 ? F(DataType.ArrayOf(DataType.Utf8), Str(args[0]), Str(args[1])) : F(DataType.ArrayOf(DataType.Utf8), Str(args[0]), Str(args[1]), Int(args[2]));
            case "size":
                Arity(1, 1);
                if (args[0].Type.Id != TypeId.Array) throw new AccelException($"function size needs an array argument, got {args[0].Type}");
                return F(DataType.Int32, args[0]);
            case "year" or "month" or "dayofmonth" or "day":
                Arity(1, 1);
                return new BoundFunction(name == "day" ? "dayofmonth" : name, [Date(args[0])], DataType.Int32);
            case "date_add" or "date_sub" or "add_months":
                Arity(2, 2);
                return F(DataType.Date32, Date(args[0]), Int(args[1]));
            case "datediff":
                Arity(2, 2);
                return F(DataType.Int32, Date(args[0]), Date(args[1]));
            case "to_date":
                Arity(1, 1);
                return F(DataType.Date32, Date(args[0]));
            case "explode" or "explode_outer":
                throw new AccelException($"{name} is a generator: use it directly in Select(..), e.g. df.Select(Explode(Col(\"arr\")))");
            default:
                throw new AccelException($"undefined function: '{name}'; known functions: {string.Join(", ", Names.Order())}");
        }
    }

    /// <summary>Evaluates a bound call over argument columns of <paramref name="rows"/> rows.</summary>
    public static ColumnVector Evaluate(BoundFunction f, ColumnVector[] args, int rows)
    {
        switch (f.Name)
        {
            case "coalesce":
            {
                var b = ColumnBuilder.Create(f.Type, rows);
                for (int i = 0; i < rows; i++)
                {
                    var src = args.FirstOrDefault(a => !a.IsNull(i));
                    if (src is null) b.AppendNull(); else b.AppendRange(src, i, 1);
                }
                return b.Build();
            }
            case "round":
                return Map(args[0], f.Type, v => RoundValue(v, Convert.ToInt32(args[1].GetValue(0), CultureInfo.InvariantCulture), f.Type));
            case "abs":
                return Map(args[0], f.Type, v => v switch
                {
                    int x => x == int.MinValue ? x : Math.Abs(x),
                    long x => x == long.MinValue ? x : Math.Abs(x),
                    float x => Math.Abs(x),
                    double x => Math.Abs(x),
                    decimal x => Math.Abs(x),
                    _ => v,
                });
            case "pow":
            {
                var x = (PrimitiveVector<double>)args[0];
                var y = (PrimitiveVector<double>)args[1];
                var r = new double[rows];
                for (int i = 0; i < rows; i++) r[i] = Math.Pow(x.Values[i], y.Values[i]);
                return new PrimitiveVector<double>(DataType.Float64, r, ValidityBitmap.And(x.Validity, y.Validity));
            }
            case "sqrt": return Map(args[0], DataType.Float64, v => Math.Sqrt((double)v));
            case "lower": return MapString(args[0], s => s.ToLowerInvariant());
            case "upper": return MapString(args[0], s => s.ToUpperInvariant());
            // Spark's trim functions strip the space character only.
            case "trim": return MapString(args[0], s => s.Trim(' '));
            case "ltrim": return MapString(args[0], s => s.TrimStart(' '));
            case "rtrim": return MapString(args[0], s => s.TrimEnd(' '));
            case "length":
                return Map(args[0], DataType.Int32, v => CountChars((string)v));
            case "substring":
            {
                var b = new StringColumnBuilder(rows);
                var s = (StringVector)args[0];
                for (int i = 0; i < rows; i++)
                {
                    if (args.Any(a => a.IsNull(i))) { b.AppendNull(); continue; }
                    int pos = (int)args[1].GetValue(i)!;
                    int len = args.Length > 2 ? (int)args[2].GetValue(i)! : int.MaxValue;
                    b.Append(Substring(s.GetString(i)!, pos, len));
                }
                return b.Build();
            }
            case "concat":
            {
                var b = new StringColumnBuilder(rows);
                var parts = args.Cast<StringVector>().ToArray();
                var sb = new StringBuilder();
                for (int i = 0; i < rows; i++)
                {
                    if (parts.Any(p => p.IsNull(i))) { b.AppendNull(); continue; }
                    sb.Clear();
                    foreach (var p in parts) sb.Append(p.GetString(i));
                    b.Append(sb.ToString());
                }
                return b.Build();
            }
            case "like" or "rlike":
            {
                var r = new PrimitiveColumnBuilder<bool>(DataType.Boolean, rows);
                var matcher = new PatternMatcher(f.Name == "like");
                var text = (StringVector)args[0];
                for (int i = 0; i < rows; i++)
                {
                    if (text.IsNull(i) || args[1].IsNull(i)) r.AppendNull();
                    else r.AppendValue(matcher.Matches(text.GetBytes(i), (string)args[1].GetValue(i)!));
                }
                return r.Build();
            }
            case "split":
            {
                var b = new ListColumnBuilder(f.Type, rows);
                var cache = new Dictionary<string, Regex>();
                for (int i = 0; i < rows; i++)
                {
                    if (args.Any(a => a.IsNull(i))) { b.AppendNull(); continue; }
                    var pattern = (string)args[1].GetValue(i)!;
                    if (!cache.TryGetValue(pattern, out var re)) cache[pattern] = re = CompileRegex(pattern);
                    int limit = args.Length > 2 ? (int)args[2].GetValue(i)! : -1;
                    foreach (var part in Split((string)args[0].GetValue(i)!, re, limit)) b.Elements.Append(part);
                    b.CloseRow();
                }
                return b.Build();
            }
            case "size":
            {
                // Spark's default (spark.sql.legacy.sizeOfNull=true, ANSI off): size(NULL) is -1.
                var l = (ListVector)args[0];
                var r = new int[rows];
                for (int i = 0; i < rows; i++) r[i] = l.IsNull(i) ? -1 : l.ElementCount(i);
                return new PrimitiveVector<int>(DataType.Int32, r);
            }
            case "year": return MapDays(args[0], DataType.Int32, d => ValueConversions.ToDate(d).Year);
            case "month": return MapDays(args[0], DataType.Int32, d => ValueConversions.ToDate(d).Month);
            case "dayofmonth": return MapDays(args[0], DataType.Int32, d => ValueConversions.ToDate(d).Day);
            case "to_date": return args[0];
            case "date_add" or "date_sub":
            {
                var d = (PrimitiveVector<int>)args[0];
                var n = (PrimitiveVector<int>)args[1];
                var r = new int[rows];
                for (int i = 0; i < rows; i++) r[i] = f.Name == "date_add" ? unchecked(d.Values[i] + n.Values[i]) : unchecked(d.Values[i] - n.Values[i]);
                return new PrimitiveVector<int>(DataType.Date32, r, ValidityBitmap.And(d.Validity, n.Validity));
            }
            case "add_months":
            {
                var d = (PrimitiveVector<int>)args[0];
                var n = (PrimitiveVector<int>)args[1];
                var validity = ValidityBitmap.And(d.Validity, n.Validity);
                var r = new int[rows];
                for (int i = 0; i < rows; i++)
                    if (validity is null || validity.IsValid(i)) r[i] = AddMonths(d.Values[i], n.Values[i]);
                return new PrimitiveVector<int>(DataType.Date32, r, validity);
            }
            case "datediff":
            {
                var end = (PrimitiveVector<int>)args[0];
                var start = (PrimitiveVector<int>)args[1];
                var r = new int[rows];
                for (int i = 0; i < rows; i++) r[i] = end.Values[i] - start.Values[i];
                return new PrimitiveVector<int>(DataType.Int32, r, ValidityBitmap.And(end.Validity, start.Validity));
            }
            default:
                throw new AccelException($"the scalar path has no implementation of function {f.Name}");
        }
    }

    private static ColumnVector Map(ColumnVector c, DataType to, Func<object, object?> f)
    {
        var b = ColumnBuilder.Create(to, c.Length);
        for (int i = 0; i < c.Length; i++)
        {
            var v = c.GetValue(i);
            b.Append(v is null ? null : f(v));
        }
        return b.Build();
    }

    private static ColumnVector MapString(ColumnVector c, Func<string, string> f)
    {
        var s = (StringVector)c;
        var b = new StringColumnBuilder(c.Length);
        for (int i = 0; i < c.Length; i++) b.Append(s.IsNull(i) ? null : f(s.GetString(i)!));
        return b.Build();
    }

    private static ColumnVector MapDays(ColumnVector c, DataType to, Func<int, int> f)
    {
        var d = (PrimitiveVector<int>)c;
        var r = new int[c.Length];
        for (int i = 0; i < r.Length; i++) if (!d.IsNull(i)) r[i] = f(d.Values[i]);
        return new PrimitiveVector<int>(to, r, d.Validity);
    }

    private static object? RoundValue(object v, int scale, DataType type) => v switch
    {
        double d => RoundHalfUp(d, scale),
        float f => (float)RoundHalfUp(f, scale),
        decimal m => Math.Round(m, Math.Max(0, Math.Min(scale, type.Scale)), MidpointRounding.AwayFromZero),
        int x when scale < 0 => unchecked((int)RoundToPowerOfTen(x, -scale)),
        long x when scale < 0 => RoundToPowerOfTen(x, -scale),
        _ => v,
    };

    /// <summary>Spark's round of a double: HALF_UP on its decimal value (NaN, the infinities and values beyond the
    /// decimal range stay as they are).</summary>
    public static double RoundHalfUp(double d, int scale)
    {
        if (double.IsNaN(d) || double.IsInfinity(d)) return d;
        try { return (double)Math.Round((decimal)d, Math.Clamp(scale, 0, 28), MidpointRounding.AwayFromZero); }
        catch (OverflowException) { return d; }
    }

    /// <summary><paramref name="x"/> rounded HALF_UP to a multiple of 10^<paramref name="digits"/> (wrapping, as int64
    /// arithmetic does, where that multiple overflows).</summary>
    public static long RoundToPowerOfTen(long x, int digits) =>
        digits >= 19 ? 0 : unchecked(DivideHalfUp(x, ValueConversions.Pow10[digits]) * ValueConversions.Pow10[digits]);

    /// <summary><paramref name="x"/> / <paramref name="divisor"/> (positive) rounded half away from zero: the HALF_UP
    /// rule on scaled integers, which a decimal's round to fewer digits is.</summary>
    public static long DivideHalfUp(long x, long divisor)
    {
        long q = Math.DivRem(x, divisor, out long r);
        // |r| < divisor <= 10^18, so 2|r| cannot overflow.
        return Math.Abs(r) * 2 >= divisor ? q + Math.Sign(x) : q;
    }

    /// <summary>Spark 3's add_months on date32 days: the day of month is kept, clamped to the length of the resulting month.</summary>
    public static int AddMonths(int days, int months) => ValueConversions.FromDate(ValueConversions.ToDate(days).AddMonths(months));

    private static int CountChars(string s)
    {
        int n = 0;
        foreach (var _ in s.EnumerateRunes()) n++;
        return n;
    }

    /// <summary>Spark's substring: 1-based; position 0 acts as 1; a negative position counts from the end.</summary>
    public static string Substring(string s, int pos, int length)
    {
        var (start, end) = SubstringRange(s.Length, pos, length);
        return s.Substring(start, end - start);
    }

    /// <summary>The [start, end) range that <see cref="Substring"/> takes of a text of <paramref name="len"/> characters.</summary>
    public static (int Start, int End) SubstringRange(int len, int pos, int length)
    {
        long start = pos > 0 ? pos - 1 : pos < 0 ? len + pos : 0;
        long end = start + length;
        start = Math.Max(start, 0);
        end = Math.Min(end, len);
        return start >= end ? (0, 0) : ((int)start, (int)end);
    }

    /// <summary>SQL LIKE (% any run, _ one character, \ escapes) as an anchored regular expression.</summary>
    public static Regex LikeToRegex(string pattern)
    {
        var sb = new StringBuilder("^");
        for (int i = 0; i < pattern.Length; i++)
        {
            char c = pattern[i];
            if (c == '\\' && i + 1 < pattern.Length) sb.Append(Regex.Escape(pattern[++i].ToString()));
            else if (c == '%') sb.Append(".*");
            else if (c == '_') sb.Append('.');
            else sb.Append(Regex.Escape(c.ToString()));
        }
        return new Regex(sb.Append('$').ToString(), RegexOptions.Singleline | RegexOptions.CultureInvariant);
    }

    /// <summary>A Spark regular expression (rlike, split) compiled once; an invalid one is an error naming it.</summary>
    public static Regex CompileRegex(string pattern)
    {
        try { return new Regex(pattern, RegexOptions.CultureInvariant); }
        catch (ArgumentException ex) { throw new AccelException($"invalid regular expression '{pattern}': {ex.Message}"); }
    }

    /// <summary>Whether a regular expression is plain text (no metacharacter), so that it matches exactly its own
    /// characters: such patterns are found and split on as bytes, without the regex engine.</summary>
    public static bool IsLiteralRegex(string pattern) => pattern.AsSpan().IndexOfAny(@"\^$.|?*+()[]{}") < 0;

    /// <summary>Java's String.split(regex, limit) as Spark uses it: limit &gt; 0 caps the parts; limit &lt;= 0 keeps all,
    /// including trailing empty strings (Spark passes -1).</summary>
    public static List<string> Split(string s, Regex re, int limit)
    {
        var parts = new List<string>();
        int start = 0;
        foreach (Match m in re.Matches(s))
        {
            if (limit > 0 && parts.Count == limit - 1) break;
            if (m.Length == 0 && (m.Index == 0 || m.Index >= s.Length)) continue;
            // A match at the very start with width > 0 yields a leading empty string, as in Java.
            parts.Add(s[start..m.Index]);
            start = m.Index + m.Length;
        }
        parts.Add(s[start..]);
        return parts;
    }
}
