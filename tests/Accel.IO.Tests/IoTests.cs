using Accel.Data;
using Accel.IO;

namespace Accel.Tests;

/// <summary>CSV, text, Parquet and Arrow: round trips of every type with NULLs, inference, pruning, atomic
/// writes, save modes and the errors bad input raises.</summary>
public sealed class IoTests : IDisposable
{
    private readonly string _dir = Directory.CreateTempSubdirectory("accel-io-").FullName;
    private static readonly Dictionary<string, string> NoOptions = new();

    private static readonly Schema AllTypes = new([
        new Field("b", DataType.Boolean), new Field("i", DataType.Int32), new Field("l", DataType.Int64), new Field("f", DataType.Float32),
        new Field("d", DataType.Float64), new Field("m", DataType.Decimal(10, 3)), new Field("dt", DataType.Date32),
        new Field("ts", DataType.Timestamp), new Field("s", DataType.Utf8),
    ]);

    private static ColumnBatch Sample(int n)
    {
        var rows = Enumerable.Range(0, n).Select(i => new object?[]
        {
            i % 7 == 0 ? null : i % 2 == 0,
            i % 5 == 0 ? null : i * 3 - 100,
            i % 6 == 0 ? null : (long)i * 10_000_000_019L,
            i % 4 == 0 ? null : i / 4f,
            i % 3 == 0 ? null : i * 1.25 - 7,
            i % 8 == 0 ? null : i * 1.125m - 3,
            i % 9 == 0 ? null : new DateOnly(2020, 1, 1).AddDays(i * 13),
            i % 10 == 0 ? null : new DateTime(2024, 5, 6, 7, 8, 9, DateTimeKind.Utc).AddTicks(i * 12_340),
            i % 11 == 0 ? null : i % 3 == 0 ? $"q,\"{i}\"\nline" : $"s{i}",
        }).ToArray();
        return ColumnBatch.FromRows(AllTypes, rows);
    }

    private static List<string> Render(IEnumerable<ColumnBatch> batches) =>
        batches.SelectMany(b => b.Rows()).Select(r => string.Join("|", r.Select(ValueConversions.Format))).ToList();

    [Theory]
    [InlineData("parquet", "t.parquet")]
    [InlineData("arrow", "t.arrow")]
    [InlineData("csv", "t.csv")]
    public void Every_type_round_trips_with_nulls(string format, string file)
    {
        var path = Path.Combine(_dir, file);
        var batch = Sample(200);
        var opts = new Dictionary<string, string> { ["header"] = "true" };
        TableWriter.Write(format, path, AllTypes, [batch], SaveMode.ErrorIfExists, opts);
        var table = FileTable.Open(path, format, opts, format == "csv" ? AllTypes : null);
        Assert.Equal(AllTypes.Fields.Select(f => (f.Name, f.Type)), table.Schema.Fields.Select(f => (f.Name, f.Type)));
        Assert.Equal(Render([batch]), Render(table.Read(null, [], new ScanMetrics())));
        Assert.Equal(200, format == "csv" ? Render(table.Read(null, [], new ScanMetrics())).Count : table.EstimateRows());
    }

    [Fact]
    public void Csv_infers_spark_like_types_and_names_headerless_columns()
    {
        var path = Path.Combine(_dir, "infer.csv");
        File.WriteAllText(path, "a,b,c,d,e,f\n1,10000000000,1.5,2024-01-02,true,x\n,3,2,2024-02-03,false,\"y, z\"\n");
        var t = FileTable.Open(path, "csv", new Dictionary<string, string> { ["header"] = "true", ["inferSchema"] = "true" });
        Assert.Equal(["int", "bigint", "double", "date", "boolean", "string"], t.Schema.Fields.Select(f => f.Type.SqlName));
        Assert.Equal(["1|10000000000|1.5|2024-01-02|true|x", "NULL|3|2.0|2024-02-03|false|y, z"], Render(t.Read(null, [], new ScanMetrics())));
        var raw = FileTable.Open(path, "csv", NoOptions);
        Assert.Equal(["_c0", "_c1", "_c2", "_c3", "_c4", "_c5"], raw.Schema.Fields.Select(f => f.Name));
        Assert.All(raw.Schema.Fields, f => Assert.Equal(DataType.Utf8, f.Type));
    }

    [Fact]
    public void Text_reads_one_value_per_line()
    {
        var path = Path.Combine(_dir, "t.txt");
        File.WriteAllText(path, "hello world\n\nlast");
        Assert.Equal(["hello world", "", "last"], Render(FileTable.Open(path, "text", NoOptions).Read(null, [], new ScanMetrics())));
    }

