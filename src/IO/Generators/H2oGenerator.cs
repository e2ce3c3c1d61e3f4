using System.Text;
using Accel.Data;

namespace Accel.IO.Generators;

/// <summary>A generated table: its name, schema, row count and batches (generated anew, identically, on
/// every enumeration).</summary>
public sealed record GeneratedTable(string Name, Schema Schema, long Rows, IEnumerable<ColumnBatch> Batches);

/// <summary>Generates the data sets of the h2oai db-benchmark (groupby-datagen.R and join-datagen.R):
/// the same columns, value ranges, key relationships and NULL rules, drawn from this project's own
/// random streams (so the values differ from R's, the distributions do not).</summary>
public static class H2oGenerator
{
    /// <summary>The seed used when none is given (the R scripts' set.seed(108)).</summary>
    public const int DefaultSeed = 108;
    /// <summary>Rows per generated batch unless told otherwise.</summary>
    public const int DefaultBatchRows = 1 << 17;
    /// <summary>Most rows a data set may have (the R scripts' integer limit).</summary>
    public const long MaxRows = 1_000_000_000;

    /// <summary>Columns of the groupby data set: id1, id2 ('id001'..), id3 ('id0000000001'..) strings,
    /// id4, id5, id6, v1, v2 ints and v3 double; all nullable (the NA option).</summary>
    public static Schema GroupBySchema { get; } = new([
        new Field("id1", DataType.Utf8), new Field("id2", DataType.Utf8), new Field("id3", DataType.Utf8),
        new Field("id4", DataType.Int32), new Field("id5", DataType.Int32), new Field("id6", DataType.Int32),
        new Field("v1", DataType.Int32), new Field("v2", DataType.Int32), new Field("v3", DataType.Float64),
    ]);

    private static readonly Schema XSchema = new([
        new Field("id1", DataType.Int32), new Field("id2", DataType.Int32), new Field("id3", DataType.Int32),
        new Field("id4", DataType.Utf8), new Field("id5", DataType.Utf8), new Field("id6", DataType.Utf8), new Field("v1", DataType.Float64),
    ]);
    private static readonly Schema SmallSchema = new([new Field("id1", DataType.Int32), new Field("id4", DataType.Utf8), new Field("v2", DataType.Float64)]);
    private static readonly Schema MediumSchema = new([
        new Field("id1", DataType.Int32), new Field("id2", DataType.Int32), new Field("id4", DataType.Utf8), new Field("id5", DataType.Utf8), new Field("v2", DataType.Float64),
    ]);
    private static readonly Schema BigSchema = new([
        new Field("id1", DataType.Int32), new Field("id2", DataType.Int32), new Field("id3", DataType.Int32),
        new Field("id4", DataType.Utf8), new Field("id5", DataType.Utf8), new Field("id6", DataType.Utf8), new Field("v2", DataType.Float64),
    ]);

    private static readonly byte[] IdPrefix = Encoding.ASCII.GetBytes("id");

    private static void Validate(long rows, int nasPercent)
    {
        if (rows < 1 || rows > MaxRows) throw new AccelException($"rows must be between 1 and {MaxRows:0e0}, got {rows}");
        if (nasPercent is < 0 or > 100) throw new AccelException($"NA percentage must be between 0 and 100, got {nasPercent}");
    }

    // ---- groupby ----

    /// <summary>The groupby data set of <paramref name="rows"/> rows: id1, id2 drawn from K strings, id3 from
    /// rows/K strings, id4, id5 from 1..K, id6 from 1..rows/K, v1 from 1..5, v2 from 1..15, v3 uniform in
    /// [0, 100) rounded to 6 decimals. With <paramref name="nasPercent"/> &gt; 0 exactly rows*nas/100 rows of
    /// every column (v3 included, as in the script) are NULL; <paramref name="sorted"/> orders rows by id1..id6
    /// with NULLs first (data.table's setkey).</summary>
    public static GeneratedTable GenerateGroupBy(long rows, int k, int nasPercent, bool sorted, int seed = DefaultSeed, int batchRows = DefaultBatchRows)
    {
        Validate(rows, nasPercent);
        if (k < 1 || k > rows) throw new AccelException($"K (the number of groups of id1..id5) must be between 1 and the row count {rows}, got {k}");
        if (batchRows < 1) throw new AccelException($"batch size must be at least 1 row, got {batchRows}");
        return new GeneratedTable("groupby", GroupBySchema, rows, GroupByBatches(rows, k, nasPercent, sorted, seed, batchRows));
    }

