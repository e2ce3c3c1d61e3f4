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
        float f => FormatDouble(f),
        decimal m => m.ToString(CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString(t.TimeOfDay.Ticks % 10_000_000 == 0 ? "yyyy-MM-dd HH:mm:ss" : "yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        object?[] a => "[" + string.Join(", ", a.Select(Format)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };

    /// <summary>Spark prints doubles with a decimal point (1.0, not 1) and NaN/Infinity by name.</summary>
    public static string FormatDouble(double d)
    {
        if (double.IsNaN(d)) return "NaN";
        if (double.IsPositiveInfinity(d)) return "Infinity";
        if (double.IsNegativeInfinity(d)) return "-Infinity";
        var s = d.ToString("R", CultureInfo.InvariantCulture);
        return s.Contains('.') || s.Contains('E') ? s : s + ".0";
    }
}
