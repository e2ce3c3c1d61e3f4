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
            return $"{Source.Format} {Source.Describe} [{cols}]{pushed}";
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        foreach (var b in Source.Scan(Request, _scan))
        {
            Metrics.Extra = _scan.RowGroupsRead + _scan.RowGroupsSkipped > 0
                ? $"row groups read={_scan.RowGroupsRead} skipped={_scan.RowGroupsSkipped}" : null;
            Metrics.BytesScanned += b.Columns.Sum(c => ByteSize(c, b.PhysicalRows));
            // Re-label with the plan's schema so attribute ids match the operators above.
            yield return new ColumnBatch(Output, b.Columns, b.PhysicalRows, b.Selection);
        }
    }

    // Bytes a column occupies for `rows` rows: the value width (strings: offsets plus UTF-8 bytes) and validity.
    private static long ByteSize(ColumnVector c, int rows) => (c.Validity is null ? 0 : (rows + 7) / 8) + c switch
    {
        StringVector s => 4L * (rows + 1) + (s.Offsets[Math.Min(rows, s.Offsets.Length - 1)] - s.Offsets[0]),
        ListVector => 8L * rows,
        _ => (long)rows * Math.Max(1, c.Type.Id switch { TypeId.Boolean => 1, TypeId.Int32 or TypeId.Date32 or TypeId.Float32 => 4, _ => 8 }),
    };
}
