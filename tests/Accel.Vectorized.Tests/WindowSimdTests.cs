using CultureInfo = System.Globalization.CultureInfo;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD ranking windows number every row as the scalar window does: partitions by int, string and
/// double keys (NULLs, NaN, -0.0 among them), order keys in both directions with both NULL placements and many ties.</summary>
public sealed class WindowSimdTests
{
    private static readonly Schema S = new([
        new Field("p", DataType.Int32), new Field("s", DataType.Utf8), new Field("d", DataType.Float64),
        new Field("o", DataType.Int64), new Field("o2", DataType.Float64)]);

    private static ColumnBatch Rows(int n, int seed)
    {
        var rng = new Random(seed);
        double[] doubles = [double.NaN, -0.0, 0.0, 1.5, -2.25];
        return ColumnBatch.FromRows(S, Enumerable.Range(0, n).Select(_ => new object?[]
        {
            rng.Next(8) == 0 ? null : rng.Next(12),
            rng.Next(10) == 0 ? null : "partition key " + rng.Next(5),
            rng.Next(9) == 0 ? null : doubles[rng.Next(doubles.Length)],
            rng.Next(7) == 0 ? null : (long)rng.Next(20),
            rng.Next(6) == 0 ? null : doubles[rng.Next(doubles.Length)],
        }).ToList());
    }

    private static WindowSpec Spec(WindowFunction f, int[] partition, SortKey[] order) =>
        new(S, partition, order, f, null, -1, 0, null, new WindowFrame(true, null, null), new Schema([.. S.Fields, new Field("r", DataType.Int32)]));

    private static List<string> Render(ColumnBatch b) =>
        b.Rows().Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture)))).ToList();

    [Fact]
    public void Ranking_functions_equal_scalar()
    {
        int[][] partitions = [[], [0], [1], [2], [0, 1]];
        SortKey[][] orders =
        [
            [new SortKey(3, true, true)], [new SortKey(3, false, false)], [new SortKey(4, false, true), new SortKey(3, true, false)], [],
        ];
        foreach (int n in new[] { 0, 1, 2, 70, 3000 })
        {
            var batch = Rows(n, seed: n + 1);
            foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 4 != 2)]) })
                foreach (var f in new[] { WindowFunction.RowNumber, WindowFunction.Rank, WindowFunction.DenseRank })
                    foreach (var p in partitions)
                        foreach (var o in orders)
                        {
                            var spec = Spec(f, p, o);
                            Assert.True(new WindowSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                            var (expected, actual) = (Render(new WindowScalar().Window(input, spec)), Render(new WindowSimd().Window(input, spec)));
                            Assert.True(expected.SequenceEqual(actual), $"{f} partition [{string.Join(",", p)}] order [{string.Join(",", o.Select(k => k.ToString()))}] over {input.RowCount} rows: expected {string.Join("; ", expected)}, got {string.Join("; ", actual)}");
                        }
        }
    }

    [Fact]
    public void Other_window_functions_are_declined_with_a_reason()
    {
        var lag = new WindowSpec(S, [0], [new SortKey(3, true, true)], WindowFunction.Lag, null, 3, 1, null, new WindowFrame(true, null, null), new Schema([.. S.Fields, new Field("r", DataType.Int64)]));
        var support = new WindowSimd().CanRun(lag, new ExecEnvironment(10));
        Assert.False(support.CanRun);
        Assert.Equal("window function lag is not vectorized yet (ranking functions are)", support.Reason);
    }
}
