using System.Diagnostics;
using Accel.Data;
using Accel.Sql;
using static Accel.Sql.Functions;

namespace Accel.Cli;

/// <summary>`accel demo`: generates a small sales dataset, runs DataFrame queries, prints results and plans.</summary>
public static class DemoCommand
{
    /// <summary>Runs the demo.</summary>
    public static int Run(string[] args)
    {
        int rows = int.Parse(CommandLine.Option(args, "--rows", "200000")!);
        var dir = CommandLine.Option(args, "--out", Path.Combine(Path.GetTempPath(), "accel-demo"))!;
        var path = CommandLine.Option(args, "--path", "auto")!;

        var spark = AccelSession.Builder().AppName("accel-demo").Config("accel.path", path).GetOrCreate();
        Console.WriteLine($"Accel demo: {rows:N0} sales rows, accel.path={path}, data in {dir}");
        var sw = Stopwatch.StartNew();
        var (salesPath, storesPath) = DemoData.Write(spark, dir, rows);
        Console.WriteLine($"generated {salesPath} and {storesPath} in {sw.ElapsedMilliseconds} ms\n");

        var sales = spark.Read().Parquet(salesPath);
        var stores = spark.Read().Option("header", "true").Option("inferSchema", "true").Csv(storesPath);
        sales.PrintSchema();

        Step("1. Revenue per store in 2024 for orders of 3+ items (filter, arithmetic, grouped aggregate)",
            sales.Filter(Col("order_date") >= Lit(new DateOnly(2024, 1, 1)) & Col("quantity") > 2)
                 .WithColumn("revenue", Col("quantity") * Col("list_price") * (Lit(1.0) - Col("discount")))
                 .GroupBy("store_id")
                 .Agg(Sum("revenue").Alias("revenue"), Count(Lit(1)).Alias("orders"), Avg("discount").Alias("avg_discount"), Max("quantity").Alias("max_qty"))
                 .OrderBy(Col("revenue").Desc())
                 .Limit(5));

        Step("2. Forecast revenue change from discounts (TPC-H Q6 shape: global aggregate over a selective filter)",
            sales.Filter(Col("order_date").Between(Lit(new DateOnly(2024, 1, 1)), Lit(new DateOnly(2024, 12, 31)))
                         & Col("discount").Between(0.05, 0.07) & Col("quantity") < 24)
                 .Agg(Sum(Col("list_price") * Col("discount")).Alias("revenue_change"), Count(Lit(1)).Alias("orders")));

        Step("3. Top categories by decimal amount (string keys, decimals: the scalar path, and the plan says why)",
            sales.GroupBy("category")
                 .Agg(Sum("amount").Alias("amount"), CountDistinct("store_id").Alias("stores"), Round(Avg("amount"), 2).Alias("avg_amount"))
                 .OrderBy(Col("amount").Desc())
                 .Limit(5));

        Step("4. Orders per region and tag (broadcast join with the stores dimension, split + explode)",
            sales.Filter(Col("order_id") < 20000)
                 .Join(Broadcast(stores), sales["store_id"] == stores["store_id"])
                 .Select(Col("region"), Explode(Split(Col("tags"), ";")).Alias("tag"))
                 .GroupBy("region", "tag").Count()
                 .OrderBy(Col("count").Desc(), Col("region").Asc(), Col("tag").Asc())
                 .Limit(6));

        Console.WriteLine("== EXPLAIN ANALYZE of query 1 ==");
        var q1 = sales.Filter(Col("order_date") >= Lit(new DateOnly(2024, 1, 1)) & Col("quantity") > 2)
            .WithColumn("revenue", Col("quantity") * Col("list_price") * (Lit(1.0) - Col("discount")))
            .GroupBy("store_id").Agg(Sum("revenue").Alias("revenue"));
        Console.WriteLine(q1.ExplainString(analyze: true));
        return 0;
    }

    private static void Step(string title, DataFrame df)
    {
        Console.WriteLine($"== {title} ==");
        var sw = Stopwatch.StartNew();
        var table = df.ShowString();
        sw.Stop();
        Console.Write(table);
        Console.WriteLine($"({sw.ElapsedMilliseconds} ms)");
        Console.WriteLine(df.ExplainString());
    }
}
