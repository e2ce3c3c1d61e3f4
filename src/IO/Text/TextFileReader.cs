using System.Text;
using Accel.Data;

namespace Accel.IO;

/// <summary>Spark's text format: one string column "value", one row per line.</summary>
public static class TextFileReader
{
    /// <summary>Reads the lines of a file.</summary>
    public static IEnumerable<ColumnBatch> Read(string file, Schema schema, int batchSize)
    {
        var b = new StringColumnBuilder(1024);
        int n = 0;
        foreach (var line in File.ReadLines(file, Encoding.UTF8))
        {
            b.Append(line);
            if (++n == batchSize)
            {
                yield return new ColumnBatch(schema, [b.Build()], n);
                b = new StringColumnBuilder(1024);
                n = 0;
            }
        }
        if (n > 0) yield return new ColumnBatch(schema, [b.Build()], n);
    }

    /// <summary>Writes a single string column, one value per line.</summary>
    public static void Write(Stream stream, Schema schema, IEnumerable<ColumnBatch> batches)
    {
        if (schema.Count != 1 || schema[0].Type.Id != TypeId.Utf8)
            throw new AccelException($"the text format writes exactly one string column, but the data has {schema}");
        using var w = new StreamWriter(stream, new UTF8Encoding(false), 1 << 16, leaveOpen: true);
        foreach (var batch in batches)
            for (int i = 0; i < batch.RowCount; i++)
                w.Write((((StringVector)batch[0]).GetString(batch.RowAt(i)) ?? "") + "\n");
    }
}
