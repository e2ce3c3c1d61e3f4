using System.Buffers;

namespace Accel.Data;

/// <summary>Concatenation into pooled buffers, for an operator that needs its input as one batch only while it runs
/// (a hash join's build side): fresh buffers of tens of MB cost a page fault per 4 KiB on first touch, which on a VM
/// was most of such a join's time (TPC-H Q21 SF 1 concatenated 6 million lineitems twice per run). NULL-free
/// fixed-width and string columns are copied into rented arrays; other columns are concatenated as usual.</summary>
public sealed class PooledConcat
{
    private readonly List<Action> _returns = [];
    private readonly HashSet<object> _buffers = new(ReferenceEqualityComparer.Instance);

    /// <summary>All rows of the batches as one batch, as <see cref="ColumnBatch.Combine"/> gives them, with any
    /// concatenation done into pooled buffers.</summary>
    public ColumnBatch Combine(Schema schema, IReadOnlyList<ColumnBatch> batches)
    {
        if (batches.Count <= 1) return ColumnBatch.Combine(schema, batches);
        var first = batches[0];
        bool slicesOfOne = batches.All(b => b.PhysicalRows == first.PhysicalRows && b.Columns.Count == first.Columns.Count
            && b.Columns.Zip(first.Columns).All(p => ReferenceEquals(p.First, p.Second)));
        return slicesOfOne ? ColumnBatch.Combine(schema, batches) : Concat(schema, batches);
    }

    /// <summary>Concatenates the batches' live rows into one compact batch; pooled columns are gathered through each
    /// batch's selection straight into their buffer.</summary>
    public ColumnBatch Concat(Schema schema, IReadOnlyList<ColumnBatch> batches)
    {
        if (batches.Count <= 1) return ColumnBatch.Concat(schema, batches);
        int rows = batches.Sum(b => b.RowCount);
        ColumnBatch[]? compact = null;
        var cols = new ColumnVector[schema.Count];
        for (int c = 0; c < cols.Length; c++)
        {
            bool noNulls = batches.All(b => b.Columns[c].NullCount == 0);
            cols[c] = !noNulls ? null! : batches[0].Columns[c] switch
            {
                PrimitiveVector<long> => Copy<long>(schema[c].Type, batches, c, rows),
                PrimitiveVector<int> => Copy<int>(schema[c].Type, batches, c, rows),
                PrimitiveVector<double> => Copy<double>(schema[c].Type, batches, c, rows),
                StringVector => CopyStrings(batches, c, rows)!,
                _ => null!,
            };
            if (cols[c] is null)
            {
                compact ??= batches.Select(b => b.Compact()).ToArray();
                cols[c] = ColumnVector.Concat(schema[c].Type, compact.Select(b => b.Columns[c]).ToArray());
            }
        }
        return new ColumnBatch(schema, cols, rows);
    }

    private PrimitiveVector<T> Copy<T>(DataType type, IReadOnlyList<ColumnBatch> batches, int column, int rows) where T : unmanaged
    {
        var buffer = ArrayPool<T>.Shared.Rent(Math.Max(1, rows));
        int o = 0;
        foreach (var b in batches)
        {
            var values = ((PrimitiveVector<T>)b.Columns[column]).Values;
            if (b.Selection is { } sel)
                foreach (int r in sel) buffer[o++] = values[r];
            else
            {
                values.AsSpan(0, b.PhysicalRows).CopyTo(buffer.AsSpan(o));
                o += b.PhysicalRows;
            }
        }
        _buffers.Add(buffer);
        _returns.Add(() => ArrayPool<T>.Shared.Return(buffer));
        return new PrimitiveVector<T>(type, buffer, null, rows);
    }

    // The live strings' bytes and offsets, rebased to one buffer each; null when the bytes outgrow one array.
    private StringVector? CopyStrings(IReadOnlyList<ColumnBatch> batches, int column, int rows)
    {
        long bytes = 0;
        foreach (var b in batches)
        {
            var off = ((StringVector)b.Columns[column]).Offsets;
            if (b.Selection is { } sel) foreach (int r in sel) bytes += off[r + 1] - off[r];
            else bytes += off[b.PhysicalRows] - off[0];
        }
        if (bytes > Array.MaxLength) return null;
        var offsets = ArrayPool<int>.Shared.Rent(rows + 1);
        var data = ArrayPool<byte>.Shared.Rent((int)Math.Max(1, bytes));
        int o = 0, at = 0;
        offsets[0] = 0;
        foreach (var b in batches)
        {
            var v = (StringVector)b.Columns[column];
            var (srcOff, src) = (v.Offsets, v.Data);
            if (b.Selection is { } sel)
                foreach (int r in sel)
                {
                    int len = srcOff[r + 1] - srcOff[r];
                    src.AsSpan(srcOff[r], len).CopyTo(data.AsSpan(at));
                    offsets[++o] = at += len;
                }
            else
            {
                int n = b.PhysicalRows, first = srcOff[0];
                src.AsSpan(first, srcOff[n] - first).CopyTo(data.AsSpan(at));
                int shift = at - first;
                for (int i = 1; i <= n; i++) offsets[o + i] = srcOff[i] + shift;
                o += n;
                at = offsets[o];
            }
        }
        _buffers.Add(offsets);
        _buffers.Add(data);
        _returns.Add(() => ArrayPool<int>.Shared.Return(offsets));
        _returns.Add(() => ArrayPool<byte>.Shared.Return(data));
        return new StringVector(offsets, data, null, rows);
    }

    /// <summary>Hands the buffers back to the pool, unless a column of <paramref name="results"/> still holds one (an
    /// operator may pass an input column through): then they stay with the garbage collector.</summary>
    public void Release(IEnumerable<ColumnBatch> results)
    {
        if (_returns.Count == 0) return;
        foreach (var b in results)
            foreach (var c in b.Columns)
                if (c is PrimitiveVector<long> { Values: var l } && _buffers.Contains(l)
                    || c is PrimitiveVector<int> { Values: var i } && _buffers.Contains(i)
                    || c is PrimitiveVector<double> { Values: var d } && _buffers.Contains(d)
                    || c is StringVector { Offsets: var so } && _buffers.Contains(so))
                    return;
        foreach (var giveBack in _returns) giveBack();
        _returns.Clear();
        _buffers.Clear();
    }
}
