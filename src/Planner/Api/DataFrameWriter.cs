using Accel.IO;

namespace Accel.Sql;

/// <summary>Writes a DataFrame to files, shaped like Microsoft.Spark.Sql.DataFrameWriter. Writes are atomic:
/// a failed write leaves no partial file.</summary>
public sealed class DataFrameWriter
{
    private readonly DataFrame _df;
    private readonly Dictionary<string, string> _options = new(StringComparer.OrdinalIgnoreCase);
    private SaveMode _mode = SaveMode.ErrorIfExists;
    private string _format = "parquet";

    internal DataFrameWriter(DataFrame df) => _df = df;

    /// <summary>overwrite, append, ignore, error/errorifexists (default).</summary>
    public DataFrameWriter Mode(string saveMode) { _mode = TableWriter.ParseMode(saveMode); return this; }
    /// <summary>Sets the save mode.</summary>
    public DataFrameWriter Mode(SaveMode saveMode) { _mode = saveMode; return this; }
    /// <summary>Sets the format (csv, parquet, arrow, text).</summary>
    public DataFrameWriter Format(string source) { _format = source; return this; }
    /// <summary>Sets an option (CSV: header, sep, quote, ...).</summary>
    public DataFrameWriter Option(string key, string value) { _options[key] = value; return this; }
    /// <summary>Sets a boolean option.</summary>
    public DataFrameWriter Option(string key, bool value) => Option(key, value ? "true" : "false");

    /// <summary>Runs the query and writes its result.</summary>
    public void Save(string path) => TableWriter.Write(_format, path, _df.Schema(), _df.Execute(), _mode, _options);
    /// <summary>Writes Parquet.</summary>
    public void Parquet(string path) => Format("parquet").Save(path);
    /// <summary>Writes CSV.</summary>
    public void Csv(string path) => Format("csv").Save(path);
    /// <summary>Writes Arrow IPC.</summary>
    public void Arrow(string path) => Format("arrow").Save(path);
    /// <summary>Writes text (a single string column).</summary>
    public void Text(string path) => Format("text").Save(path);
}
