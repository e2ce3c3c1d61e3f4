using System.Globalization;
using Accel.Data;

namespace Accel.Expressions;

/// <summary>CAST with Spark's non-ANSI rules: a value that cannot be converted becomes NULL, floating
/// point to integer truncates and saturates (NaN is 0), integer narrowing wraps.</summary>
public static class CastKernels
{
    /// <summary>Casts every value of <paramref name="c"/> to <paramref name="to"/>.</summary>
    public static ColumnVector Cast(ColumnVector c, DataType to)
    {
        if (c.Type == to) return c;
        // Widening numeric casts that every mixed-type expression uses get typed loops.
        switch (c, to.Id)
        {
            case (PrimitiveVector<int> v, TypeId.Int64) when c.Type.Id == TypeId.Int32: return Map(v, to, x => (long)x);
            case (PrimitiveVector<int> v, TypeId.Float64) when c.Type.Id == TypeId.Int32: return Map(v, to, x => (double)x);
            case (PrimitiveVector<long> v, TypeId.Float64) when c.Type.Id == TypeId.Int64: return Map(v, to, x => (double)x);
            case (PrimitiveVector<float> v, TypeId.Float64): return Map(v, to, x => (double)x);
            case (PrimitiveVector<int> v, TypeId.Float32) when c.Type.Id == TypeId.Int32: return Map(v, to, x => (float)x);
            case (PrimitiveVector<long> v, TypeId.Float32) when c.Type.Id == TypeId.Int64: return Map(v, to, x => (float)x);
        }
        var b = ColumnBuilder.Create(to, c.Length);
        for (int i = 0; i < c.Length; i++) b.Append(CastValue(c.GetValue(i), c.Type, to));
        return b.Build();
    }

    private static PrimitiveVector<TOut> Map<TIn, TOut>(PrimitiveVector<TIn> v, DataType to, Func<TIn, TOut> f) where TIn : unmanaged where TOut : unmanaged
    {
        var r = new TOut[v.Length];
        var src = v.Values;
        for (int i = 0; i < r.Length; i++) r[i] = f(src[i]);
        return new PrimitiveVector<TOut>(to, r, v.Validity);
    }

