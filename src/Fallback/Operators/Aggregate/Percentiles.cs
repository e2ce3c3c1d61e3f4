namespace Accel.Operators;

/// <summary>The one place for exact percentile semantics (Spark's percentile/median, DuckDB's quantile_cont).</summary>
public static class Percentiles
{
    /// <summary>The value at <paramref name="fraction"/> of the sorted values, linearly interpolated between
    /// the two nearest ranks (position fraction*(n-1)). Sorts <paramref name="values"/> in place.</summary>
    public static double Interpolated(List<double> values, double fraction) =>
        Interpolated(System.Runtime.InteropServices.CollectionsMarshal.AsSpan(values), fraction);

    /// <summary>As <see cref="Interpolated(List{double}, double)"/>, over a span sorted in place.</summary>
    public static double Interpolated(Span<double> values, double fraction)
    {
        if (fraction is < 0 or > 1 || double.IsNaN(fraction)) throw new AccelException($"percentile fraction must be between 0.0 and 1.0, got {fraction}");
        // NaN sorts last, as in Spark's ordering: moved to the end, then the rest sorted.
        int numbers = values.Length;
        for (int i = 0; i < numbers;)
        {
            if (!double.IsNaN(values[i])) { i++; continue; }
            numbers--;
            (values[i], values[numbers]) = (values[numbers], values[i]);
        }
        values[..numbers].Sort();
        double pos = fraction * (values.Length - 1);
        int lo = (int)Math.Floor(pos), hi = (int)Math.Ceiling(pos);
        if (lo == hi) return values[lo];
        return values[lo] + (pos - lo) * (values[hi] - values[lo]);
    }
}
