using System.Globalization;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD hash join against the scalar one, as multisets of rows: every join type, both build sides,
/// every key type (single and two-column keys, including keys that need several words), NULL keys at densities
/// 0 to 1, duplicates on both sides, empty sides, selection vectors, residual conditions and cross joins.</summary>
public sealed class HashJoinSimdTests
{
    /// <summary>A key type and how to draw one of about <c>domain</c> distinct values.</summary>
    public sealed record KeyKind(string Name, DataType Type, Func<Random, int, object> Value)
    {
        /// <inheritdoc />
        public override string ToString() => Name;
    }

    private static readonly double NaN2 = BitConverter.Int64BitsToDouble(0x7FF8_0000_0000_0001);

    // Distinct small ints spread over the whole int64 range, so that two such keys cannot share one packed word.
    private static long Spread(int v) => unchecked((long)((ulong)(v + 1) * 0x9E3779B97F4A7C15UL));

    private static readonly Dictionary<string, KeyKind> Kinds = new KeyKind[]
    {
        new("int", DataType.Int32, (r, d) => r.Next(d) - d / 2),
        new("long", DataType.Int64, (r, d) => r.Next(d) * 1_000_003L - 7),
        new("date", DataType.Date32, (r, d) => new DateOnly(2020, 1, 1).AddDays(r.Next(d))),
        new("decimal", DataType.Decimal(12, 2), (r, d) => r.Next(d) * 0.25m - 3m),
        new("double", DataType.Float64, (r, d) => r.Next(Math.Max(10, d)) switch { 0 => double.NaN, 1 => NaN2, 2 => -0.0, 3 => 0.0, _ => r.Next(d) * 0.5 }),
        new("short string", DataType.Utf8, (r, d) => r.Next(Math.Max(12, d)) == 0 ? "" : "s" + r.Next(d)),
        new("long string", DataType.Utf8, (r, d) => "a longer key " + r.Next(d)),
        new("bool", DataType.Boolean, (r, _) => r.Next(2) == 0),
        new("wide long", DataType.Int64, (r, d) => Spread(r.Next(d))),
    }.ToDictionary(k => k.Name);

    /// <summary>Key configurations: each type alone, and two-column keys (one of them too wide to pack into a word).</summary>
    public static TheoryData<string> KeyConfigs => new()
    {
        "int", "long", "date", "decimal", "double", "short string", "long string", "bool", "wide long",
        "int,short string", "wide long,wide long", "long string,date", "double,bool",
    };

    private static KeyKind[] Config(string config) => config.Split(',').Select(n => Kinds[n]).ToArray();

    private static readonly JoinType[] KeyedTypes =
        [JoinType.Inner, JoinType.LeftOuter, JoinType.RightOuter, JoinType.FullOuter, JoinType.LeftSemi, JoinType.LeftAnti];

    private static readonly double[] Densities = [0.0, 0.1, 0.5, 1.0];

