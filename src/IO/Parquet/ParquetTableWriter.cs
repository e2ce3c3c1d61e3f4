using System.Text;
using Accel.Data;
using Parquet;
using PqSchema = Parquet.Schema;

namespace Accel.IO;

/// <summary>Writes batches as one Parquet file (Parquet.Net), in row groups of at most
/// <see cref="DefaultRowGroupRows"/> rows, with per-row-group min/max statistics.</summary>
public static class ParquetTableWriter
{
    /// <summary>Rows per row group unless told otherwise.</summary>
    public const int DefaultRowGroupRows = 1 << 20;

    /// <summary>Writes all batches to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Schema schema, IEnumerable<ColumnBatch> batches, int rowGroupRows = DefaultRowGroupRows) =>
        WriteAsync(stream, schema, batches, rowGroupRows).GetAwaiter().GetResult();

    private static async Task WriteAsync(Stream stream, Schema schema, IEnumerable<ColumnBatch> batches, int rowGroupRows)
    {
        var fields = schema.Fields.Select(ToParquetField).ToArray();
        await using var writer = await ParquetWriter.CreateAsync(new PqSchema.ParquetSchema(fields), stream, null, false, default);
        // Row groups are assembled from slices of the incoming batches and converted straight into the
        // arrays Parquet.Net takes, without first concatenating the batches.
        var pending = new List<Segment>();
        int pendingRows = 0;
        async Task Flush()
        {
            if (pendingRows == 0) return;
            using var rg = writer.CreateRowGroup();
            for (int c = 0; c < fields.Length; c++) await WriteColumn(rg, fields[c], schema[c].Type, pending, c, pendingRows);
            pending.Clear();
            pendingRows = 0;
        }
        foreach (var b in batches)
        {
            for (int start = 0; start < b.RowCount;)
            {
                int take = Math.Min(rowGroupRows - pendingRows, b.RowCount - start);
                pending.Add(new Segment(b, start, take));
                pendingRows += take;
                start += take;
                if (pendingRows == rowGroupRows) await Flush();
            }
        }
        await Flush();
    }

    /// <summary>Live rows [Start, Start+Count) of a batch (positions through its selection).</summary>
    private readonly record struct Segment(ColumnBatch Batch, int Start, int Count);

    private static PqSchema.DataField ToParquetField(Field f) => f.Type.Id switch
    {
        TypeId.Boolean => new PqSchema.DataField<bool?>(f.Name),
        TypeId.Int32 => new PqSchema.DataField<int?>(f.Name),
        TypeId.Int64 => new PqSchema.DataField<long?>(f.Name),
        TypeId.Float32 => new PqSchema.DataField<float?>(f.Name),
        TypeId.Float64 => new PqSchema.DataField<double?>(f.Name),
        TypeId.Decimal => new PqSchema.DecimalDataField(f.Name, f.Type.Precision, f.Type.Scale, false, true),
        TypeId.Date32 => new PqSchema.DataField<DateOnly?>(f.Name),
        TypeId.Timestamp => new PqSchema.DateTimeDataField(f.Name, PqSchema.DateTimeFormat.Timestamp, true, PqSchema.DateTimeTimeUnit.Micros, true),
        TypeId.Utf8 => new PqSchema.DataField<string>(f.Name, true),
        _ => throw new AccelException($"column '{f.Name}' of type {f.Type} cannot be written to Parquet (nested types are not supported)"),
    };

    // Parquet stores an optional column as definition levels (1: value, 0: NULL) plus only the non-NULL
    // values; handing Parquet.Net exactly that spares building nullable arrays (twice the memory) that it
    // would only split apart again.
    private static Task WriteColumn(ParquetRowGroupWriter rg, PqSchema.DataField f, DataType type, List<Segment> segments, int c, int rows)
    {
        var levels = new int[rows];
        int defined = 0, k = 0;
        foreach (var s in segments)
        {
            var col = s.Batch[c];
            var sel = s.Batch.Selection;
            for (int i = s.Start; i < s.Start + s.Count; i++, k++)
            {
                if (col.IsNull(sel is null ? i : sel[i])) continue;
                levels[k] = 1;
                defined++;
            }
        }

        T[] Values<TStore, T>(Func<TStore, T> convert) where TStore : unmanaged
        {
            var r = new T[defined];
            int n = 0;
            foreach (var s in segments)
            {
                var col = (PrimitiveVector<TStore>)s.Batch[c];
                var v = col.Values;
                var sel = s.Batch.Selection;
                for (int i = s.Start; i < s.Start + s.Count; i++)
                {
                    int row = sel is null ? i : sel[i];
                    if (!col.IsNull(row)) r[n++] = convert(v[row]);
                }
            }
            return r;
        }

        Task Write<T>(T[] values) where T : struct => rg.WriteAllPartsAsync<T>(f, values.AsMemory(), levels.AsMemory(), null, default);

        switch (type.Id)
        {
            case TypeId.Boolean: return Write(Values<bool, bool>(x => x));
            case TypeId.Int32: return Write(Values<int, int>(x => x));
            case TypeId.Int64: return Write(Values<long, long>(x => x));
            case TypeId.Float32: return Write(Values<float, float>(x => x));
            case TypeId.Float64: return Write(Values<double, double>(x => x));
            case TypeId.Decimal: return Write(Values<long, decimal>(x => ValueConversions.ToDecimal(x, type.Scale)));
            case TypeId.Date32: return Write(Values<int, DateOnly>(ValueConversions.ToDate));
            case TypeId.Timestamp: return Write(Values<long, DateTime>(ValueConversions.ToTimestamp));
            default:
            {
                // All strings of the row group are decoded into one char buffer that the values slice,
                // instead of one string object per row.
                long bytes = 0;
                foreach (var s in segments)
                {
                    var sv = (StringVector)s.Batch[c];
                    var sel = s.Batch.Selection;
                    for (int i = s.Start; i < s.Start + s.Count; i++) { int row = sel is null ? i : sel[i]; bytes += sv.Offsets[row + 1] - sv.Offsets[row]; }
                }
                var chars = new char[bytes];
                var values = new ReadOnlyMemory<char>[defined];
                int at = 0, n = 0;
                foreach (var s in segments)
                {
                    var sv = (StringVector)s.Batch[c];
                    var sel = s.Batch.Selection;
                    for (int i = s.Start; i < s.Start + s.Count; i++)
                    {
                        int row = sel is null ? i : sel[i];
                        if (sv.IsNull(row)) continue;
                        int len = Encoding.UTF8.GetChars(sv.GetBytes(row), chars.AsSpan(at));
                        values[n++] = chars.AsMemory(at, len);
                        at += len;
                    }
                }
                return Write(values);
            }
        }
    }
}
