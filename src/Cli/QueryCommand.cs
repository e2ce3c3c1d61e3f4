using System.Globalization;
using System.Text;
using System.Text.Json;
using Accel.Data;
using Accel.Sql;

namespace Accel.Cli;

/// <summary>`accel query` and `accel explain`: Spark SQL over files registered with --table NAME=PATH.</summary>
public static class QueryCommand
{
    /// <summary>The options of query, explain and sql.</summary>
    public sealed record Options(List<(string Name, string Path)> Tables, string Path, string Format, bool Analyze, string? Sql);

    /// <summary>Runs a query (or, with <paramref name="explainOnly"/>, prints its plan).</summary>
    public static int Run(string[] args, TextWriter output, bool explainOnly)
    {
        var o = ParseOptions(args);
        if (o.Sql is null) throw new AccelException("no SQL given: accel query [--table NAME=PATH]... \"SELECT ...\"");
        var session = CreateSession(o);
        if (explainOnly)
        {
            var df = session.Sql(o.Sql);
            output.Write(df.Schema()[0].Name == "plan" && df.Columns.Count == 1 ? df.Collect().Single().GetAs<string>(0) : df.ExplainString());
            return 0;
        }
        Execute(session, o.Sql, o.Format, o.Analyze, output);
        return 0;
    }

    /// <summary>A session with the tables of the options registered as views and the path set.</summary>
    public static AccelSession CreateSession(Options o)
    {
        var session = AccelSession.Builder().AppName("accel-cli").Create();
        session.Conf().Set("accel.path", o.Path);
        foreach (var (name, p) in o.Tables) Load(session, p).CreateOrReplaceTempView(name);
        return session;
    }

    /// <summary>Runs one statement and prints its result in <paramref name="format"/>.</summary>
    public static void Execute(AccelSession session, string sql, string format, bool analyze, TextWriter output)
    {
        var df = session.Sql(sql);
        var batch = df.ToBatch();
        // Statements (CREATE VIEW, CACHE TABLE, ...) return no columns: nothing to print but that they ran.
        if (batch.Schema.Count == 0)
        {
            if (format == "table") output.WriteLine("OK");
            return;
        }
        switch (format)
        {
            case "csv": WriteCsv(output, batch); break;
            case "json": WriteJson(output, batch); break;
            default: WriteTable(output, batch); break;
        }
        if (analyze && df.LastExecutedPlan is not null)
        {
            output.WriteLine();
            output.Write(Accel.Planner.Physical.Explain.Render(df.LastExecutedPlan, analyze: true));
        }
    }

