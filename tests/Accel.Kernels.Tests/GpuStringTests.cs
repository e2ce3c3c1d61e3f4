using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;

namespace Accel.Tests;

/// <summary>Strings on the GPU kernels (ILGPU's CPU accelerator) through dictionary codes, CASE WHEN, IN lists, date
/// parts and grouping by several or string keys, each against the scalar path: NULL strings, strings absent from a chunk's
/// dictionary, several chunks with different dictionaries, selections and device-resident chunks.</summary>
[Collection("gpu")]
public sealed class GpuStringTests
{
    static GpuStringTests() => GpuDevice.Use(GpuMode.Cpu);

    private static readonly Schema S = new([
        new Field("s", DataType.Utf8), new Field("t", DataType.Utf8), new Field("i", DataType.Int32),
        new Field("d", DataType.Float64), new Field("m", DataType.Decimal(12, 2)), new Field("b", DataType.Boolean),
        new Field("dt", DataType.Date32),
    ]);

    private static readonly string[] Words = ["MAIL", "SHIP", "AIR", "REG AIR", "PROMO BRUSHED", "PROMO ANODIZED", "", "ÉCLAIR", "Brand#12", "1-URGENT"];

    private static ColumnBatch Batch(int rows, int seed, int vocabulary = 10)
    {
        var rng = new Random(seed);
        object? N(object v) => rng.Next(7) == 0 ? null : v;
        return ColumnBatch.FromRows(S, Enumerable.Range(0, rows).Select(_ => new object?[]
        {
            N(Words[rng.Next(Math.Min(vocabulary, Words.Length))]),
            N(rng.Next(3) == 0 ? $"{rng.Next(10, 35)}-{rng.Next(100, 999)}" : Words[rng.Next(Words.Length)]),
            N(rng.Next(-50, 50)),
            N(rng.Next(30) == 0 ? double.NaN : Math.Round(rng.NextDouble() * 10, 2)),
            N(Math.Round((decimal)rng.NextDouble() * 1000, 2)),
            N(rng.Next(2) == 0),
            N(new DateOnly(1995, 1, 1).AddDays(rng.Next(800))),
        }).ToList());
    }

    private static Expr C(string n) => new ColumnRef(n);
    private static Expr L(object v) => Literal.Of(v);
    private static Expr B(BinaryOp op, Expr l, Expr r) => new BinaryExpr(op, l, r);
    private static Expr F(string name, params Expr[] args) => new FunctionCall(name, args);

    private static readonly Expr[] StringPredicates =
    [
        B(BinaryOp.Equal, C("s"), L("MAIL")),
        B(BinaryOp.NotEqual, C("s"), L("NOT IN ANY DICTIONARY")),
        F("like", C("s"), L("PROMO%")),
        new UnaryExpr(UnaryOp.Not, F("like", C("t"), L("%AIR%"))),
        new InExpr(C("s"), [L("MAIL"), L("SHIP")]),
        new InExpr(F("substring", C("t"), L(1), L(2)), [L("13"), L("31"), L("23")], Negated: true),
        new UnaryExpr(UnaryOp.IsNull, C("s")),
        B(BinaryOp.GreaterThan, F("length", C("t")), L(3)),
        B(BinaryOp.LessThan, C("s"), L("M")),
        // Q19's shape: string lookups mixed with numeric conditions of other columns.
        B(BinaryOp.Or,
            B(BinaryOp.And, B(BinaryOp.Equal, C("s"), L("Brand#12")), B(BinaryOp.LessThan, C("i"), L(10))),
            B(BinaryOp.And, new InExpr(C("t"), [L("AIR"), L("REG AIR")]), B(BinaryOp.GreaterThan, C("m"), L(500m)))),
        // NULL = 'x' is NULL, and NOT NULL stays NULL: neither passes.
        new UnaryExpr(UnaryOp.Not, B(BinaryOp.Equal, C("s"), L("AIR"))),
    ];

