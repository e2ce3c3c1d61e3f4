namespace Accel.Vectorized;

/// <summary>Which physical rows of a batch its selection keeps, asked a morsel at a time: an ascending selection
/// (what filters produce) is cut by binary search, so each thread marks only its own morsel's rows in a buffer that
/// stays in cache; any other order is marked once over the whole batch.</summary>
internal sealed class LiveRows
{
    private readonly int[] _selection;
    private readonly bool[]? _all;

    public LiveRows(int[] selection, int rows)
    {
        _selection = selection;
        for (int i = 1; i < selection.Length; i++)
            if (selection[i] <= selection[i - 1])
            {
                _all = new bool[rows];
                foreach (var r in selection) _all[r] = true;
                return;
            }
    }

    /// <summary>dst[i] = whether row start+i is selected, for i in [0, dst.Length).</summary>
    public void Fill(int start, Span<bool> dst)
    {
        if (_all is not null) { _all.AsSpan(start, dst.Length).CopyTo(dst); return; }
        dst.Clear();
        int from = LowerBound(start), to = LowerBound(start + dst.Length);
        foreach (var r in _selection.AsSpan(from, to - from)) dst[r - start] = true;
    }

    private int LowerBound(int row)
    {
        int i = Array.BinarySearch(_selection, row);
        return i >= 0 ? i : ~i;
    }
}
