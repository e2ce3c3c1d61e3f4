using CultureInfo = System.Globalization.CultureInfo;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD window group limit keeps every row the scalar one keeps (it may keep more), and the ranking window
/// over its survivors numbers the rows within the limit exactly as over all rows: partitions by int, long-string and
/// double keys with NULLs, order keys of every direction and NULL placement (strings past 8 bytes tie on their
/// prefix), input split into batches under selections, sizes across the 65,536-row morsel boundary.</summary>
public sealed class WindowGroupLimitSimdTests
{
    private static readonly Schema S = new([
        new Field("p", DataType.Int32), new Field("s", DataType.Utf8), new Field("d", DataType.Float64),
        new Field("o", DataType.Int64), new Field("o2", DataType.Float64), new Field("t", DataType.Utf8)]);

    private static ColumnBatch Rows(int n, int seed, int partitions)
    {
        var rng = new Random(seed);
        double[] doubles = [double.NaN, -0.0, 0.0, 1.5, -2.25, double.NegativeInfinity];
        return ColumnBatch.FromRows(S, Enumerable.Range(0, n).Select(_ => new object?[]
        {
            rng.Next(50) == 0 ? null : rng.Next(partitions),
            rng.Next(10) == 0 ? null : "partition key " + rng.Next(5),
            rng.Next(9) == 0 ? null : doubles[rng.Next(doubles.Length)],
            rng.Next(7) == 0 ? null : (long)rng.Next(-40, 40),
            rng.Next(6) == 0 ? null : doubles[rng.Next(doubles.Length)],
            rng.Next(5) == 0 ? null : "order text " + rng.Next(30).ToString("00", CultureInfo.InvariantCulture),
        }).ToList());
    }

    // The input as a few batches, some under selections that drop every third row.
    private static List<ColumnBatch> Batches(ColumnBatch all, int parts)
    {
        int n = all.PhysicalRows, size = Math.Max(1, (n + parts - 1) / parts);
        var result = new List<ColumnBatch>();
        for (int start = 0, part = 0; start < n; start += size, part++)
        {
            var rows = Enumerable.Range(start, Math.Min(size, n - start)).ToArray();
            var slice = new ColumnBatch(S, all.Columns.Select(c => c.Gather(rows)).ToArray(), rows.Length);
            result.Add(part % 2 == 1 ? slice.WithSelection([.. Enumerable.Range(0, rows.Length).Where(i => i % 3 != 1)]) : slice);
        }
        return result;
    }

    // The rows the filter `rank <= k` over the window keeps, with their numbers, in row order.
    private static List<string> Filtered(IReadOnlyList<ColumnBatch> input, WindowGroupLimitSpec spec)
    {
        var numbered = new WindowScalar().Window(ColumnBatch.Concat(S, input), WindowGroupLimitScalar.RankingSpec(spec));
        return numbered.Rows().Where(r => (int)r[^1]! <= spec.Limit)
            .Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))).ToList();
    }

    [Fact]
    public void Survivors_rank_within_the_limit_exactly_as_all_rows_do()
    {
        int[][] partitions = [[], [0], [1], [2], [0, 1]];
        SortKey[][] orders =
        [
            [new SortKey(3, true, true)], [new SortKey(3, false, false)], [new SortKey(4, false, true), new SortKey(3, true, false)],
            [new SortKey(5, true, false), new SortKey(3, false, true)], [new SortKey(5, false, true)],
        ];
        foreach (var (n, groups) in new[] { (0, 4), (1, 4), (70, 4), (3000, 40), (70_000, 300) })
        {
            var all = Rows(n, seed: n + 3, groups);
            foreach (var input in new[] { Batches(all, 1), Batches(all, 3) })
                foreach (var f in new[] { WindowFunction.RowNumber, WindowFunction.Rank, WindowFunction.DenseRank })
                    foreach (var p in partitions)
                        foreach (var o in orders)
                            foreach (int k in new[] { 1, 3 })
                            {
                                if (n == 70_000 && (p.Length != 1 || o.Length != 1 || k != 3)) continue; // the big case once per shape
                                var spec = new WindowGroupLimitSpec(S, p, o, f, k);
                                Assert.True(new WindowGroupLimitSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                                var kept = new WindowGroupLimitSimd().Limit(input, spec);
                                var expected = Filtered(input, spec);
                                var actual = Filtered(kept, spec);
                                Assert.True(expected.SequenceEqual(actual), $"{f} <= {k} partition [{string.Join(",", p)}] order [{string.Join(",", o.Select(x => x.ToString()))}] over {n} rows: expected {expected.Count} rows, got {actual.Count}: {string.Join("; ", actual.Except(expected).Take(3))}");
                                Assert.True(kept.Sum(b => b.RowCount) >= expected.Count);
                            }
        }
    }

    [Fact]
    public void Small_partitions_lose_most_of_their_rows()
    {
        var all = Rows(70_000, seed: 5, partitions: 1000);
        var spec = new WindowGroupLimitSpec(S, [0], [new SortKey(3, false, false)], WindowFunction.RowNumber, 2);
        int kept = new WindowGroupLimitSimd().Limit(Batches(all, 3), spec).Sum(b => b.RowCount);
        // 1,001 partitions (NULL is one) of about 60 rows, 80 order values: a few ties of the second-largest value survive.
        Assert.InRange(kept, 2002, 4000);
    }

    [Fact]
    public void A_zero_limit_keeps_nothing_and_non_ranking_functions_are_declined()
    {
        var input = Batches(Rows(100, seed: 1, partitions: 4), 2);
        Assert.Empty(new WindowGroupLimitSimd().Limit(input, new WindowGroupLimitSpec(S, [0], [new SortKey(3, true, true)], WindowFunction.Rank, 0)));
        var lag = new WindowGroupLimitSpec(S, [0], [new SortKey(3, true, true)], WindowFunction.Lag, 2);
        var support = new WindowGroupLimitSimd().CanRun(lag, new ExecEnvironment(100));
        Assert.False(support.CanRun);
        Assert.Equal("a group limit needs a ranking function, not Lag", support.Reason);
    }
}
