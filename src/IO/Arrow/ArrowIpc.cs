using Accel.Data;
using Apache.Arrow.Ipc;

namespace Accel.IO;

/// <summary>Arrow IPC files (the random-access "file" format; the streaming format is read too).</summary>
public static class ArrowIpc
{
    private static T Guard<T>(string file, Func<T> read)
    {
        try { return read(); }
        catch (Exception ex) when (ex is not AccelException)
        {
            throw new AccelException($"cannot read Arrow IPC file {file}: it is corrupt or not an Arrow file ({ex.GetType().Name}: {ex.Message})", ex);
        }
    }

    private static ArrowReaderImplementation Open(string file, out Stream stream)
    {
        stream = File.OpenRead(file);
        var s = stream;
        return new ArrowReaderImplementation(s, IsFileFormat(s));
    }

    private static bool IsFileFormat(Stream s)
    {
        Span<byte> magic = stackalloc byte[6];
        int read = s.Read(magic);
        s.Position = 0;
        return read == 6 && magic.SequenceEqual("ARROW1"u8);
    }

    /// <summary>The engine schema of an Arrow file.</summary>
    public static Schema ReadSchema(string file) => Guard(file, () =>
    {
        using var r = Open(file, out var s);
        using (s) return ArrowConversion.FromArrowSchema(r.Schema, file);
    });

    /// <summary>Rows in an Arrow file.</summary>
    public static long CountRows(string file) => Guard(file, () =>
    {
        using var r = Open(file, out var s);
        using (s)
        {
            long n = 0;
            while (r.Next() is { } b) { n += b.Length; b.Dispose(); }
            return n;
        }
    });

    /// <summary>Reads the record batches of a file, limited to <paramref name="ordinals"/> (null: all).</summary>
    public static IEnumerable<ColumnBatch> Read(string file, Schema schema, int[]? ordinals)
    {
        var cols = ordinals ?? Enumerable.Range(0, schema.Count).ToArray();
        var outSchema = new Schema(cols.Select(c => schema[c]));
        Stream stream = null!;
        using var reader = Guard(file, () => Open(file, out stream));
        using var ownedStream = stream;
        while (true)
        {
            var batch = Guard(file, reader.Next);
            if (batch is null) yield break;
            using (batch)
            {
                var full = ArrowConversion.FromArrow(batch, schema);
                yield return new ColumnBatch(outSchema, cols.Select(c => full[c]).ToArray(), full.PhysicalRows);
            }
        }
    }

    /// <summary>Writes batches as an Arrow IPC file.</summary>
    public static void Write(Stream stream, Schema schema, IEnumerable<ColumnBatch> batches)
    {
        using var w = new ArrowFileWriter(stream, ArrowConversion.ToArrowSchema(schema), leaveOpen: true);
        w.WriteStart();
        foreach (var b in batches)
            if (b.RowCount > 0) w.WriteRecordBatch(ArrowConversion.ToArrow(new ColumnBatch(schema, b.Columns, b.PhysicalRows, b.Selection)));
        w.WriteEnd();
    }

    /// <summary>One reader over both IPC formats.</summary>
    private sealed class ArrowReaderImplementation(Stream s, bool fileFormat) : IDisposable
    {
        private readonly ArrowFileReader? _file = fileFormat ? new ArrowFileReader(s, leaveOpen: true) : null;
        private readonly ArrowStreamReader? _stream = fileFormat ? null : new ArrowStreamReader(s, leaveOpen: true);
        public Apache.Arrow.Schema Schema => _file?.Schema ?? _stream!.Schema;
        public Apache.Arrow.RecordBatch? Next() => _file is not null ? _file.ReadNextRecordBatch() : _stream!.ReadNextRecordBatch();
        public void Dispose() { _file?.Dispose(); _stream?.Dispose(); }
    }
}
