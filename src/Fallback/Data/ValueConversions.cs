using System.Globalization;

namespace Accel.Data;

/// <summary>The one place that maps between stored values and CLR objects for each type.</summary>
public static class ValueConversions
{
    /// <summary>Days from 0001-01-01 to 1970-01-01.</summary>
    public static readonly int EpochDayNumber = new DateOnly(1970, 1, 1).DayNumber;

    /// <summary>Powers of ten that fit in an int64, for decimal scaling.</summary>
    public static readonly long[] Pow10 = BuildPow10();

    private static long[] BuildPow10()
    {
        var r = new long[19];
        r[0] = 1;
        for (int i = 1; i < r.Length; i++) r[i] = r[i - 1] * 10;
        return r;
    }

    /// <summary>Date32 (days since epoch) to DateOnly.</summary>
    public static DateOnly ToDate(int days) => DateOnly.FromDayNumber(days + EpochDayNumber);
    /// <summary>DateOnly to date32.</summary>
    public static int FromDate(DateOnly d) => d.DayNumber - EpochDayNumber;
    /// <summary>Microseconds since epoch to a UTC DateTime.</summary>
    public static DateTime ToTimestamp(long micros) => DateTime.UnixEpoch.AddTicks(micros * 10);
    /// <summary>A DateTime (treated as UTC) to microseconds since epoch.</summary>
    public static long FromTimestamp(DateTime t) => (DateTime.SpecifyKind(t, DateTimeKind.Utc) - DateTime.UnixEpoch).Ticks / 10;

    /// <summary>A scaled int64 decimal to System.Decimal.</summary>
    public static decimal ToDecimal(long unscaled, int scale)
    {
        ulong magnitude = unscaled < 0 ? (ulong)(-(unscaled + 1)) + 1 : (ulong)unscaled;
        return new decimal((int)(uint)magnitude, (int)(uint)(magnitude >> 32), 0, unscaled < 0, (byte)scale);
    }

    /// <summary>System.Decimal to a scaled int64 with the given precision and scale; null when it does not fit.</summary>
    public static long? FromDecimal(decimal value, int precision, int scale)
    {
        // A value with more than precision - scale integer digits does not fit (checked first: scaling it could overflow).
        if (Math.Abs(value) >= Pow10[Math.Max(0, precision - scale)]) return null;
        var scaled = Math.Round(value * Pow10[scale], 0, MidpointRounding.AwayFromZero);
        if (Math.Abs(scaled) >= Pow10[precision]) return null;
        return (long)scaled;
    }

    /// <summary>A stored value as the CLR object <see cref="ColumnVector.GetValue"/> returns.</summary>
    public static object ToObject<T>(DataType type, T value) where T : unmanaged => type.Id switch
    {
        TypeId.Decimal => ToDecimal((long)(object)value, type.Scale),
        TypeId.Date32 => ToDate((int)(object)value),
        TypeId.Timestamp => ToTimestamp((long)(object)value),
        _ => value,
    };

    /// <summary>Formats a CLR value the way Spark's show() and CSV writer do (dates yyyy-MM-dd, invariant numbers).</summary>
    public static string Format(object? value) => value switch
    {
        null => "NULL",
        bool b => b ? "true" : "false",
        double d => FormatDouble(d),
        float f => FormatFloat(f),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.FFFFFF", CultureInfo.InvariantCulture),
        object?[] a => "[" + string.Join(", ", a.Select(Format)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Spark prints doubles as Java does: 1.0, 0.001, 1.0E7, 1.5E-4, NaN, Infinity.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        return FormatJava(Math.Abs(d).ToString("R", CultureInfo.InvariantCulture), Math.Abs(d), d < 0 || (d == 0 && double.IsNegative(d)));
    }

    /// <summary>Spark prints floats with the shortest digits that identify the float.</summary>
    public static string FormatFloat(float f)
    {
        if (float.IsNaN(f)) return "NaN";
        if (float.IsPositiveInfinity(f)) return "Infinity";
        if (float.IsNegativeInfinity(f)) return "-Infinity";
        return FormatJava(Math.Abs(f).ToString("R", CultureInfo.InvariantCulture), Math.Abs(f), f < 0 || (f == 0 && float.IsNegative(f)));
    }

    // Re-lays the shortest round-trip digits in Java's Double.toString layout.
    private static string FormatJava(string shortest, double abs, bool negative)
    {
        string digits;
        int exp;
        int e = shortest.IndexOfAny(['E', 'e']);
        if (e >= 0)
        {
            digits = shortest[..e].Replace(".", "");
            exp = int.Parse(shortest[(e + 1)..], CultureInfo.InvariantCulture);
        }
        else
        {
            int dot = shortest.IndexOf('.');
            string ip = dot < 0 ? shortest : shortest[..dot], fp = dot < 0 ? "" : shortest[(dot + 1)..];
            if (ip != "0") { digits = ip + fp; exp = ip.Length - 1; }
            else
            {
                int zeros = fp.Length - fp.TrimStart('0').Length;
                digits = fp.TrimStart('0');
                exp = -(zeros + 1);
            }
        }
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) { digits = "0"; exp = 0; }
        string body;
        if (abs == 0 || (abs >= 1e-3 && abs < 1e7))
        {
            if (exp >= 0)
            {
                var padded = digits.PadRight(exp + 1, '0');
                var frac = padded.Length > exp + 1 ? padded[(exp + 1)..] : "0";
                body = padded[..(exp + 1)] + "." + frac;
            }
            else body = "0." + new string('0', -exp - 1) + digits;
        }
        else body = digits[0] + "." + (digits.Length > 1 ? digits[1..] : "0") + "E" + exp.ToString(CultureInfo.InvariantCulture);
        return negative ? "-" + body : body;
    }
}