    [Fact]
    public void Parquet_reads_only_requested_columns_and_skips_row_groups_by_statistics()
    {
        var path = Path.Combine(_dir, "groups.parquet");
        var s = new Schema([new Field("id", DataType.Int64), new Field("name", DataType.Utf8)]);
        var batch = ColumnBatch.FromRows(s, Enumerable.Range(0, 1000).Select(i => new object?[] { (long)i, "n" + i }));
        AtomicFile.Write(path, st => ParquetTableWriter.Write(st, s, [batch], rowGroupRows: 100));
        var t = FileTable.Open(path, "parquet", NoOptions);
        var metrics = new ScanMetrics();
        var rows = t.Read(["id"], [new ColumnPredicate("id", ">=", 750L), new ColumnPredicate("id", "<", 820)], metrics).ToList();
        Assert.Equal(2, metrics.RowGroupsRead);
        Assert.Equal(8, metrics.RowGroupsSkipped);
        Assert.Single(rows[0].Columns);
        Assert.Equal(200, rows.Sum(r => r.RowCount));
        var none = new ScanMetrics();
        Assert.Empty(t.Read(null, [new ColumnPredicate("name", "=", "zzz")], none));
        Assert.Equal(10, none.RowGroupsSkipped);
    }

    [Fact]
    public void Parquet_decimal_pruning_reads_integer_literals_as_values_not_unscaled_digits()
    {
        var path = Path.Combine(_dir, "dec.parquet");
        var s = new Schema([new Field("q", DataType.Decimal(15, 2))]);
        var batch = ColumnBatch.FromRows(s, Enumerable.Range(1, 500).Select(i => new object?[] { (decimal)(i % 50 + 1) }));
        AtomicFile.Write(path, st => ParquetTableWriter.Write(st, s, [batch], rowGroupRows: 100));
        var t = FileTable.Open(path, "parquet", NoOptions);
        var metrics = new ScanMetrics();
        // q < 24 holds in every group (values 1..50 each); reading 24 as 0.24 would skip them all.
        Assert.Equal(230, t.Read(null, [new ColumnPredicate("q", "<", 24)], metrics).Sum(b => Enumerable.Range(0, b.RowCount).Count(r => (decimal)b.Compact()[0].GetValue(r)! < 24)));
        Assert.Equal(0, metrics.RowGroupsSkipped);
        var high = new ScanMetrics();
        Assert.Empty(t.Read(null, [new ColumnPredicate("q", ">", 50L)], high));
        Assert.Equal(5, high.RowGroupsSkipped);
    }

    [Fact]
    public void Parquet_row_groups_may_span_batches_with_selections_and_nulls()
    {
        var path = Path.Combine(_dir, "spans.parquet");
        var first = Sample(50);
        // Every third row of the second batch is live, so row groups mix a whole batch and a filtered one.
        var second = Sample(90);
        var live = Enumerable.Range(0, 90).Where(i => i % 3 == 1).ToArray();
        AtomicFile.Write(path, st => ParquetTableWriter.Write(st, AllTypes, [first, second.WithSelection(live)], rowGroupRows: 32));
        var expected = Render([first, second.WithSelection(live)]);
        Assert.Equal(80, expected.Count);
        var t = FileTable.Open(path, "parquet", NoOptions);
        Assert.Equal(expected, Render(t.Read(null, [], new ScanMetrics())));
        Assert.Equal(80, t.EstimateRows());
    }

    [Fact]
    public void A_directory_is_one_table_and_save_modes_behave_like_spark()
    {
        var dir = Path.Combine(_dir, "parts");
        var s = new Schema([new Field("x", DataType.Int32)]);
        var one = ColumnBatch.FromRows(s, [[1], [2]]);
        TableWriter.Write("parquet", dir, s, [one], SaveMode.ErrorIfExists, NoOptions);
        TableWriter.Write("parquet", dir, s, [one], SaveMode.Append, NoOptions);
        File.WriteAllText(Path.Combine(dir, "_SUCCESS"), "");
        Assert.Equal(4, Render(FileTable.Open(dir, "parquet", NoOptions).Read(null, [], new ScanMetrics())).Count);
        Assert.Contains("already exists", Assert.Throws<AccelException>(() => TableWriter.Write("parquet", dir, s, [one], SaveMode.ErrorIfExists, NoOptions)).Message);
        TableWriter.Write("parquet", dir, s, [one], SaveMode.Ignore, NoOptions);
        Assert.Equal(4, Render(FileTable.Open(dir, "parquet", NoOptions).Read(null, [], new ScanMetrics())).Count);
        TableWriter.Write("parquet", dir, s, [one], SaveMode.Overwrite, NoOptions);
        Assert.Equal(2, Render(FileTable.Open(dir, "parquet", NoOptions).Read(null, [], new ScanMetrics())).Count);
    }

