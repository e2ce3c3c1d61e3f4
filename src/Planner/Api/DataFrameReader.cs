using Accel.Data;
using Accel.IO;
using Accel.Planner.Logical;
using Accel.Sql.Types;

namespace Accel.Sql;

/// <summary>Reads files into DataFrames, shaped like Microsoft.Spark.Sql.DataFrameReader.</summary>
public sealed class DataFrameReader
{
    private readonly AccelSession _session;
    private readonly Dictionary<string, string> _options = new(StringComparer.OrdinalIgnoreCase);
    private string _format = "parquet";
    private Schema? _schema;

    internal DataFrameReader(AccelSession session) => _session = session;

    /// <summary>Sets the format (csv, parquet, arrow, text).</summary>
    public DataFrameReader Format(string source) { _format = source; return this; }
    /// <summary>Sets an option (header, inferSchema, sep, quote, escape, nullValue, mode).</summary>
    public DataFrameReader Option(string key, string value) { _options[key] = value; return this; }
    /// <summary>Sets a boolean option.</summary>
    public DataFrameReader Option(string key, bool value) => Option(key, value ? "true" : "false");
    /// <summary>Sets several options.</summary>
    public DataFrameReader Options(IDictionary<string, string> options) { foreach (var (k, v) in options) _options[k] = v; return this; }
    /// <summary>Gives the schema instead of inferring it.</summary>
    public DataFrameReader Schema(StructType schema) { _schema = schema.ToSchema(); return this; }
    /// <summary>Gives the schema as DDL ("id INT, name STRING").</summary>
    public DataFrameReader Schema(string ddl) => Schema(StructType.FromDdl(ddl));
    /// <summary>Gives the schema.</summary>
    public DataFrameReader Schema(Schema schema) { _schema = schema; return this; }

    /// <summary>Loads a file or a directory of files in the set format.</summary>
    public DataFrame Load(string path)
    {
        var table = FileTable.Open(path, _format, _options, _schema);
        return new DataFrame(_session, new ScanNode(new FileTableSource(table, _session.Conf().BatchSize)));
    }

    /// <summary>Reads CSV.</summary>
    public DataFrame Csv(string path) => Format("csv").Load(path);
    /// <summary>Reads Parquet.</summary>
    public DataFrame Parquet(string path) => Format("parquet").Load(path);
    /// <summary>Reads Arrow IPC.</summary>
    public DataFrame Arrow(string path) => Format("arrow").Load(path);
    /// <summary>Reads text: one string column "value", one row per line.</summary>
    public DataFrame Text(string path) => Format("text").Load(path);
}
