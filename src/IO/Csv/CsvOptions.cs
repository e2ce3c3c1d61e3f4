namespace Accel.IO;

/// <summary>What to do with a malformed CSV record (Spark's mode option). Accel defaults to FailFast:
/// bad input raises an error naming the file, line and column rather than silently becoming NULL.</summary>
public enum CsvMode { FailFast, Permissive, DropMalformed }

/// <summary>CSV reading and writing options, named as Spark's.</summary>
/// <param name="Header">First line holds column names (otherwise _c0, _c1, ...).</param>
/// <param name="Delimiter">Field separator.</param>
/// <param name="Quote">Quote character.</param>
/// <param name="Escape">Escape character inside quoted fields (a doubled quote is accepted too).</param>
/// <param name="InferSchema">Infer column types from the data (otherwise every column is a string).</param>
/// <param name="NullValue">An unquoted field equal to this is NULL.</param>
/// <param name="Mode">Malformed-record handling.</param>
/// <param name="BatchSize">Rows per produced batch.</param>
public sealed record CsvOptions(bool Header = false, char Delimiter = ',', char Quote = '"', char Escape = '\\',
    bool InferSchema = false, string NullValue = "", CsvMode Mode = CsvMode.FailFast, int BatchSize = 65536)
{
    /// <summary>Reads Spark-named options (header, inferSchema, sep/delimiter, quote, escape, nullValue, mode).</summary>
    public static CsvOptions FromDictionary(IReadOnlyDictionary<string, string> o)
    {
        string? Get(string k) => o.FirstOrDefault(p => string.Equals(p.Key, k, StringComparison.OrdinalIgnoreCase)).Value;
        bool Bool(string k, bool d) => Get(k) is { } v ? bool.TryParse(v, out var b) ? b : throw new AccelException($"option {k} must be true or false, got '{v}'") : d;
        char Char(string k, char d) => Get(k) is { } v ? v.Length == 1 ? v[0] : v == "\\t" ? '\t' : throw new AccelException($"option {k} must be one character, got '{v}'") : d;
        var mode = (Get("mode") ?? "FAILFAST").ToUpperInvariant() switch
        {
            "FAILFAST" => CsvMode.FailFast,
            "PERMISSIVE" => CsvMode.Permissive,
            "DROPMALFORMED" => CsvMode.DropMalformed,
            var m => throw new AccelException($"option mode must be FAILFAST, PERMISSIVE or DROPMALFORMED, got '{m}'"),
        };
        return new CsvOptions(Bool("header", false), Get("sep") is not null ? Char("sep", ',') : Char("delimiter", ','),
            Char("quote", '"'), Char("escape", '\\'), Bool("inferSchema", false), Get("nullValue") ?? "", mode);
    }
}
