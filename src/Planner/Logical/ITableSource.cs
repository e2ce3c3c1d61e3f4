using Accel.Data;
using Accel.IO;

namespace Accel.Planner.Logical;

/// <summary>What a scan is asked for: which columns (null: all) and which pushed-down predicates.</summary>
public sealed record ScanRequest(IReadOnlyList<string>? Columns, IReadOnlyList<ColumnPredicate> Predicates);

/// <summary>A table the engine can scan: a file, a directory of files, or batches in memory.</summary>
public interface ITableSource
{
    /// <summary>The table's columns.</summary>
    Schema Schema { get; }
    /// <summary>A short description for plans ("parquet lineitem.parquet", "in-memory 3 batches").</summary>
    string Describe { get; }
    /// <summary>The format name shown in plans (csv, parquet, arrow, text, memory).</summary>
    string Format { get; }
    /// <summary>Estimated rows (for costs), or -1 when unknown.</summary>
    long EstimatedRows { get; }
    /// <summary>Whether this source can use pushed predicates to skip data.</summary>
    bool SupportsPredicatePushdown { get; }
    /// <summary>An estimate of the distinct non-NULL values of a column, when cheaply known (for join ordering and
    /// filter selectivity): an upper bound from statistics or a sketch of the values; else null.</summary>
    long? DistinctEstimate(string column) => null;
    /// <summary>Reads the table in batches, limited to the requested columns (in schema order).</summary>
    IEnumerable<ColumnBatch> Scan(ScanRequest request, ScanMetrics metrics);
}

/// <summary>Batches already in memory (CreateDataFrame, Cache).</summary>
public sealed class InMemorySource(Schema schema, IReadOnlyList<ColumnBatch> batches, string description = "in-memory") : ITableSource
{
    /// <summary>The batches.</summary>
    public IReadOnlyList<ColumnBatch> Batches { get; } = batches;
    /// <inheritdoc />
    public Schema Schema { get; } = schema;
    /// <inheritdoc />
    public string Describe => $"{description} [{Batches.Count} batches, {EstimatedRows} rows{DeviceDescription}]";

    /// <summary>The plan these batches were computed from (set by Cache), which Unpersist goes back to.</summary>
    public LogicalPlan? Origin { get; init; }
    /// <summary>The device-resident copy of the batches' columns (Cache on a machine with a GPU), or null.</summary>
    public Accel.Kernels.DeviceResidentTable? Device { get; private set; }
    /// <summary>Why the batches are not on the device after Cache tried to put them there, or null.</summary>
    public string? DeviceNote { get; private set; }

    private string DeviceDescription => Device is { Released: false } d ? $"; gpu-resident: {d.Describe}"
        : DeviceNote is null ? "" : $"; host only: {DeviceNote}";

    /// <summary>Copies the batches' columns to the device (once); when they do not fit or there is no GPU,
    /// <see cref="DeviceNote"/> says why and scans read the host copy as before.</summary>
    public void PinOnDevice()
    {
        lock (_bounds)
        {
            if (Device is { Released: false }) return;
            Device = DeviceCache.Pin(this, Batches, out var reason);
            DeviceNote = reason;
        }
    }

    /// <summary>Frees the device-resident copy (the host batches stay for plans that still read them).</summary>
    public void ReleaseDevice()
    {
        lock (_bounds)
        {
            Device?.Dispose();
            Device = null;
            DeviceNote = null;
        }
    }
    /// <inheritdoc />
    public string Format => "memory";
    /// <inheritdoc />
    public long EstimatedRows => Batches.Sum(b => (long)b.RowCount);
    /// <inheritdoc />
    public bool SupportsPredicatePushdown => false;

    /// <summary>The column's distinct non-NULL values, from a HyperLogLog sketch over the batches (capped by
    /// max - min + 1 for integers and dates), computed once per column.</summary>
    public long? DistinctEstimate(string column)
    {
        lock (_bounds)
        {
            if (_bounds.TryGetValue(column, out var known)) return known;
            int ord = Schema.IndexOf(column);
            if (ord < 0) return _bounds[column] = null;
            var sketch = new Accel.Planner.Optimizer.DistinctSketch();
            long min = long.MaxValue, max = long.MinValue;
            bool ranged = Schema[ord].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Date32;
            foreach (var batch in Batches)
            {
                var values = batch.Compact()[ord];
                sketch.Add(values);
                if (!ranged) continue;
                var (lo, hi) = values switch
                {
                    PrimitiveVector<long> v => Range(v),
                    PrimitiveVector<int> v => Range(v),
                    _ => (long.MaxValue, long.MinValue),
                };
                min = Math.Min(min, lo);
                max = Math.Max(max, hi);
            }
            long estimate = (long)Math.Round(sketch.Estimate());
            if (ranged) estimate = Math.Min(estimate, min <= max ? max - min + 1 : 0);
            return _bounds[column] = estimate;
        }
    }

    private static (long Min, long Max) Range<T>(PrimitiveVector<T> v) where T : unmanaged, System.Numerics.INumber<T>
    {
        long min = long.MaxValue, max = long.MinValue;
        var values = v.Span;
        for (int i = 0; i < values.Length; i++)
        {
            if (v.IsNull(i)) continue;
            long x = long.CreateTruncating(values[i]);
            if (x < min) min = x;
            if (x > max) max = x;
        }
        return (min, max);
    }

    private readonly Dictionary<string, long?> _bounds = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<ColumnBatch> Scan(ScanRequest request, ScanMetrics metrics)
    {
        if (request.Columns is null)
        {
            foreach (var b in Batches) yield return new ColumnBatch(Schema, b.Columns, b.PhysicalRows, b.Selection);
            yield break;
        }
        var ords = request.Columns.Select(Schema.Require).ToArray();
        var schema = new Schema(ords.Select(o => Schema[o]));
        foreach (var b in Batches) yield return new ColumnBatch(schema, ords.Select(o => b.Columns[o]).ToArray(), b.PhysicalRows, b.Selection);
    }
}
