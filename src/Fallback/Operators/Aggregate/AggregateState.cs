using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>One group's (or one window frame's) running state of one aggregate call: the one place for
/// each aggregate's semantics on the scalar path.</summary>
internal sealed class AggregateState(AggregateCall call)
{
    private long _count;
    private long _longSum;
    private double _doubleSum;
    private decimal _decimalSum;
    private bool _decimalOverflow;
    private object? _best;
    private double _mean, _m2;
    private HashSet<object>? _distinct = call.Distinct ? [] : null;
    private List<double>? _values;
    private double _sumX, _sumY, _sumXX, _sumYY, _sumXY;

    // corr: only rows where both inputs are non-NULL count.
    public void AddPair(object? x, object? y)
    {
        if (x is null || y is null) return;
        double a = ToDouble(x), b = ToDouble(y);
        _count++;
        _sumX += a; _sumY += b; _sumXX += a * a; _sumYY += b * b; _sumXY += a * b;
    }

    private static double ToDouble(object v) => Convert.ToDouble(v, System.Globalization.CultureInfo.InvariantCulture);

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
            case AggFunc.Median or AggFunc.Percentile:
                (_values ??= []).Add(ToDouble(v));
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
            case AggFunc.Median or AggFunc.Percentile:
                return _values is null ? null : Percentiles.Interpolated(_values, call.Func == AggFunc.Median ? 0.5 : call.Fraction);
            case AggFunc.Corr:
            {
                if (_count < 2) return null;
                // Centred sums from raw moments; NaN when either side is constant, as Spark gives.
                double n = _count;
                double cov = _sumXY - _sumX * _sumY / n, vx = _sumXX - _sumX * _sumX / n, vy = _sumYY - _sumY * _sumY / n;
                return cov / Math.Sqrt(vx * vy);
            }
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
