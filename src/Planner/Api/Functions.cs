using Accel.Expressions;

namespace Accel.Sql;

/// <summary>Column functions, shaped like Microsoft.Spark.Sql.Functions.</summary>
public static class Functions
{
    private static Column F(string name, params Column[] args) => new(new FunctionCall(name, args.Select(a => a.Expr).ToArray()));
    private static Column Agg(AggFunc f, Column c, bool distinct = false) => new(new AggregateExpr(f, c.Expr, distinct));

    /// <summary>A column by name.</summary>
    public static Column Col(string name) => name == "*" ? new Column(new ColumnRef("*")) : new Column(new ColumnRef(name));
    /// <summary>A column by name.</summary>
    public static Column Column(string name) => Col(name);
    /// <summary>A literal value.</summary>
    public static Column Lit(object? value) => Sql.Column.Of(value);

    /// <summary>Sum of a column.</summary>
    public static Column Sum(Column c) => Agg(AggFunc.Sum, c);
    /// <summary>Sum of a column.</summary>
    public static Column Sum(string column) => Sum(Col(column));
    /// <summary>Sum of distinct values.</summary>
    public static Column SumDistinct(Column c) => Agg(AggFunc.Sum, c, true);
    /// <summary>Average.</summary>
    public static Column Avg(Column c) => Agg(AggFunc.Avg, c);
    /// <summary>Average.</summary>
    public static Column Avg(string column) => Avg(Col(column));
    /// <summary>Average.</summary>
    public static Column Mean(Column c) => Avg(c);
    /// <summary>Count of non-NULL values (Count(Lit(1)) or Count("*") counts rows).</summary>
    public static Column Count(Column c) => c.Expr is ColumnRef { Name: "*" } ? new Column(new AggregateExpr(AggFunc.CountStar, null)) : Agg(AggFunc.Count, c);
    /// <summary>Count of non-NULL values; "*" counts rows.</summary>
    public static Column Count(string column) => Count(Col(column));
    /// <summary>Count of distinct non-NULL values.</summary>
    public static Column CountDistinct(Column c) => Agg(AggFunc.Count, c, true);
    /// <summary>Count of distinct non-NULL values.</summary>
    public static Column CountDistinct(string column) => CountDistinct(Col(column));
    /// <summary>Maximum.</summary>
    public static Column Max(Column c) => Agg(AggFunc.Max, c);
    /// <summary>Maximum.</summary>
    public static Column Max(string column) => Max(Col(column));
    /// <summary>Minimum.</summary>
    public static Column Min(Column c) => Agg(AggFunc.Min, c);
    /// <summary>Minimum.</summary>
    public static Column Min(string column) => Min(Col(column));
    /// <summary>Sample standard deviation.</summary>
    public static Column Stddev(Column c) => Agg(AggFunc.StdDev, c);
    /// <summary>Sample standard deviation.</summary>
    public static Column StddevSamp(Column c) => Agg(AggFunc.StdDev, c);
    /// <summary>Population standard deviation.</summary>
    public static Column StddevPop(Column c) => Agg(AggFunc.StdDevPop, c);
    /// <summary>Sample variance.</summary>
    public static Column Variance(Column c) => Agg(AggFunc.Variance, c);
    /// <summary>Population variance.</summary>
    public static Column VarPop(Column c) => Agg(AggFunc.VariancePop, c);
    /// <summary>The row's position in its window partition (1, 2, ...); use with .Over(window).</summary>
    public static Column RowNumber() => F("row_number");
    /// <summary>Rank with gaps after ties; use with .Over(window).</summary>
    public static Column Rank() => F("rank");
    /// <summary>Rank without gaps; use with .Over(window).</summary>
    public static Column DenseRank() => F("dense_rank");
    /// <summary>The value <paramref name="offset"/> rows before in the window partition, else <paramref name="defaultValue"/>.</summary>
    public static Column Lag(Column c, int offset = 1, object? defaultValue = null) => F("lag", c, Lit(offset), Lit(defaultValue));
    /// <summary>The value <paramref name="offset"/> rows after in the window partition, else <paramref name="defaultValue"/>.</summary>
    public static Column Lead(Column c, int offset = 1, object? defaultValue = null) => F("lead", c, Lit(offset), Lit(defaultValue));
    /// <summary>Exact median (linear interpolation between the middle values), a double.</summary>
    public static Column Median(Column c) => Agg(AggFunc.Median, c);
    /// <summary>Exact percentile at <paramref name="fraction"/> (0..1) with linear interpolation, a double.</summary>
    public static Column Percentile(Column c, double fraction) => new(new AggregateExpr(AggFunc.Percentile, c.Expr, Fraction: fraction));
    /// <summary>Pearson correlation coefficient of two columns.</summary>
    public static Column Corr(Column x, Column y) => new(new AggregateExpr(AggFunc.Corr, x.Expr, Arg2: y.Expr));