    private static readonly Expr[] CaseAndInProjections =
    [
        // Q14's shape.
        new CaseWhenExpr([(F("like", C("s"), L("PROMO%")), B(BinaryOp.Multiply, C("m"), B(BinaryOp.Subtract, L(1), L(0.05m))))], L(0m)),
        // Q12's shape: OR of string equalities, then 1 else 0.
        new CaseWhenExpr([(B(BinaryOp.Or, B(BinaryOp.Equal, C("s"), L("1-URGENT")), B(BinaryOp.Equal, C("s"), L("MAIL"))), L(1))], L(0)),
        // No ELSE: NULL; the first TRUE branch wins; a NULL condition is not TRUE.
        new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("i"), L(20)), C("d")), (B(BinaryOp.GreaterThan, C("i"), L(0)), B(BinaryOp.Multiply, C("d"), L(2.0)))], null),
        new CaseWhenExpr([(C("b"), C("dt"))], C("dt")),
        new InExpr(C("i"), [L(1), L(2), L(3), L(40)]),
        new InExpr(C("i"), [L(1), new Literal(null, DataType.Int32)]),
        new InExpr(C("d"), [L(double.NaN), L(0.5)], Negated: true),
        new InExpr(C("m"), [L(1.5m), L(0.25m)]),
        F("length", C("t")),
        B(BinaryOp.Add, F("length", C("s")), C("i")),
        // Q7-Q9's year(), and the other day-number functions.
        F("year", C("dt")), F("month", C("dt")), F("dayofmonth", C("dt")),
        F("date_add", C("dt"), C("i")), F("datediff", C("dt"), F("date_sub", C("dt"), L(3))),
    ];

    [Theory]
    [InlineData(1)]
    [InlineData(257)]
    [InlineData(3000)]
    public void String_predicates_equal_scalar(int rows)
    {
        var batch = Batch(rows, rows);
        foreach (var p in StringPredicates)
        {
            Assert.Null(ExprProgram.Unsupported(Binder.Bind(p, S)));
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, p));
        }
        var sel = Enumerable.Range(0, rows).Where(i => i % 3 != 1).ToArray();
        foreach (var p in StringPredicates)
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch.WithSelection(sel), p));
    }

    [Theory]
    [InlineData(1)]
    [InlineData(500)]
    public void Case_when_and_in_lists_equal_scalar(int rows)
    {
        var batch = Batch(rows, 7 + rows);
        foreach (var e in CaseAndInProjections)
        {
            Assert.Null(ExprProgram.Unsupported(Binder.Bind(e, S)));
            Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, e));
        }
        foreach (var p in StringPredicates.Take(3))
            Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, p));
    }

    [Fact]
    public void Year_month_and_day_equal_scalar_across_leap_years_centuries_and_the_calendar_range()
    {
        var days = new[] { new DateOnly(1, 1, 1), new DateOnly(1600, 2, 29), new DateOnly(1900, 2, 28), new DateOnly(1900, 3, 1), new DateOnly(1969, 12, 31),
            new DateOnly(1970, 1, 1), new DateOnly(2000, 2, 29), new DateOnly(2000, 3, 1), new DateOnly(2024, 12, 31), new DateOnly(9999, 12, 31) };
        var schema = new Schema([new Field("dt", DataType.Date32)]);
        var all = days.Concat(Enumerable.Range(0, 3000).Select(k => new DateOnly(1899, 12, 1).AddDays(k * 61))).ToArray();
        var batch = ColumnBatch.FromRows(schema, all.Select(d => new object?[] { d }).Append([null]).ToList());
        Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, [F("year", C("dt")), F("month", C("dt")), F("dayofmonth", C("dt"))]));
    }

    [Fact]
    public void A_lookup_is_computed_once_per_distinct_string_with_the_null_entry_last()
    {
        var batch = ColumnBatch.FromRows(S, [["AIR", null, 1, 1.0, 1m, true, null], [null, null, 2, 2.0, 2m, false, null], ["MAIL", null, 3, 3.0, 3m, true, null], ["AIR", null, 4, 4.0, 4m, true, null]]);
        var bound = Binder.Bind(new UnaryExpr(UnaryOp.IsNull, C("s")), S);
        var program = ExprProgram.Compile(bound);
        Assert.True(program.HasLookups);
        var dictionary = StringDictionary.Of((StringVector)batch[0]);
        Assert.Equal(["AIR", "MAIL"], Enumerable.Range(0, dictionary.Count).Select(dictionary.Values.GetString));
        Assert.Equal([0, 0, 1, 0], dictionary.Codes);
        // Header (base, K, NULL sentinel), then the values for AIR, MAIL and a NULL string.
        Assert.Equal([3, 2, long.MinValue, 0, 0, 1], program.ConstantsFor([dictionary.Values]));
        // A NULL result (NULL = 'AIR') is the sentinel; the sentinel moves off any value the table holds.
        var equals = ExprProgram.Compile(Binder.Bind(B(BinaryOp.Equal, C("s"), L("AIR")), S));
        Assert.Equal([3, 2, long.MinValue, 1, 0, long.MinValue], equals.ConstantsFor([dictionary.Values]));
        var minimum = new CaseWhenExpr([(B(BinaryOp.Equal, C("s"), L("AIR")), L(long.MinValue))], null);
        Assert.Equal([3, 2, long.MinValue + 1, long.MinValue, long.MinValue + 1, long.MinValue + 1],
            ExprProgram.Compile(Binder.Bind(minimum, S)).ConstantsFor([dictionary.Values]));
        Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, minimum));
        var spec = new ProjectSpec(S, [bound], new Schema([new Field("x", DataType.Boolean)]));
        Assert.Equal([false, true, false, false], Enumerable.Range(0, 4).Select(r => new ProjectGpu().Project(batch, spec)[0].GetValue(r)));
    }

    [Fact]
    public void An_in_list_over_a_lookup_shares_one_table_and_empty_lists_or_bare_nulls_stay_off_the_gpu()
    {
        var batch = Batch(200, 3);
        // The value reads two columns, so it is emitted once per item, each time with the lookup of length(t).
        var inList = new InExpr(B(BinaryOp.Add, F("length", C("t")), C("i")), [L(3), L(4), L(7)]);
        var program = ExprProgram.Compile(Binder.Bind(inList, S));
        int distinct = StringDictionary.Of((StringVector)batch[1]).Count;
        // Three header constants, the three items, and one table of distinct + 1 entries (not three tables).
        Assert.Equal(3 + 3 + distinct + 1, program.ConstantsFor([StringDictionary.Of((StringVector)batch[1]).Values, null]).Length);
        Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, inList));
        var empty = new BoundIn(Binder.Bind(C("i"), S), [], false);
        Assert.Equal("an empty IN list has no GPU kernel yet", ExprProgram.Unsupported(empty));
        Assert.Contains("result has no GPU kernel", ExprProgram.Unsupported(new BoundLiteral(null, DataType.Null)));
    }

    [Fact]
    public void Grouping_by_doubles_shows_negative_zero_as_zero_like_the_other_paths()
    {
        var schema = new Schema([new Field("x", DataType.Float64), new Field("y", DataType.Int32)]);
        var batch = ColumnBatch.FromRows(schema, [[-0.0, 1], [0.0, 2], [double.NaN, 3], [-0.0, 4]]);
        var spec = new AggregateSpec(schema, [0, 1], [new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64)],
            new Schema([schema[0], schema[1], new Field("n", DataType.Int64)]));
        var byX = spec with { KeyOrdinals = [0], Output = new Schema([schema[0], new Field("n", DataType.Int64)]) };
        var result = new HashAggregateGpu().Aggregate([batch], byX);
        var keys = Enumerable.Range(0, result.RowCount).Select(r => (double)result[0].GetValue(r)!).ToList();
        Assert.Equal(2, keys.Count);
        Assert.Contains(keys, k => k == 0 && !double.IsNegative(k));
        Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [batch], spec));
    }

    [Fact]
    public void Strings_computed_from_several_columns_or_giving_strings_stay_off_the_gpu_with_reasons()
    {
        Assert.Contains("column 's' is string", ExprProgram.Unsupported(Binder.Bind(B(BinaryOp.Equal, C("s"), C("t")), S)));
        Assert.Contains("function 'upper'", ExprProgram.Unsupported(Binder.Bind(F("upper", C("s")), S)));
        Assert.Contains("CASE WHEN giving", ExprProgram.Unsupported(Binder.Bind(new CaseWhenExpr([(B(BinaryOp.GreaterThan, C("i"), L(0)), L("pos"))], L("neg")), S)));
    }

    private static AggregateSpec GroupBy(params string[] keys)
    {
        var ords = keys.Select(S.IndexOf).ToArray();
        var calls = new List<AggregateCall>
        {
            new(AggFunc.CountStar, -1, false, DataType.Int64),
            new(AggFunc.Sum, S.IndexOf("m"), false, AggregateTypes.ResultType(AggFunc.Sum, S[S.IndexOf("m")].Type)),
            new(AggFunc.Avg, S.IndexOf("d"), false, DataType.Float64),
            new(AggFunc.Max, S.IndexOf("i"), false, DataType.Int32),
        };
        return new AggregateSpec(S, ords, calls, new Schema(ords.Select(k => S[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
    }

    [Fact]
    public void Grouping_by_strings_and_several_keys_equals_scalar_over_chunks_with_different_dictionaries()
    {
        // Chunks with different vocabularies: the same string has different codes in each chunk's dictionary.
        var chunks = new[] { Batch(700, 1, vocabulary: 3), Batch(0, 2), Batch(900, 3, vocabulary: 10), Batch(400, 4, vocabulary: 6) };
        var withSelection = chunks[2].WithSelection(Enumerable.Range(0, 900).Where(i => i % 4 != 0).ToArray());
        foreach (var keys in new string[][] { ["s"], ["s", "t"], ["i", "s"], ["b", "dt"], ["d"], ["m", "b", "s"] })
        {
            var spec = GroupBy(keys);
            Assert.True(new HashAggregateGpu().CanRun(spec, new ExecEnvironment(2000)).CanRun);
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), chunks, spec));
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [chunks[0], withSelection, chunks[3]], spec));
        }
    }

    [Fact]
    public void Count_distinct_equals_scalar_globally_and_per_group_ignoring_nulls()
    {
        var chunks = new[] { Batch(600, 31, vocabulary: 4), Batch(800, 32) };
        foreach (var keys in new[] { Array.Empty<string>(), ["s"], ["i", "s"], ["dt"] })
        {
            var ords = keys.Select(S.IndexOf).ToArray();
            var calls = new[] { "t", "i", "d", "m" }.Select(c => new AggregateCall(AggFunc.Count, S.IndexOf(c), true, DataType.Int64))
                .Append(new AggregateCall(AggFunc.Sum, S.IndexOf("i"), false, DataType.Int64)).ToList();
            var spec = new AggregateSpec(S, ords, calls, new Schema(ords.Select(k => S[k]).Concat(calls.Select((c, i) => new Field($"a{i}", c.ResultType)))));
            Assert.True(new HashAggregateGpu().CanRun(spec, new ExecEnvironment(1400)).CanRun);
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), chunks, spec));
        }
    }

    [Fact]
    public void Keys_wider_than_one_word_fail_with_a_not_supported_error_the_planner_fails_over_on()
    {
        // Six columns of 4,095 distinct values need 12 bits each (NULL takes code 0): 72 bits, more than one word.
        var schema = new Schema(Enumerable.Range(0, 6).Select(c => new Field($"k{c}", DataType.Int64)).ToArray());
        var batch = ColumnBatch.FromRows(schema, Enumerable.Range(0, 4095).Select(i => Enumerable.Repeat<object?>((long)i << 28, 6).ToArray()).ToList());
        var spec = new AggregateSpec(schema, [0, 1, 2, 3, 4, 5], [new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64)],
            new Schema([.. schema.Fields, new Field("n", DataType.Int64)]));
        var ex = Assert.Throws<NotSupportedException>(() => new HashAggregateGpu().Aggregate([batch], spec));
        Assert.Contains("more than 64 bits", ex.Message);
        // Five of them fit in 60 bits: each range, 2^40 wide, becomes 12-bit dense codes.
        var five = spec with { KeyOrdinals = [0, 1, 2, 3, 4], Output = new Schema([.. schema.Fields.Take(5), new Field("n", DataType.Int64)]) };
        Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [batch], five));
    }

    [Fact]
    public void Device_resident_string_chunks_are_remapped_into_one_dictionary_on_the_device()
    {
        var chunks = new[] { Batch(300, 21, vocabulary: 4), Batch(300, 22, vocabulary: 10) };
        using var resident = DeviceResidentTable.TryCreate(chunks, out var why);
        Assert.NotNull(resident);
        Assert.Null(why);
        Assert.True(DeviceResidentTable.IsResident(chunks[1][0]));
        Assert.Equal(0, resident!.HostColumns);
        var sel = Enumerable.Range(0, 300).Where(i => i % 2 == 0).ToArray();
        var second = chunks[1].WithSelection(sel);
        var rt = GpuDevice.Runtime;
        long before = rt.Memory.HostToDeviceBytes;
        var (codes, valid, dictionary, h2d) = rt.Run((a, k) =>
        {
            using var staged = DeviceStaging.Stage(a, k, rt.Memory, [chunks[0], second], [0], 300 + sel.Length);
            return (staged.Data.ToArray(), staged.Valid.ToArray(), staged.Dictionaries[0]!, rt.Memory.HostToDeviceBytes - before);
        });
        var expected = Enumerable.Range(0, 300).Select(chunks[0][0].GetValue).Concat(sel.Select(chunks[1][0].GetValue));
        Assert.Equal(expected, codes.Select((c, i) => valid[i] == 0 ? null : dictionary.GetString((int)c)));
        // The codes came from the device: only the selection and the second chunk's code map crossed the bus.
        Assert.True(h2d <= 4L * sel.Length + 4L * 10, $"{h2d} bytes went host to device");
        foreach (var p in StringPredicates)
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), second, p));
        Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), chunks, GroupBy("t", "s")));
    }
}