    /// <summary>One side: key columns, a row id, an int64 payload and a string payload (each with some NULLs).</summary>
    private static ColumnBatch Side(char p, KeyKind[] keys, int rows, int domain, double nullDensity, int seed, Func<int, int, object?>? keyOverride = null)
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
            for (int k = 0; k < keys.Length; k++)
                row[k] = keyOverride is not null ? keyOverride(r, k) : rng.NextDouble() < nullDensity ? null : keys[k].Value(rng, domain);
            row[keys.Length] = r;
            row[keys.Length + 1] = rng.Next(10) == 0 ? null : (long)rng.Next(-50, 50);
            row[keys.Length + 2] = rng.Next(6) == 0 ? null : rng.Next(3) == 0 ? "payload string number " + rng.Next(1000) : "p" + rng.Next(100);
            data.Add(row);
        }
        return ColumnBatch.FromRows(new Schema(fields), data);
    }

    private static JoinSpec Spec(ColumnBatch l, ColumnBatch r, JoinType type, int keys, BuildSide build, Expr? residual = null)
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

    /// <summary>Null when the SIMD join gives the scalar join's rows (as a multiset); else the first difference.
    /// <paramref name="pairs"/> receives the scalar result's row count.</summary>
    private static string? Compare(ColumnBatch l, ColumnBatch r, JoinSpec spec, out int rows)
    {
        var expected = new HashJoinScalar().Join(l, r, spec);
        var actual = new HashJoinSimd().Join(l, r, spec);
        rows = expected.RowCount;
        string where = $"{spec.Type} build={spec.Build} left={l.RowCount} right={r.RowCount}";
        if (actual.Schema != spec.Output && !actual.Schema.Fields.SequenceEqual(spec.Output.Fields)) return $"{where}: wrong output schema";
        var e = Rows(expected);
        var a = Rows(actual);
        if (e.Count != a.Count) return $"{where}: expected {e.Count} rows, got {a.Count}";
        for (int i = 0; i < e.Count; i++)
            if (e[i] != a[i]) return $"{where}: row {i}: expected [{e[i]}], got [{a[i]}]";
        return null;
    }

    private static void AssertSame(ColumnBatch l, ColumnBatch r, JoinSpec spec, string context)
    {
        var diff = Compare(l, r, spec, out _);
        Assert.True(diff is null, $"{context}: {diff}");
    }

    private static readonly (int Left, int Right)[] SmallSizes = [(0, 0), (0, 9), (9, 0), (1, 1), (64, 64), (100, 37), (37, 100)];

    [Theory, MemberData(nameof(KeyConfigs))]
    public void Every_join_type_equals_scalar(string config)
    {
        var keys = Config(config);
        long matchedRows = 0;
        foreach (var density in Densities)
            foreach (var (nl, nr) in SmallSizes)
            {
                int domain = Math.Max(2, Math.Max(nl, nr) / 3);
                var l = Side('l', keys, nl, domain, density, seed: nl * 31 + (int)(density * 10));
                var r = Side('r', keys, nr, domain, density, seed: nr * 17 + 5 + (int)(density * 10));
                foreach (var type in KeyedTypes)
                    foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                    {
                        var diff = Compare(l, r, Spec(l, r, type, keys.Length, build), out int rows);
                        Assert.True(diff is null, $"{config}, NULL density {density}: {diff}");
                        if (type == JoinType.Inner) matchedRows += rows;
                    }
            }
        // Guards against a vacuous comparison: the inputs do have matching keys.
        Assert.True(matchedRows > 0, $"{config}: no inner join produced any row");
    }

    [Theory, MemberData(nameof(KeyConfigs))]
    public void Residual_conditions_equal_scalar(string config)
    {
        var keys = Config(config);
        Expr[] residuals =
        [
            new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv")),
            new BinaryExpr(BinaryOp.Or, new BinaryExpr(BinaryOp.GreaterThan, new BinaryExpr(BinaryOp.Add, new ColumnRef("lv"), new ColumnRef("rv")), Literal.Of(20L)),
                new BinaryExpr(BinaryOp.Equal, new ColumnRef("lid"), new ColumnRef("rid"))),
            new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("rv"), Literal.Of(0L)),
            new BinaryExpr(BinaryOp.LessThan, new ColumnRef("ls"), new ColumnRef("rs")),
            // Semi and anti joins answer these from each key's smallest and largest build value (int64 with NULLs, int32).
            new BinaryExpr(BinaryOp.NotEqual, new ColumnRef("lv"), new ColumnRef("rv")),
            new BinaryExpr(BinaryOp.NotEqual, new ColumnRef("rid"), new ColumnRef("lid")),
        ];
        foreach (var density in new[] { 0.0, 0.1, 1.0 })
            foreach (var (nl, nr) in SmallSizes)
            {
                int domain = Math.Max(2, Math.Max(nl, nr) / 4);
                var l = Side('l', keys, nl, domain, density, seed: 7 + nl);
                var r = Side('r', keys, nr, domain, density, seed: 9 + nr);
                foreach (var residual in residuals)
                    foreach (var type in KeyedTypes)
                        foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                            AssertSame(l, r, Spec(l, r, type, keys.Length, build, residual), $"{config}, density {density}, {residual}");
            }
    }

    public static TheoryData<int, int, string> MorselSizes => new()
    {
        { 65535, 1000, "int" }, { 65536, 1000, "long" }, { 65537, 1000, "long string" },
        { 131_073, 70_000, "int" }, { 70_000, 65_537, "wide long,wide long" }, { 70_000, 2000, "short string" },
    };

    [Theory, MemberData(nameof(MorselSizes))]
    public void Sizes_around_the_morsel_equal_scalar(int nl, int nr, string config)
    {
        var keys = Config(config);
        var l = Side('l', keys, nl, nl / 2, 0.05, seed: nl);
        var r = Side('r', keys, nr, nl / 2, 0.05, seed: nr);
        foreach (var type in new[] { JoinType.Inner, JoinType.FullOuter, JoinType.LeftSemi, JoinType.LeftAnti })
            foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                AssertSame(l, r, Spec(l, r, type, keys.Length, build), config);
        var residual = new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"));
        foreach (var type in new[] { JoinType.LeftOuter, JoinType.RightOuter, JoinType.LeftAnti })
            AssertSame(l, r, Spec(l, r, type, keys.Length, BuildSide.Right, residual), $"{config} with residual");
        var different = new BinaryExpr(BinaryOp.NotEqual, new ColumnRef("lv"), new ColumnRef("rv"));
        foreach (var type in new[] { JoinType.LeftSemi, JoinType.LeftAnti })
            AssertSame(l, r, Spec(l, r, type, keys.Length, BuildSide.Right, different), $"{config} with a different-value residual");
    }

    [Theory]
    [InlineData("int"), InlineData("long string"), InlineData("wide long,wide long"), InlineData("double,bool")]
    public void Probe_batches_joined_against_one_table_equal_the_scalar_join_of_the_whole_probe_side(string config)
    {
        // The streamed probe side: three batches over one set of columns, with selections (one of them sparse and
        // one empty batch), whose rows together are every probe row.
        var keys = Config(config);
        foreach (var density in new[] { 0.0, 0.2 })
        {
            var probe = Side('l', keys, 3000, 400, density, seed: 11);
            var build = Side('r', keys, 500, 400, density, seed: 12);
            int[] Where(Func<int, bool> keep) => Enumerable.Range(0, probe.RowCount).Where(keep).ToArray();
            var parts = new[]
            {
                probe.WithSelection(Where(i => i < 1000)),
                probe.WithSelection([]),
                probe.WithSelection(Where(i => i >= 1000 && i % 3 == 0)),
                probe.WithSelection(Where(i => i >= 1000 && i % 3 != 0)),
            };
            var cases = new (JoinType Type, BuildSide Build, Expr? Residual)[]
            {
                (JoinType.Inner, BuildSide.Right, null), (JoinType.Inner, BuildSide.Left, null), (JoinType.LeftOuter, BuildSide.Right, null),
                (JoinType.LeftSemi, BuildSide.Right, null), (JoinType.LeftAnti, BuildSide.Right, null),
                (JoinType.LeftOuter, BuildSide.Right, new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"))),
                (JoinType.LeftAnti, BuildSide.Right, new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"))),
            };
            foreach (var (type, side, residual) in cases)
            {
                // The probe side is the left input, except for an inner join that builds on the left.
                bool probeLeft = side == BuildSide.Right;
                var spec = probeLeft ? Spec(probe, build, type, keys.Length, side, residual) : Spec(build, probe, type, keys.Length, side, residual);
                Assert.True(spec.ProbeStreams, $"{type} build={side} should stream");
                var expected = probeLeft ? new HashJoinScalar().Join(probe, build, spec) : new HashJoinScalar().Join(build, probe, spec);
                var actual = new HashJoinSimd().JoinProbeBatches(build, parts, spec);
                Assert.Equal(parts.Length, actual.Count);
                var got = actual.SelectMany(Rows).Order(StringComparer.Ordinal).ToList();
                Assert.True(type == JoinType.LeftAnti || expected.RowCount > 0, $"{config} {type}: no rows to compare");
                Assert.Equal(Rows(expected), got);
            }
        }
    }

    [Theory]
    [InlineData("int"), InlineData("long string"), InlineData("wide long,wide long"), InlineData("double,bool")]
    public void Semi_and_anti_joins_that_build_on_the_left_mark_it_across_probe_batches_as_the_scalar_join(string config)
    {
        // The left side (under a selection) is the build table; the right side streams in four batches with
        // selections, one of them empty, and a left row's match may come from any of them.
        var keys = Config(config);
        // About 1,000 distinct keys, so that some left rows find no match (two wide columns combine their domains).
        int domain = config == "wide long,wide long" ? 32 : 1000;
        foreach (var density in new[] { 0.0, 0.2 })
        {
            var left = Side('l', keys, 700, domain, density, seed: 31);
            left = left.WithSelection(Enumerable.Range(0, left.RowCount).Where(i => i % 7 != 3).ToArray());
            var right = Side('r', keys, 1500, domain, density, seed: 32);
            int[] Where(Func<int, bool> keep) => Enumerable.Range(0, right.RowCount).Where(keep).ToArray();
            var parts = new[]
            {
                right.WithSelection(Where(i => i < 600)),
                right.WithSelection([]),
                right.WithSelection(Where(i => i >= 600 && i % 2 == 0)),
                right.WithSelection(Where(i => i >= 600 && i % 2 == 1)),
            };
            var residuals = new Expr?[]
            {
                null,
                new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv")),
                new BinaryExpr(BinaryOp.NotEqual, new ColumnRef("lv"), new ColumnRef("rv")),
            };
            foreach (var type in new[] { JoinType.LeftSemi, JoinType.LeftAnti })
                foreach (var residual in residuals)
                {
                    var spec = Spec(left, right, type, keys.Length, BuildSide.Left, residual);
                    Assert.True(spec.MarksBuildRows && !spec.ProbeStreams, $"{type} build=left should mark its build rows");
                    var expected = Rows(new HashJoinScalar().Join(left, right, spec));
                    Assert.True(expected.Count > 0 && expected.Count < left.RowCount, $"{config} {type} {residual}: {expected.Count} of {left.RowCount} rows kept");
                    Assert.Equal(expected, Rows(new HashJoinSimd().SemiJoinProbeBatches(left, parts, spec)));
                    // The interface's default (concatenate, then join once) is what the other paths run.
                    Assert.Equal(expected, Rows(((IHashJoinImpl)new HashJoinScalar()).SemiJoinProbeBatches(left, parts, spec)));
                }
        }
    }

    [Fact]
    public void A_small_left_build_sparse_in_its_key_range_marks_through_the_key_bitmap_as_the_scalar_join()
    {
        // 3,000 left keys over a 1-million range (a bitmap in front of the hash table) against 200,000 right rows
        // of which about 2% carry a left key, in three batches.
        var keys = Config("long");
        var rng = new Random(41);
        var pool = Enumerable.Range(0, 3000).Select(_ => (long)rng.Next(1_000_000)).ToArray();
        var left = Side('l', keys, 3000, 0, 0, seed: 42, keyOverride: (row, _) => row % 97 == 0 ? null : pool[row]);
        var right = Side('r', keys, 200_000, 0, 0, seed: 43, keyOverride: (row, _) => row % 50 == 0 ? pool[rng.Next(pool.Length)] : (long)rng.Next(1_000_000));
        var parts = new[] { (0, 70_000), (70_000, 140_000), (140_000, 200_000) }
            .Select(p => right.WithSelection(Enumerable.Range(p.Item1, p.Item2 - p.Item1).ToArray())).ToArray();
        foreach (var type in new[] { JoinType.LeftSemi, JoinType.LeftAnti })
        {
            var spec = Spec(left, right, type, 1, BuildSide.Left);
            var expected = Rows(new HashJoinScalar().Join(left, right, spec));
            Assert.InRange(expected.Count, 500, 2970);
            Assert.Equal(expected, Rows(new HashJoinSimd().SemiJoinProbeBatches(left, parts, spec)));
        }
    }

    [Fact]
    public void Marking_build_rows_is_refused_for_a_join_that_builds_on_the_right()
    {
        var keys = Config("int");
        var l = Side('l', keys, 10, 5, 0, seed: 1);
        var r = Side('r', keys, 10, 5, 0, seed: 2);
        var spec = Spec(l, r, JoinType.LeftSemi, 1, BuildSide.Right);
        Assert.False(spec.MarksBuildRows);
        var e = Assert.Throws<AccelException>(() => new HashJoinSimd().SemiJoinProbeBatches(r, [l], spec));
        Assert.Contains("does not mark build rows", e.Message);
    }

    [Fact]
    public void A_large_build_table_with_a_key_bitmap_in_front_equals_scalar()
    {
        // 60,000 build keys over a 2-million range: too wide to index directly, a hash table past 1 MiB, and a key
        // bitmap of 250 KB in front of it, so most probe rows (3% match) are turned away by the bitmap.
        var keys = Config("long");
        var rng = new Random(21);
        var build = Side('r', keys, 60_000, 0, 0, seed: 22, keyOverride: (_, _) => (long)rng.Next(2_000_000));
        var probe = Side('l', keys, 100_000, 0, 0, seed: 23, keyOverride: (row, _) => row % 50 == 0 ? null : (long)rng.Next(2_000_000));
        int matched = 0;
        foreach (var type in new[] { JoinType.Inner, JoinType.LeftOuter, JoinType.LeftSemi, JoinType.LeftAnti })
        {
            var diff = Compare(probe, build, Spec(probe, build, type, 1, BuildSide.Right), out int rows);
            Assert.True(diff is null, diff);
            if (type == JoinType.Inner) matched = rows;
        }
        Assert.InRange(matched, 1_000, 10_000);
    }

    [Theory]
    [InlineData("int"), InlineData("long")]
    public void Integer_keys_without_nulls_probe_by_their_values_through_a_key_bitmap_or_a_direct_array_as_scalar(string config)
    {
        // A probe key column without a validity bitmap is looked up by its values, not through encoded words: behind a
        // key bitmap (60,000 keys over a 2-million range) and in a direct array (300 keys over 3,000), with probe values
        // outside the build's range on both sides of it.
        var keys = Config(config);
        var rng = new Random(31);
        object Key(long v) => config == "int" ? (int)v : v;
        foreach (var (buildRows, range) in new[] { (60_000, 2_000_000), (300, 3_000) })
        {
            var build = Side('r', keys, buildRows, 0, 0, seed: 32, keyOverride: (_, _) => Key(rng.Next(range)));
            var probe = Side('l', keys, 100_000, 0, 0, seed: 33, keyOverride: (_, _) => Key(rng.Next(-range / 10, range + range / 10)));
            Assert.Null(probe.Columns[0].Validity);
            int matched = 0;
            foreach (var type in KeyedTypes)
            {
                var diff = Compare(probe, build, Spec(probe, build, type, 1, BuildSide.Right), out int rows);
                Assert.True(diff is null, $"{buildRows} build rows over {range}: {diff}");
                if (type == JoinType.Inner) matched = rows;
            }
            Assert.True(matched > 1_000, $"{buildRows} build rows over {range}: only {matched} matches");
        }
    }

    // The spec emitting only the columns at `emit` (ordinals of its full output).
    private static JoinSpec Emitting(JoinSpec spec, int[] emit) => spec with { Emit = emit, Output = new Schema(emit.Select(i => spec.Output[i])) };

    private static ColumnBatch Picked(ColumnBatch full, int[] emit) =>
        new(new Schema(emit.Select(i => full.Schema[i])), emit.Select(i => full.Columns[i]).ToArray(), full.PhysicalRows, full.Selection);

    [Theory]
    [InlineData("int"), InlineData("long"), InlineData("short string"), InlineData("long string,date"), InlineData("wide long,wide long")]
    public void A_join_emitting_some_columns_gives_the_full_join_with_only_those_columns(string config)
    {
        var keys = Config(config);
        int kc = keys.Length;
        var l = Side('l', keys, 700, 150, 0.1, seed: 21);
        var r = Side('r', keys, 300, 150, 0.1, seed: 22);
        int left = l.Schema.Count, right = r.Schema.Count;
        // A left payload and a right payload without the keys; only right columns; one left column; everything but the first.
        int[][] emits = [[kc + 1, left + kc + 2], Enumerable.Range(left, right).ToArray(), [kc + 2], Enumerable.Range(1, left + right - 1).ToArray()];
        foreach (var type in KeyedTypes)
            foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                foreach (var emit in emits)
                {
                    var full = Spec(l, r, type, kc, build);
                    var picked = emit.Where(i => i < full.Output.Count).ToArray();
                    if (picked.Length == 0) continue;
                    var spec = Emitting(full, picked);
                    var expected = Rows(Picked(new HashJoinScalar().Join(l, r, full), picked));
                    string where = $"{config} {type} build={build} emit=[{string.Join(",", picked)}]";
                    var simd = new HashJoinSimd().Join(l, r, spec);
                    Assert.Equal(spec.Output.Fields.Select(f => f.Name), simd.Schema.Fields.Select(f => f.Name));
                    Assert.True(expected.SequenceEqual(Rows(simd)), $"{where}: SIMD");
                    Assert.True(expected.SequenceEqual(Rows(new HashJoinScalar().Join(l, r, spec))), $"{where}: scalar");
                    if (spec.ProbeStreams)
                    {
                        var (buildBatch, probeBatch) = build == BuildSide.Left ? (l, r) : (r, l);
                        int half = probeBatch.RowCount / 2;
                        var halves = new[] { probeBatch.WithSelection(Enumerable.Range(0, half).ToArray()), probeBatch.WithSelection(Enumerable.Range(half, probeBatch.RowCount - half).ToArray()) };
                        var streamed = new HashJoinSimd().JoinProbeBatches(buildBatch, halves, spec);
                        Assert.True(expected.SequenceEqual(streamed.SelectMany(Rows).Order(StringComparer.Ordinal)), $"{where}: streamed");
                    }
                }
    }

    [Fact]
    public void Unique_build_keys_emitting_some_columns_pass_the_probe_side_through_or_keep_it_in_place()
    {
        // Every probe row matching once (the probe side passed through), and two of three matching (kept in place under
        // a selection): only the emitted columns come out, and the build columns among them are gathered.
        var keys = Config("long");
        int n = 70_000;
        var build = Side('r', keys, n, 0, 0.0, seed: 7, keyOverride: (row, _) => (long)row * 3);
        var every = Side('l', keys, 2 * n, 0, 0.0, seed: 8, keyOverride: (row, _) => (long)(row / 2) * 3);
        var most = Side('l', keys, 3 * n, 0, 0.0, seed: 9, keyOverride: (row, _) => row % 3 == 2 ? -1L : (long)(row / 3) * 3);
        foreach (var probe in new[] { every, most })
            foreach (var emit in new[] { new[] { 2 }, [1, 4 + 3], [4 + 1] })
            {
                var full = Spec(probe, build, JoinType.Inner, 1, BuildSide.Right);
                var spec = Emitting(full, emit);
                var expected = Rows(Picked(new HashJoinScalar().Join(probe, build, full), emit));
                Assert.True(expected.Count >= 2 * n, "too few rows to compare");
                var simd = new HashJoinSimd().Join(probe, build, spec);
                Assert.Equal(emit.Length, simd.Columns.Count);
                Assert.True(expected.SequenceEqual(Rows(simd)), $"probe of {probe.RowCount} rows, emit=[{string.Join(",", emit)}]");
            }
    }

    [Fact]
    public void Unique_build_keys_equal_scalar()
    {
        // A foreign-key join: each probe row matches at most one build row (the probe side may be passed through).
        var keys = Config("long");
        int n = 25_000;
        var perm = Enumerable.Range(0, n).OrderBy(i => (i * 7919L) % n).ToArray();
        var orders = Side('r', keys, n, 0, 0, seed: 1, keyOverride: (row, _) => (long)perm[row] * 4);
        var lines = Side('l', keys, 3 * n, 0, 0, seed: 2, keyOverride: (row, _) => (long)(row / 3) * 4);
        var partial = Side('l', keys, 3 * n, 0, 0, seed: 3, keyOverride: (row, _) => row % 5 == 0 ? null : (long)(row / 3) * 4 + row % 2);
        foreach (var type in KeyedTypes)
        {
            AssertSame(lines, orders, Spec(lines, orders, type, 1, BuildSide.Right), "every line matches");
            AssertSame(partial, orders, Spec(partial, orders, type, 1, BuildSide.Right), "some lines match");
            AssertSame(orders, partial, Spec(orders, partial, type, 1, BuildSide.Left), "orders on the left");
        }
    }

    [Fact]
    public void Unique_build_keys_with_most_probe_rows_matching_leave_the_probe_columns_in_place()
    {
        // Two of three probe rows match one build row each: the output keeps the probe columns under a selection and
        // gathers only the build columns (short and long strings, over several morsels and gather chunks).
        var keys = Config("long");
        int n = 60_000;
        var build = Side('r', keys, n, 0, 0.0, seed: 4, keyOverride: (row, _) => (long)row * 2);
        var probe = Side('l', keys, 3 * n, 0, 0.0, seed: 5, keyOverride: (row, _) => row % 3 == 2 ? -1L : (long)(row / 3) * 2 + (row % 3 == 1 && row % 7 == 0 ? 1 : 0));
        var spec = Spec(probe, build, JoinType.Inner, 1, BuildSide.Right);
        AssertSame(probe, build, spec, "most probe rows match");
        var result = new HashJoinSimd().Join(probe, build, spec);
        Assert.NotNull(result.Selection);
        Assert.Same(probe.Columns[2], result.Columns[2]);
        // Selections on both inputs map to their physical rows.
        var rng = new Random(6);
        var probeSel = probe.WithSelection(Enumerable.Range(0, 3 * n).Where(r => r % 3 != 2 || rng.Next(4) == 0).ToArray());
        var buildSel = build.WithSelection(Enumerable.Range(0, n).Where(r => r % 10 != 3).ToArray());
        foreach (var (p, b) in new[] { (probeSel, build), (probe, buildSel), (probeSel, buildSel) })
        {
            AssertSame(p, b, Spec(p, b, JoinType.Inner, 1, BuildSide.Right), "with selections, build right");
            AssertSame(b, p, Spec(b, p, JoinType.Inner, 1, BuildSide.Left), "with selections, build left");
        }
    }

    [Theory, MemberData(nameof(KeyConfigs))]
    public void Selection_vectors_equal_scalar(string config)
    {
        var keys = Config(config);
        var l = Side('l', keys, 300, 60, 0.1, seed: 11);
        var r = Side('r', keys, 200, 60, 0.1, seed: 12);
        var rng = new Random(13);
        var ls = l.WithSelection(Enumerable.Range(0, 300).Where(_ => rng.Next(3) != 0).ToArray());
        var rs = r.WithSelection(Enumerable.Range(0, 200).Where(_ => rng.Next(2) != 0).ToArray());
        var residual = new BinaryExpr(BinaryOp.LessThanOrEqual, new ColumnRef("lv"), new ColumnRef("rv"));
        foreach (var (a, b) in new[] { (ls, rs), (ls, r), (l, rs), (l.WithSelection([]), rs) })
            foreach (var type in KeyedTypes)
                foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
                {
                    AssertSame(a, b, Spec(a, b, type, keys.Length, build), $"{config} with selections");
                    AssertSame(a, b, Spec(a, b, type, keys.Length, build, residual), $"{config} with selections and a residual");
                }
    }

    [Fact]
    public void Many_to_many_residual_over_several_chunks_equals_scalar()
    {
        // 300 × 300 rows of one key: 90,000 candidate pairs, more than one residual chunk, split inside a probe row.
        var keys = Config("int");
        var l = Side('l', keys, 300, 0, 0, seed: 21, keyOverride: (row, _) => row % 50 == 0 ? 2 : 1);
        var r = Side('r', keys, 300, 0, 0, seed: 22, keyOverride: (row, _) => row % 40 == 0 ? 3 : 1);
        var residual = new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"));
        foreach (var type in KeyedTypes)
            foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
            {
                AssertSame(l, r, Spec(l, r, type, 1, build), "many to many");
                AssertSame(l, r, Spec(l, r, type, 1, build, residual), "many to many with a residual");
            }
    }

    [Fact]
    public void A_small_build_sparse_in_its_key_range_probes_through_a_key_bitmap_as_scalar()
    {
        // 300 build keys spread over a 450,000-value range (too wide for a direct array, narrow enough for an L2 bitmap
        // in front of the hash table); the probe has NULL keys, hits and misses, and crosses a morsel boundary.
        var schema = (char side) => new Schema([new Field(side + "k", DataType.Int64), new Field(side + "v", DataType.Int32)]);
        var rng = new Random(5);
        var build = ColumnBatch.FromRows(schema('r'), Enumerable.Range(0, 300).Select(i => new object?[] { i * 1500L + 7, i }).ToList());
        var probe = ColumnBatch.FromRows(schema('l'), Enumerable.Range(0, 70_000).Select(i => new object?[]
        {
            rng.Next(50) == 0 ? null : rng.Next(4) == 0 ? rng.Next(300) * 1500L + 7 : (long)rng.Next(450_000), i,
        }).ToList());
        foreach (var type in KeyedTypes)
            AssertSame(probe, build, Spec(probe, build, type, 1, BuildSide.Right), $"{type}");
    }

    [Fact]
    public void Cross_and_keyless_joins_equal_scalar()
    {
        var keys = Config("int");
        var residual = new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"));
        foreach (var (nl, nr) in new[] { (0, 5), (5, 0), (1, 1), (3, 4), (60, 70), (300, 301) })
        {
            var l = Side('l', keys, nl, 10, 0.1, seed: nl);
            var r = Side('r', keys, nr, 10, 0.1, seed: nr + 1);
            foreach (var build in new[] { BuildSide.Left, BuildSide.Right })
            {
                if (nl * nr < 10_000) AssertSame(l, r, Spec(l, r, JoinType.Cross, 0, build), "cross");
                AssertSame(l, r, Spec(l, r, JoinType.Cross, 0, build, residual), "cross with a residual");
                foreach (var type in KeyedTypes)
                    AssertSame(l, r, Spec(l, r, type, 0, build, residual), "keyless with a residual");
            }
        }
    }

    [Fact]
    public void Output_keeps_probe_order_with_build_order_within_a_key()
    {
        var keys = Config("int");
        var l = Side('l', keys, 50, 8, 0.1, seed: 31);
        var r = Side('r', keys, 40, 8, 0.1, seed: 32);
        var spec = Spec(l, r, JoinType.Inner, 1, BuildSide.Right);
        var expected = new HashJoinScalar().Join(l, r, spec);
        var actual = new HashJoinSimd().Join(l, r, spec);
        Assert.Equal(expected.Rows().Select(x => $"{x[1]}:{x[5]}"), actual.Rows().Select(x => $"{x[1]}:{x[5]}"));
    }

    [Fact]
    public void Mismatched_key_types_throw()
    {
        var l = Side('l', Config("int"), 10, 5, 0, seed: 1);
        var r = Side('r', Config("long"), 10, 5, 0, seed: 2);
        var ex = Assert.Throws<AccelException>(() => new HashJoinSimd().Join(l, r, Spec(l, r, JoinType.Inner, 1, BuildSide.Right)));
        Assert.Contains("type", ex.Message);
    }

    [Fact]
    public void CanRun_declines_what_it_cannot_run_with_a_reason()
    {
        var l = Side('l', Config("int"), 4, 5, 0, seed: 1);
        var r = Side('r', Config("int"), 4, 5, 0, seed: 2);
        var env = new ExecEnvironment(8);
        var join = new HashJoinSimd();
        Assert.True(join.CanRun(Spec(l, r, JoinType.Inner, 1, BuildSide.Right, new BinaryExpr(BinaryOp.LessThan, new ColumnRef("lv"), new ColumnRef("rv"))), env).CanRun);

        Assert.True(join.CanRun(Spec(l, r, JoinType.LeftOuter, 1, BuildSide.Right, new BinaryExpr(BinaryOp.Equal, new ColumnRef("ls"), new ColumnRef("rs"))), env).CanRun);

        var split = new FunctionCall("split", [new ColumnRef("rs"), Literal.Of(",")]);
        var pair = new Literal(new object?[] { "a", "b" }, DataType.ArrayOf(DataType.Utf8));
        var arrayLiteral = join.CanRun(Spec(l, r, JoinType.LeftOuter, 1, BuildSide.Right,
            new BinaryExpr(BinaryOp.GreaterThan, new FunctionCall("size", [new FunctionCall("coalesce", [split, pair])]), new ColumnRef("lv"))), env);
        Assert.False(arrayLiteral.CanRun);
        Assert.Contains("join condition: a array<string> literal has no SIMD kernel", arrayLiteral.Reason);

        var arrays = new Schema([new Field("tags", DataType.ArrayOf(DataType.Int32))]);
        var arrayKeys = join.CanRun(new JoinSpec(arrays, arrays, JoinType.Inner, [0], [0], null, BuildSide.Right, false, new Schema([.. arrays.Fields, .. arrays.Fields])), env);
        Assert.False(arrayKeys.CanRun);
        Assert.Contains("tags", arrayKeys.Reason);
    }

    [Fact]
    public void Estimate_is_below_the_scalar_join_for_large_inputs()
    {
        var l = Side('l', Config("int"), 1, 5, 0, seed: 1);
        var r = Side('r', Config("int"), 1, 5, 0, seed: 2);
        var spec = Spec(l, r, JoinType.Inner, 1, BuildSide.Right);
        var env = new ExecEnvironment(10_000_000);
        Assert.True(new HashJoinSimd().Estimate(spec, env).TotalMs < new HashJoinScalar().Estimate(spec, env).TotalMs);
    }
}
