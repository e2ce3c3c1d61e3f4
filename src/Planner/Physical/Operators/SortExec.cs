using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Sorts the whole input (TopN when a limit sits on top of the sort).</summary>
public sealed class SortExec(ExecNode child, SortSpec spec, IReadOnlyList<ISortImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(child.Output, [child], decision, estimatedRows)
{
    /// <summary>Keys and optional limit.</summary>
    public SortSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => Spec.Limit is null ? "SortExec" : "TopNExec";
    /// <inheritdoc />
    public override string Detail => (Spec.Limit is null ? "" : $"limit={Spec.Limit} ") + "[" + string.Join(", ", Spec.Keys.Select(k =>
        $"{Spec.Input[k.Ordinal].Name} {(k.Ascending ? "ASC" : "DESC")} NULLS {(k.NullsFirst ? "FIRST" : "LAST")}")) + "]";

    /// <summary>Limits up to this many rows run as a streamed top-N on the CPU paths.</summary>
    public const int StreamedTopNRows = 100_000;

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        var input = Children[0].Execute(ctx);
        ColumnBatch sorted;
        if (Spec.Limit is int limit && limit <= StreamedTopNRows && (Metrics.ActualPath ?? Decision.Chosen) != ExecPath.Gpu)
            sorted = StreamedTopN(ctx, input, limit);
        else
        {
            var all = ColumnBatch.Concat(Spec.Input, input.ToList());
            sorted = RunWithFailover(ctx, impls, impl => impl.Sort(all, Spec));
        }
        foreach (var b in Batching.Split(new ColumnBatch(Output, sorted.Columns, sorted.PhysicalRows, sorted.Selection), ctx.BatchSize)) yield return b;
    }

    // The first N rows of all rows are the first N of the union of each batch's first N, so each morsel keeps only its
    // own first N (in key order, ties in input order) and the kept rows are cut back to N whenever they pass a few times
    // N: the input is never copied whole (ops suite, ORDER BY b LIMIT 100 over 1e7 rows had concatenated all 160 MB of
    // it first). Batches stay in input order and every sort is stable, so ties resolve as one sort of all rows would.
    private ColumnBatch StreamedTopN(ExecContext ctx, IEnumerable<ColumnBatch> input, int limit)
    {
        var kept = new List<ColumnBatch>();
        long keptRows = 0, cutBackAt = Math.Max(4L * limit, 1024);
        foreach (var top in MapBatches(input, b => RunWithFailover(ctx, impls, impl => impl.Sort(b, Spec))))
        {
            kept.Add(top);
            keptRows += top.RowCount;
            if (keptRows <= cutBackAt || kept.Count < 2) continue;
            var merged = ColumnBatch.Concat(Spec.Input, kept);
            var cut = RunWithFailover(ctx, impls, impl => impl.Sort(merged, Spec));
            kept.Clear();
            kept.Add(cut);
            keptRows = cut.RowCount;
        }
        // One kept batch is already a sort's first N rows in order.
        if (kept.Count == 1) return kept[0];
        var candidates = ColumnBatch.Concat(Spec.Input, kept);
        return RunWithFailover(ctx, impls, impl => impl.Sort(candidates, Spec));
    }
}
