using System.Globalization;
using System.Text;
using Accel.Data;
using Accel.Expressions;

namespace Accel.IO;

/// <summary>Reads CSV files into batches: quoted fields (with delimiters, quotes and newlines inside),
/// Spark-like schema inference, an explicit schema with type checks, and errors that name the file,
/// line and column.</summary>
public static class CsvReader
{
    /// <summary>One parsed record: its fields (null for an unquoted NULL marker) and the line it starts on.</summary>
    private readonly record struct Record(List<string?> Fields, List<bool> Quoted, long Line);

    /// <summary>Infers the schema of CSV files: names from the header (or _c0...), types from the data when
    /// InferSchema is set (int, bigint, double, boolean, date, timestamp, else string).</summary>
    public static Schema InferSchema(IReadOnlyList<string> files, CsvOptions o)
    {
        string[]? names = null;
        DataType?[]? types = null;
        foreach (var file in files)
        {
            bool first = true;
            foreach (var rec in Records(file, o))
            {
                if (first)
                {
                    first = false;
                    names ??= o.Header ? rec.Fields.Select((f, i) => string.IsNullOrEmpty(f) ? $"_c{i}" : f!).ToArray()
                                       : rec.Fields.Select((_, i) => $"_c{i}").ToArray();
                    types ??= new DataType?[names.Length];
                    if (o.Header) continue;
                }
                if (!o.InferSchema) break;
                for (int i = 0; i < Math.Min(rec.Fields.Count, types!.Length); i++)
                {
                    var v = rec.Fields[i];
                    if (v is null || (v.Length == 0 && !rec.Quoted[i])) continue;
                    types[i] = Merge(types[i], InferValue(v));
                }
            }
            if (!o.InferSchema && names is not null) break;
        }
        if (names is null) throw new AccelException($"CSV file {files[0]} is empty: cannot determine its columns");
        return new Schema(names.Select((n, i) => new Field(n, types![i] ?? DataType.Utf8)));
    }

