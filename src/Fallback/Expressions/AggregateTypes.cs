using Accel.Data;

namespace Accel.Expressions;

/// <summary>The one place for aggregate result types (Spark's rules; decimal precision capped at 18
/// because decimals are stored as scaled int64).</summary>
public static class AggregateTypes
{
    /// <summary>Result type of <paramref name="func"/> over an input of <paramref name="input"/> (null for count(*)).</summary>
    public static DataType ResultType(AggFunc func, DataType? input)
    {
        switch (func)
        {
            case AggFunc.Count or AggFunc.CountStar:
                return DataType.Int64;
            case AggFunc.Min or AggFunc.Max:
                return input!;
            case AggFunc.StdDev or AggFunc.StdDevPop or AggFunc.Variance or AggFunc.VariancePop or AggFunc.Median or AggFunc.Percentile or AggFunc.Corr:
                RequireNumeric(func, input!);
                return DataType.Float64;
            case AggFunc.Sum:
                RequireNumeric(func, input!);
                return input!.Id switch
                {
                    TypeId.Int32 or TypeId.Int64 => DataType.Int64,
                    TypeId.Decimal => DataType.Decimal(Math.Min(input.Precision + 10, DataType.MaxDecimalPrecision), input.Scale),
                    _ => DataType.Float64,
                };
            case AggFunc.Avg:
                RequireNumeric(func, input!);
                return input!.Id == TypeId.Decimal
                    ? DataType.Decimal(Math.Min(input.Precision + 4, DataType.MaxDecimalPrecision), Math.Min(input.Scale + 4, DataType.MaxDecimalPrecision))
                    : DataType.Float64;
            default:
                throw new ArgumentOutOfRangeException(nameof(func));
        }
    }

    private static void RequireNumeric(AggFunc func, DataType t)
    {
        if (!t.IsNumeric && t.Id != TypeId.Null)
            throw new AccelException($"{AggregateExpr.NameOf(func)} needs a numeric argument, got {t}");
    }
}
