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
    public string Describe => $"{description} [{Batches.Count} batches, {EstimatedRows} rows]";
    /// <inheritdoc />
    public string Format => "memory";
    /// <inheritdoc />
    public long EstimatedRows => Batches.Sum(b => (long)b.RowCount);
    /// <inheritdoc />
    public bool SupportsPredicatePushdown => false;

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
