using Accel.Data;

namespace Accel.IO;

/// <summary>A column predicate pushed into a scan: <c>column op value</c> with op one of = &lt; &lt;= &gt; &gt;=
/// "IS NULL", "IS NOT NULL". Used to skip Parquet row groups; the filter above still checks every row.</summary>
public sealed record ColumnPredicate(string Column, string Op, object? Value);

/// <summary>What a scan did (files, Parquet row groups read and skipped).</summary>
public sealed class ScanMetrics
{
    /// <summary>Files opened.</summary>
    public int FilesRead;
    /// <summary>Parquet row groups decoded.</summary>
    public int RowGroupsRead;
    /// <summary>Parquet row groups skipped by min/max statistics.</summary>
    public int RowGroupsSkipped;
}

/// <summary>How a write treats an existing target (Spark's SaveMode).</summary>
public enum SaveMode { ErrorIfExists, Overwrite, Append, Ignore }

/// <summary>A table stored in one file or a directory of files of one format (csv, parquet, arrow, text).</summary>
public sealed class FileTable
{
    private readonly string[] _files;
    private readonly IReadOnlyDictionary<string, string> _options;

    private FileTable(string path, string format, string[] files, Schema schema, IReadOnlyDictionary<string, string> options)
    {
        Path = path;
        Format = format;
        _files = files;
        Schema = schema;
        _options = options;
    }

    /// <summary>The path given by the user.</summary>
    public string Path { get; }
    /// <summary>csv, parquet, arrow or text.</summary>
    public string Format { get; }
    /// <summary>The table's columns.</summary>
    public Schema Schema { get; }
    /// <summary>The data files, in name order.</summary>
    public IReadOnlyList<string> Files => _files;

    /// <summary>Opens a table: lists its files and resolves its schema (given, from metadata, or inferred).
    /// Options use Spark's names: header, inferSchema, sep/delimiter, quote, escape, nullValue, mode.</summary>
    public static FileTable Open(string path, string format, IReadOnlyDictionary<string, string> options, Schema? schema = null)
    {
        format = format.ToLowerInvariant();
        var files = ListFiles(path, format);
        Schema resolved;
        switch (format)
        {
            case "csv":
            {
                var o = CsvOptions.FromDictionary(options);
                resolved = schema ?? CsvReader.InferSchema(files, o);
                if (schema is null)
                    foreach (var f in files.Skip(1))
                    {
                        var other = CsvReader.InferSchema([f], o);
                        if (!o.InferSchema && !SameNames(other, resolved)) throw Mismatch(f, files[0], resolved, other);
                    }
                break;
            }
            case "text":
                resolved = schema ?? new Schema([new Field("value", DataType.Utf8)]);
                break;
            case "parquet":
                resolved = schema ?? ParquetTableReader.ReadSchema(files[0]);
                foreach (var f in files.Skip(1))
                {
                    var other = ParquetTableReader.ReadSchema(f);
                    if (!SameShape(other, ParquetTableReader.ReadSchema(files[0]))) throw Mismatch(f, files[0], resolved, other);
                }
                break;
            case "arrow" or "ipc" or "feather":
                format = "arrow";
                resolved = schema ?? ArrowIpc.ReadSchema(files[0]);
                foreach (var f in files.Skip(1))
                {
                    var other = ArrowIpc.ReadSchema(f);
                    if (!SameShape(other, ArrowIpc.ReadSchema(files[0]))) throw Mismatch(f, files[0], resolved, other);
                }
                break;
            default:
                throw new AccelException($"unknown format '{format}' (expected csv, parquet, arrow or text)");
        }
        return new FileTable(path, format, files, resolved, options);
    }

    private static bool SameNames(Schema a, Schema b) => a.Count == b.Count && a.Fields.Zip(b.Fields).All(p => string.Equals(p.First.Name, p.Second.Name, StringComparison.OrdinalIgnoreCase));
    private static bool SameShape(Schema a, Schema b) => SameNames(a, b) && a.Fields.Zip(b.Fields).All(p => p.First.Type == p.Second.Type);
    private static AccelException Mismatch(string file, string first, Schema expected, Schema found) =>
        new($"schema of '{file}' {found} differs from the schema of '{first}' {expected}; all files of a table must share one schema");

    /// <summary>Estimated row count: exact from Parquet/Arrow metadata, from the file size for text formats.</summary>
    public long EstimateRows() => Format switch
    {
        "parquet" => _files.Sum(ParquetTableReader.CountRows),
        "arrow" => _files.Sum(ArrowIpc.CountRows),
        _ => Math.Max(1, _files.Sum(f => new FileInfo(f).Length) / Math.Max(8, 6 * Schema.Count)),
    };

    /// <summary>An upper bound on the distinct values of an integer or date column (max - min + 1 from
    /// Parquet statistics), or null when the format or the column gives none.</summary>
    public long? DistinctBound(string column)
    {
        if (Format != "parquet") return null;
        long min = long.MaxValue, max = long.MinValue;
        foreach (var f in _files)
        {
            if (ParquetTableReader.IntegerRange(f, column) is not { } range) return null;
            min = Math.Min(min, range.Min);
            max = Math.Max(max, range.Max);
        }
        return _files.Length == 0 ? null : max - min + 1;
    }

    /// <summary>Reads the table in batches, limited to <paramref name="columns"/> (null: all), skipping
    /// Parquet row groups that <paramref name="predicates"/> rule out.</summary>
    public IEnumerable<ColumnBatch> Read(IReadOnlyList<string>? columns, IReadOnlyList<ColumnPredicate> predicates, ScanMetrics metrics, int batchSize = 65536)
    {
        var ordinals = columns?.Select(c =>
        {
            int i = Schema.IndexOf(c);
            return i >= 0 ? i : throw new AccelException($"column '{c}' does not exist in {Path}; available columns: [{string.Join(", ", Schema.Fields.Select(f => f.Name))}]");
        }).ToArray();
        foreach (var file in _files)
        {
            metrics.FilesRead++;
            IEnumerable<ColumnBatch> batches = Format switch
            {
                "csv" => CsvReader.Read(file, CsvOptions.FromDictionary(_options) with { BatchSize = batchSize }, Schema, ordinals),
                "text" => TextFileReader.Read(file, Schema, batchSize),
                "parquet" => ParquetTableReader.Read(file, Schema, ordinals, predicates, metrics),
                _ => ArrowIpc.Read(file, Schema, ordinals),
            };
            foreach (var b in batches) yield return b;
        }
    }

    /// <summary>The data files of a path: the file itself, or the directory's files of the format in name
    /// order (hidden, _SUCCESS and .crc files ignored).</summary>
    public static string[] ListFiles(string path, string format)
    {
        if (File.Exists(path)) return [path];
        if (!Directory.Exists(path)) throw new AccelException($"path does not exist: {path}");
        var files = Directory.GetFiles(path)
            .Where(f =>
            {
                var name = System.IO.Path.GetFileName(f);
                return !name.StartsWith('.') && !name.StartsWith('_') && !name.EndsWith(".crc", StringComparison.OrdinalIgnoreCase);
            })
            .Order(StringComparer.Ordinal)
            .ToArray();
        if (files.Length == 0) throw new AccelException($"directory {path} holds no {format} files");
        return files;
    }
}
