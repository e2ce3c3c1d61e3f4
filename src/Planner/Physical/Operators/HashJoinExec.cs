using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Physical;

/// <summary>Equi-join through a hash table on the build side (broadcast: the build side is small and
/// shared read-only by all probe work).</summary>
public sealed class HashJoinExec(ExecNode left, ExecNode right, JoinSpec spec, IReadOnlyList<IHashJoinImpl> impls, IReadOnlyList<IFilterImpl> filters,
    PathDecision decision, long estimatedRows)
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

    private readonly List<(int BuildKey, RuntimeFilter Filter)> _publishes = [];

    /// <summary>Publishes the build side's values of key column <paramref name="buildKey"/> (an ordinal of the build
    /// schema) to <paramref name="filter"/> before the probe side runs.</summary>
    internal void PublishKeys(int buildKey, RuntimeFilter filter) => _publishes.Add((buildKey, filter));

    /// <inheritdoc />
    protected override IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx)
    {
        bool buildRight = Spec.Build == BuildSide.Right;
        var pool = new PooledConcat();
        var build = pool.Combine(Spec.BuildSchema, Children[buildRight ? 1 : 0].Execute(ctx).ToList());
        foreach (var (key, filter) in _publishes) filter.Publish(Accel.Vectorized.JoinKeySet.Of(build[key], build.Selection, build.PhysicalRows));
        if (OneRowBuild.Applies(Spec, build.RowCount))
        {
            foreach (var b in JoinOneRow(ctx, build, Children[buildRight ? 0 : 1].Execute(ctx))) yield return b;
            pool.Release([]);
            yield break;
        }
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

    // The residual runs as a filter on this join's path, when that path's filter can run it (the scalar one can).
    private IEnumerable<ColumnBatch> JoinOneRow(ExecContext ctx, ColumnBatch build, IEnumerable<ColumnBatch> probe)
    {
        var predicate = build.RowCount == 0 ? null : OneRowBuild.ProbePredicate(Spec, build);
        var filter = predicate is null || predicate is BoundLiteral ? null : new FilterSpec(Spec.ProbeSchema, predicate);
        var path = Metrics.ActualPath ?? Decision.Chosen;
        var env = new ExecEnvironment(EstimatedRows);
        bool onPath = filter is null || filters.Any(f => f.Path == path && f.CanRun(filter, env).CanRun);
        Metrics.Extra = $"one build row: no pairs{(filter is null ? "" : $", residual filtered over the probe rows on the {PathDecision.Name(onPath ? path : ExecPath.Scalar)} path")}";
        return MapBatches(probe, batch =>
        {
            int[] matched = build.RowCount == 0 || predicate is BoundLiteral { Value: not true } ? []
                : filter is null ? OneRowBuild.Live(batch)
                : onPath ? RunBatchWithFailover(ctx, filters, batch, (f, b) => f.Filter(b, filter)).Selection ?? OneRowBuild.Live(batch)
                : filters.First(f => f.Path == ExecPath.Scalar).Filter(batch, filter).Selection ?? OneRowBuild.Live(batch);
            return OneRowBuild.Join(Spec, batch, build, matched);
        }).Where(b => b.RowCount > 0);
    }
}
