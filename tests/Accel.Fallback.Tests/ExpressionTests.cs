using Accel.Data;
using Accel.Expressions;

namespace Accel.Tests;

/// <summary>Spark (non-ANSI) semantics of the scalar evaluator, value by value.</summary>
public sealed class ExpressionTests
{
    private static readonly Schema S = new([
        new Field("a", DataType.Int32), new Field("b", DataType.Int32), new Field("x", DataType.Float64),
        new Field("p", DataType.Boolean), new Field("q", DataType.Boolean), new Field("s", DataType.Utf8),
        new Field("m", DataType.Decimal(10, 2)), new Field("dt", DataType.Date32), new Field("l", DataType.Int64),
    ]);

    private static ColumnBatch Rows(params object?[][] rows) => ColumnBatch.FromRows(S, rows);
    private static object?[] R(object? a = null, object? b = null, object? x = null, object? p = null, object? q = null, object? s = null, object? m = null, object? dt = null, object? l = null) => [a, b, x, p, q, s, m, dt, l];
    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object? v) => Literal.Of(v);

    private static object?[] Eval(Expr e, ColumnBatch batch)
    {
        var v = ScalarEvaluator.Evaluate(Binder.Bind(e, batch.Schema), batch);
        return Enumerable.Range(0, v.Length).Select(v.GetValue).ToArray();
    }

    private static object? Eval1(Expr e, object?[] row) => Eval(e, Rows(row))[0];

    [Fact]
    public void Integer_slash_is_double_division_and_div_is_integral_and_zero_divisors_give_null()
    {
        var batch = Rows(R(a: 7, b: 2), R(a: 7, b: 0), R(a: -7, b: 2), R(a: null, b: 2));
        Assert.Equal(new object?[] { 3.5, null, -3.5, null }, Eval(new BinaryExpr(BinaryOp.Divide, C("a"), C("b")), batch));
        Assert.Equal(new object?[] { 3L, null, -3L, null }, Eval(new BinaryExpr(BinaryOp.IntDivide, C("a"), C("b")), batch));
        Assert.Equal(new object?[] { 1, null, -1, null }, Eval(new BinaryExpr(BinaryOp.Modulo, C("a"), C("b")), batch));
        Assert.Null(Eval1(new BinaryExpr(BinaryOp.Divide, C("x"), L(0.0)), R(x: 1.0)));
    }

    [Fact]
    public void Integer_overflow_wraps_and_result_types_follow_spark()
    {
        Assert.Equal(int.MinValue, Eval1(new BinaryExpr(BinaryOp.Add, C("a"), L(1)), R(a: int.MaxValue)));
        Assert.Equal(int.MinValue, Eval1(new UnaryExpr(UnaryOp.Negate, C("a")), R(a: int.MinValue)));
        Assert.Equal(long.MinValue, Eval1(new BinaryExpr(BinaryOp.IntDivide, C("l"), L(-1L)), R(l: long.MinValue)));
        Assert.Equal(DataType.Int64, Binder.Bind(new BinaryExpr(BinaryOp.Add, C("a"), C("l")), S).Type);
        Assert.Equal(DataType.Float64, Binder.Bind(new BinaryExpr(BinaryOp.Multiply, C("a"), C("x")), S).Type);
        Assert.Equal(DataType.Float64, Binder.Bind(new BinaryExpr(BinaryOp.Divide, C("a"), C("b")), S).Type);
    }

    [Fact]
    public void Decimal_arithmetic_is_exact_with_spark_result_types_and_null_on_overflow()
    {
        var sum = Binder.Bind(new BinaryExpr(BinaryOp.Add, C("m"), C("m")), S);
        Assert.Equal(DataType.Decimal(11, 2), sum.Type);
        var product = Binder.Bind(new BinaryExpr(BinaryOp.Multiply, C("m"), C("m")), S);
        Assert.Equal(DataType.Decimal(18, 4), product.Type);
        Assert.Equal(0.3m, Eval1(new BinaryExpr(BinaryOp.Add, C("m"), L(0.1m)), R(m: 0.2m)));
        Assert.Equal(15241528.3216m, Eval1(new BinaryExpr(BinaryOp.Multiply, C("m"), C("m")), R(m: 3904.04m)));
        Assert.Null(Eval1(new BinaryExpr(BinaryOp.Multiply, C("m"), C("m")), R(m: 99999999.99m)));
    }

    [Fact]
    public void Three_valued_logic_truth_table()
    {
        bool?[] vals = [true, false, null];
        foreach (var p in vals)
            foreach (var q in vals)
            {
                var row = R(p: p, q: q);
                bool? and = p == false || q == false ? false : p is null || q is null ? null : true;
                bool? or = p == true || q == true ? true : p is null || q is null ? null : false;
                Assert.Equal(and, Eval1(new BinaryExpr(BinaryOp.And, C("p"), C("q")), row));
                Assert.Equal(or, Eval1(new BinaryExpr(BinaryOp.Or, C("p"), C("q")), row));
                Assert.Equal(p is null ? null : !p, Eval1(new UnaryExpr(UnaryOp.Not, C("p")), row));
            }
    }

    [Fact]
    public void Comparisons_null_safe_equality_and_nan_ordering()
    {
        Assert.Null(Eval1(new BinaryExpr(BinaryOp.Equal, C("a"), C("b")), R(a: 1)));
        Assert.Equal(true, Eval1(new BinaryExpr(BinaryOp.EqualNullSafe, C("a"), C("b")), R()));
        Assert.Equal(false, Eval1(new BinaryExpr(BinaryOp.EqualNullSafe, C("a"), C("b")), R(a: 1)));
        Assert.Equal(true, Eval1(new BinaryExpr(BinaryOp.Equal, C("x"), C("x")), R(x: double.NaN)));
        Assert.Equal(true, Eval1(new BinaryExpr(BinaryOp.GreaterThan, C("x"), L(double.PositiveInfinity)), R(x: double.NaN)));
        Assert.Equal(true, Eval1(new BinaryExpr(BinaryOp.LessThan, C("s"), L("b")), R(s: "a")));
        Assert.Equal(true, Eval1(new BinaryExpr(BinaryOp.Equal, C("dt"), L("2024-02-29")), R(dt: new DateOnly(2024, 2, 29))));
    }

    [Fact]
    public void In_between_case_coalesce()
    {
        var inList = new InExpr(C("a"), [L(1), L(2), L(null)]);
        Assert.Equal(new object?[] { true, null, null }, Eval(inList, Rows(R(a: 2), R(a: 5), R())));
        Assert.Equal(new object?[] { false, null, null }, Eval(inList with { Negated = true }, Rows(R(a: 2), R(a: 5), R())));
        var cw = new CaseWhenExpr([(new BinaryExpr(BinaryOp.GreaterThan, C("a"), L(5)), L("big")), (new BinaryExpr(BinaryOp.GreaterThan, C("a"), L(0)), L("small"))], null);
        Assert.Equal(new object?[] { "big", "small", null, null }, Eval(cw, Rows(R(a: 9), R(a: 3), R(a: -1), R())));
        Assert.Equal(new object?[] { 4.0, 1.0 }, Eval(new FunctionCall("coalesce", [C("x"), C("a")]), Rows(R(x: 4.0, a: 9), R(a: 1))));
    }

    [Fact]
    public void Casts_follow_spark_and_unparsable_strings_become_null()
    {
        Assert.Equal(12, Eval1(new CastExpr(C("s"), DataType.Int32), R(s: " 12 ")));
        Assert.Equal(1, Eval1(new CastExpr(C("s"), DataType.Int32), R(s: "1.9")));
        Assert.Null(Eval1(new CastExpr(C("s"), DataType.Int32), R(s: "abc")));
        Assert.Null(Eval1(new CastExpr(C("s"), DataType.Date32), R(s: "2024-02-30")));
        Assert.Equal(new DateOnly(2024, 3, 1), Eval1(new CastExpr(C("s"), DataType.Date32), R(s: "2024-03-01 10:00")));
        Assert.Equal(int.MaxValue, Eval1(new CastExpr(C("x"), DataType.Int32), R(x: 1e20)));
        Assert.Equal(0, Eval1(new CastExpr(C("x"), DataType.Int32), R(x: double.NaN)));
        Assert.Equal(-2, Eval1(new CastExpr(C("x"), DataType.Int32), R(x: -2.9)));
        Assert.Equal("1.0", Eval1(new CastExpr(C("x"), DataType.Utf8), R(x: 1.0)));
        Assert.Equal("1.0E10", Eval1(new CastExpr(C("x"), DataType.Utf8), R(x: 1e10)));
        Assert.Equal("2024-02-29", Eval1(new CastExpr(C("dt"), DataType.Utf8), R(dt: new DateOnly(2024, 2, 29))));
        // A float prints its own shortest digits, as Spark's does, not those of the double it widens to (0.10000000149011612).
        Assert.Equal("0.1", Eval1(new CastExpr(new CastExpr(C("x"), DataType.Float32), DataType.Utf8), R(x: 0.1)));
        Assert.Equal(1.24m, Eval1(new CastExpr(C("x"), DataType.Decimal(5, 2)), R(x: 1.235)));
        Assert.Null(Eval1(new CastExpr(C("x"), DataType.Decimal(3, 2)), R(x: 123.0)));
        Assert.Equal(true, Eval1(new CastExpr(C("s"), DataType.Boolean), R(s: "yes")));
    }

    [Fact]
    public void String_functions()
    {
        var row = R(s: "  Hello World  ");
        Assert.Equal("hello world", Eval1(new FunctionCall("trim", [new FunctionCall("lower", [C("s")])]), row));
        Assert.Equal(15, Eval1(new FunctionCall("length", [C("s")]), row));
        Assert.Equal("ell", Eval1(new FunctionCall("substring", [L("Hello"), L(2), L(3)]), R()));
        Assert.Equal("Hel", Eval1(new FunctionCall("substring", [L("Hello"), L(0), L(3)]), R()));
        Assert.Equal("lo", Eval1(new FunctionCall("substring", [L("Hello"), L(-2), L(5)]), R()));
        Assert.Null(Eval1(new FunctionCall("concat", [L("a"), C("s")]), R()));
        Assert.Equal(true, Eval1(new FunctionCall("like", [L("a_c%"), L("a\\_c%")]), R()));
        Assert.Equal(false, Eval1(new FunctionCall("like", [L("abc"), L("a_")]), R()));
        Assert.Equal(new object?[] { "a", "b", "", "c", "" }, Eval1(new FunctionCall("split", [L("a,b,,c,"), L(",")]), R()));
        Assert.Equal(new object?[] { "a", "b,,c," }, Eval1(new FunctionCall("split", [L("a,b,,c,"), L(","), L(2)]), R()));
        Assert.Equal(3, Eval1(new FunctionCall("size", [new FunctionCall("split", [L("x y z"), L(" ")])]), R()));
        Assert.Equal(-1, Eval1(new FunctionCall("size", [new FunctionCall("split", [C("s"), L(" ")])]), R()));
        Assert.Equal("É", Eval1(new FunctionCall("upper", [L("é")]), R()));
    }

    [Fact]
    public void Date_functions_around_month_ends_and_leap_years()
    {
        var row = R(dt: new DateOnly(2024, 2, 29));
        Assert.Equal(2024, Eval1(new FunctionCall("year", [C("dt")]), row));
        Assert.Equal(2, Eval1(new FunctionCall("month", [C("dt")]), row));
        Assert.Equal(29, Eval1(new FunctionCall("dayofmonth", [C("dt")]), row));
        Assert.Equal(new DateOnly(2024, 3, 1), Eval1(new FunctionCall("date_add", [C("dt"), L(1)]), row));
        Assert.Equal(new DateOnly(2023, 12, 31), Eval1(new FunctionCall("date_sub", [C("dt"), L(60)]), row));
        Assert.Equal(366, Eval1(new FunctionCall("datediff", [L(new DateOnly(2025, 3, 1)), C("dt")]), row));
        Assert.Equal(new DateOnly(2024, 3, 10), Eval1(new BinaryExpr(BinaryOp.Add, C("dt"), L(10)), row));
    }

    [Fact]
    public void Round_is_half_up_and_abs_keeps_type()
    {
        Assert.Equal(2.5, Eval1(new FunctionCall("round", [C("x"), L(1)]), R(x: 2.45)));
        Assert.Equal(-3.0, Eval1(new FunctionCall("round", [C("x")]), R(x: -2.5)));
        Assert.Equal(1.3m, Eval1(new FunctionCall("round", [C("m"), L(1)]), R(m: 1.25m)));
        Assert.Equal(5, Eval1(new FunctionCall("abs", [C("a")]), R(a: -5)));
    }

    [Fact]
    public void Evaluation_respects_the_selection_vector()
    {
        var batch = Rows(R(a: 1), R(a: 2), R(a: 3), R(a: 4)).WithSelection([1, 3]);
        Assert.Equal(new object?[] { 20, 40 }, Eval(new BinaryExpr(BinaryOp.Multiply, C("a"), L(10)), batch));
    }

    [Fact]
    public void Binder_errors_name_what_is_wrong()
    {
        var unknown = Assert.Throws<AccelException>(() => Binder.Bind(C("zz"), S));
        Assert.Contains("'zz'", unknown.Message);
        Assert.Contains("a, b, x", unknown.Message);
        Assert.Contains("undefined function: 'nope'", Assert.Throws<AccelException>(() => Binder.Bind(new FunctionCall("nope", []), S)).Message);
        var dup = new Schema([new Field("a", DataType.Int32), new Field("A", DataType.Int32)]);
        Assert.Contains("ambiguous", Assert.Throws<AccelException>(() => Binder.Bind(C("a"), dup)).Message);
        Assert.Contains("boolean", Assert.Throws<AccelException>(() => Binder.Bind(new BinaryExpr(BinaryOp.And, C("a"), C("p")), S)).Message);
        Assert.Contains("only allowed in an aggregation", Assert.Throws<AccelException>(() => Binder.Bind(new AggregateExpr(AggFunc.Sum, C("a")), S)).Message);
        Assert.Contains("cannot cast", Assert.Throws<AccelException>(() => Binder.Bind(new CastExpr(C("dt"), DataType.Boolean), S)).Message);
    }
}