    private static IEnumerable<ColumnBatch> GroupByBatches(long rows, int k, int nasPercent, bool sorted, int seed, int batchRows)
    {
        var gen = new GroupByStreams(rows, k, nasPercent, seed);
        if (!sorted)
        {
            for (long done = 0; done < rows; done += batchRows)
            {
                var raw = gen.Next((int)Math.Min(batchRows, rows - done));
                yield return gen.ToBatch(raw, null, 0, raw.Rows);
            }
            yield break;
        }
        var all = gen.Next((int)rows);
        var order = gen.SortOrder(all);
        for (int start = 0; start < all.Rows; start += batchRows)
            yield return gen.ToBatch(all, order, start, Math.Min(batchRows, all.Rows - start));
    }

    /// <summary>Groupby rows before formatting: ids and v1/v2 as ints with 0 for NULL, v3 with a NULL flag.</summary>
    private sealed class RawGroupBy(int n)
    {
        public readonly int Rows = n;
        public readonly int[][] Ints = Enumerable.Range(0, 8).Select(_ => new int[n]).ToArray();
        public readonly double[] V3 = new double[n];
        public readonly bool[] V3Valid = new bool[n];
    }

    /// <summary>One random stream per column for values and one for NULL positions, so a row's values do
    /// not depend on the batch size.</summary>
    private sealed class GroupByStreams
    {
        private readonly int _k;
        private readonly long _groups;
        private readonly GenRandom[] _values = new GenRandom[9];
        private readonly GenRandom[] _nulls = new GenRandom[9];
        private readonly long[] _nullsLeft = new long[9];
        private long _rowsLeft;
        private readonly byte[][] _kIds;

        public GroupByStreams(long rows, int k, int nasPercent, int seed)
        {
            _k = k;
            _groups = Math.Max(1, rows / k);
            _rowsLeft = rows;
            for (int c = 0; c < 9; c++)
            {
                _values[c] = GenRandom.For(seed, 100 + c, 0);
                _nulls[c] = GenRandom.For(seed, 200 + c, 0);
                _nullsLeft[c] = rows * nasPercent / 100;
            }
            _kIds = Enumerable.Range(1, k).Select(i => Encoding.ASCII.GetBytes($"id{i:D3}")).ToArray();
        }

        /// <summary>The next <paramref name="n"/> rows.</summary>
        public RawGroupBy Next(int n)
        {
            var raw = new RawGroupBy(n);
            long[] upper = [_k, _k, _groups, _k, _k, _groups, 5, 15];
            for (int c = 0; c < 8; c++)
            {
                var dst = raw.Ints[c];
                ref var r = ref _values[c];
                for (int i = 0; i < n; i++) dst[i] = (int)r.NextLong(1, upper[c]);
            }
            ref var v = ref _values[8];
            for (int i = 0; i < n; i++) raw.V3[i] = Math.Round(v.NextDouble() * 100, 6);
            Array.Fill(raw.V3Valid, true);
            // Selection sampling (Knuth's algorithm S): every column gets exactly its share of NULL rows over
            // the whole table, spread uniformly, without knowing the positions in advance.
            for (int c = 0; c < 9; c++)
            {
                ref var r = ref _nulls[c];
                long left = _rowsLeft;
                for (int i = 0; i < n && _nullsLeft[c] > 0; i++, left--)
                {
                    if (r.NextLong(0, left - 1) >= _nullsLeft[c]) continue;
                    _nullsLeft[c]--;
                    if (c < 8) raw.Ints[c][i] = 0; else raw.V3Valid[i] = false;
                }
            }
            _rowsLeft -= n;
            return raw;
        }

