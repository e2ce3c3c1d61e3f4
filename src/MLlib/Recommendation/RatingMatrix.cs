namespace Accel.ML.Recommendation;

/// <summary>A sparse ratings matrix over dense indices, stored twice in CSR form: by user (the items each
/// user rated) and by item (the users who rated each item), so each half of an ALS iteration streams one
/// side's rows in order.</summary>
public sealed class RatingMatrix
{
    /// <summary>Builds both CSR forms from coordinate triples (dense user index, dense item index, rating).</summary>
    public RatingMatrix(int users, int items, ReadOnlySpan<int> userIndex, ReadOnlySpan<int> itemIndex, ReadOnlySpan<double> rating)
    {
        if (userIndex.Length != itemIndex.Length || userIndex.Length != rating.Length)
            throw new ArgumentException("user, item and rating arrays must have the same length");
        Users = users;
        Items = items;
        (UserPtr, UserCols, UserValues) = ToCsr(users, userIndex, itemIndex, rating);
        (ItemPtr, ItemCols, ItemValues) = ToCsr(items, itemIndex, userIndex, rating);
    }

    /// <summary>Number of users (rows of the by-user form).</summary>
    public int Users { get; }
    /// <summary>Number of items (rows of the by-item form).</summary>
    public int Items { get; }
    /// <summary>Number of ratings.</summary>
    public int Count => UserCols.Length;
    /// <summary>Row starts of the by-user form (Users + 1 entries).</summary>
    public int[] UserPtr { get; }
    /// <summary>Item index of each rating, by user.</summary>
    public int[] UserCols { get; }
    /// <summary>Rating values, by user.</summary>
    public double[] UserValues { get; }
    /// <summary>Row starts of the by-item form (Items + 1 entries).</summary>
    public int[] ItemPtr { get; }
    /// <summary>User index of each rating, by item.</summary>
    public int[] ItemCols { get; }
    /// <summary>Rating values, by item.</summary>
    public double[] ItemValues { get; }

    // A counting sort by row: stable, so each row's columns keep the input order; then each row is sorted by
    // column so the layout (and every floating-point sum over it) does not depend on the input's row order.
    private static (int[] Ptr, int[] Cols, double[] Vals) ToCsr(int rows, ReadOnlySpan<int> row, ReadOnlySpan<int> col, ReadOnlySpan<double> val)
    {
        var ptr = new int[rows + 1];
        foreach (var r in row) ptr[r + 1]++;
        for (int r = 0; r < rows; r++) ptr[r + 1] += ptr[r];
        var next = ptr.AsSpan(0, rows).ToArray();
        var cols = new int[row.Length];
        var vals = new double[row.Length];
        for (int i = 0; i < row.Length; i++)
        {
            int at = next[row[i]]++;
            cols[at] = col[i];
            vals[at] = val[i];
        }
        Parallel.For(0, rows, r =>
        {
            int s = ptr[r], n = ptr[r + 1] - s;
            if (n > 1) cols.AsSpan(s, n).Sort(vals.AsSpan(s, n));
        });
        return (ptr, cols, vals);
    }
}
