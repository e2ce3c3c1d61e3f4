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
        var pending = new List<ColumnBatch>();
        int pendingRows = 0;
        async Task Flush()
        {
            if (pendingRows == 0) return;
            var group = ColumnBatch.Concat(schema, pending);
            using var rg = writer.CreateRowGroup();
            for (int c = 0; c < fields.Length; c++) await WriteColumn(rg, fields[c], group[c]);
            pending.Clear();
            pendingRows = 0;
        }
        foreach (var b in batches)
        {
            for (int start = 0; start < b.RowCount;)
            {
                int take = Math.Min(rowGroupRows - pendingRows, b.RowCount - start);
                var sel = new int[take];
                for (int i = 0; i < take; i++) sel[i] = b.RowAt(start + i);
                pending.Add(new ColumnBatch(schema, b.Columns, b.PhysicalRows, sel));
                pendingRows += take;
                start += take;
                if (pendingRows == rowGroupRows) await Flush();
            }
        }
        await Flush();
    }

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

    private static Task WriteColumn(ParquetRowGroupWriter rg, PqSchema.DataField f, ColumnVector c)
    {
        T?[] Nullable<TStore, T>(Func<TStore, T> convert) where TStore : unmanaged where T : struct
        {
            var v = ((PrimitiveVector<TStore>)c).Values;
            var r = new T?[c.Length];
            for (int i = 0; i < r.Length; i++) r[i] = c.IsNull(i) ? null : convert(v[i]);
            return r;
        }
        switch (c.Type.Id)
        {
            case TypeId.Boolean: return rg.WriteAsync<bool>(f, Nullable<bool, bool>(x => x).AsMemory(), null, null, default);
            case TypeId.Int32: return rg.WriteAsync<int>(f, Nullable<int, int>(x => x).AsMemory(), null, null, default);
            case TypeId.Int64: return rg.WriteAsync<long>(f, Nullable<long, long>(x => x).AsMemory(), null, null, default);
            case TypeId.Float32: return rg.WriteAsync<float>(f, Nullable<float, float>(x => x).AsMemory(), null, null, default);
            case TypeId.Float64: return rg.WriteAsync<double>(f, Nullable<double, double>(x => x).AsMemory(), null, null, default);
            case TypeId.Decimal: return rg.WriteAsync<decimal>(f, Nullable<long, decimal>(x => ValueConversions.ToDecimal(x, c.Type.Scale)).AsMemory(), null, null, default);
            case TypeId.Date32: return rg.WriteAsync<DateOnly>(f, Nullable<int, DateOnly>(ValueConversions.ToDate).AsMemory(), null, null, default);
            case TypeId.Timestamp: return rg.WriteAsync<DateTime>(f, Nullable<long, DateTime>(ValueConversions.ToTimestamp).AsMemory(), null, null, default);
            default:
            {
                var s = (StringVector)c;
                var values = new string?[c.Length];
                for (int i = 0; i < values.Length; i++) values[i] = s.GetString(i);
                return rg.WriteAsync(f, values, null);
            }
        }
    }
}
