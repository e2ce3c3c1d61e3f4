using Accel.Expressions;
using Accel.Planner.Logical;

namespace Accel.Sql;

/// <summary>The result of GroupBy, shaped like Microsoft.Spark.Sql.RelationalGroupedDataset.</summary>
public sealed class RelationalGroupedDataset
{
    private readonly DataFrame _df;
    private readonly Column[] _keys;

    internal RelationalGroupedDataset(DataFrame df, Column[] keys)
    {
        _df = df;
        _keys = keys;
    }

    /// <summary>Grouping keys then the given aggregates.</summary>
    public DataFrame Agg(Column expr, params Column[] exprs)
    {
        var outputs = _keys.Select(k => k.Expr).Concat(exprs.Prepend(expr).Select(e => e.Expr)).ToArray();
        return new DataFrame(_df.Session, new AggregateNode(_df.Plan, _keys.Select(k => k.Expr).ToArray(), outputs));
    }

    /// <summary>Row count per group, as a column named "count".</summary>
    public DataFrame Count() => Agg(new Column(new AliasExpr(new AggregateExpr(AggFunc.CountStar, null), "count")));
    /// <summary>Sum of each named column per group.</summary>
    public DataFrame Sum(params string[] columns) => Many(Functions.Sum, columns);
    /// <summary>Average of each named column per group.</summary>
    public DataFrame Avg(params string[] columns) => Many(Functions.Avg, columns);
    /// <summary>Average of each named column per group.</summary>
    public DataFrame Mean(params string[] columns) => Avg(columns);
    /// <summary>Maximum of each named column per group.</summary>
    public DataFrame Max(params string[] columns) => Many(Functions.Max, columns);
    /// <summary>Minimum of each named column per group.</summary>
    public DataFrame Min(params string[] columns) => Many(Functions.Min, columns);

    private DataFrame Many(Func<string, Column> f, string[] columns)
    {
        if (columns.Length == 0)
            throw new Accel.AccelException("name at least one column to aggregate");
        return Agg(f(columns[0]), columns.Skip(1).Select(f).ToArray());
    }
}
