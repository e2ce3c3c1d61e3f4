using System.Text;
using Accel.Data;
using Parquet;
using PqSchema = Parquet.Schema;

namespace Accel.IO;

/// <summary>Reads Parquet files (Parquet.Net) into batches: one batch per row group, only the requested
/// columns decoded, and row groups skipped when their min/max statistics rule out a pushed predicate.</summary>
public static class ParquetTableReader
{
    private static readonly ParquetOptions s_options = new() { UseDateOnlyTypeForDates = true };

    /// <summary>The engine schema of a Parquet file.</summary>
    public static Schema ReadSchema(string file)
    {
        using var r = Open(file);
        return new Schema(r.Schema.DataFields.Select(f => new Field(f.Name, MapType(f, file), f.IsNullable)));
    }

    /// <summary>Rows in a file, from its footer.</summary>
    public static long CountRows(string file)
    {
        using var r = Open(file);
        return r.RowGroups.Sum(g => g.RowCount);
    }

    /// <summary>The smallest and largest value of an integer or date column over all row groups, from the
    /// footer's statistics; null when a row group has none or the column is of another type.</summary>
    public static (long Min, long Max)? IntegerRange(string file, string column)
    {
        using var r = Open(file);
        var f = r.Schema.DataFields.FirstOrDefault(x => string.Equals(x.Name, column, StringComparison.OrdinalIgnoreCase));
        if (f is null) return null;
        long min = long.MaxValue, max = long.MinValue;
        for (int g = 0; g < r.RowGroupCount; g++)
        {
            Parquet.Data.DataColumnStatistics? st;
            try { st = r.RowGroups[g].GetStatistics(f); } catch (Exception ex) when (ex is not OutOfMemoryException) { return null; }
            if (AsLong(st?.MinValue) is not long lo || AsLong(st?.MaxValue) is not long hi) return null;
            min = Math.Min(min, lo);
            max = Math.Max(max, hi);
        }
        return r.RowGroupCount == 0 ? null : (min, max);
    }

    private static long? AsLong(object? v) => v switch
    {
        int i => i,
        long l => l,
        DateOnly d => ValueConversions.FromDate(d),
        _ => null,
    };

    // Parquet.Net's reader only disposes asynchronously; the engine's scans are synchronous iterators.
    private sealed class OpenFile(ParquetReader reader) : IDisposable
    {
        public ParquetReader Reader { get; } = reader;
        public PqSchema.ParquetSchema Schema => Reader.Schema;
        public IReadOnlyList<ParquetRowGroupReader> RowGroups => Reader.RowGroups;
        public int RowGroupCount => Reader.RowGroupCount;
        public ParquetRowGroupReader OpenRowGroupReader(int i) => Reader.OpenRowGroupReader(i);
        public void Dispose() => Reader.DisposeAsync().AsTask().GetAwaiter().GetResult();
    }

