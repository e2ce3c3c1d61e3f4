using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>The scalar reference hash aggregate: any number of keys of any type (NULL keys form one group),
/// every aggregate function, DISTINCT variants.</summary>
public sealed class HashAggregateScalar : IHashAggregateImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(AggregateSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(AggregateSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * ScalarCostModel.NsPerRowAggregate * Math.Max(1, spec.Aggregates.Count + spec.KeyOrdinals.Count) / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec)
    {
        var groups = new Dictionary<RowKey, int>();
        var keyRows = new List<RowKey>();
        var states = spec.Aggregates.Select(a => new List<AggregateState>()).ToArray();
        foreach (var raw in input)
        {
            var batch = raw.Compact();
            var keys = spec.KeyOrdinals.Select(k => batch[k]).ToArray();
            for (int r = 0; r < batch.PhysicalRows; r++)
            {
                var key = new RowKey(keys, r);
                if (!groups.TryGetValue(key, out int g))
                {
                    g = keyRows.Count;
                    groups[key] = g;
                    keyRows.Add(key);
                    for (int a = 0; a < states.Length; a++) states[a].Add(new AggregateState(spec.Aggregates[a]));
                }
                for (int a = 0; a < states.Length; a++)
                {
                    var call = spec.Aggregates[a];
                    var v = call.InputOrdinal < 0 ? 1 : batch[call.InputOrdinal].GetValue(r);
                    if (call.SecondInputOrdinal >= 0) states[a][g].AddPair(v, batch[call.SecondInputOrdinal].GetValue(r));
                    else states[a][g].Add(v);
                }
            }
        }
        // A global aggregate over no rows still returns one row (count 0, the rest NULL).
        if (spec.KeyOrdinals.Count == 0 && keyRows.Count == 0)
        {
            keyRows.Add(new RowKey([], 0));
            for (int a = 0; a < states.Length; a++) states[a].Add(new AggregateState(spec.Aggregates[a]));
        }

        var columns = new List<ColumnVector>();
        for (int k = 0; k < spec.KeyOrdinals.Count; k++)
        {
            var b = ColumnBuilder.Create(spec.Output[k].Type, keyRows.Count);
            foreach (var key in keyRows) b.Append(key.Values[k]);
            columns.Add(b.Build());
        }
        for (int a = 0; a < states.Length; a++)
        {
            var b = ColumnBuilder.Create(spec.Aggregates[a].ResultType, keyRows.Count);
            foreach (var s in states[a]) b.Append(s.Result());
            columns.Add(b.Build());
        }
        return new ColumnBatch(spec.Output, columns, keyRows.Count);
    }
}
