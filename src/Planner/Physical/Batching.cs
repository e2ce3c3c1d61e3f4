using Accel.Data;

namespace Accel.Planner.Physical;

/// <summary>Batch size helpers.</summary>
public static class Batching
{
    /// <summary>Splits a batch into slices of at most <paramref name="size"/> live rows (selection vectors, no copy).</summary>
    public static IEnumerable<ColumnBatch> Split(ColumnBatch batch, int size)
    {
        if (batch.RowCount <= size) { if (batch.RowCount > 0) yield return batch; yield break; }
        for (int start = 0; start < batch.RowCount; start += size)
        {
            int n = Math.Min(size, batch.RowCount - start);
            var sel = new int[n];
            for (int i = 0; i < n; i++) sel[i] = batch.RowAt(start + i);
            yield return batch.WithSelection(sel);
        }
    }
}
