using Accel.Data;

namespace Accel.Planner.Physical;

/// <summary>Passes the first n rows and stops pulling its input.</summary>
public sealed class LimitExec(ExecNode child, int limit, long estimatedRows)
    : ExecNode(child.Output, [child], PathChooser.HostOnly("LimitExec", "only slices batches on the host"), estimatedRows)
{
    /// <summary>Maximum rows.</summary>
    public int Limit { get; } = limit;
    /// <inheritdoc />
    public override string Name => "LimitExec";
    /// <inheritdoc />
    public override string Detail => $"{Limit}";

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        int left = Limit;
        if (left == 0) yield break;
        foreach (var b in Children[0].Execute(ctx))
        {
            if (b.RowCount <= left)
            {
                left -= b.RowCount;
                yield return b;
            }
            else
            {
                var sel = new int[left];
                for (int i = 0; i < left; i++) sel[i] = b.RowAt(i);
                left = 0;
                yield return b.WithSelection(sel);
            }
            if (left == 0) yield break;
        }
    }
}
