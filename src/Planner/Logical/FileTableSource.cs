using Accel.Data;
using Accel.IO;

namespace Accel.Planner.Logical;

/// <summary>A table in files (CSV, Parquet, Arrow, text) as a scan source.</summary>
public sealed class FileTableSource(FileTable table, int batchSize = 65536) : ITableSource
{
    private long _rows = -2;

    /// <summary>The underlying table.</summary>
    public FileTable Table { get; } = table;
    /// <inheritdoc />
    public Schema Schema => Table.Schema;
    /// <inheritdoc />
    public string Describe => Table.Files.Count == 1 ? Path.GetFileName(Table.Files[0]) : $"{Table.Path} [{Table.Files.Count} files]";
    /// <inheritdoc />
    public string Format => Table.Format;
    /// <inheritdoc />
    public long EstimatedRows => _rows == -2 ? _rows = Table.EstimateRows() : _rows;
    /// <inheritdoc />
    public bool SupportsPredicatePushdown => Table.Format == "parquet";
    /// <inheritdoc />
    public long? DistinctEstimate(string column)
    {
        lock (_bounds) return _bounds.TryGetValue(column, out var b) ? b : _bounds[column] = Table.DistinctBound(column);
    }

    private readonly Dictionary<string, long?> _bounds = new(StringComparer.OrdinalIgnoreCase);

    /// <inheritdoc />
    public IEnumerable<ColumnBatch> Scan(ScanRequest request, ScanMetrics metrics) => Table.Read(request.Columns, request.Predicates, metrics, batchSize);
}
