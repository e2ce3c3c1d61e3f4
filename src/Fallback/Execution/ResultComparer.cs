using Accel.Data;
using Accel.Operators;

namespace Accel.Execution;

/// <summary>Compares the results of two paths: integers, predicates and strings exactly, floating point
/// within a relative tolerance (aggregates may add in a different order). Used by the self test and by
/// the differential tests.</summary>
public static class ResultComparer
{
    /// <summary>Null when equal, else a description of the first difference. With <paramref name="unordered"/>
    /// the rows are sorted before comparing (group order is unspecified).</summary>
    public static string? FirstDifference(ColumnBatch expected, ColumnBatch actual, bool unordered = false, double relativeTolerance = 0)
    {
        var e = expected.Rows().ToList();
        var a = actual.Rows().ToList();
        if (e.Count != a.Count) return $"row count differs: expected {e.Count}, got {a.Count}";
        if (e.Count > 0 && e[0].Length != a[0].Length) return $"column count differs: expected {e[0].Length}, got {a[0].Length}";
        if (unordered)
        {
            e.Sort(CompareRows);
            a.Sort(CompareRows);
        }
        for (int r = 0; r < e.Count; r++)
            for (int c = 0; c < e[r].Length; c++)
                if (!Same(e[r][c], a[r][c], relativeTolerance))
                    return $"row {r}, column '{expected.Schema[c].Name}': expected {ValueConversions.Format(e[r][c])}, got {ValueConversions.Format(a[r][c])}";
        return null;
    }

    private static int CompareRows(object?[] x, object?[] y)
    {
        for (int i = 0; i < x.Length; i++)
        {
            if (x[i] is null || y[i] is null)
            {
                if (x[i] is null && y[i] is null) continue;
                return x[i] is null ? -1 : 1;
            }
            int c = SparkOrdering.Compare(x[i]!, y[i]!);
            if (c != 0) return c;
        }
        return 0;
    }

    private static bool Same(object? x, object? y, double tol)
    {
        if (x is null || y is null) return x is null && y is null;
        if (x is double dx && y is double dy)
        {
            if (double.IsNaN(dx) || double.IsNaN(dy)) return double.IsNaN(dx) && double.IsNaN(dy);
            if (tol == 0) return dx.Equals(dy);
            return dx == dy || Math.Abs(dx - dy) <= tol * Math.Max(Math.Abs(dx), Math.Abs(dy));
        }
        if (x is float fx && y is float fy) return Same((double)fx, (double)fy, tol);
        if (x is object?[] ax && y is object?[] ay) return ax.Length == ay.Length && ax.Zip(ay).All(p => Same(p.First, p.Second, tol));
        return x.Equals(y);
    }
}
