using Accel.Data;
using Accel.Execution;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD sort against the scalar sort: the same rows in the same order (stability included) for
/// every key type, direction, null placement, multi-key combination, size and limit.</summary>
public class SortSimdTests
{
    private static readonly Schema S = DifferentialCases.Schema;

    // The differential batch plus strings: short (exact words), long with shared 8-byte prefixes, empty, non-ASCII.
    private static ColumnBatch Batch(int rows, double density, int seed)
    {
        var b = DifferentialCases.Batch(rows, density, seed);
        var rng = new Random(seed);
        string[] words = ["", "a", "A", "AB", "é", "zz", "Customer#000000001", "Customer#000000010", "Customer#00000001", "Customer#", "special requests"];
        var strings = StringVector.From(Enumerable.Range(0, rows).Select(_ => rng.NextDouble() < density ? null : words[rng.Next(words.Length)]).ToList());
        var few = new PrimitiveVector<int>(DataType.Int32, Enumerable.Range(0, rows).Select(_ => rng.Next(3)).ToArray());
        return new ColumnBatch(new Schema(S.Fields.Append(new Field("s", DataType.Utf8)).Append(new Field("few", DataType.Int32))),
            b.Columns.Append(strings).Append(few).ToArray(), rows);
    }

    private static string? Compare(ColumnBatch batch, IReadOnlyList<SortKey> keys, int? limit = null)
    {
        var spec = new SortSpec(batch.Schema, keys, limit);
        var expected = new SortScalar().Sort(batch, spec).Rows().ToList();
        var actual = new SortSimd().Sort(batch, spec).Rows().ToList();
        if (expected.Count != actual.Count) return $"row counts {expected.Count} vs {actual.Count}";
        for (int i = 0; i < expected.Count; i++)
            if (!expected[i].SequenceEqual(actual[i], NaNEqual.Instance))
                return $"keys [{string.Join(", ", keys.Select(k => $"{batch.Schema[k.Ordinal].Name} asc={k.Ascending} nf={k.NullsFirst}"))}] limit={limit}: row {i}: expected {string.Join("|", expected[i])} got {string.Join("|", actual[i])}";
        return null;
    }

    private sealed class NaNEqual : IEqualityComparer<object?>
    {
        public static readonly NaNEqual Instance = new();
        public new bool Equals(object? a, object? b) => a is double x && b is double y ? x.Equals(y) : a is float f && b is float g ? f.Equals(g) : object.Equals(a, b);
        public int GetHashCode(object? o) => 0;
    }

    public static TheoryData<double> Densities => new() { 0.0, 0.1, 0.5, 1.0 };

    [Theory, MemberData(nameof(Densities))]
    public void Every_key_type_direction_and_null_placement_sorts_as_the_scalar_path(double density)
    {
        foreach (var n in new[] { 0, 1, 2, 63, 64, 65, 255, 256, 257 })
        {
            var batch = Batch(n, density, seed: 300 + n);
            for (int c = 0; c < batch.Schema.Count; c++)
                foreach (var asc in new[] { true, false })
                    foreach (var nf in new[] { true, false })
                        Assert.Null(Compare(batch, [new SortKey(c, asc, nf)]));
        }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Multi_key_sorts_keep_ties_in_input_order(double density)
    {
        var batch = Batch(3000, density, seed: 11);
        int O(string name) => batch.Schema.IndexOf(name);
        var combos = new SortKey[][]
        {
            [new(O("s"), true, true), new(O("i"), false, false)],
            [new(O("m"), false, true), new(O("dt"), true, true)],
            [new(O("few"), true, true)], // many ties: stability decides the order
            [new(O("few"), false, false), new(O("s"), true, false), new(O("d"), false, true)],
            [new(O("l"), true, false), new(O("g"), true, true)], // 64-bit ranges: the second key does not fit the word
            [new(O("ts"), false, true), new(O("f"), true, false), new(O("k"), true, true)],
            // A word per run of keys, least significant first (the double needs a word of its own).
            [new(O("few"), true, true), new(O("d"), false, false), new(O("i"), true, true)],
        };
        foreach (var keys in combos)
        {
            Assert.Null(Compare(batch, keys));
            Assert.Null(Compare(batch.WithSelection([.. Enumerable.Range(0, 3000).Where(i => i % 7 != 3)]), keys));
        }
    }

    [Theory, MemberData(nameof(Densities))]
    public void Long_string_keys_of_few_values_sort_by_rank_and_mostly_distinct_ones_by_comparison(double density)
    {
        // "Brand#NN" (8 bytes, 50 values, shared 7-byte prefixes) ranks; "Customer#" numbers are nearly all distinct.
        var rng = new Random(17);
        int n = 5000;
        string? Maybe(string v) => rng.NextDouble() < density * 0.5 ? null : v;
        var schema = new Schema([new Field("brand", DataType.Utf8), new Field("customer", DataType.Utf8), new Field("n", DataType.Int32)]);
        var batch = new ColumnBatch(schema, [
            StringVector.From(Enumerable.Range(0, n).Select(_ => Maybe($"Brand#{rng.Next(10, 60)}")).ToList()),
            StringVector.From(Enumerable.Range(0, n).Select(_ => Maybe($"Customer#{rng.Next(1, 4 * n):D9}")).ToList()),
            new PrimitiveVector<int>(DataType.Int32, [.. Enumerable.Range(0, n).Select(_ => rng.Next(4))]),
        ], n);
        foreach (var keys in new SortKey[][]
        {
            [new(0, true, true)], [new(2, false, false), new(0, false, true), new(1, true, false)],
            [new(1, false, false)], [new(1, true, true), new(0, true, true)], [new(0, true, false), new(2, true, true)],
        })
        {
            Assert.Null(Compare(batch, keys));
            Assert.Null(Compare(batch, keys, limit: 20));
            Assert.Null(Compare(batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 0)]), keys));
        }
    }

    [Fact]
    public void Top_n_returns_the_first_rows_of_the_full_order()
    {
        var batch = Batch(5000, 0.1, seed: 5);
        int O(string name) => batch.Schema.IndexOf(name);
        foreach (var limit in new[] { 0, 1, 10, 4999, 5000, 6000 })
        {
            Assert.Null(Compare(batch, [new SortKey(O("few"), true, true)], limit));
            Assert.Null(Compare(batch, [new SortKey(O("s"), false, true), new SortKey(O("l"), true, false)], limit));
            Assert.Null(Compare(batch, [new SortKey(O("d"), true, false)], limit));
        }
    }

    [Fact]
    public void A_large_sort_matches_and_array_keys_are_declined()
    {
        var batch = Batch(100_000, 0.05, seed: 9);
        Assert.Null(Compare(batch, [new SortKey(batch.Schema.IndexOf("g"), true, true), new SortKey(batch.Schema.IndexOf("i"), false, false)]));
        var arrays = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32))]);
        var support = new SortSimd().CanRun(new SortSpec(arrays, [new SortKey(0, true, true)]), new ExecEnvironment(10));
        Assert.False(support.CanRun);
        Assert.Contains("sorting by a array<int>", support.Reason);
    }
}
