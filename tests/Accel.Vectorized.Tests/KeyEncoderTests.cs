using Accel.Data;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>Key words are equal exactly when the keys are, across parts, whichever order the parts come in and however
/// often a column has been encoded before (long strings take dictionary codes that their column keeps).</summary>
public sealed class KeyEncoderTests
{
    private static StringVector Strings(int rows, int distinct, int seed)
    {
        var rng = new Random(seed);
        var b = ColumnBuilder.Create(DataType.Utf8, rows);
        for (int i = 0; i < rows; i++) b.Append(rng.Next(9) == 0 ? null : "a key longer than seven bytes " + rng.Next(distinct));
        return (StringVector)b.Build();
    }

    private static List<(string? Key, long[] Word)> Encoded(KeyEncoder enc, IReadOnlyList<StringVector> parts)
    {
        var rows = new List<(string?, long[])>();
        for (int p = 0; p < parts.Count; p++)
        {
            var words = new long[parts[p].Length * enc.Words];
            enc.Encode(p, 0, parts[p].Length, words);
            for (int i = 0; i < parts[p].Length; i++) rows.Add(((string?)parts[p].GetValue(i), words.AsSpan(i * enc.Words, enc.Words).ToArray()));
        }
        return rows;
    }

    private static void AssertEqualExactlyWhenKeysAre(List<(string? Key, long[] Word)> rows)
    {
        var byKey = rows.GroupBy(r => r.Key ?? "\0NULL").ToDictionary(g => g.Key, g => g.Select(r => string.Join(",", r.Word)).Distinct().ToList());
        Assert.All(byKey, kv => Assert.Single(kv.Value));
        Assert.Equal(byKey.Count, byKey.Values.Select(v => v[0]).Distinct().Count());
    }

    [Fact]
    public void Long_string_keys_code_alike_across_parts_and_repeated_encodings()
    {
        var a = Strings(5000, 300, seed: 1);
        var b = Strings(3000, 500, seed: 2);
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[a], [b]]), [a, b]));
        // Again, from the columns' kept dictionaries, in the other order and with a column twice.
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[b], [a]]), [b, a]));
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[a], [b], [a]]), [a, b, a]));
    }

    private static StringVector Values(params string?[] values)
    {
        var b = ColumnBuilder.Create(DataType.Utf8, values.Length);
        foreach (var v in values) b.Append(v);
        return (StringVector)b.Build();
    }

    [Fact]
    public void One_byte_flags_code_alike_with_longer_short_strings_and_alone()
    {
        // Flag columns (every string one byte) take their own loop; their codes must match a part of longer strings,
        // whatever the code width, and their range (kept with the column) must hold at each width asked for.
        var rng = new Random(3);
        var flags = Values([.. Enumerable.Range(0, 4000).Select(_ => "ANRF"[rng.Next(4)].ToString())]);
        var mixed = Values("A", "N", "", null, "AB", "RF", "F", "NNNNNNN", "R");
        var slice = (StringVector)flags.Slice(1000, 2000);
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[flags]]), [flags]));
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[flags], [mixed], [slice]]), [flags, mixed, slice]));
        AssertEqualExactlyWhenKeysAre(Encoded(new KeyEncoder([[slice], [flags]]), [slice, flags]));
        var alone = new KeyEncoder([[flags]]);
        Assert.True(alone.Packed);
        Assert.True(alone.Cardinality <= 256, $"one-byte flags pack into {alone.Cardinality} codes");
    }

    private static ColumnVector Column(DataType type, int rows, int seed, double nulls, Func<Random, object> value)
    {
        var rng = new Random(seed);
        var b = ColumnBuilder.Create(type, rows);
        for (int i = 0; i < rows; i++) b.Append(rng.NextDouble() < nulls ? null : value(rng));
        return b.Build();
    }

    [Theory]
    [InlineData("int"), InlineData("long"), InlineData("int with nulls"), InlineData("short string"), InlineData("long string"), InlineData("int,short string,int with nulls")]
    public void Keys_encoded_at_chosen_rows_are_the_words_of_those_rows(string config)
    {
        // A sparse morsel's survivors encode alone; their words must be the ones the whole morsel's encoding gives them.
        ColumnVector Make(string kind, int rows, int seed) => kind switch
        {
            "int" => Column(DataType.Int32, rows, seed, 0, r => r.Next(-500, 500)),
            "long" => Column(DataType.Int64, rows, seed, 0, r => r.NextInt64(-1_000_000, 1_000_000)),
            "int with nulls" => Column(DataType.Int32, rows, seed, 0.2, r => r.Next(100)),
            "short string" => Column(DataType.Utf8, rows, seed, 0.1, r => "k" + r.Next(300)),
            _ => Column(DataType.Utf8, rows, seed, 0.1, r => "a key longer than seven bytes " + r.Next(300)),
        };
        var kinds = config.Split(',');
        ColumnVector[] Part(int rows, int seed) => kinds.Select((k, i) => Make(k, rows, seed * 10 + i)).ToArray();
        var enc = new KeyEncoder([Part(3000, 1), Part(1000, 2)]);
        Assert.True(enc.Packed);
        var rng = new Random(4);
        foreach (var (part, start, count) in new[] { (0, 0, 3000), (0, 1000, 1500), (1, 17, 900), (1, 0, 0) })
        {
            var all = new long[count];
            enc.Encode(part, start, count, all);
            foreach (double share in new[] { 0.0, 0.03, 0.5, 1.0 })
            {
                var rows = Enumerable.Range(0, count).Where(_ => rng.NextDouble() < share).ToArray();
                var words = new long[rows.Length];
                enc.EncodeAt(part, start, count, rows, words);
                Assert.Equal(rows.Select(r => all[r]), words);
            }
        }
    }

    [Fact]
    public void Encoding_at_chosen_rows_needs_packed_keys()
    {
        var wide = Column(DataType.Int64, 10, 5, 0, r => r.NextInt64());
        var enc = new KeyEncoder([[wide, wide]]);
        Assert.False(enc.Packed);
        Assert.Throws<InvalidOperationException>(() => enc.EncodeAt(0, 0, 10, [1, 2], new long[2]));
    }
}
