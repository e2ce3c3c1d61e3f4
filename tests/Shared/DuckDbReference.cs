using System.Globalization;
using Accel.Data;
using DuckDB.NET.Data;

namespace Accel.Tests;

/// <summary>Loads the same rows into an in-memory DuckDB and runs the equivalent SQL, so DataFrame results
/// are checked against an independent engine (DuckDB is a test-only reference, never an engine dependency).</summary>
public sealed class DuckDbReference : IDisposable
{
    private readonly DuckDBConnection _conn;

    /// <summary>Opens an in-memory database.</summary>
    public DuckDbReference()
    {
        _conn = new DuckDBConnection("Data Source=:memory:");
        _conn.Open();
    }

    /// <summary>Creates table <paramref name="name"/> with <paramref name="schema"/> and inserts the rows.</summary>
    public void Load(string name, Schema schema, IEnumerable<object?[]> rows)
    {
        Execute($"CREATE TABLE {name} ({string.Join(", ", schema.Fields.Select(f => $"\"{f.Name}\" {SqlType(f.Type)}"))})");
        using var appender = _conn.CreateAppender(name);
        foreach (var r in rows)
        {
            var row = appender.CreateRow();
            for (int i = 0; i < r.Length; i++)
            {
                switch (r[i])
                {
                    case null: row.AppendNullValue(); break;
                    case bool b: row.AppendValue(b); break;
                    case int v: row.AppendValue(v); break;
                    case long v: row.AppendValue(v); break;
                    case float v: row.AppendValue(v); break;
                    case double v: row.AppendValue(v); break;
                    case decimal v: row.AppendValue(v); break;
                    case DateOnly d: row.AppendValue(d); break;
                    case DateTime t: row.AppendValue(t); break;
                    case string s: row.AppendValue(s); break;
                    default: throw new ArgumentException($"cannot append {r[i]!.GetType()}");
                }
            }
            row.EndRow();
        }
    }

    /// <summary>Runs a statement.</summary>
    public void Execute(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        cmd.ExecuteNonQuery();
    }

    /// <summary>Runs a query and returns its rows.</summary>
    public List<object?[]> Query(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        var rows = new List<object?[]>();
        while (reader.Read())
        {
            var row = new object?[reader.FieldCount];
            for (int i = 0; i < row.Length; i++) row[i] = reader.IsDBNull(i) ? null : reader.GetValue(i);
            rows.Add(row);
        }
        return rows;
    }

    /// <summary>Runs a query to its whole result and returns the row count, stepping over every row without converting its
    /// values into .NET objects: DuckDB's own cost of producing the answer, as the benchmark times it.</summary>
    public long Run(string sql)
    {
        using var cmd = _conn.CreateCommand();
        cmd.CommandText = sql;
        using var reader = cmd.ExecuteReader();
        long rows = 0;
        while (reader.Read()) rows++;
        return rows;
    }

    private static string SqlType(DataType t) => t.Id switch
    {
        TypeId.Boolean => "BOOLEAN",
        TypeId.Int32 => "INTEGER",
        TypeId.Int64 => "BIGINT",
        TypeId.Float32 => "REAL",
        TypeId.Float64 => "DOUBLE",
        TypeId.Decimal => $"DECIMAL({t.Precision},{t.Scale})",
        TypeId.Date32 => "DATE",
        TypeId.Timestamp => "TIMESTAMP",
        TypeId.Utf8 => "VARCHAR",
        _ => throw new ArgumentException($"no DuckDB type for {t}"),
    };

    /// <summary>A row rendered to a comparable string: doubles to 8 significant digits (engines may add in a different order), decimals
    /// normalized, dates as yyyy-MM-dd, integers of any width alike.</summary>
    public static string Normalize(object?[] row) => string.Join(" | ", row.Select(NormalizeValue));

    /// <summary>One value rendered for comparison.</summary>
    public static string NormalizeValue(object? v) => v switch
    {
        null => "NULL",
        double d when double.IsNaN(d) => "NaN",
        double d => d == Math.Round(d) && Math.Abs(d) < 1e15 ? d.ToString("0", CultureInfo.InvariantCulture) : d.ToString("G8", CultureInfo.InvariantCulture),
        float f => NormalizeValue((double)f),
        decimal m => m == decimal.Truncate(m) ? decimal.Truncate(m).ToString(CultureInfo.InvariantCulture) : (m / 1.000000000000000000000000000000000m).ToString(CultureInfo.InvariantCulture),
        DateOnly d => d.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t when t.TimeOfDay == TimeSpan.Zero => t.ToString("yyyy-MM-dd", CultureInfo.InvariantCulture),
        DateTime t => t.ToString("yyyy-MM-dd HH:mm:ss.ffffff", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        sbyte or byte or short or ushort or int or uint or long or ulong => Convert.ToInt64(v, CultureInfo.InvariantCulture).ToString(CultureInfo.InvariantCulture),
        System.Numerics.BigInteger bi => bi.ToString(CultureInfo.InvariantCulture),
        System.Collections.IEnumerable e and not string => "[" + string.Join(", ", e.Cast<object?>().Select(NormalizeValue)) + "]",
        _ => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "",
    };

    /// <inheritdoc />
    public void Dispose() => _conn.Dispose();
}
