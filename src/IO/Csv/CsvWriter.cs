using System.Text;
using Accel.Data;

namespace Accel.IO;

/// <summary>Writes batches as CSV: optional header, NULL as an empty field, dates yyyy-MM-dd, decimals in
/// plain notation, doubles as Spark prints them; fields with a delimiter, quote or line break are quoted
/// (quotes doubled).</summary>
public static class CsvWriter
{
    /// <summary>Writes all batches to <paramref name="stream"/>.</summary>
    public static void Write(Stream stream, Schema schema, IEnumerable<ColumnBatch> batches, CsvOptions o)
    {
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        if (o.Header) w.Write(string.Join(o.Delimiter, schema.Fields.Select(f => Quote(f.Name, o))) + "\n");
        var sb = new StringBuilder();
        foreach (var batch in batches)
        {
            for (int i = 0; i < batch.RowCount; i++)
            {
                int r = batch.RowAt(i);
                sb.Clear();
                for (int c = 0; c < batch.Columns.Count; c++)
                {
                    if (c > 0) sb.Append(o.Delimiter);
                    var v = batch[c].GetValue(r);
                    if (v is null) continue;
                    var s = Expressions.CastKernels.ToSparkString(v);
                    // An empty string is quoted so that it reads back as "" rather than NULL.
                    sb.Append(s.Length == 0 ? $"{o.Quote}{o.Quote}" : Quote(s, o));
                }
                sb.Append('\n');
                w.Write(sb);
            }
        }
    }

    private static string Quote(string s, CsvOptions o)
    {
        if (s.IndexOf(o.Delimiter) < 0 && s.IndexOf(o.Quote) < 0 && s.IndexOf('\n') < 0 && s.IndexOf('\r') < 0 && s.IndexOf(o.Escape) < 0) return s;
        return o.Quote + s.Replace(o.Quote.ToString(), new string(o.Quote, 2)) + o.Quote;
    }
}