    /// <summary>Parses --table, --path, --format, --analyze and the SQL argument.</summary>
    public static Options ParseOptions(string[] args)
    {
        var tables = new List<(string Name, string Path)>();
        string path = "auto", format = "table";
        bool analyze = false;
        string? sql = null;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new AccelException($"option {args[i]} needs a value");
            switch (args[i])
            {
                case "--table":
                {
                    var v = Value();
                    int eq = v.IndexOf('=');
                    if (eq <= 0) throw new AccelException($"--table expects NAME=PATH, got '{v}'");
                    tables.Add((v[..eq], v[(eq + 1)..]));
                    break;
                }
                case "--tables":
                {
                    // Every data file (or directory of part files) in DIR becomes a view named after it.
                    var dir = Value();
                    if (!Directory.Exists(dir)) throw new AccelException($"--tables expects a directory, got '{dir}'");
                    var found = Directory.EnumerateFileSystemEntries(dir)
                        .Where(e => Directory.Exists(e) || Path.GetExtension(e).ToLowerInvariant() is ".csv" or ".parquet" or ".arrow" or ".ipc" or ".feather")
                        .Order(StringComparer.Ordinal).ToList();
                    if (found.Count == 0) throw new AccelException($"no .csv, .parquet or .arrow tables in '{dir}'");
                    tables.AddRange(found.Select(e => (Path.GetFileNameWithoutExtension(e), e)));
                    break;
                }
                case "--path": path = Value(); break;
                case "--format": format = Value(); break;
                case "--analyze": analyze = true; break;
                default:
                    if (args[i].StartsWith("--", StringComparison.Ordinal)) throw new AccelException($"unknown option {args[i]}");
                    sql = sql is null ? args[i] : throw new AccelException("give the SQL as one argument (quote it)");
                    break;
            }
        }
        if (format is not ("table" or "csv" or "json")) throw new AccelException($"--format must be table, csv or json, got '{format}'");
        if (path is not ("auto" or "gpu" or "simd" or "scalar")) throw new AccelException($"--path must be auto, gpu, simd or scalar, got '{path}'");
        return new Options(tables, path, format, analyze, sql);
    }

    /// <summary>A file or directory as a DataFrame, by extension: .csv (header, inferred schema), .parquet, .arrow/.ipc/.feather, .txt.</summary>
    public static DataFrame Load(AccelSession session, string path)
    {
        var probe = Directory.Exists(path) ? Accel.IO.FileTable.ListFiles(path, "data")[0] : path;
        return Path.GetExtension(probe).ToLowerInvariant() switch
        {
            ".csv" => session.Read().Option("header", "true").Option("inferSchema", "true").Csv(path),
            ".parquet" => session.Read().Parquet(path),
            ".arrow" or ".ipc" or ".feather" => session.Read().Arrow(path),
            ".txt" => session.Read().Text(path),
            var ext => throw new AccelException($"cannot tell the format of {path} from its extension '{ext}' (expected .csv, .parquet, .arrow or .txt)"),
        };
    }

    private static string CsvValue(object? v) => v switch
    {
        null => "",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        float f => f.ToString("R", CultureInfo.InvariantCulture),
        _ => ValueConversions.Format(v),
    };

    private static void WriteCsv(TextWriter w, ColumnBatch b)
    {
        static string Quote(string s) => s.IndexOfAny([',', '"', '\n', '\r']) < 0 ? s : "\"" + s.Replace("\"", "\"\"") + "\"";
        w.WriteLine(string.Join(",", b.Schema.Fields.Select(f => Quote(f.Name))));
        foreach (var row in b.Rows()) w.WriteLine(string.Join(",", row.Select(v => Quote(CsvValue(v)))));
    }

    private static void WriteJson(TextWriter w, ColumnBatch b)
    {
        var sb = new StringBuilder();
        using (var json = new Utf8JsonWriter(new MemoryStreamWriter(sb), new JsonWriterOptions { Indented = false }))
        {
            json.WriteStartArray();
            foreach (var row in b.Rows())
            {
                json.WriteStartObject();
                for (int c = 0; c < row.Length; c++)
                {
                    json.WritePropertyName(b.Schema[c].Name);
                    switch (row[c])
                    {
                        case null: json.WriteNullValue(); break;
                        case bool v: json.WriteBooleanValue(v); break;
                        case int v: json.WriteNumberValue(v); break;
                        case long v: json.WriteNumberValue(v); break;
                        case double v when double.IsFinite(v): json.WriteNumberValue(v); break;
                        case float v when float.IsFinite(v): json.WriteNumberValue(v); break;
                        case decimal v: json.WriteNumberValue(v); break;
                        case object?[] a: json.WriteStringValue(ValueConversions.Format(a)); break;
                        default: json.WriteStringValue(ValueConversions.Format(row[c])); break;
                    }
                }
                json.WriteEndObject();
            }
            json.WriteEndArray();
        }
        w.WriteLine(sb.ToString());
    }

    private static void WriteTable(TextWriter w, ColumnBatch b)
    {
        var header = b.Schema.Fields.Select(f => f.Name).ToArray();
        var cells = b.Rows().Select(r => r.Select(v => ValueConversions.Format(v)).ToArray()).ToList();
        var widths = header.Select((h, i) => Math.Max(h.Length, cells.Count == 0 ? 0 : cells.Max(c => c[i].Length))).ToArray();
        var sep = "+" + string.Join("+", widths.Select(x => new string('-', x + 2))) + "+";
        w.WriteLine(sep);
        w.WriteLine("| " + string.Join(" | ", header.Select((h, i) => h.PadRight(widths[i]))) + " |");
        w.WriteLine(sep);
        foreach (var c in cells) w.WriteLine("| " + string.Join(" | ", c.Select((v, i) => v.PadLeft(widths[i]))) + " |");
        w.WriteLine(sep);
        w.WriteLine($"{cells.Count} row{(cells.Count == 1 ? "" : "s")}");
    }

    // Utf8JsonWriter writes bytes; this collects them as text.
    private sealed class MemoryStreamWriter(StringBuilder sb) : Stream
    {
        public override bool CanRead => false;
        public override bool CanSeek => false;
        public override bool CanWrite => true;
        public override long Length => 0;
        public override long Position { get => 0; set { } }
        public override void Flush() { }
        public override int Read(byte[] buffer, int offset, int count) => throw new NotSupportedException();
        public override long Seek(long offset, SeekOrigin origin) => throw new NotSupportedException();
        public override void SetLength(long value) => throw new NotSupportedException();
        public override void Write(byte[] buffer, int offset, int count) => sb.Append(Encoding.UTF8.GetString(buffer, offset, count));
    }
}
