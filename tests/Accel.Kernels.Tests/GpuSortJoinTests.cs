using CultureInfo = System.Globalization.CultureInfo;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;
using Accel.Operators;

namespace Accel.Tests;

/// <summary>The GPU sort and hash join against the scalar path on ILGPU's CPU accelerator: the sort must give the same
/// rows in the same order (ties in input order), the join the same multiset of rows, for every key type, NULL density,
/// direction and null placement, join type and build side; and both must decline what they cannot do with a reason.</summary>
[Collection("gpu")]
public sealed class GpuSortJoinTests
{
    static GpuSortJoinTests() => GpuDevice.Use(GpuMode.Cpu);

    private static readonly double NaN2 = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0001);

    // ---------------------------------------------------------------- sort

    /// <summary>The differential batch plus strings (empty, shared prefixes, non-ASCII), a column with many ties and a
    /// bool; the double column gets a second NaN bit pattern and -0.0 next to 0.0.</summary>
    private static ColumnBatch SortBatch(int rows, double density, int seed)
    {
        var b = DifferentialCases.Batch(rows, density, seed);
        var rng = new Random(seed);
        string[] words = ["", "a", "A", "AB", "é", "zz", "Customer#000000001", "Customer#000000010", "Customer#00000001", "Customer#"];
        var strings = StringVector.From(Enumerable.Range(0, rows).Select(_ => rng.NextDouble() < density ? null : words[rng.Next(words.Length)]).ToList());
        var few = ColumnBatch.FromRows(new Schema([new Field("few", DataType.Int32), new Field("flag", DataType.Boolean), new Field("dd", DataType.Float64)]),
            Enumerable.Range(0, rows).Select(_ => new object?[]
            {
                rng.NextDouble() < density ? null : rng.Next(3),
                rng.NextDouble() < density ? null : rng.Next(2) == 0,
                rng.NextDouble() < density ? null : rng.Next(6) switch { 0 => double.NaN, 1 => NaN2, 2 => -0.0, 3 => 0.0, 4 => double.NegativeInfinity, _ => rng.Next(-3, 3) * 0.5 },
            }).ToList());
        var fields = b.Schema.Fields.Append(new Field("s", DataType.Utf8)).Concat(few.Schema.Fields);
        return new ColumnBatch(new Schema(fields), b.Columns.Append(strings).Concat(few.Columns).ToArray(), rows);
    }

    private static string? CompareSort(ColumnBatch batch, IReadOnlyList<SortKey> keys, int? limit = null)
    {
        var spec = new SortSpec(batch.Schema, keys, limit);
        var diff = ResultComparer.FirstDifference(new SortScalar().Sort(batch, spec), new SortGpu().Sort(batch, spec));
        return diff is null ? null
            : $"keys [{string.Join(", ", keys.Select(k => $"{batch.Schema[k.Ordinal].Name} asc={k.Ascending} nullsFirst={k.NullsFirst}"))}] limit={limit} rows={batch.RowCount}: {diff}";
    }

    public static TheoryData<int, double> SortSizes()
    {
        var d = new TheoryData<int, double>();
        foreach (var n in new[] { 0, 1, 2, 16, 17, 33, 257 })
            foreach (var density in new[] { 0.0, 0.25 }) d.Add(n, density);
        d.Add(100, 1.0);
        return d;
    }

    [Theory, MemberData(nameof(SortSizes))]
    public void Sort_by_every_key_type_direction_and_null_placement_equals_scalar(int n, double density)
    {
        var batch = SortBatch(n, density, seed: 40 + n);
        for (int c = 0; c < batch.Schema.Count; c++)
        {
            // Each column in two of the four direction/null-placement combinations per case, all four over the cases
            // (the simulator runs every radix pass on threads, so each sort costs tens of milliseconds).
            bool asc = (c + n) % 2 == 0, nullsFirst = (c / 2 + n + (density > 0 ? 1 : 0)) % 2 == 0;
            Assert.Null(CompareSort(batch, [new SortKey(c, asc, nullsFirst)]));
            Assert.Null(CompareSort(batch, [new SortKey(c, !asc, !nullsFirst)]));
        }
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(0.2)]
    public void Multi_key_sorts_keep_ties_in_input_order_and_wide_keys_span_several_words(double density)
    {
        var batch = SortBatch(300, density, seed: 11);
        int O(string name) => batch.Schema.IndexOf(name);
        var combos = new SortKey[][]
        {
            [new(O("few"), true, true)], // mostly ties: stability decides
            [new(O("s"), true, true), new(O("i"), false, false)],
            [new(O("few"), false, false), new(O("s"), true, false), new(O("dd"), false, true)],
            [new(O("l"), true, false), new(O("g"), false, true), new(O("d"), true, true)], // three 64-bit-ish keys: several words
            [new(O("ts"), false, true), new(O("f"), true, false), new(O("flag"), true, true), new(O("m"), false, false)],
        };
        foreach (var keys in combos)
        {
            Assert.Null(CompareSort(batch, keys));
            Assert.Null(CompareSort(batch.WithSelection([.. Enumerable.Range(0, 300).Where(i => i % 7 != 3)]), keys));
        }
    }

    [Fact]
    public void Top_n_takes_the_first_rows_of_the_stable_order()
    {
        var batch = SortBatch(200, 0.1, seed: 5);
        int few = batch.Schema.IndexOf("few"), s = batch.Schema.IndexOf("s");
        foreach (var limit in new[] { 0, 1, 7, 199, 200, 500 })
        {
            Assert.Null(CompareSort(batch, [new SortKey(few, false, true)], limit));
            Assert.Null(CompareSort(batch, [new SortKey(s, true, false), new SortKey(few, true, true)], limit));
        }
        Assert.Equal(7, new SortGpu().Sort(batch, new SortSpec(batch.Schema, [new SortKey(few, true, true)], 7)).RowCount);
    }

    [Fact]
    public void Extreme_values_sort_as_the_scalar_path()
    {
        var schema = new Schema([new Field("l", DataType.Int64), new Field("i", DataType.Int32), new Field("d", DataType.Float64)]);
        var rows = new List<object?[]>
        {
            new object?[] { long.MaxValue, int.MinValue, double.PositiveInfinity },
            new object?[] { long.MinValue, int.MaxValue, double.NaN },
            new object?[] { null, null, null },
            new object?[] { 0L, 0, -0.0 },
            new object?[] { -1L, -1, 0.0 },
            new object?[] { long.MinValue, int.MinValue, double.NegativeInfinity },
            new object?[] { long.MaxValue, int.MaxValue, double.Epsilon },
        };
        var batch = ColumnBatch.FromRows(schema, rows);
        for (int c = 0; c < 3; c++)
            foreach (var (asc, nf) in new[] { (true, true), (false, false), (c % 2 == 0, c % 2 != 0) })
                Assert.Null(CompareSort(batch, [new SortKey(c, asc, nf), new SortKey((c + 1) % 3, !asc, nf)]));
    }

    // ---------------------------------------------------------------- join

    private sealed record KeyKind(string Name, DataType Type, Func<Random, int, object> Value);

    private static readonly Dictionary<string, KeyKind> Kinds = new KeyKind[]
    {
        new("int", DataType.Int32, (r, d) => r.Next(d) - d / 2),
        new("long", DataType.Int64, (r, d) => r.Next(d) * 1_000_003L - 7),
        new("date", DataType.Date32, (r, d) => new DateOnly(2020, 1, 1).AddDays(r.Next(d))),
        new("decimal", DataType.Decimal(12, 2), (r, d) => r.Next(d) * 0.25m - 3m),
        new("timestamp", DataType.Timestamp, (r, d) => new DateTime(2024, 1, 1, 0, 0, 0, DateTimeKind.Utc).AddSeconds(r.Next(d) * 7)),
        new("double", DataType.Float64, (r, d) => r.Next(Math.Max(10, d)) switch { 0 => double.NaN, 1 => NaN2, 2 => -0.0, 3 => 0.0, _ => r.Next(d) * 0.5 }),
        new("string", DataType.Utf8, (r, d) => r.Next(Math.Max(12, d)) == 0 ? "" : "key number " + r.Next(d)),
        new("bool", DataType.Boolean, (r, _) => r.Next(2) == 0),
        // Spread over the whole int64 range, so that two such keys need two words.
        new("wide", DataType.Int64, (r, d) => unchecked((long)((ulong)(r.Next(d) + 1) * 0x9E3779B97F4A7C15UL))),
    }.ToDictionary(k => k.Name);

    private static readonly JoinType[] KeyedTypes =
        [JoinType.Inner, JoinType.LeftOuter, JoinType.RightOuter, JoinType.FullOuter, JoinType.LeftSemi, JoinType.LeftAnti];

    private static ColumnBatch Side(char p, KeyKind[] keys, int rows, int domain, double nullDensity, int seed)
    {
        var rng = new Random(seed);
        var fields = keys.Select((k, i) => new Field($"{p}k{i}", k.Type)).ToList();
        fields.Add(new Field($"{p}id", DataType.Int32));
        fields.Add(new Field($"{p}v", DataType.Int64));
        fields.Add(new Field($"{p}s", DataType.Utf8));
        var data = new List<object?[]>(rows);
        for (int r = 0; r < rows; r++)
        {
            var row = new object?[fields.Count];
            for (int k = 0; k < keys.Length; k++) row[k] = rng.NextDouble() < nullDensity ? null : keys[k].Value(rng, domain);
            row[keys.Length] = r;
            row[keys.Length + 1] = rng.Next(10) == 0 ? null : (long)rng.Next(-50, 50);
            row[keys.Length + 2] = rng.Next(6) == 0 ? null : "p" + rng.Next(100);
            data.Add(row);
        }
        return ColumnBatch.FromRows(new Schema(fields), data);
    }

    private static JoinSpec JoinSpecOf(ColumnBatch l, ColumnBatch r, JoinType type, int keys, BuildSide build, Expr? residual = null)
    {
        var combined = new Schema(l.Schema.Fields.Concat(r.Schema.Fields));
        var output = type is JoinType.LeftSemi or JoinType.LeftAnti ? l.Schema : combined;
        var ks = Enumerable.Range(0, keys).ToArray();
        return new JoinSpec(l.Schema, r.Schema, type, ks, ks, residual is null ? null : Binder.Bind(residual, combined), build, false, output);
    }

    private static string Render(object? v) => v switch
    {
        null => "NULL",
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => v.ToString()!,
    };

    private static List<string> Rows(ColumnBatch b) =>
        b.Rows().Select(row => string.Join(" | ", row.Select(Render))).Order(StringComparer.Ordinal).ToList();

    /// <summary>Null when the GPU join gives the scalar join's rows as a multiset; <paramref name="rows"/> is the scalar row count.</summary>
    private static string? CompareJoin(ColumnBatch l, ColumnBatch r, JoinSpec spec, out int rows)
    {
        var expected = new HashJoinScalar().Join(l, r, spec);
        var actual = new HashJoinGpu().Join(l, r, spec);
        rows = expected.RowCount;
        string where = $"{spec.Type} build={spec.Build} left={l.RowCount} right={r.RowCount}";
        if (!actual.Schema.Fields.SequenceEqual(spec.Output.Fields)) return $"{where}: wrong output schema";
        var e = Rows(expected);
        var a = Rows(actual);
        if (e.Count != a.Count) return $"{where}: expected {e.Count} rows, got {a.Count}";
        for (int i = 0; i < e.Count; i++)
            if (e[i] != a[i]) return $"{where}: row {i}: expected [{e[i]}], got [{a[i]}]";
        return null;
    }

    public static TheoryData<string> KeyConfigs => new()
    {
        "int", "long", "date", "decimal", "timestamp", "double", "string", "bool", "wide",
        "int,string", "wide,wide", "string,date", "double,bool",
    };

    private static readonly (int Left, int Right)[] JoinSizes = [(0, 0), (0, 9), (9, 0), (1, 1), (17, 16), (40, 33), (33, 129)];

    [Theory, MemberData(nameof(KeyConfigs))]
    public void Every_join_type_and_build_side_equals_scalar(string config)
    {
        var keys = config.Split(',').Select(n => Kinds[n]).ToArray();
        long matched = 0;
        foreach (var density in new[] { 0.0, 0.3, 1.0 })
            foreach (var (nl, nr) in density < 1 ? JoinSizes : [(9, 9)])
            {
                int domain = Math.Max(2, Math.Max(nl, nr) / 3);
                var l = Side('l', keys, nl, domain, density, seed: nl * 31 + (int)(density * 10));
                var r = Side('r', keys, nr, domain, density, seed: nr * 17 + 5 + (int)(density * 10));
                foreach (var type in KeyedTypes)
                    foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                    {
                        var diff = CompareJoin(l, r, JoinSpecOf(l, r, type, keys.Length, build), out int rows);
                        Assert.True(diff is null, $"{config}, NULL density {density}: {diff}");
                        if (type == JoinType.Inner) matched += rows;
                    }
            }
        // The inputs do share keys: the comparison is not between two empty results.
        Assert.True(matched > 0, $"{config}: no inner join produced a row");
    }

    [Theory]
    [InlineData("int")]
    [InlineData("string,date")]
    [InlineData("wide,wide")]
    public void Residual_conditions_equal_scalar(string config)
    {
        var keys = config.Split(',').Select(n => Kinds[n]).ToArray();
        Expr[] residuals =
        [
            new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv")),
            new BinaryExpr(BinaryOp.Or, new BinaryExpr(BinaryOp.GreaterThan, new BinaryExpr(BinaryOp.Add, new ColumnRef("lv"), new ColumnRef("rv")), Literal.Of(20L)),
                new BinaryExpr(BinaryOp.Equal, new ColumnRef("lid"), new ColumnRef("rid"))),
            new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("rv"), Literal.Of(0L)),
        ];
        foreach (var density in new[] { 0.0, 0.2 })
            foreach (var (nl, nr) in new[] { (0, 5), (16, 17), (60, 45) })
            {
                var l = Side('l', keys, nl, Math.Max(2, nl / 4), density, seed: 7 + nl);
                var r = Side('r', keys, nr, Math.Max(2, nl / 4), density, seed: 9 + nr);
                foreach (var residual in residuals)
                    foreach (var type in KeyedTypes)
                    {
                        var build = type is JoinType.RightOuter ? BuildSide.Left : BuildSide.Right;
                        var diff = CompareJoin(l, r, JoinSpecOf(l, r, type, keys.Length, build, residual), out _);
                        Assert.True(diff is null, $"{config}, density {density}, {residual}: {diff}");
                    }
            }
    }

    [Fact]
    public void Duplicate_heavy_keys_and_a_selection_equal_scalar()
    {
        var keys = new[] { Kinds["int"] };
        // Three distinct keys over 200 x 150 rows: every key has dozens of rows on each side (thousands of pairs).
        var l = Side('l', keys, 200, 3, 0.05, seed: 1);
        var r = Side('r', keys, 150, 3, 0.05, seed: 2);
        var selected = l.WithSelection([.. Enumerable.Range(0, 200).Where(i => i % 3 != 0)]);
        foreach (var type in KeyedTypes)
        {
            Assert.Null(CompareJoin(l, r, JoinSpecOf(l, r, type, 1, BuildSide.Right), out int rows));
            if (type == JoinType.Inner) Assert.True(rows > 5000);
            Assert.Null(CompareJoin(selected, r, JoinSpecOf(selected, r, type, 1, BuildSide.Left), out _));
        }
    }

    [Fact]
    public void Joins_without_equality_keys_run_as_nested_loops_and_equal_scalar()
    {
        Expr[] conditions =
        [
            new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv")),
            // A string condition of one side is a dictionary lookup inside the pair kernel.
            new BinaryExpr(BinaryOp.And, new BinaryExpr(BinaryOp.Equal, new ColumnRef("ls"), Literal.Of("p7")), new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("rv"), Literal.Of(0L))),
        ];
        foreach (var (nl, nr) in new[] { (0, 4), (5, 0), (1, 30), (23, 1), (40, 35) })
        {
            var l = Side('l', [], nl, 1, 0, seed: 3 + nl);
            var r = Side('r', [], nr, 1, 0, seed: 4 + nr);
            Assert.Null(CompareJoin(l, r, JoinSpecOf(l, r, JoinType.Cross, 0, BuildSide.Right), out int crossRows));
            Assert.Equal(nl * nr, crossRows);
            foreach (var condition in conditions)
                foreach (var type in KeyedTypes)
                    Assert.Null(CompareJoin(l, r, JoinSpecOf(l, r, type, 0, type is JoinType.RightOuter ? BuildSide.Left : BuildSide.Right, condition), out _));
        }
        var big = Side('l', [], 9000, 1, 0, seed: 1);
        var ex = Assert.Throws<NotSupportedException>(() => new HashJoinGpu().Join(big, big, JoinSpecOf(big, big, JoinType.Cross, 0, BuildSide.Right)));
        Assert.Contains("nested-loop join takes", ex.Message);
    }

    // ---------------------------------------------------------------- declines and errors

    [Fact]
    public void Unsupported_sorts_and_joins_are_declined_with_the_reason()
    {
        var env = new ExecEnvironment(100);
        var arrays = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32)), new Field("x", DataType.Int64), new Field("s", DataType.Utf8)]);
        var sort = new SortGpu().CanRun(new SortSpec(arrays, [new SortKey(1, true, true), new SortKey(0, true, true)]), env);
        Assert.False(sort.CanRun);
        Assert.Equal("sorting by a array<int> key is not on the GPU yet", sort.Reason);
        var huge = new SortGpu().CanRun(new SortSpec(arrays, [new SortKey(1, true, true)]), new ExecEnvironment(SortGpu.MaxRows + 1));
        Assert.False(huge.CanRun);
        Assert.Contains("int.MaxValue", huge.Reason);
        Assert.True(new SortGpu().CanRun(new SortSpec(arrays, [new SortKey(2, false, false), new SortKey(1, true, true)]), env).CanRun);

        var combined = new Schema(arrays.Fields.Concat(arrays.Fields.Select(f => f with { Name = "r" + f.Name })));
        JoinSpec J(JoinType t, int[] lk, int[] rk, Expr? residual = null) =>
            new(arrays, arrays, t, lk, rk, residual is null ? null : Binder.Bind(residual, combined), BuildSide.Right, false, combined);
        var arrayKey = new HashJoinGpu().CanRun(J(JoinType.Inner, [0], [0]), env);
        Assert.Equal("join key 'a' is array<int>, which has no GPU key encoding yet", arrayKey.Reason);
        Assert.True(new HashJoinGpu().CanRun(J(JoinType.Cross, [], []), env).CanRun); // a nested-loop join over all pairs
        var stringResidual = new HashJoinGpu().CanRun(J(JoinType.Inner, [1], [1], new BinaryExpr(BinaryOp.LessThan, new ColumnRef("s"), new ColumnRef("rs"))), env);
        Assert.False(stringResidual.CanRun);
        Assert.StartsWith("join condition: column 's' is string has no GPU kernel yet", stringResidual.Reason);
        var modulo = new HashJoinGpu().CanRun(J(JoinType.Inner, [1], [1], new BinaryExpr(BinaryOp.Equal, new BinaryExpr(BinaryOp.Modulo, new ColumnRef("x"), Literal.Of(2L)), Literal.Of(0L))), env);
        Assert.Contains("operator %", modulo.Reason);
        Assert.True(new HashJoinGpu().CanRun(J(JoinType.FullOuter, [1, 2], [1, 2], new BinaryExpr(BinaryOp.LessThan, new ColumnRef("x"), new ColumnRef("rx"))), env).CanRun);
        Assert.Contains("int.MaxValue", new HashJoinGpu().CanRun(J(JoinType.Inner, [1], [1]), new ExecEnvironment(HashJoinGpu.MaxRows + 1)).Reason);
    }

    [Fact]
    public void Mismatched_key_types_are_an_error()
    {
        var l = Side('l', [Kinds["int"]], 5, 3, 0, seed: 1);
        var r = Side('r', [Kinds["long"]], 5, 3, 0, seed: 2);
        var ex = Assert.Throws<AccelException>(() => new HashJoinGpu().Join(l, r, JoinSpecOf(l, r, JoinType.Inner, 1, BuildSide.Right)));
        Assert.Contains("int on the left and bigint on the right", ex.Message);
    }

    [Fact]
    public void Sort_and_join_costs_include_transfers()
    {
        var s = new Schema([new Field("x", DataType.Int64)]);
        var sort = new SortSpec(s, [new SortKey(0, true, true)]);
        var host = new SortGpu().Estimate(sort, new ExecEnvironment(10_000_000));
        Assert.True(host.BytesMoved > 0);
        Assert.True(host.TotalMs > new SortGpu().Estimate(sort, new ExecEnvironment(10_000_000, InputOnDevice: true)).TotalMs);
        var join = new JoinSpec(s, s, JoinType.Inner, [0], [0], null, BuildSide.Right, false, new Schema([s[0], s[0] with { Name = "y" }]));
        Assert.True(new HashJoinGpu().Estimate(join, new ExecEnvironment(10_000_000)).BytesMoved > 0);
    }
}
