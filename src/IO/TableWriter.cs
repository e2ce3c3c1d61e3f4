using Accel.Data;

namespace Accel.IO;

/// <summary>Writes tables in a format with Spark's save modes. A path ending in the format's extension
/// (.csv, .parquet, .arrow, .txt) is written as that one file; any other path is a directory that receives
/// part-NNNNN files (Append adds a part). Every file is written to a temporary name in the target directory
/// and renamed into place, so a failed write leaves neither a partial file nor the temporary one.</summary>
public static class TableWriter
{
    /// <summary>Writes <paramref name="batches"/> (of <paramref name="schema"/>) to <paramref name="path"/>.</summary>
    public static void Write(string format, string path, Schema schema, IEnumerable<ColumnBatch> batches, SaveMode mode, IReadOnlyDictionary<string, string> options)
    {
        format = format.ToLowerInvariant() switch { "ipc" or "feather" => "arrow", var f => f };
        string ext = format switch { "csv" => ".csv", "parquet" => ".parquet", "arrow" => ".arrow", "text" => ".txt", _ => throw new AccelException($"unknown format '{format}' (expected csv, parquet, arrow or text)") };
        bool single = path.EndsWith(ext, StringComparison.OrdinalIgnoreCase);
        bool exists = single ? File.Exists(path) : Directory.Exists(path) && Directory.EnumerateFileSystemEntries(path).Any();
        if (exists)
        {
            switch (mode)
            {
                case SaveMode.ErrorIfExists: throw new AccelException($"path {path} already exists; use mode \"overwrite\", \"append\" or \"ignore\"");
                case SaveMode.Ignore: return;
                case SaveMode.Append when single: throw new AccelException($"cannot append to the single file {path}; write to a directory to append part files");
            }
        }
        string target;
        string[] replaced = [];
        if (single)
        {
            var dir = System.IO.Path.GetDirectoryName(System.IO.Path.GetFullPath(path))!;
            Directory.CreateDirectory(dir);
            target = path;
        }
        else
        {
            Directory.CreateDirectory(path);
            var parts = Directory.GetFiles(path, "part-*");
            if (mode == SaveMode.Overwrite) replaced = parts;
            int next = mode == SaveMode.Append ? parts.Length : 0;
            while (mode == SaveMode.Append && File.Exists(System.IO.Path.Combine(path, $"part-{next:D5}{ext}"))) next++;
            target = System.IO.Path.Combine(path, $"part-{next:D5}{ext}");
        }
        AtomicFile.Write(target, stream =>
        {
            switch (format)
            {
                case "csv": CsvWriter.Write(stream, schema, batches, CsvOptions.FromDictionary(options)); break;
                case "text": TextFileReader.Write(stream, schema, batches); break;
                case "parquet": ParquetTableWriter.Write(stream, schema, batches); break;
                default: ArrowIpc.Write(stream, schema, batches); break;
            }
        });
        foreach (var old in replaced)
            if (!string.Equals(System.IO.Path.GetFullPath(old), System.IO.Path.GetFullPath(target), StringComparison.Ordinal)) File.Delete(old);
    }

    /// <summary>Parses a Spark save mode name.</summary>
    public static SaveMode ParseMode(string mode) => mode.ToLowerInvariant().Replace("_", "") switch
    {
        "error" or "errorifexists" or "default" => SaveMode.ErrorIfExists,
        "overwrite" => SaveMode.Overwrite,
        "append" => SaveMode.Append,
        "ignore" => SaveMode.Ignore,
        _ => throw new AccelException($"unknown save mode '{mode}'; accepted save modes are 'overwrite', 'append', 'ignore', 'error', 'errorifexists', 'default'"),
    };
}

/// <summary>Writes a file through a temporary name in the same directory and renames it into place.</summary>
public static class AtomicFile
{
    /// <summary>Runs <paramref name="write"/> on a temporary file, then moves it over <paramref name="path"/>;
    /// on failure the temporary file is deleted and <paramref name="path"/> is untouched.</summary>
    public static void Write(string path, Action<Stream> write)
    {
        var full = System.IO.Path.GetFullPath(path);
        var dir = System.IO.Path.GetDirectoryName(full)!;
        var temp = System.IO.Path.Combine(dir, $".{System.IO.Path.GetFileName(full)}.{Guid.NewGuid():N}.tmp");
        try
        {
            using (var fs = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                write(fs);
                fs.Flush(flushToDisk: true);
            }
            File.Move(temp, full, overwrite: true);
        }
        catch
        {
            try { File.Delete(temp); } catch (IOException) { }
            throw;
        }
    }
}