        /// <summary>Row order by id1..id6 (NULL first, strings in ordinal order).</summary>
        public int[] SortOrder(RawGroupBy raw)
        {
            // 'id%03d' strings sort by value only up to 999; rank them as strings once.
            var kRank = new int[_k + 1];
            var byText = Enumerable.Range(1, _k).OrderBy(i => Encoding.ASCII.GetString(_kIds[i - 1]), StringComparer.Ordinal).ToArray();
            for (int r = 0; r < byText.Length; r++) kRank[byText[r]] = r + 1;
            int kBits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)_k);
            int gBits = 64 - System.Numerics.BitOperations.LeadingZeroCount((ulong)_groups);
            var ids = raw.Ints;
            var order = Enumerable.Range(0, raw.Rows).ToArray();
            if (4 * kBits + 2 * gBits <= 128)
            {
                var keys = new UInt128[raw.Rows];
                int[] bits = [kBits, kBits, gBits, kBits, kBits, gBits];
                for (int i = 0; i < keys.Length; i++)
                {
                    UInt128 key = 0;
                    for (int c = 0; c < 6; c++)
                    {
                        int x = ids[c][i];
                        key = (key << bits[c]) | (UInt128)(uint)(c < 2 ? kRank[x] : x);
                    }
                    keys[i] = key;
                }
                Array.Sort(keys, order);
                return order;
            }
            Array.Sort(order, (a, b) =>
            {
                for (int c = 0; c < 6; c++)
                {
                    int x = c < 2 ? kRank[ids[c][a]] : ids[c][a], y = c < 2 ? kRank[ids[c][b]] : ids[c][b];
                    if (x != y) return x.CompareTo(y);
                }
                return 0;
            });
            return order;
        }

        /// <summary>Rows [start, start+n) of <paramref name="raw"/> (through <paramref name="order"/> when given) as a batch.</summary>
        public ColumnBatch ToBatch(RawGroupBy raw, int[]? order, int start, int n)
        {
            int At(int i) => order is null ? start + i : order[start + i];
            var cols = new ColumnVector[9];
            Span<byte> buf = stackalloc byte[32];
            for (int c = 0; c < 3; c++)
            {
                var b = new StringColumnBuilder(n);
                var src = raw.Ints[c];
                for (int i = 0; i < n; i++)
                {
                    int x = src[At(i)];
                    if (x == 0) b.AppendNull();
                    else if (c < 2) b.AppendBytes(_kIds[x - 1]);
                    else b.AppendBytes(buf[..FormatId(buf, x, 10)]);
                }
                cols[c] = b.Build();
            }
            var valid = new bool[n];
            for (int c = 3; c < 8; c++)
            {
                var src = raw.Ints[c];
                var dst = new int[n];
                for (int i = 0; i < n; i++) { dst[i] = src[At(i)]; valid[i] = dst[i] != 0; }
                cols[c] = new PrimitiveVector<int>(DataType.Int32, dst, ValidityBitmap.FromFlags(valid));
            }
            var v3 = new double[n];
            for (int i = 0; i < n; i++) { int j = At(i); v3[i] = raw.V3Valid[j] ? raw.V3[j] : 0; valid[i] = raw.V3Valid[j]; }
            cols[8] = new PrimitiveVector<double>(DataType.Float64, v3, ValidityBitmap.FromFlags(valid));
            return new ColumnBatch(GroupBySchema, cols, n);
        }
    }

    /// <summary>Writes "id" and <paramref name="value"/> zero-padded to <paramref name="width"/> digits (0: no padding).</summary>
    private static int FormatId(Span<byte> dst, long value, int width)
    {
        IdPrefix.CopyTo(dst);
        int digits = 1;
        for (long v = value; v >= 10; v /= 10) digits++;
        int n = IdPrefix.Length + Math.Max(width, digits);
        for (int i = n - 1; i >= IdPrefix.Length; i--) { dst[i] = (byte)('0' + value % 10); value /= 10; }
        return n;
    }

    // ---- join ----

    /// <summary>The join data sets: the left table x (rows rows: id1, id2, id3 ints, id4..id6 their 'id&lt;n&gt;'
    /// strings, v1 double) and the right tables small (rows/1e6 rows: id1, id4, v2), medium (rows/1e3:
    /// id1, id2, id4, id5, v2) and big (rows: id1, id2, id3, id4..id6, v2), each at least one row. Each key
    /// level has rows/1e6, rows/1e3 and rows distinct values of which 90% appear on both sides, 10% only
    /// left and 10% only right; every right table holds each of its keys once at its own level. With
    /// <paramref name="nasPercent"/> &gt; 0, x gets NULL for that share of the distinct values of each id
    /// column (every row of a chosen value) and for that share of v1 rows.</summary>
    public static IReadOnlyList<GeneratedTable> GenerateJoin(long rows, int nasPercent, int seed = DefaultSeed, int batchRows = DefaultBatchRows)
    {
        Validate(rows, nasPercent);
        if (batchRows < 1) throw new AccelException($"batch size must be at least 1 row, got {batchRows}");
        int n = (int)rows;
        int[] sizes = [(int)Math.Max(1, rows / 1_000_000), (int)Math.Max(1, rows / 1_000), n];
        var keys = sizes.Select((size, level) => SplitKeys(size, GenRandom.For(seed, 300 + level, 0))).ToArray();
        int[] Left(int level) => [.. keys[level].Common, .. keys[level].LeftOnly];
        int[] Right(int level) => [.. keys[level].Common, .. keys[level].RightOnly];

        IEnumerable<ColumnBatch> X()
        {
            var r = GenRandom.For(seed, 400, 0);
            var ids = new int[3][];
            for (int level = 0; level < 3; level++)
            {
                ids[level] = SampleAll(Left(level), n, ref r);
                if (nasPercent > 0) NullOutValues(ids[level], Left(level), nasPercent, ref r);
            }
            var v1 = RoundedUniform(n, ref r);
            var v1Valid = new bool[n];
            Array.Fill(v1Valid, true);
            foreach (var i in Choose(n, (long)n * nasPercent / 100, ref r)) v1Valid[i] = false;
            return Slices(XSchema, n, batchRows, ids, v1, v1Valid);
        }

        IEnumerable<ColumnBatch> RightTable(Schema schema, int levels, int size, int stream)
        {
            var r = GenRandom.For(seed, stream, 0);
            var ids = new int[levels][];
            for (int level = 0; level < levels; level++) ids[level] = SampleAll(Right(level), size, ref r);
            return Slices(schema, size, batchRows, ids, RoundedUniform(size, ref r), null);
        }

        return
        [
            new GeneratedTable("x", XSchema, n, Deferred(X)),
            new GeneratedTable("small", SmallSchema, sizes[0], Deferred(() => RightTable(SmallSchema, 1, sizes[0], 401))),
            new GeneratedTable("medium", MediumSchema, sizes[1], Deferred(() => RightTable(MediumSchema, 2, sizes[1], 402))),
            new GeneratedTable("big", BigSchema, n, Deferred(() => RightTable(BigSchema, 3, n, 403))),
        ];
    }

    // Tables are built only when enumerated, so generating (and holding) x does not wait for big.
    private static IEnumerable<ColumnBatch> Deferred(Func<IEnumerable<ColumnBatch>> make)
    {
        foreach (var b in make()) yield return b;
    }

    /// <summary>join-datagen.R's split_xlr: a random permutation of 1..n*1.1 cut into the keys on both sides
    /// (n - n/10), the keys only on the left (n/10) and only on the right (n/10).</summary>
    private static (int[] Common, int[] LeftOnly, int[] RightOnly) SplitKeys(int n, GenRandom r)
    {
        int tenth = n / 10, total = n + tenth;
        var perm = new int[total];
        for (int i = 0; i < total; i++) perm[i] = i + 1;
        Shuffle(perm, ref r);
        return (perm[..(n - tenth)], perm[(n - tenth)..n], perm[n..]);
    }

    /// <summary>join-datagen.R's sample_all: every key once, the rest drawn with replacement, shuffled.</summary>
    private static int[] SampleAll(int[] keys, int size, ref GenRandom r)
    {
        var result = new int[size];
        keys.AsSpan(0, Math.Min(keys.Length, size)).CopyTo(result);
        for (int i = keys.Length; i < size; i++) result[i] = keys[r.Next(0, keys.Length - 1)];
        Shuffle(result, ref r);
        return result;
    }

    private static void Shuffle(int[] a, ref GenRandom r)
    {
        for (int i = a.Length - 1; i > 0; i--)
        {
            int j = r.Next(0, i);
            (a[i], a[j]) = (a[j], a[i]);
        }
    }

    /// <summary><paramref name="count"/> distinct positions in [0, n), uniformly (a partial shuffle).</summary>
    private static int[] Choose(int n, long count, ref GenRandom r)
    {
        var chosen = new List<int>((int)count);
        var swapped = new Dictionary<int, int>();
        for (int i = 0; i < count; i++)
        {
            int j = r.Next(i, n - 1);
            int atJ = swapped.GetValueOrDefault(j, j), atI = swapped.GetValueOrDefault(i, i);
            swapped[j] = atI;
            chosen.Add(atJ);
        }
        return [.. chosen];
    }

    /// <summary>Sets to NULL (0) every row holding one of nas% of the distinct <paramref name="values"/>.</summary>
    private static void NullOutValues(int[] column, int[] values, int nasPercent, ref GenRandom r)
    {
        int max = values.Max();
        var drop = new bool[max + 1];
        foreach (var i in Choose(values.Length, (long)values.Length * nasPercent / 100, ref r)) drop[values[i]] = true;
        for (int i = 0; i < column.Length; i++) if (drop[column[i]]) column[i] = 0;
    }

    private static double[] RoundedUniform(int n, ref GenRandom r)
    {
        var v = new double[n];
        for (int i = 0; i < n; i++) v[i] = Math.Round(r.NextDouble() * 100, 6);
        return v;
    }

    /// <summary>Batches of a join table: the int id columns (0 is NULL), their 'id&lt;n&gt;' strings, then the value column.</summary>
    private static IEnumerable<ColumnBatch> Slices(Schema schema, int rows, int batchRows, int[][] ids, double[] value, bool[]? valueValid)
    {
        for (int start = 0; start < rows; start += batchRows)
        {
            int n = Math.Min(batchRows, rows - start);
            var cols = new List<ColumnVector>();
            var valid = new bool[n];
            foreach (var id in ids)
            {
                var v = id.AsSpan(start, n).ToArray();
                for (int i = 0; i < n; i++) valid[i] = v[i] != 0;
                cols.Add(new PrimitiveVector<int>(DataType.Int32, v, ValidityBitmap.FromFlags(valid)));
            }
            Span<byte> buf = stackalloc byte[16];
            foreach (var id in ids)
            {
                var b = new StringColumnBuilder(n);
                for (int i = start; i < start + n; i++)
                {
                    if (id[i] == 0) b.AppendNull();
                    else b.AppendBytes(buf[..FormatId(buf, id[i], 0)]);
                }
                cols.Add(b.Build());
            }
            var vals = value.AsSpan(start, n).ToArray();
            ValidityBitmap? validity = null;
            if (valueValid is not null)
            {
                for (int i = 0; i < n; i++) if (!(valid[i] = valueValid[start + i])) vals[i] = 0;
                validity = ValidityBitmap.FromFlags(valid);
            }
            cols.Add(new PrimitiveVector<double>(DataType.Float64, vals, validity));
            yield return new ColumnBatch(schema, cols, n);
        }
    }

    // ---- files ----

    /// <summary>Writes the groupby data set to <paramref name="outFile"/>, in the format its extension names
    /// (.csv with a header, .parquet or .arrow), overwriting it.</summary>
    public static GeneratedFile WriteGroupBy(long rows, int k, int nasPercent, bool sorted, string outFile, int seed = DefaultSeed, IProgress<double>? progress = null)
    {
        var format = GeneratorOutput.FormatOfFile(outFile);
        var table = GenerateGroupBy(rows, k, nasPercent, sorted, seed);
        var tally = new GeneratorOutput.ProgressTally(progress, rows);
        var file = GeneratorOutput.Write(table.Name, format, outFile, table.Schema, table.Batches, r => tally.Add(r));
        progress?.Report(1.0);
        return file;
    }

    /// <summary>Writes the join data sets as x, small, medium and big files (x.csv, small.csv, ... for
    /// format csv; parquet and arrow likewise) in <paramref name="outDir"/>, overwriting them.</summary>
    public static IReadOnlyList<GeneratedFile> WriteJoin(long rows, int nasPercent, string outDir, string format = "csv", int seed = DefaultSeed, IProgress<double>? progress = null)
    {
        var ext = GeneratorOutput.Extension(format);
        var tables = GenerateJoin(rows, nasPercent, seed);
        Directory.CreateDirectory(outDir);
        // Weighted by cells, so that the seven-column x and big tables count for what they cost.
        var tally = new GeneratorOutput.ProgressTally(progress, tables.Sum(t => (double)t.Rows * t.Schema.Count));
        var files = tables.Select(t => GeneratorOutput.Write(t.Name, format, Path.Combine(outDir, t.Name + ext), t.Schema, t.Batches, r => tally.Add((double)r * t.Schema.Count))).ToArray();
        progress?.Report(1.0);
        return files;
    }
}
