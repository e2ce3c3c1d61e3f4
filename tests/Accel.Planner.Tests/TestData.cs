using Accel.Data;

namespace Accel.Tests;

/// <summary>Seeded tables with nulls, shared by the DataFrame tests.</summary>
public static class TestData
{
    /// <summary>A fact table: id, k (small int key, nulls), g (string key, nulls), x (bigint), v (double, nulls), d (date), amt (decimal(10,2)), s (string).</summary>
    public static readonly Schema FactSchema = new([
        new Field("id", DataType.Int64, false),
        new Field("k", DataType.Int32),
        new Field("g", DataType.Utf8),
        new Field("x", DataType.Int64),
        new Field("v", DataType.Float64),
        new Field("d", DataType.Date32),
        new Field("amt", DataType.Decimal(10, 2)),
        new Field("s", DataType.Utf8),
    ]);

    /// <summary>Rows of the fact table.</summary>
    public static List<object?[]> Fact(int n, int seed = 7)
    {
        var rng = new Random(seed);
        string[] groups = ["alpha", "beta", "gamma", "delta", "Épsilon"];
        string[] words = ["a b", "c", "d e f", "", "g"];
        var start = new DateOnly(2023, 12, 25);
        var rows = new List<object?[]>(n);
        for (int i = 0; i < n; i++)
        {
            rows.Add([
                (long)i,
                rng.Next(10) == 0 ? null : rng.Next(-3, 12),
                rng.Next(8) == 0 ? null : groups[rng.Next(groups.Length)],
                (long)rng.Next(-1000, 1000) * 1_000_003L,
                rng.Next(6) == 0 ? null : Math.Round(rng.NextDouble() * 200 - 50, 3),
                start.AddDays(rng.Next(400)),
                rng.Next(9) == 0 ? null : Math.Round((decimal)(rng.NextDouble() * 10000 - 2000), 2),
                rng.Next(7) == 0 ? null : words[rng.Next(words.Length)] + " " + i % 13,
            ]);
        }
        return rows;
    }

    /// <summary>A dimension table keyed by k (with a duplicate key and a null key).</summary>
    public static readonly Schema DimSchema = new([
        new Field("k", DataType.Int32),
        new Field("name", DataType.Utf8),
        new Field("weight", DataType.Float64),
    ]);

    /// <summary>Rows of the dimension table.</summary>
    public static List<object?[]> Dim() =>
    [
        [0, "zero", 0.5], [1, "one", 1.5], [2, "two", null], [3, "three", 3.5], [3, "three-bis", 3.25],
        [5, "five", 5.5], [7, null, 7.5], [20, "twenty", 20.5], [null, "nothing", 9.0],
    ];
}
