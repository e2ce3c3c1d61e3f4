using Accel.Data;
using Accel.Sql;

namespace Accel.Cli;

/// <summary>A deterministic small retail dataset: a sales fact table (Parquet) and a stores dimension (CSV).</summary>
public static class DemoData
{
    private static readonly string[] s_categories = ["grocery", "electronics", "garden", "toys", "books", "clothing", "sports", "beauty"];
    private static readonly string[] s_tags = ["promo", "online", "loyalty", "gift", "bulk"];
    private static readonly string[] s_regions = ["north", "south", "east", "west"];

    /// <summary>Writes sales.parquet and stores.csv under <paramref name="dir"/>; returns their paths.</summary>
    public static (string Sales, string Stores) Write(AccelSession session, string dir, int rows, int seed = 42)
    {
        Directory.CreateDirectory(dir);
        var rng = new Random(seed);
        var schema = new Schema([
            new Field("order_id", DataType.Int64, false),
            new Field("store_id", DataType.Int32, false),
            new Field("order_date", DataType.Date32, false),
            new Field("category", DataType.Utf8),
            new Field("quantity", DataType.Int32),
            new Field("list_price", DataType.Float64),
            new Field("discount", DataType.Float64),
            new Field("amount", DataType.Decimal(12, 2)),
            new Field("tags", DataType.Utf8),
        ]);
        var start = new DateOnly(2023, 1, 1);
        var data = new List<object?[]>(rows);
        for (int i = 0; i < rows; i++)
        {
            int qty = 1 + rng.Next(30);
            double price = Math.Round(1 + rng.NextDouble() * 199, 2);
            double discount = rng.Next(11) / 100.0;
            data.Add([
                (long)i,
                1 + rng.Next(50),
                start.AddDays(rng.Next(730)),
                rng.Next(50) == 0 ? null : s_categories[rng.Next(s_categories.Length)],
                rng.Next(100) == 0 ? null : qty,
                price,
                discount,
                Math.Round((decimal)price * qty * (1 - (decimal)discount), 2),
                string.Join(";", s_tags.Where(_ => rng.Next(3) == 0)),
            ]);
        }
        var salesPath = Path.Combine(dir, "sales.parquet");
        session.CreateDataFrame(data, schema).Write().Mode("overwrite").Parquet(salesPath);

        var storeSchema = new Schema([new Field("store_id", DataType.Int32, false), new Field("region", DataType.Utf8), new Field("sqft", DataType.Int32)]);
        var stores = Enumerable.Range(1, 50).Select(s => new object?[] { s, s_regions[s % s_regions.Length], 1000 + 37 * s }).ToList();
        var storesPath = Path.Combine(dir, "stores.csv");
        session.CreateDataFrame(stores, storeSchema).Write().Mode("overwrite").Option("header", "true").Csv(storesPath);
        return (salesPath, storesPath);
    }
}