    /// <summary>Casts one CLR value (as <see cref="ColumnVector.GetValue"/> returns) of type <paramref name="from"/>; null when Spark gives NULL.</summary>
    public static object? CastValue(object? value, DataType from, DataType to)
    {
        if (value is null) return null;
        if (from == to) return value;
        if (to.Id == TypeId.Utf8) return ToSparkString(value);
        if (value is string s) return FromString(s, to);
        switch (to.Id)
        {
            case TypeId.Boolean:
                return value switch
                {
                    double d => d != 0,
                    float f => f != 0,
                    decimal m => m != 0,
                    _ => Convert.ToInt64(value, CultureInfo.InvariantCulture) != 0,
                };
            case TypeId.Int32:
                return value switch
                {
                    bool bo => bo ? 1 : 0,
                    double d => SaturateInt(d),
                    float f => SaturateInt(f),
                    decimal m => unchecked((int)(long)decimal.Truncate(m)),
                    long l => unchecked((int)l),
                    DateTime t => unchecked((int)FloorSeconds(t)),
                    _ => Convert.ToInt32(value, CultureInfo.InvariantCulture),
                };
            case TypeId.Int64:
                return value switch
                {
                    bool bo => bo ? 1L : 0L,
                    double d => SaturateLong(d),
                    float f => SaturateLong(f),
                    decimal m => (long)decimal.Truncate(m),
                    DateTime t => FloorSeconds(t),
                    _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
                };
            case TypeId.Float32:
                return value switch { bool bo => bo ? 1f : 0f, DateTime t => (float)(ValueConversions.FromTimestamp(t) / 1e6), _ => Convert.ToSingle(value, CultureInfo.InvariantCulture) };
            case TypeId.Float64:
                return value switch { bool bo => bo ? 1d : 0d, DateTime t => ValueConversions.FromTimestamp(t) / 1e6, _ => Convert.ToDouble(value, CultureInfo.InvariantCulture) };
            case TypeId.Decimal:
            {
                decimal m;
                switch (value)
                {
                    case bool bo: m = bo ? 1 : 0; break;
                    case double d when double.IsNaN(d) || double.IsInfinity(d) || Math.Abs(d) > 7.9e27: return null;
                    case float f when float.IsNaN(f) || float.IsInfinity(f) || Math.Abs(f) > 7.9e27f: return null;
                    default: m = Convert.ToDecimal(value, CultureInfo.InvariantCulture); break;
                }
                var scaled = ValueConversions.FromDecimal(m, to.Precision, to.Scale);
                return scaled is null ? null : ValueConversions.ToDecimal(scaled.Value, to.Scale);
            }
            case TypeId.Date32:
                return value switch
                {
                    DateTime t => DateOnly.FromDateTime(t),
                    _ => throw new AccelException($"cannot cast {from} to date"),
                };
            case TypeId.Timestamp:
                return value switch
                {
                    DateOnly d => d.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc),
                    double d => double.IsNaN(d) || double.IsInfinity(d) ? null : DateTime.UnixEpoch.AddTicks((long)(d * 1e7)),
                    decimal m => DateTime.UnixEpoch.AddTicks((long)(m * 10_000_000)),
                    _ => DateTime.UnixEpoch.AddTicks(Convert.ToInt64(value, CultureInfo.InvariantCulture) * 10_000_000),
                };
            case TypeId.Array when value is object?[] arr:
                return arr.Select(e => CastValue(e, from.Element!, to.Element!)).ToArray();
        }
        throw new AccelException($"cannot cast {from} to {to}");
    }

    private static long FloorSeconds(DateTime t) => (long)Math.Floor(ValueConversions.FromTimestamp(t) / 1e6);

    /// <summary>A double as an int the way Spark's non-ANSI cast makes it: truncated toward zero, saturated, NaN as 0.</summary>
    public static int SaturateInt(double d) => double.IsNaN(d) ? 0 : d >= int.MaxValue ? int.MaxValue : d <= int.MinValue ? int.MinValue : (int)d;
    /// <summary>A double as a bigint the way Spark's non-ANSI cast makes it: truncated toward zero, saturated, NaN as 0.</summary>
    public static long SaturateLong(double d) => double.IsNaN(d) ? 0 : d >= long.MaxValue ? long.MaxValue : d <= long.MinValue ? long.MinValue : (long)d;

    /// <summary>Spark's string form of a value (doubles as Java prints them: 1.0, 1.0E10; timestamps without trailing zeros).</summary>
    public static string ToSparkString(object value) => value switch
    {
        double d => ValueConversions.FormatDouble(d),
        float f => ValueConversions.FormatFloat(f),
        _ => ValueConversions.Format(value),
    };

    /// <summary>Parses a string the way Spark's CAST does; null when it does not parse.</summary>
    public static object? FromString(string s, DataType to)
    {
        var t = s.Trim();
        switch (to.Id)
        {
            case TypeId.Boolean:
                return t.ToLowerInvariant() switch
                {
                    "t" or "true" or "y" or "yes" or "1" => true,
                    "f" or "false" or "n" or "no" or "0" => false,
                    _ => null,
                };
            case TypeId.Int32:
            case TypeId.Int64:
            {
                // Spark accepts a fractional part and truncates it ("1.9" -> 1).
                if (!decimal.TryParse(t, NumberStyles.AllowLeadingSign | NumberStyles.AllowDecimalPoint, CultureInfo.InvariantCulture, out var m)) return null;
                m = decimal.Truncate(m);
                if (to.Id == TypeId.Int32) return m is >= int.MinValue and <= int.MaxValue ? (int)m : null;
                return m is >= long.MinValue and <= long.MaxValue ? (long)m : null;
            }
            case TypeId.Float32 or TypeId.Float64:
            {
                double d;
                var lower = t.ToLowerInvariant();
                if (lower is "nan") d = double.NaN;
                else if (lower is "inf" or "infinity" or "+inf" or "+infinity") d = double.PositiveInfinity;
                else if (lower is "-inf" or "-infinity") d = double.NegativeInfinity;
                else if (!double.TryParse(t.TrimEnd('d', 'D', 'f', 'F'), NumberStyles.Float, CultureInfo.InvariantCulture, out d)) return null;
                return to.Id == TypeId.Float32 ? (float)d : d;
            }
            case TypeId.Decimal:
            {
                if (!decimal.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out var m)) return null;
                var scaled = ValueConversions.FromDecimal(m, to.Precision, to.Scale);
                return scaled is null ? null : ValueConversions.ToDecimal(scaled.Value, to.Scale);
            }
            case TypeId.Date32:
                return ParseDate(t);
            case TypeId.Timestamp:
                return ParseTimestamp(t);
        }
        throw new AccelException($"cannot cast string to {to}");
    }

    /// <summary>Spark's date forms: yyyy, yyyy-[m]m, yyyy-[m]m-[d]d, optionally followed by ' ' or 'T' and anything.</summary>
    public static DateOnly? ParseDate(string t)
    {
        int cut = t.IndexOfAny([' ', 'T']);
        if (cut >= 0) t = t[..cut];
        var parts = t.Split('-');
        if (parts.Length is < 1 or > 3 || parts[0].Length != 4) return null;
        if (!int.TryParse(parts[0], NumberStyles.None, CultureInfo.InvariantCulture, out int y)) return null;
        int m = 1, d = 1;
        if (parts.Length > 1 && (parts[1].Length is < 1 or > 2 || !int.TryParse(parts[1], NumberStyles.None, CultureInfo.InvariantCulture, out m))) return null;
        if (parts.Length > 2 && (parts[2].Length is < 1 or > 2 || !int.TryParse(parts[2], NumberStyles.None, CultureInfo.InvariantCulture, out d))) return null;
        if (y < 1 || m is < 1 or > 12 || d < 1 || d > DateTime.DaysInMonth(y, m)) return null;
        return new DateOnly(y, m, d);
    }

    /// <summary>Spark's timestamp forms: a date, optionally with [ T]HH:mm[:ss[.ffffff]] and a trailing Z (UTC).</summary>
    public static DateTime? ParseTimestamp(string t)
    {
        t = t.TrimEnd('Z');
        string[] formats = ["yyyy-MM-dd HH:mm:ss.FFFFFF", "yyyy-MM-dd'T'HH:mm:ss.FFFFFF", "yyyy-MM-dd HH:mm:ss", "yyyy-MM-dd'T'HH:mm:ss", "yyyy-MM-dd HH:mm", "yyyy-MM-dd'T'HH:mm"];
        if (DateTime.TryParseExact(t, formats, CultureInfo.InvariantCulture, DateTimeStyles.AdjustToUniversal | DateTimeStyles.AssumeUniversal, out var dt))
            return DateTime.SpecifyKind(dt, DateTimeKind.Utc);
        var d = ParseDate(t);
        return d?.ToDateTime(TimeOnly.MinValue, DateTimeKind.Utc);
    }
}
