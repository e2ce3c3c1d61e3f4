using Accel.Data;
using Accel.IO;
using Accel.Planner.Logical;

namespace Accel.Planner.Physical;

/// <summary>Reads a table source, limited to the needed columns, with predicates pushed into the reader.</summary>
public sealed class ScanExec(ITableSource source, ScanRequest request, Schema output, long estimatedRows)
    : ExecNode(output, [], PathChooser.HostOnly("ScanExec", "scans decode on the host CPU (no device decoder yet)"), estimatedRows)
{
    private readonly ScanMetrics _scan = new();

    /// <summary>The source.</summary>
    public ITableSource Source { get; } = source;
    /// <summary>Columns and pushed predicates.</summary>
    public ScanRequest Request { get; } = request;

    /// <inheritdoc />
    public override string Name => "ScanExec";

    /// <inheritdoc />
    public override string Detail
    {
        get
        {
            var cols = Request.Columns is null ? $"all {Source.Schema.Count} columns" : $"{Request.Columns.Count} of {Source.Schema.Count} columns";
            var pushed = Request.Predicates.Count == 0 ? "" : $" pushed=[{string.Join(", ", Request.Predicates.Select(p => $"{p.Column} {p.Op} {ValueConversions.Format(p.Value)}"))}]";
            var runtime = _runtime.Count == 0 ? "" : $" runtime filters=[{string.Join(", ", _runtime.Select(r => $"{r.Filter.Column} in keys of {r.Filter.Join}"))}]";
            return $"{Source.Format} {Source.Describe} [{cols}]{pushed}{runtime}";
        }
    }

    private readonly List<(int Ordinal, RuntimeFilter Filter)> _runtime = [];

    /// <summary>The runtime filters this scan applies to its batches, on the output column at each ordinal.</summary>
    public IReadOnlyList<(int Ordinal, RuntimeFilter Filter)> RuntimeFilters => _runtime;

    /// <summary>Applies <paramref name="filter"/> to output column <paramref name="ordinal"/>.</summary>
    internal void AddRuntimeFilter(int ordinal, RuntimeFilter filter) => _runtime.Add((ordinal, filter));

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        var batches = Source.Scan(Request, _scan).Select(b =>
        {
            Metrics.BytesScanned += b.Columns.Sum(c => ByteSize(c, b.PhysicalRows));
            // Re-label with the plan's schema so attribute ids match the operators above.
            return new ColumnBatch(Output, b.Columns, b.PhysicalRows, b.Selection);
        });
        if (_runtime.Count > 0)
            batches = MapBatches(batches, b => _runtime.Aggregate(b, (batch, r) => r.Filter.Apply(batch, r.Ordinal))).Where(b => b.RowCount > 0);
        foreach (var b in batches)
        {
            Metrics.Extra = Figures();
            yield return b;
        }
    }

    private string? Figures()
    {
        var parts = new List<string>();
        if (_scan.RowGroupsRead + _scan.RowGroupsSkipped > 0) parts.Add($"row groups read={_scan.RowGroupsRead} skipped={_scan.RowGroupsSkipped}");
        foreach (var (_, f) in _runtime)
            parts.Add(f.Counts.Seen == 0 ? $"runtime filter {f.Column}: not applied" : $"runtime filter {f.Column} kept {f.Counts.Kept} of {f.Counts.Seen}{(f.GaveUp ? " (stopped: kept nearly all)" : "")}");
        return parts.Count == 0 ? null : string.Join("; ", parts);
    }

    // Bytes a column occupies for `rows` rows: the value width (strings: offsets plus UTF-8 bytes) and validity.
    private static long ByteSize(ColumnVector c, int rows) => (c.Validity is null ? 0 : (rows + 7) / 8) + c switch
    {
        StringVector s => 4L * (rows + 1) + (s.Offsets[Math.Min(rows, s.Offsets.Length - 1)] - s.Offsets[0]),
        ListVector => 8L * rows,
        _ => (long)rows * Math.Max(1, c.Type.Id switch { TypeId.Boolean => 1, TypeId.Int32 or TypeId.Date32 or TypeId.Float32 => 4, _ => 8 }),
    };
}
