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
        var states = spec.Aggregates.Select(a => new List<AggState>()).ToArray();
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
                    for (int a = 0; a < states.Length; a++) states[a].Add(new AggState(spec.Aggregates[a]));
                }
                for (int a = 0; a < states.Length; a++)
                {
                    var call = spec.Aggregates[a];
                    states[a][g].Add(call.InputOrdinal < 0 ? 1 : batch[call.InputOrdinal].GetValue(r));
                }
            }
        }
        // A global aggregate over no rows still returns one row (count 0, the rest NULL).
        if (spec.KeyOrdinals.Count == 0 && keyRows.Count == 0)
        {
            keyRows.Add(new RowKey([], 0));
            for (int a = 0; a < states.Length; a++) states[a].Add(new AggState(spec.Aggregates[a]));
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

    /// <summary>One group's running state of one aggregate call.</summary>
    private sealed class AggState(AggregateCall call)
    {
        private long _count;
        private long _longSum;
        private double _doubleSum;
        private decimal _decimalSum;
        private bool _decimalOverflow;
        private object? _best;
        private double _mean, _m2;
        private HashSet<object>? _distinct = call.Distinct ? [] : null;

        public void Add(object? v)
        {
            if (v is null) return;
            if (_distinct is not null) { _distinct.Add(SparkOrdering.NormalizeKey(v)!); return; }
            Accumulate(v);
        }

        private void Accumulate(object v)
        {
            _count++;
            switch (call.Func)
            {
                case AggFunc.Sum or AggFunc.Avg:
                    switch (v)
                    {
                        case int i: _longSum = unchecked(_longSum + i); _doubleSum += i; break;
                        case long l: _longSum = unchecked(_longSum + l); _doubleSum += l; break;
                        case decimal m:
                            try { _decimalSum += m; } catch (OverflowException) { _decimalOverflow = true; }
                            break;
                        default: _doubleSum += Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture); break;
                    }
                    break;
                case AggFunc.Min:
                    if (_best is null || SparkOrdering.Compare(v, _best) < 0) _best = v;
                    break;
                case AggFunc.Max:
                    if (_best is null || SparkOrdering.Compare(v, _best) > 0) _best = v;
                    break;
                case AggFunc.StdDev or AggFunc.StdDevPop or AggFunc.Variance or AggFunc.VariancePop:
                {
                    // Welford's update keeps the variance numerically stable.
                    double x = Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);
                    double delta = x - _mean;
                    _mean += delta / _count;
                    _m2 += delta * (x - _mean);
                    break;
                }
            }
        }

        public object? Result()
        {
            if (_distinct is not null)
            {
                var values = _distinct;
                _distinct = null;
                foreach (var v in values) Accumulate(v);
            }
            var t = call.ResultType;
            switch (call.Func)
            {
                case AggFunc.Count or AggFunc.CountStar:
                    return _count;
                case AggFunc.Min or AggFunc.Max:
                    return _best;
                case AggFunc.Sum:
                    if (_count == 0) return null;
                    if (t.Id == TypeId.Int64) return _longSum;
                    if (t.Id == TypeId.Decimal) return FitDecimal(_decimalSum, t);
                    return _doubleSum;
                case AggFunc.Avg:
                    if (_count == 0) return null;
                    if (t.Id == TypeId.Decimal) return _decimalOverflow ? null : FitDecimal(Math.Round(_decimalSum / _count, t.Scale, MidpointRounding.AwayFromZero), t);
                    return _doubleSum / _count;
                case AggFunc.Variance or AggFunc.StdDev:
                    // Spark 3: the sample statistics of a single row are NULL.
                    if (_count < 2) return null;
                    return call.Func == AggFunc.StdDev ? Math.Sqrt(_m2 / (_count - 1)) : _m2 / (_count - 1);
                case AggFunc.VariancePop or AggFunc.StdDevPop:
                    if (_count == 0) return null;
                    return call.Func == AggFunc.StdDevPop ? Math.Sqrt(_m2 / _count) : _m2 / _count;
                default:
                    throw new AccelException($"unsupported aggregate {call.Func}");
            }
        }

        private object? FitDecimal(decimal v, DataType t)
        {
            if (_decimalOverflow) return null;
            var scaled = ValueConversions.FromDecimal(v, t.Precision, t.Scale);
            return scaled is null ? null : ValueConversions.ToDecimal(scaled.Value, t.Scale);
        }
    }
}