    private static OpenFile Open(string file)
    {
        if (!File.Exists(file)) throw new AccelException($"path does not exist: {file}");
        try
        {
            return new OpenFile(ParquetReader.CreateAsync(file, s_options).GetAwaiter().GetResult());
        }
        catch (Exception ex) when (ex is not AccelException)
        {
            throw new AccelException($"cannot read Parquet file {file}: it is corrupt or not a Parquet file ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static DataType MapType(PqSchema.DataField f, string file)
    {
        if (f.IsArray) throw new AccelException($"Parquet column '{f.Name}' in {file} is a repeated field; nested Parquet columns are not supported");
        if (f is PqSchema.DecimalDataField d)
        {
            if (d.Precision > DataType.MaxDecimalPrecision)
                throw new AccelException($"Parquet column '{f.Name}' in {file} is decimal({d.Precision},{d.Scale}); precision above {DataType.MaxDecimalPrecision} is not supported (decimals are stored as scaled int64)");
            return DataType.Decimal(d.Precision, d.Scale);
        }
        var t = f.ClrType;
        if (t == typeof(bool)) return DataType.Boolean;
        if (t == typeof(int) || t == typeof(short) || t == typeof(byte) || t == typeof(sbyte) || t == typeof(ushort)) return DataType.Int32;
        if (t == typeof(long) || t == typeof(uint)) return DataType.Int64;
        if (t == typeof(float)) return DataType.Float32;
        if (t == typeof(double)) return DataType.Float64;
        if (t == typeof(DateOnly)) return DataType.Date32;
        if (t == typeof(DateTime) || t == typeof(DateTimeOffset)) return DataType.Timestamp;
        if (t == typeof(string) || t == typeof(ReadOnlyMemory<char>)) return DataType.Utf8;
        throw new AccelException($"Parquet column '{f.Name}' in {file} has type {t.Name}, which Accel does not read");
    }

    /// <summary>Reads one file; <paramref name="ordinals"/> are columns of <paramref name="schema"/> (null: all).</summary>
    public static IEnumerable<ColumnBatch> Read(string file, Schema schema, int[]? ordinals, IReadOnlyList<ColumnPredicate> predicates, ScanMetrics metrics)
    {
        var cols = ordinals ?? Enumerable.Range(0, schema.Count).ToArray();
        var outSchema = new Schema(cols.Select(c => schema[c]));
        using var reader = Open(file);
        var fields = cols.Select(c => reader.Schema.DataFields.FirstOrDefault(f => string.Equals(f.Name, schema[c].Name, StringComparison.OrdinalIgnoreCase))
            ?? throw new AccelException($"column '{schema[c].Name}' does not exist in Parquet file {file}")).ToArray();
        for (int g = 0; g < reader.RowGroupCount; g++)
        {
            using var rg = reader.OpenRowGroupReader(g);
            if (predicates.Any(p => RulesOut(rg, reader.Schema, schema, p)))
            {
                metrics.RowGroupsSkipped++;
                continue;
            }
            metrics.RowGroupsRead++;
            int n = checked((int)rg.RowCount);
            var columns = new ColumnVector[cols.Length];
            for (int k = 0; k < cols.Length; k++)
            {
                try { columns[k] = ReadColumn(rg, fields[k], schema[cols[k]].Type, n); }
                catch (Exception ex) when (ex is not AccelException)
                {
                    throw new AccelException($"cannot decode column '{fields[k].Name}' of row group {g} in Parquet file {file}: {ex.Message}", ex);
                }
            }
            yield return new ColumnBatch(outSchema, columns, n);
        }
    }

    private static ColumnVector ReadColumn(ParquetRowGroupReader rg, PqSchema.DataField f, DataType type, int n)
    {
        switch (type.Id)
        {
            case TypeId.Boolean: return Primitive<bool, bool>(rg, f, type, n, x => x);
            case TypeId.Int32 when f.ClrType == typeof(int): return Primitive<int, int>(rg, f, type, n, x => x);
            case TypeId.Int32 when f.ClrType == typeof(short): return Primitive<short, int>(rg, f, type, n, x => x);
            case TypeId.Int32 when f.ClrType == typeof(byte): return Primitive<byte, int>(rg, f, type, n, x => x);
            case TypeId.Int32 when f.ClrType == typeof(sbyte): return Primitive<sbyte, int>(rg, f, type, n, x => x);
            case TypeId.Int32 when f.ClrType == typeof(ushort): return Primitive<ushort, int>(rg, f, type, n, x => x);
            case TypeId.Int64 when f.ClrType == typeof(uint): return Primitive<uint, long>(rg, f, type, n, x => x);
            case TypeId.Int64: return Primitive<long, long>(rg, f, type, n, x => x);
            case TypeId.Float32: return Primitive<float, float>(rg, f, type, n, x => x);
            case TypeId.Float64: return Primitive<double, double>(rg, f, type, n, x => x);
            case TypeId.Decimal:
            {
                long scale = ValueConversions.Pow10[type.Scale];
                return Primitive<decimal, long>(rg, f, type, n, x => (long)(x * scale));
            }
            case TypeId.Date32: return Primitive<DateOnly, int>(rg, f, type, n, ValueConversions.FromDate);
            case TypeId.Timestamp when f.ClrType == typeof(DateTimeOffset): return Primitive<DateTimeOffset, long>(rg, f, type, n, x => ValueConversions.FromTimestamp(x.UtcDateTime));
            case TypeId.Timestamp: return Primitive<DateTime, long>(rg, f, type, n, ValueConversions.FromTimestamp);
            case TypeId.Utf8:
            {
                var values = new string?[n];
                rg.ReadAsync(f, values.AsMemory(), null, default).AsTask().GetAwaiter().GetResult();
                var b = new StringColumnBuilder(n);
                foreach (var s in values) b.Append(s);
                return b.Build();
            }
            default:
                throw new AccelException($"cannot read Parquet column '{f.Name}' as {type}");
        }
    }

    private static ColumnVector Primitive<TFile, TStore>(ParquetRowGroupReader rg, PqSchema.DataField f, DataType type, int n, Func<TFile, TStore> convert)
        where TFile : struct where TStore : unmanaged
    {
        var result = new TStore[n];
        if (!f.IsNullable)
        {
            var raw = new TFile[n];
            rg.ReadAsync<TFile>(f, raw.AsMemory(), null, default).AsTask().GetAwaiter().GetResult();
            for (int i = 0; i < n; i++) result[i] = convert(raw[i]);
            return new PrimitiveVector<TStore>(type, result);
        }
        var values = new TFile?[n];
        rg.ReadAsync<TFile>(f, values.AsMemory(), null, default).AsTask().GetAwaiter().GetResult();
        ValidityBitmap? validity = null;
        for (int i = 0; i < n; i++)
        {
            if (values[i] is { } v) result[i] = convert(v);
            else (validity ??= new ValidityBitmap(n)).Set(i, false);
        }
        return new PrimitiveVector<TStore>(type, result, validity);
    }

    // True when the row group's statistics prove that no row can satisfy the predicate.
    private static bool RulesOut(ParquetRowGroupReader rg, PqSchema.ParquetSchema fileSchema, Schema schema, ColumnPredicate p)
    {
        var f = fileSchema.DataFields.FirstOrDefault(x => string.Equals(x.Name, p.Column, StringComparison.OrdinalIgnoreCase));
        int ord = schema.IndexOf(p.Column);
        if (f is null || ord < 0) return false;
        Parquet.Data.DataColumnStatistics? st;
        try { st = rg.GetStatistics(f); } catch (Exception ex) when (ex is not OutOfMemoryException) { return false; }
        if (st is null) return false;
        if (p.Op == "IS NULL") return st.NullCount == 0;
        if (p.Op == "IS NOT NULL") return st.NullCount == rg.RowCount;
        var type = schema[ord].Type;
        var min = Comparable(st.MinValue, type);
        var max = Comparable(st.MaxValue, type);
        // The literal is a plain CLR value (24 means 24), unlike integer statistics of a decimal column, which are unscaled.
        var v = type.Id == TypeId.Decimal && p.Value is int or long ? Convert.ToDecimal(p.Value, System.Globalization.CultureInfo.InvariantCulture) : Comparable(p.Value, type);
        if (min is null || max is null || v is null) return false;
        int Cmp(IComparable a, IComparable b) => a.CompareTo(b);
        return p.Op switch
        {
            "=" => Cmp(v, min) < 0 || Cmp(v, max) > 0,
            "<" => Cmp(min, v) >= 0,
            "<=" => Cmp(min, v) > 0,
            ">" => Cmp(max, v) <= 0,
            ">=" => Cmp(max, v) < 0,
            _ => false,
        };
    }

    // Statistics and literals brought to one comparable domain per column type (null: unknown, keep the group).
    private static IComparable? Comparable(object? v, DataType type)
    {
        if (v is null) return null;
        try
        {
            switch (type.Id)
            {
                case TypeId.Int32 or TypeId.Int64 or TypeId.Decimal:
                    return v switch
                    {
                        long l when type.Id == TypeId.Decimal => ValueConversions.ToDecimal(l, type.Scale),
                        int i when type.Id == TypeId.Decimal => ValueConversions.ToDecimal(i, type.Scale),
                        double dbl => double.IsFinite(dbl) ? (decimal)dbl : null,
                        float fl => float.IsFinite(fl) ? (decimal)fl : null,
                        IConvertible c when v is not string and not bool and not DateTime => c.ToDecimal(System.Globalization.CultureInfo.InvariantCulture),
                        _ => null,
                    };
                case TypeId.Float32 or TypeId.Float64:
                    return v is IConvertible and not string and not bool and not DateTime ? Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture) is var dv && !double.IsNaN(dv) ? dv : null : null;
                case TypeId.Date32:
                    return v switch { DateOnly day => ValueConversions.FromDate(day), int i => i, DateTime t => ValueConversions.FromDate(DateOnly.FromDateTime(t)), _ => null };
                case TypeId.Timestamp:
                    return v switch { DateTime t => ValueConversions.FromTimestamp(t), DateOnly day => ValueConversions.FromTimestamp(day.ToDateTime(TimeOnly.MinValue)), long l => l, _ => null };
                case TypeId.Utf8:
                    return v switch { string s => new Utf8Key(s), byte[] b => new Utf8Key(Encoding.UTF8.GetString(b)), _ => null };
                default:
                    return null;
            }
        }
        catch (OverflowException)
        {
            return null;
        }
    }

    private sealed record Utf8Key(string Value) : IComparable
    {
        public int CompareTo(object? obj) => Encoding.UTF8.GetBytes(Value).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(((Utf8Key)obj!).Value));
    }
}
