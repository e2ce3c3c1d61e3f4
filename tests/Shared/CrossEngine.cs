using System.Globalization;

namespace Accel.Tests;

/// <summary>Compares query results from two engines: numbers (of any type: DuckDB gives avg(decimal) as a
/// double, Accel as a decimal) within a relative 1e-6, everything else by its normalized text. Shared by
/// the tests and the benchmark harness, which never times an answer this rejects.</summary>
public static class CrossEngine
{
    /// <summary>Null when the results agree, else where they first differ.</summary>
    public static string? FirstDifference(List<object?[]> expected, List<object?[]> actual, bool ordered)
    {
        if (!ordered)
        {
            expected = expected.OrderBy(DuckDbReference.Normalize, StringComparer.Ordinal).ToList();
            actual = actual.OrderBy(DuckDbReference.Normalize, StringComparer.Ordinal).ToList();
        }
        if (expected.Count != actual.Count) return $"DuckDB returned {expected.Count} rows, Accel {actual.Count}";
        for (int r = 0; r < expected.Count; r++)
        {
            if (expected[r].Length != actual[r].Length) return $"row {r + 1} has {expected[r].Length} columns in DuckDB, {actual[r].Length} in Accel";
            for (int c = 0; c < expected[r].Length; c++)
                if (!Same(expected[r][c], actual[r][c]))
                    return $"row {r + 1} differs at column {c + 1}: duckdb [{DuckDbReference.Normalize(expected[r])}] accel [{DuckDbReference.Normalize(actual[r])}]";
        }
        return null;
    }

    private static bool Same(object? a, object? b)
    {
        if (a is null || b is null) return a is null && b is null;
        if (IsNumber(a) && IsNumber(b))
        {
            double x = ToDouble(a), y = ToDouble(b);
            if (double.IsNaN(x) || double.IsNaN(y)) return double.IsNaN(x) && double.IsNaN(y);
            return Math.Abs(x - y) <= 1e-6 * Math.Max(1, Math.Max(Math.Abs(x), Math.Abs(y)));
        }
        return DuckDbReference.NormalizeValue(a) == DuckDbReference.NormalizeValue(b);
    }

    private static double ToDouble(object v) => v is System.Numerics.BigInteger bi ? (double)bi : Convert.ToDouble(v, CultureInfo.InvariantCulture);

    private static bool IsNumber(object v) => v is sbyte or byte or short or ushort or int or uint or long or ulong or float or double or decimal or System.Numerics.BigInteger;
}
