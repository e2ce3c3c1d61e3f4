using System.Text.RegularExpressions;
using Accel.Data;
using Accel.IO;
using Accel.IO.Generators;

namespace Accel.Tests;

/// <summary>The eight TPC-H tables at SF 0.01, generated once for all TPC-H tests.</summary>
public sealed class TpchData
{
    public const double Sf = 0.01;
    public Dictionary<string, ColumnBatch> Tables { get; } = TpchGenerator.TableNames.ToDictionary(
        t => t, t => ColumnBatch.Concat(TpchGenerator.SchemaOf(t), TpchGenerator.Generate(t, Sf, batchRows: 4096).ToList()));

    public long[] Longs(string table, string column) => Typed<long>(table, column);
    public int[] Ints(string table, string column) => Typed<int>(table, column);

    public string[] Strings(string table, string column)
    {
        var b = Tables[table];
        var v = (StringVector)b[b.Schema.Require(column)];
        return Enumerable.Range(0, v.Length).Select(i => v.GetString(i)!).ToArray();
    }

    private T[] Typed<T>(string table, string column) where T : unmanaged
    {
        var b = Tables[table];
        var v = (PrimitiveVector<T>)b[b.Schema.Require(column)];
        Assert.Null(v.Validity);
        return v.Span.ToArray();
    }
}