    /// <summary>Rounds HALF_UP to <paramref name="scale"/> decimal places.</summary>
    public static Column Round(Column c, int scale = 0) => F("round", c, Lit(scale));
    /// <summary>Absolute value.</summary>
    public static Column Abs(Column c) => F("abs", c);
    /// <summary>First non-NULL argument.</summary>
    public static Column Coalesce(params Column[] columns) => F("coalesce", columns);
    /// <summary>Ascending order of a column.</summary>
    public static Column Asc(string column) => Col(column).Asc();
    /// <summary>Descending order of a column.</summary>
    public static Column Desc(string column) => Col(column).Desc();
    /// <summary>Starts a CASE WHEN; continue with .When(..) and .Otherwise(..).</summary>
    public static Column When(Column condition, object value) => new(new CaseWhenExpr([(condition.Expr, Sql.Column.Of(value).Expr)], null));
    /// <summary>Marks a DataFrame as small enough to broadcast in joins.</summary>
    public static DataFrame Broadcast(DataFrame df) => df.WithBroadcastHint();
    /// <summary>Logical NOT.</summary>
    public static Column Not(Column c) => !c;

    /// <summary>Lower case.</summary>
    public static Column Lower(Column c) => F("lower", c);
    /// <summary>Upper case.</summary>
    public static Column Upper(Column c) => F("upper", c);
    /// <summary>Length in characters.</summary>
    public static Column Length(Column c) => F("length", c);
    /// <summary>Substring from a 1-based position.</summary>
    public static Column Substring(Column c, int pos, int len) => F("substring", c, Lit(pos), Lit(len));
    /// <summary>Concatenation (NULL if any input is NULL).</summary>
    public static Column Concat(params Column[] columns) => F("concat", columns);
    /// <summary>Strips leading and trailing spaces.</summary>
    public static Column Trim(Column c) => F("trim", c);
    /// <summary>Strips leading spaces.</summary>
    public static Column Ltrim(Column c) => F("ltrim", c);
    /// <summary>Strips trailing spaces.</summary>
    public static Column Rtrim(Column c) => F("rtrim", c);
    /// <summary>Splits around matches of a regular expression.</summary>
    public static Column Split(Column c, string pattern) => F("split", c, Lit(pattern));
    /// <summary>Splits around matches of a regular expression, at most <paramref name="limit"/> parts.</summary>
    public static Column Split(Column c, string pattern, int limit) => F("split", c, Lit(pattern), Lit(limit));
    /// <summary>Number of elements of an array.</summary>
    public static Column Size(Column c) => F("size", c);
    /// <summary>One row per array element (NULL and empty arrays produce no row).</summary>
    public static Column Explode(Column c) => F("explode", c);
    /// <summary>One row per array element (NULL and empty arrays produce one NULL row).</summary>
    public static Column ExplodeOuter(Column c) => F("explode_outer", c);

    /// <summary>Year of a date.</summary>
    public static Column Year(Column c) => F("year", c);
    /// <summary>Month of a date.</summary>
    public static Column Month(Column c) => F("month", c);
    /// <summary>Day of month of a date.</summary>
    public static Column DayOfMonth(Column c) => F("dayofmonth", c);
    /// <summary>Date plus days.</summary>
    public static Column DateAdd(Column start, int days) => F("date_add", start, Lit(days));
    /// <summary>Date minus days.</summary>
    public static Column DateSub(Column start, int days) => F("date_sub", start, Lit(days));
    /// <summary>The date <paramref name="months"/> months later (day clamped to the month's length).</summary>
    public static Column AddMonths(Column start, int months) => F("add_months", start, Lit(months));
    /// <summary>Days from start to end.</summary>
    public static Column DateDiff(Column end, Column start) => F("datediff", end, start);
    /// <summary>Parses a yyyy-MM-dd string into a date.</summary>
    public static Column ToDate(Column c) => F("to_date", c);
}
