using Accel.Data;

namespace Accel.Planner.Physical;

/// <summary>UNION ALL: the batches of each input in turn (inputs already cast to the output types).</summary>
public sealed class UnionExec(Schema output, IReadOnlyList<ExecNode> children, long estimatedRows)
    : ExecNode(output, children, PathChooser.HostOnly("UnionExec", "only concatenates batch streams on the host"), estimatedRows)
{
    /// <inheritdoc />
    public override string Name => "UnionExec";
    /// <inheritdoc />
    public override string Detail => $"{Children.Count} inputs";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        foreach (var c in Children)
            foreach (var b in c.Execute(ctx))
                yield return new ColumnBatch(Output, b.Columns, b.PhysicalRows, b.Selection);
    }
}