    private static DataType InferValue(string v)
    {
        var t = v.Trim();
        if (int.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return DataType.Int32;
        if (long.TryParse(t, NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out _)) return DataType.Int64;
        if (double.TryParse(t, NumberStyles.Float, CultureInfo.InvariantCulture, out _) || t is "NaN" or "Infinity" or "-Infinity") return DataType.Float64;
        if (t.Length == 10 && t[4] == '-' && t[7] == '-' && CastKernels.ParseDate(t) is not null) return DataType.Date32;
        if (t.Length >= 16 && t[4] == '-' && CastKernels.ParseTimestamp(t) is not null) return DataType.Timestamp;
        if (t.Equals("true", StringComparison.OrdinalIgnoreCase) || t.Equals("false", StringComparison.OrdinalIgnoreCase)) return DataType.Boolean;
        return DataType.Utf8;
    }

    private static DataType Merge(DataType? a, DataType b)
    {
        if (a is null || a == b) return b;
        if (a.IsNumeric && b.IsNumeric) return Coercion.CommonType(a, b);
        if ((a.Id, b.Id) is (TypeId.Date32, TypeId.Timestamp) or (TypeId.Timestamp, TypeId.Date32)) return DataType.Timestamp;
        return DataType.Utf8;
    }

    /// <summary>Reads one CSV file with a known schema; <paramref name="ordinals"/> selects columns (null: all).</summary>
    public static IEnumerable<ColumnBatch> Read(string file, CsvOptions o, Schema schema, int[]? ordinals)
    {
        var cols = ordinals ?? Enumerable.Range(0, schema.Count).ToArray();
        var outSchema = new Schema(cols.Select(c => schema[c]));
        ColumnBuilder[] NewBuilders() => cols.Select(c => ColumnBuilder.Create(schema[c].Type, Math.Min(o.BatchSize, 4096))).ToArray();
        var builders = NewBuilders();
        int rows = 0;
        bool first = true;
        var parsed = new object?[cols.Length];
        foreach (var rec in Records(file, o))
        {
            if (first && o.Header) { first = false; continue; }
            first = false;
            if (rec.Fields.Count != schema.Count)
            {
                var msg = $"{file}:{rec.Line}: malformed CSV record: expected {schema.Count} fields but found {rec.Fields.Count}";
                if (o.Mode == CsvMode.FailFast) throw new AccelException(msg);
                if (o.Mode == CsvMode.DropMalformed) continue;
            }
            bool bad = false;
            for (int k = 0; k < cols.Length; k++)
            {
                int c = cols[k];
                var raw = c < rec.Fields.Count ? rec.Fields[c] : null;
                bool quoted = c < rec.Fields.Count && rec.Quoted[c];
                var field = schema[c];
                if (raw is null || (!quoted && raw == o.NullValue) || (raw.Length == 0 && field.Type.Id != TypeId.Utf8)) { parsed[k] = null; continue; }
                var value = field.Type.Id == TypeId.Utf8 ? raw : CastKernels.FromString(raw, field.Type);
                if (value is null || (field.Type.IsIntegral && !IsIntegralText(raw)))
                {
                    if (o.Mode == CsvMode.FailFast)
                        throw new AccelException($"{file}:{rec.Line}: column '{field.Name}': cannot parse '{raw}' as {field.Type}");
                    bad = true;
                    value = null;
                }
                parsed[k] = value;
            }
            if (bad && o.Mode == CsvMode.DropMalformed) continue;
            for (int k = 0; k < cols.Length; k++) builders[k].Append(parsed[k]);
            if (++rows == o.BatchSize)
            {
                yield return new ColumnBatch(outSchema, builders.Select(b => b.Build()).ToArray(), rows);
                builders = NewBuilders();
                rows = 0;
            }
        }
        if (rows > 0) yield return new ColumnBatch(outSchema, builders.Select(b => b.Build()).ToArray(), rows);
    }

    // A declared int column rejects "1.5" in a file (CAST would truncate it; a data file must not lose digits).
    private static bool IsIntegralText(string raw)
    {
        var t = raw.Trim();
        if (t.Length > 0 && (t[0] == '-' || t[0] == '+')) t = t[1..];
        return t.Length > 0 && t.All(char.IsAsciiDigit);
    }

    private static IEnumerable<Record> Records(string file, CsvOptions o)
    {
        StreamReader reader;
        try { reader = new StreamReader(file, Encoding.UTF8, detectEncodingFromByteOrderMarks: true, bufferSize: 1 << 16); }
        catch (Exception ex) when (ex is IOException or UnauthorizedAccessException) { throw new AccelException($"cannot open {file}: {ex.Message}", ex); }
        using (reader)
        {
            long line = 1;
            var sb = new StringBuilder();
            while (reader.Peek() >= 0)
            {
                long start = line;
                var fields = new List<string?>();
                var quoted = new List<bool>();
                bool endOfRecord = false;
                while (!endOfRecord)
                {
                    sb.Clear();
                    bool isQuoted = false;
                    int ch = reader.Read();
                    if (ch == o.Quote)
                    {
                        isQuoted = true;
                        while (true)
                        {
                            ch = reader.Read();
                            if (ch < 0) throw new AccelException($"{file}:{start}: malformed CSV record: unterminated quoted field");
                            if (ch == o.Escape && o.Escape != o.Quote && reader.Peek() == o.Quote) { sb.Append((char)reader.Read()); continue; }
                            if (ch == o.Quote)
                            {
                                if (reader.Peek() == o.Quote) { sb.Append((char)reader.Read()); continue; }
                                break;
                            }
                            if (ch == '\n') line++;
                            sb.Append((char)ch);
                        }
                        ch = reader.Read();
                        // Characters after the closing quote up to the delimiter are kept, as lenient parsers do.
                        while (ch >= 0 && ch != o.Delimiter && ch != '\n' && ch != '\r') { sb.Append((char)ch); ch = reader.Read(); }
                    }
                    else
                    {
                        while (ch >= 0 && ch != o.Delimiter && ch != '\n' && ch != '\r') { sb.Append((char)ch); ch = reader.Read(); }
                    }
                    fields.Add(sb.ToString());
                    quoted.Add(isQuoted);
                    if (ch == '\r' && reader.Peek() == '\n') reader.Read();
                    if (ch is '\n' or '\r' or -1) { endOfRecord = true; line++; }
                }
                // Blank lines are skipped, as Spark does.
                if (fields.Count == 1 && fields[0]!.Length == 0 && !quoted[0]) continue;
                yield return new Record(fields, quoted, start);
            }
        }
    }
}
