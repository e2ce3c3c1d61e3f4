using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Equi-join through a hash table on the build side (broadcast: the build side is small and
/// shared read-only by all probe work).</summary>
public sealed class HashJoinExec(ExecNode left, ExecNode right, JoinSpec spec, IReadOnlyList<IHashJoinImpl> impls, PathDecision decision, long estimatedRows)
    : ExecNode(spec.Output, [left, right], decision, estimatedRows)
{
    /// <summary>Keys, type and build side.</summary>
    public JoinSpec Spec { get; } = spec;
    /// <inheritdoc />
    public override string Name => Spec.Broadcast ? "BroadcastHashJoinExec" : "HashJoinExec";
    /// <inheritdoc />
    public override string Detail
    {
        get
        {
            var keys = string.Join(", ", Spec.LeftKeys.Select((l, i) => $"{Spec.Left[l].Name} = {Spec.Right[Spec.RightKeys[i]].Name}"));
            var combined = new Schema(Spec.Left.Fields.Concat(Spec.Right.Fields));
            var residual = Spec.Residual is null ? "" : $" residual={Spec.Residual.Describe(combined)}";
            return $"{Spec.Type} [{keys}]{residual} build={Spec.Build.ToString().ToLowerInvariant()}";
        }
    }

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        bool buildRight = Spec.Build == BuildSide.Right;
        var pool = new PooledConcat();
        var build = pool.Combine(Spec.BuildSchema, Children[buildRight ? 1 : 0].Execute(ctx).ToList());
        var probe = Children[buildRight ? 0 : 1].Execute(ctx).ToList();
        // Streaming the probe side joins its batches where they are: concatenating them first copied every probe
        // column (TPC-H Q5 SF 1: 190 MB of lineitem, most of the join's time in fresh page faults).
        IReadOnlyList<ColumnBatch> results = Spec.ProbeStreams && probe.Count > 0
            ? RunWithFailover(ctx, impls, impl => impl.JoinProbeBatches(build, probe, Spec))
            : Spec.MarksBuildRows && probe.Count > 0
            ? [RunWithFailover(ctx, impls, impl => impl.SemiJoinProbeBatches(build, probe, Spec))]
            : [RunWithFailover(ctx, impls, impl =>
                {
                    var all = ColumnBatch.Combine(Spec.ProbeSchema, probe);
                    return buildRight ? impl.Join(all, build, Spec) : impl.Join(build, all, Spec);
                })];
        pool.Release(results);
        foreach (var result in results)
            foreach (var b in Batching.Split(new ColumnBatch(Output, result.Columns, result.PhysicalRows, result.Selection), ctx.BatchSize)) yield return b;
    }
}