/// <summary>TPC-H and h2o db-benchmark generators: sizes, key relationships, the specification's value
/// rules, determinism, NULL shares, files written and read back, and the errors bad arguments raise.</summary>
public sealed class GeneratorTests(TpchData data) : IClassFixture<TpchData>, IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-gen-").FullName;
    private static readonly int CurrentDay = ValueConversions.FromDate(new DateOnly(1995, 6, 17));

    public void Dispose() => Directory.Delete(_dir, true);

    [Fact]
    public void Tpch_cardinalities_follow_the_scale_factor()
    {
        var rows = data.Tables.ToDictionary(t => t.Key, t => t.Value.RowCount);
        Assert.Equal(5, rows["region"]);
        Assert.Equal(25, rows["nation"]);
        Assert.Equal(2_000, rows["part"]);
        Assert.Equal(100, rows["supplier"]);
        Assert.Equal(8_000, rows["partsupp"]);
        Assert.Equal(1_500, rows["customer"]);
        Assert.Equal(15_000, rows["orders"]);
        // 1..7 lines per order: 4 on average, so 60000 give or take a few hundred.
        Assert.InRange(rows["lineitem"], 58_000, 62_000);
        foreach (var t in TpchGenerator.TableNames)
        {
            if (t != "lineitem") Assert.Equal(TpchGenerator.ExpectedRows(t, TpchData.Sf), rows[t]);
            Assert.All(TpchGenerator.SchemaOf(t).Fields, f => Assert.False(f.Nullable));
        }
        Assert.Equal(["r_regionkey", "r_name", "r_comment"], TpchGenerator.SchemaOf("region").Fields.Select(f => f.Name));
        Assert.Equal("decimal(15,2)", TpchGenerator.SchemaOf("lineitem").Fields.Single(f => f.Name == "l_extendedprice").Type.SqlName);
        Assert.Equal("date", TpchGenerator.SchemaOf("orders").Fields.Single(f => f.Name == "o_orderdate").Type.SqlName);
        Assert.Equal("int", TpchGenerator.SchemaOf("part").Fields.Single(f => f.Name == "p_size").Type.SqlName);
    }

    [Fact]
    public void Tpch_keys_relate_as_the_specification_says()
    {
        var orderKeys = data.Longs("orders", "o_orderkey");
        Assert.Equal(orderKeys.Length, orderKeys.Distinct().Count());
        // Sparse keys: only the first 8 of every 32 values, and the largest is 4 * orders.
        Assert.All(orderKeys, k => Assert.True(k % 32 < 8 && k > 0, $"order key {k} is not sparse"));
        Assert.Equal(60_000, orderKeys.Max());
        var orderSet = orderKeys.ToHashSet();
        Assert.All(data.Longs("lineitem", "l_orderkey"), k => Assert.Contains(k, orderSet));
        Assert.Equal(orderSet.Count, data.Longs("lineitem", "l_orderkey").Distinct().Count());

        var psPart = data.Longs("partsupp", "ps_partkey");
        var psSupp = data.Longs("partsupp", "ps_suppkey");
        var pairs = psPart.Zip(psSupp).ToHashSet();
        Assert.Equal(8_000, pairs.Count);
        Assert.All(psPart.GroupBy(p => p), g => Assert.Equal(4, g.Count()));
        Assert.All(psSupp, s => Assert.InRange(s, 1, 100));
        Assert.All(data.Longs("lineitem", "l_partkey").Zip(data.Longs("lineitem", "l_suppkey")), p => Assert.Contains(p, pairs));

        var custKeys = data.Longs("orders", "o_custkey");
        Assert.All(custKeys, c => { Assert.NotEqual(0, c % 3); Assert.InRange(c, 1, 1_500); });
        Assert.True(custKeys.Distinct().Count() > 900, "orders should spread over most of the ordering customers");
        Assert.All(data.Longs("supplier", "s_nationkey").Concat(data.Longs("customer", "c_nationkey")), n => Assert.InRange(n, 0, 24));
        Assert.Equal([0L, 1, 1, 1, 4, 0, 3, 3, 2, 2, 4, 4, 2, 4, 0, 0, 0, 1, 2, 3, 4, 2, 3, 3, 1], data.Longs("nation", "n_regionkey"));
        Assert.Equal("GERMANY", data.Strings("nation", "n_name")[7]);
    }

    [Fact]
    public void Tpch_lineitem_values_follow_the_specification()
    {
        var quantity = data.Longs("lineitem", "l_quantity");
        var price = data.Longs("lineitem", "l_extendedprice");
        var discount = data.Longs("lineitem", "l_discount");
        var tax = data.Longs("lineitem", "l_tax");
        var part = data.Longs("lineitem", "l_partkey");
        var line = data.Ints("lineitem", "l_linenumber");
        var ship = data.Ints("lineitem", "l_shipdate");
        var commit = data.Ints("lineitem", "l_commitdate");
        var receipt = data.Ints("lineitem", "l_receiptdate");
        var flag = data.Strings("lineitem", "l_returnflag");
        var status = data.Strings("lineitem", "l_linestatus");
        var orderKey = data.Longs("lineitem", "l_orderkey");
        var orderDate = data.Longs("orders", "o_orderkey").Zip(data.Ints("orders", "o_orderdate")).ToDictionary(p => p.First, p => p.Second);
        var retail = data.Longs("part", "p_partkey").Zip(data.Longs("part", "p_retailprice")).ToDictionary(p => p.First, p => p.Second);
        var modes = new HashSet<string> { "REG AIR", "AIR", "RAIL", "SHIP", "TRUCK", "MAIL", "FOB" };
        var instructions = new HashSet<string> { "DELIVER IN PERSON", "COLLECT COD", "NONE", "TAKE BACK RETURN" };
        var shipMode = data.Strings("lineitem", "l_shipmode");
        var shipInstruct = data.Strings("lineitem", "l_shipinstruct");
        var comment = data.Strings("lineitem", "l_comment");
        for (int i = 0; i < quantity.Length; i++)
        {
            Assert.InRange(quantity[i], 100, 5_000);
            Assert.Equal(0, quantity[i] % 100);
            Assert.InRange(discount[i], 0, 10);
            Assert.InRange(tax[i], 0, 8);
            Assert.InRange(line[i], 1, 7);
            Assert.Equal(quantity[i] / 100 * retail[part[i]], price[i]);
            int od = orderDate[orderKey[i]];
            Assert.InRange(ship[i] - od, 1, 121);
            Assert.InRange(commit[i] - od, 30, 90);
            Assert.InRange(receipt[i] - ship[i], 1, 30);
            Assert.Contains(flag[i], receipt[i] <= CurrentDay ? new[] { "R", "A" } : ["N"]);
            Assert.Equal(ship[i] > CurrentDay ? "O" : "F", status[i]);
            Assert.Contains(shipMode[i], modes);
            Assert.Contains(shipInstruct[i], instructions);
            Assert.InRange(comment[i].Length, 10, 43);
        }
        Assert.Equal(11, discount.Distinct().Count());
        Assert.Equal(50, quantity.Distinct().Count());
        Assert.Contains("R", flag);
        Assert.Contains("A", flag);
        Assert.Contains("N", flag);
        // Line numbers run 1..n within each order.
        Assert.All(orderKey.Zip(line).GroupBy(p => p.First), g => Assert.Equal(Enumerable.Range(1, g.Count()), g.Select(p => p.Second)));
    }

    [Fact]
    public void Tpch_orders_status_and_total_price_agree_with_their_lines()
    {
        var key = data.Longs("lineitem", "l_orderkey");
        var price = data.Longs("lineitem", "l_extendedprice");
        var discount = data.Longs("lineitem", "l_discount");
        var tax = data.Longs("lineitem", "l_tax");
        var status = data.Strings("lineitem", "l_linestatus");
        var lines = Enumerable.Range(0, key.Length).ToLookup(i => key[i]);
        var orderKeys = data.Longs("orders", "o_orderkey");
        var orderStatus = data.Strings("orders", "o_orderstatus");
        var total = data.Longs("orders", "o_totalprice");
        var date = data.Ints("orders", "o_orderdate");
        var first = ValueConversions.FromDate(new DateOnly(1992, 1, 1));
        var last = ValueConversions.FromDate(new DateOnly(1998, 8, 2));
        for (int o = 0; o < orderKeys.Length; o++)
        {
            var mine = lines[orderKeys[o]].ToArray();
            Assert.InRange(mine.Length, 1, 7);
            var expected = mine.All(i => status[i] == "F") ? "F" : mine.All(i => status[i] == "O") ? "O" : "P";
            Assert.Equal(expected, orderStatus[o]);
            decimal exact = mine.Sum(i => price[i] / 100m * (1 + tax[i] / 100m) * (1 - discount[i] / 100m));
            Assert.Equal(Math.Round(exact, 2, MidpointRounding.AwayFromZero), total[o] / 100m);
            Assert.InRange(date[o], first, last);
        }
        Assert.Equal(["F", "O", "P"], orderStatus.Distinct().Order());
        Assert.All(data.Strings("orders", "o_orderpriority"), p => Assert.Contains(p, new[] { "1-URGENT", "2-HIGH", "3-MEDIUM", "4-NOT SPECIFIED", "5-LOW" }));
        Assert.All(data.Strings("orders", "o_clerk"), c =>
        {
            Assert.Matches(@"^Clerk#\d{9}$", c);
            Assert.InRange(int.Parse(c[6..]), 1, 10);
        });
        Assert.All(data.Ints("orders", "o_shippriority"), p => Assert.Equal(0, p));
        // Q13 excludes these orders, so some must exist.
        Assert.Contains(data.Strings("orders", "o_comment"), c => Regex.IsMatch(c, "special.*requests"));
    }

    [Fact]
    public void Tpch_part_supplier_and_customer_values_follow_the_specification()
    {
        var keys = data.Longs("part", "p_partkey");
        var names = data.Strings("part", "p_name");
        var retail = data.Longs("part", "p_retailprice");
        for (int i = 0; i < keys.Length; i++)
        {
            var words = names[i].Split(' ');
            Assert.Equal(5, words.Distinct().Count());
            long k = keys[i];
            Assert.Equal(90_000 + k / 10 % 20_001 + 100 * (k % 1_000), retail[i]);
        }
        Assert.Contains(names, n => n.Contains("green"));
        Assert.Contains(names, n => n.StartsWith("forest"));
        Assert.True(names.SelectMany(n => n.Split(' ')).Distinct().Count() == 92, "p_name should use all 92 colour words");
        Assert.All(data.Strings("part", "p_mfgr").Zip(data.Strings("part", "p_brand")), p =>
        {
            Assert.Matches("^Manufacturer#[1-5]$", p.First);
            Assert.Matches("^Brand#[1-5][1-5]$", p.Second);
            Assert.Equal(p.First[^1], p.Second[6]);
        });
        Assert.All(data.Strings("part", "p_type"), t => Assert.Matches("^(STANDARD|SMALL|MEDIUM|LARGE|ECONOMY|PROMO) (ANODIZED|BURNISHED|PLATED|POLISHED|BRUSHED) (TIN|NICKEL|BRASS|STEEL|COPPER)$", t));
        Assert.All(data.Strings("part", "p_container"), t => Assert.Matches("^(SM|LG|MED|JUMBO|WRAP) (CASE|BOX|BAG|JAR|PACK|PKG|CAN|DRUM)$", t));
        Assert.Equal(150, data.Strings("part", "p_type").Distinct().Count());
        Assert.All(data.Ints("part", "p_size"), s => Assert.InRange(s, 1, 50));
        Assert.All(data.Ints("partsupp", "ps_availqty"), q => Assert.InRange(q, 1, 9_999));
        Assert.All(data.Longs("partsupp", "ps_supplycost"), c => Assert.InRange(c, 100, 100_000));

        foreach (var (table, p) in new[] { ("supplier", "s_"), ("customer", "c_") })
        {
            var nation = data.Longs(table, p + "nationkey");
            var phone = data.Strings(table, p + "phone");
            for (int i = 0; i < nation.Length; i++)
            {
                Assert.Matches(@"^\d\d-\d{3}-\d{3}-\d{4}$", phone[i]);
                Assert.Equal(nation[i] + 10, int.Parse(phone[i][..2]));
            }
            Assert.All(data.Longs(table, p + "acctbal"), b => Assert.InRange(b, -99_999, 999_999));
            Assert.All(data.Strings(table, p + "address"), a => Assert.InRange(a.Length, 10, 40));
        }
        Assert.Equal("Supplier#000000001", data.Strings("supplier", "s_name")[0]);
        Assert.Equal("Customer#000000042", data.Strings("customer", "c_name")[41]);
        Assert.Equal(["AUTOMOBILE", "BUILDING", "FURNITURE", "HOUSEHOLD", "MACHINERY"], data.Strings("customer", "c_mktsegment").Distinct().Order());
        // Q16 drops suppliers with complaints; the specification plants both phrases.
        var comments = data.Strings("supplier", "s_comment");
        Assert.Contains(comments, c => Regex.IsMatch(c, "Customer.*Complaints"));
        Assert.Contains(comments, c => Regex.IsMatch(c, "Customer.*Recommends"));
        Assert.All(comments, c => Assert.InRange(c.Length, 25, 100));
    }

    private static List<string> Render(IEnumerable<ColumnBatch> batches) =>
        batches.SelectMany(b => b.Rows()).Select(r => string.Join("|", r.Select(ValueConversions.Format))).ToList();

    [Fact]
    public void Tpch_generation_is_deterministic_for_a_seed_and_independent_of_batch_size()
    {
        foreach (var table in new[] { "lineitem", "supplier", "partsupp" })
        {
            var a = Render(TpchGenerator.Generate(table, 0.001, seed: 7));
            Assert.Equal(a, Render(TpchGenerator.Generate(table, 0.001, seed: 7, batchRows: 333)));
            var other = Render(TpchGenerator.Generate(table, 0.001, seed: 8));
            Assert.NotEqual(a, other);
        }
        Assert.NotEqual(Render(TpchGenerator.Generate("orders", 0.001, seed: 1)), Render(TpchGenerator.Generate("orders", 0.001, seed: 2)));
    }

    [Fact]
    public void Tpch_write_all_writes_every_table_that_reads_back_with_its_schema()
    {
        foreach (var format in new[] { "parquet", "csv", "arrow" })
        {
            var dir = Path.Combine(_dir, "tpch-" + format);
            var reports = new List<double>();
            var files = TpchGenerator.WriteAll(0.001, dir, format, new SyncProgress(reports.Add));
            Assert.Equal(TpchGenerator.TableNames, files.Select(f => f.Table));
            Assert.Equal(1.0, reports[^1]);
            Assert.Equal(reports.Order(), reports);
            foreach (var f in files)
            {
                var schema = TpchGenerator.SchemaOf(f.Table);
                Assert.Equal(Path.Combine(dir, f.Table + "." + format), f.Path);
                var options = new Dictionary<string, string> { ["header"] = "true" };
                var table = FileTable.Open(f.Path, format, options, format == "csv" ? schema : null);
                Assert.Equal(schema.Fields.Select(x => (x.Name, x.Type)), table.Schema.Fields.Select(x => (x.Name, x.Type)));
                var read = table.Read(null, [], new ScanMetrics()).ToList();
                Assert.Equal(f.Rows, read.Sum(b => (long)b.RowCount));
                if (f.Table is "orders" or "region")
                    Assert.Equal(Render(TpchGenerator.Generate(f.Table, 0.001)), Render(read));
            }
        }
    }

    [Fact]
    public void Tpch_bad_arguments_are_errors()
    {
        Assert.Contains("scale factor", Assert.Throws<AccelException>(() => TpchGenerator.Generate("orders", 0)).Message);
        Assert.Contains("scale factor", Assert.Throws<AccelException>(() => TpchGenerator.Generate("orders", double.NaN)).Message);
        Assert.Contains("unknown TPC-H table 'items'", Assert.Throws<AccelException>(() => TpchGenerator.Generate("items", 1)).Message);
        Assert.Contains("unknown TPC-H table", Assert.Throws<AccelException>(() => TpchGenerator.SchemaOf("items")).Message);
        Assert.Contains("unknown output format 'xml'", Assert.Throws<AccelException>(() => TpchGenerator.WriteAll(0.001, _dir, "xml")).Message);
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void H2o_groupby_has_k_groups_the_script_ranges_and_exact_null_shares()
    {
        var t = H2oGenerator.GenerateGroupBy(10_000, 100, 0, sorted: false);
        var b = ColumnBatch.Concat(t.Schema, t.Batches.ToList());
        Assert.Equal(10_000, b.RowCount);
        Assert.Equal(["id1", "id2", "id3", "id4", "id5", "id6", "v1", "v2", "v3"], b.Schema.Fields.Select(f => f.Name));
        var id1 = Strings(b, "id1");
        Assert.Equal(100, id1.Distinct().Count());
        Assert.All(id1, s => Assert.Matches("^id(0\\d\\d|100)$", s));
        Assert.All(Strings(b, "id3"), s => Assert.Matches("^id0000000(0\\d\\d|100)$", s));
        Assert.Equal(100, Ints(b, "id4").Distinct().Count());
        Assert.Equal(100, Ints(b, "id6").Max());
        Assert.Equal(Enumerable.Range(1, 5), Ints(b, "v1").Distinct().Order());
        Assert.Equal(Enumerable.Range(1, 15), Ints(b, "v2").Distinct().Order());
        var v3 = ((PrimitiveVector<double>)b[8]).Span.ToArray();
        Assert.All(v3, v => { Assert.InRange(v, 0, 100); Assert.Equal(Math.Round(v, 6), v); });
        Assert.All(b.Columns, c => Assert.Equal(0, c.NullCount));

        var withNulls = ColumnBatch.Concat(t.Schema, H2oGenerator.GenerateGroupBy(10_000, 100, 5, sorted: false, batchRows: 777).Batches.ToList());
        Assert.All(withNulls.Columns, c => Assert.Equal(500, c.NullCount));
    }

    [Fact]
    public void H2o_groupby_sorted_orders_by_the_ids_with_nulls_first()
    {
        var t = H2oGenerator.GenerateGroupBy(10_000, 10, 2, sorted: true, batchRows: 999);
        var rows = t.Batches.SelectMany(b => b.Rows()).ToList();
        Assert.Equal(10_000, rows.Count);
        static int Compare(object?[] a, object?[] b)
        {
            for (int c = 0; c < 6; c++)
            {
                int r = (a[c], b[c]) switch
                {
                    (null, null) => 0,
                    (null, _) => -1,
                    (_, null) => 1,
                    (string x, string y) => string.CompareOrdinal(x, y),
                    (int x, int y) => x.CompareTo(y),
                    _ => throw new InvalidOperationException(),
                };
                if (r != 0) return r;
            }
            return 0;
        }
        for (int i = 1; i < rows.Count; i++) Assert.True(Compare(rows[i - 1], rows[i]) <= 0, $"rows {i - 1} and {i} are out of order");
        Assert.Null(rows[0][0]);
        // Sorting reorders rows but keeps the data: the same multiset as the unsorted data set.
        var unsorted = H2oGenerator.GenerateGroupBy(10_000, 10, 2, sorted: false).Batches.SelectMany(b => b.Rows()).Select(r => string.Join("|", r.Select(ValueConversions.Format)));
        Assert.Equal(unsorted.Order(), rows.Select(r => string.Join("|", r.Select(ValueConversions.Format))).Order());
    }

    [Fact]
    public void H2o_join_tables_have_the_script_sizes_and_key_overlap()
    {
        var tables = H2oGenerator.GenerateJoin(10_000, 0);
        Assert.Equal(["x", "small", "medium", "big"], tables.Select(t => t.Name));
        var b = tables.ToDictionary(t => t.Name, t => ColumnBatch.Concat(t.Schema, t.Batches.ToList()));
        Assert.Equal(10_000, b["x"].RowCount);
        Assert.Equal(1, b["small"].RowCount);
        Assert.Equal(10, b["medium"].RowCount);
        Assert.Equal(10_000, b["big"].RowCount);
        Assert.All(tables, t => Assert.Equal(t.Rows, b[t.Name].RowCount));
        Assert.Equal(["id1", "id2", "id3", "id4", "id5", "id6", "v1"], b["x"].Schema.Fields.Select(f => f.Name));
        Assert.Equal(["id1", "id4", "v2"], b["small"].Schema.Fields.Select(f => f.Name));
        Assert.Equal(["id1", "id2", "id4", "id5", "v2"], b["medium"].Schema.Fields.Select(f => f.Name));

        // Each level's keys: unique on the right, all present on the left, and 90% shared.
        var x3 = Ints(b["x"], "id3");
        var big3 = Ints(b["big"], "id3");
        Assert.Equal(10_000, x3.Distinct().Count());
        Assert.Equal(10_000, big3.Distinct().Count());
        Assert.Equal(9_000, x3.Intersect(big3).Count());
        Assert.Equal(10, Ints(b["medium"], "id2").Distinct().Count());
        Assert.Equal(10, Ints(b["x"], "id2").Distinct().Count());
        Assert.Equal(9, Ints(b["x"], "id2").Distinct().Intersect(Ints(b["medium"], "id2")).Count());
        Assert.All(Ints(b["x"], "id2").Concat(Ints(b["big"], "id2")), k => Assert.InRange(k, 1, 11));
        Assert.Equal(Ints(b["x"], "id1").Select(k => "id" + k), Strings(b["x"], "id4"));
        Assert.Equal(Ints(b["big"], "id3").Select(k => "id" + k), Strings(b["big"], "id6"));
        Assert.All(b.Values.SelectMany(t => t.Columns), c => Assert.Equal(0, c.NullCount));

        var withNulls = H2oGenerator.GenerateJoin(10_000, 10).ToDictionary(t => t.Name, t => ColumnBatch.Concat(t.Schema, t.Batches.ToList()));
        var x = withNulls["x"];
        Assert.Equal(1_000, x[x.Schema.Require("id3")].NullCount);
        Assert.Equal(1_000, x[x.Schema.Require("id6")].NullCount);
        Assert.Equal(1_000, x[x.Schema.Require("v1")].NullCount);
        // One of the ten id2 values is NULL in every row holding it.
        var id2 = x[x.Schema.Require("id2")];
        Assert.InRange(id2.NullCount, 500, 1_500);
        Assert.Equal(0, withNulls["big"][0].NullCount);
    }

    [Fact]
    public void H2o_files_read_back_with_their_schema_and_rows()
    {
        foreach (var ext in new[] { "csv", "parquet", "arrow" })
        {
            var path = Path.Combine(_dir, "G1." + ext);
            var f = H2oGenerator.WriteGroupBy(10_000, 10, 5, sorted: false, path);
            Assert.Equal(10_000, f.Rows);
            var options = new Dictionary<string, string> { ["header"] = "true" };
            var table = FileTable.Open(path, ext, options, ext == "csv" ? H2oGenerator.GroupBySchema : null);
            Assert.Equal(H2oGenerator.GroupBySchema.Fields.Select(x => (x.Name, x.Type)), table.Schema.Fields.Select(x => (x.Name, x.Type)));
            Assert.Equal(Render(H2oGenerator.GenerateGroupBy(10_000, 10, 5, false).Batches), Render(table.Read(null, [], new ScanMetrics())));
        }
        var files = H2oGenerator.WriteJoin(10_000, 5, Path.Combine(_dir, "join"), "parquet");
        Assert.Equal(["x", "small", "medium", "big"], files.Select(f => Path.GetFileNameWithoutExtension(f.Path)));
        Assert.Equal([10_000L, 1, 10, 10_000], files.Select(f => FileTable.Open(f.Path, "parquet", new Dictionary<string, string>()).EstimateRows()));
    }

    [Fact]
    public void H2o_bad_arguments_are_errors()
    {
        Assert.Contains("K (the number of groups", Assert.Throws<AccelException>(() => H2oGenerator.GenerateGroupBy(100, 0, 0, false)).Message);
        Assert.Contains("NA percentage", Assert.Throws<AccelException>(() => H2oGenerator.GenerateGroupBy(100, 10, 101, false)).Message);
        Assert.Contains("rows must be between", Assert.Throws<AccelException>(() => H2oGenerator.GenerateJoin(0, 0)).Message);
        Assert.Contains("extension '.txt'", Assert.Throws<AccelException>(() => H2oGenerator.WriteGroupBy(100, 10, 0, false, Path.Combine(_dir, "g.txt"))).Message);
        Assert.Contains("unknown output format", Assert.Throws<AccelException>(() => H2oGenerator.WriteJoin(100, 0, _dir, "json")).Message);
    }

    private static string[] Strings(ColumnBatch b, string column)
    {
        var v = (StringVector)b[b.Schema.Require(column)];
        return Enumerable.Range(0, v.Length).Select(i => v.GetString(i)!).ToArray();
    }

    private static int[] Ints(ColumnBatch b, string column) => ((PrimitiveVector<int>)b[b.Schema.Require(column)]).Span.ToArray();

    // Progress<T> posts to the thread pool, so reports could arrive late or out of order; tests need them in order.
    private sealed class SyncProgress(Action<double> report) : IProgress<double>
    {
        public void Report(double value) => report(value);
    }
}
