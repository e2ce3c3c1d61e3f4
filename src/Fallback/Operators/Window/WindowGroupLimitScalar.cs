using Accel.Data;
using Accel.Execution;

namespace Accel.Operators;

/// <summary>The scalar reference window group limit: numbers every row with the ranking function itself
/// (<see cref="WindowScalar"/>, the one place its ties and NULL order are defined) and keeps the rows numbered
/// within the limit, exactly the rows the filter above would keep.</summary>
public sealed class WindowGroupLimitScalar : IWindowGroupLimitImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(WindowGroupLimitSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(WindowGroupLimitSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * Math.Log2(Math.Max(2, env.EstimatedRows)) * ScalarCostModel.NsPerRowLogSort / 1e6, 0, 0);

    /// <inheritdoc />
    public IReadOnlyList<ColumnBatch> Limit(IReadOnlyList<ColumnBatch> input, WindowGroupLimitSpec spec)
    {
        var batch = ColumnBatch.Concat(spec.Input, input);
        var numbered = new WindowScalar().Window(batch, RankingSpec(spec));
        var numbers = (PrimitiveVector<int>)numbered.Columns[^1];
        var keep = new List<int>();
        for (int i = 0; i < numbered.PhysicalRows; i++) if (numbers.Values[i] <= spec.Limit) keep.Add(i);
        return [new ColumnBatch(spec.Input, numbered.Columns.Take(spec.Input.Count).ToArray(), numbered.PhysicalRows, keep.ToArray())];
    }

    /// <summary>The window that numbers the rows the way the ranking function above the limit does.</summary>
    public static WindowSpec RankingSpec(WindowGroupLimitSpec spec) =>
        new(spec.Input, spec.PartitionKeys, spec.OrderKeys, spec.Function, null, -1, 0, null, Accel.Expressions.WindowFrame.RunningWithPeers,
            new Schema([.. spec.Input.Fields, new Field("_rank", DataType.Int32, false)]));
}