    [Fact]
    public void A_failed_write_leaves_no_file_behind()
    {
        var path = Path.Combine(_dir, "fail.parquet");
        var s = new Schema([new Field("x", DataType.Int32)]);
        IEnumerable<ColumnBatch> Failing()
        {
            yield return ColumnBatch.FromRows(s, [[1]]);
            throw new IOException("disk went away");
        }
        Assert.Throws<IOException>(() => TableWriter.Write("parquet", path, s, Failing(), SaveMode.ErrorIfExists, NoOptions));
        Assert.Empty(Directory.GetFiles(_dir));
    }

    [Fact]
    public void Bad_input_raises_errors_that_name_file_line_and_column()
    {
        var csv = Path.Combine(_dir, "bad.csv");
        File.WriteAllText(csv, "a,b\n1,2\n3\n");
        var schema = new Schema([new Field("a", DataType.Int32), new Field("b", DataType.Int32)]);
        var opts = new Dictionary<string, string> { ["header"] = "true" };
        var fields = Assert.Throws<AccelException>(() => FileTable.Open(csv, "csv", opts, schema).Read(null, [], new ScanMetrics()).ToList());
        Assert.Contains("bad.csv:3", fields.Message);
        Assert.Contains("expected 2 fields but found 1", fields.Message);
        var dropped = FileTable.Open(csv, "csv", new Dictionary<string, string> { ["header"] = "true", ["mode"] = "DROPMALFORMED" }, schema);
        Assert.Single(Render(dropped.Read(null, [], new ScanMetrics())));

        File.WriteAllText(csv, "a,b\n1,2.5\n");
        var type = Assert.Throws<AccelException>(() => FileTable.Open(csv, "csv", opts, schema).Read(null, [], new ScanMetrics()).ToList());
        Assert.Contains("bad.csv:2: column 'b': cannot parse '2.5' as int", type.Message);

        Assert.Contains("path does not exist", Assert.Throws<AccelException>(() => FileTable.Open(Path.Combine(_dir, "none.csv"), "csv", NoOptions)).Message);

        var corrupt = Path.Combine(_dir, "corrupt.parquet");
        File.WriteAllBytes(corrupt, [1, 2, 3, 4, 5, 6, 7, 8, 9, 10]);
        var c = Assert.Throws<AccelException>(() => FileTable.Open(corrupt, "parquet", NoOptions));
        Assert.Contains("corrupt.parquet", c.Message);
        Assert.Contains("corrupt or not a Parquet file", c.Message);

        var good = Path.Combine(_dir, "good.parquet");
        TableWriter.Write("parquet", good, schema, [ColumnBatch.FromRows(schema, [[1, 2]])], SaveMode.ErrorIfExists, NoOptions);
        var missing = Assert.Throws<AccelException>(() => FileTable.Open(good, "parquet", NoOptions).Read(["zz"], [], new ScanMetrics()).ToList());
        Assert.Contains("column 'zz' does not exist", missing.Message);
    }

    [Fact]
    public void Files_of_a_directory_must_share_a_schema()
    {
        var dir = Path.Combine(_dir, "mixed");
        Directory.CreateDirectory(dir);
        var s1 = new Schema([new Field("x", DataType.Int32)]);
        var s2 = new Schema([new Field("x", DataType.Utf8)]);
        TableWriter.Write("parquet", Path.Combine(dir, "a.parquet"), s1, [ColumnBatch.FromRows(s1, [[1]])], SaveMode.ErrorIfExists, NoOptions);
        TableWriter.Write("parquet", Path.Combine(dir, "b.parquet"), s2, [ColumnBatch.FromRows(s2, [["x"]])], SaveMode.ErrorIfExists, NoOptions);
        var ex = Assert.Throws<AccelException>(() => FileTable.Open(dir, "parquet", NoOptions));
        Assert.Contains("b.parquet", ex.Message);
    }

    [Fact]
    public void Arrow_conversion_keeps_values_and_nulls()
    {
        var batch = Sample(50);
        var arrow = ArrowConversion.ToArrow(batch);
        Assert.Equal(50, arrow.Length);
        Assert.Equal(Render([batch]), Render([ArrowConversion.FromArrow(arrow, AllTypes)]));
    }

    public void Dispose() => Directory.Delete(_dir, true);
}
