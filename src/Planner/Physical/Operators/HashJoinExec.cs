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
        var l = ColumnBatch.Combine(Spec.Left, Children[0].Execute(ctx).ToList());
        var r = ColumnBatch.Combine(Spec.Right, Children[1].Execute(ctx).ToList());
        var result = RunWithFailover(ctx, impls, impl => impl.Join(l, r, Spec));
        foreach (var b in Batching.Split(new ColumnBatch(Output, result.Columns, result.PhysicalRows, result.Selection), ctx.BatchSize)) yield return b;
    }
}
