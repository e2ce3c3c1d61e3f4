using System.Diagnostics;
using Accel.Data;

namespace Accel.IO.Generators;

/// <summary>One file a generator wrote: the table, where, how many rows and how long it took.</summary>
public sealed record GeneratedFile(string Table, string Path, long Rows, TimeSpan Elapsed);

/// <summary>Plumbing shared by the generators: file formats, ordered parallel batch production and
/// writes that count rows and report progress.</summary>
internal static class GeneratorOutput
{
    /// <summary>The file extension of an output format (parquet, csv, arrow).</summary>
    public static string Extension(string format) => format.ToLowerInvariant() switch
    {
        "parquet" => ".parquet",
        "csv" => ".csv",
        "arrow" or "ipc" or "feather" => ".arrow",
        _ => throw new AccelException($"unknown output format '{format}' (expected parquet, csv or arrow)"),
    };

    /// <summary>The output format named by a file's extension.</summary>
    public static string FormatOfFile(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".parquet" => "parquet",
        ".csv" => "csv",
        ".arrow" or ".ipc" or ".feather" => "arrow",
        var ext => throw new AccelException($"cannot tell the output format of '{path}' from its extension '{ext}' (expected .parquet, .csv or .arrow)"),
    };

    /// <summary>Produces <paramref name="count"/> items with up to <paramref name="ahead"/> of them computed
    /// in the background while the consumer works on earlier ones, yielding them in index order.</summary>
    public static IEnumerable<T> Ordered<T>(int count, Func<int, T> make, int ahead)
    {
        var pending = new Queue<Task<T>>();
        int next = 0;
        try
        {
            while (next < count || pending.Count > 0)
            {
                while (next < count && pending.Count < Math.Max(1, ahead))
                {
                    int i = next++;
                    pending.Enqueue(Task.Run(() => make(i)));
                }
                yield return pending.Dequeue().GetAwaiter().GetResult();
            }
        }
        finally
        {
            // An abandoned enumeration must not leave work running against state the caller may reuse.
            foreach (var t in pending)
                try { t.Wait(); } catch (AggregateException) { }
        }
    }

    /// <summary>Writes one table with TableWriter (overwriting), counting rows and reporting each batch's
    /// rows to <paramref name="onRows"/>.</summary>
    public static GeneratedFile Write(string table, string format, string path, Schema schema, IEnumerable<ColumnBatch> batches, Action<long>? onRows)
    {
        var sw = Stopwatch.StartNew();
        long rows = 0;
        IEnumerable<ColumnBatch> Counted()
        {
            foreach (var b in batches)
            {
                rows += b.RowCount;
                onRows?.Invoke(b.RowCount);
                yield return b;
            }
        }
        var options = new Dictionary<string, string> { ["header"] = "true" };
        TableWriter.Write(format, path, schema, Counted(), SaveMode.Overwrite, options);
        return new GeneratedFile(table, path, rows, sw.Elapsed);
    }

    /// <summary>Turns row counts from several writers into one fraction for a progress sink; thread-safe.</summary>
    public sealed class ProgressTally(IProgress<double>? sink, double totalWork)
    {
        private readonly object _gate = new();
        private double _done;

        /// <summary>Adds finished work (in the units of the total) and reports the new fraction.</summary>
        public void Add(double work)
        {
            if (sink is null || totalWork <= 0) return;
            // Reporting under the lock keeps the reported fractions monotonic across writer threads.
            lock (_gate)
            {
                _done += work;
                sink.Report(Math.Min(1.0, _done / totalWork));
            }
        }
    }
}
