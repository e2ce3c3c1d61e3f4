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
    public void Lag_lead_and_frame_aggregates_equal_scalar()
    {
        // The frames: whole partition, running ROWS, running RANGE (peers share a value: many ties on o), sliding ROWS.
        WindowFrame[] frames = [new(true, null, null), new(true, null, 0), new(false, null, 0), new(true, -1, 1)];
        var calls = new[] { (AggFunc.Sum, 4), (AggFunc.Avg, 3), (AggFunc.Max, 4), (AggFunc.Min, 1), (AggFunc.Count, 2), (AggFunc.CountStar, -1) };
        var specs = new List<WindowSpec>();
        foreach (var (p, o) in new (int[], SortKey[])[] { ([0], [new SortKey(3, true, true)]), ([1, 0], [new SortKey(4, false, false), new SortKey(3, true, true)]), ([], []) })
        {
            specs.Add(new WindowSpec(S, p, o, WindowFunction.Lag, null, 3, 1, null, frames[0], new Schema([.. S.Fields, new Field("r", DataType.Int64)])));
            specs.Add(new WindowSpec(S, p, o, WindowFunction.Lead, null, 4, 2, 0.0, frames[0], new Schema([.. S.Fields, new Field("r", DataType.Float64)])));
            foreach (var (f, arg) in calls)
                foreach (var frame in frames)
                {
                    var type = arg < 0 ? DataType.Int64 : AggregateTypes.ResultType(f, S[arg].Type);
                    specs.Add(new WindowSpec(S, p, o, WindowFunction.Aggregate, new AggregateCall(f, arg, false, type), -1, 0, null, frame, new Schema([.. S.Fields, new Field("r", type)])));
                }
        }
        foreach (int n in new[] { 0, 1, 2, 70, 3000 })
        {
            var batch = Rows(n, seed: 50 + n);
            foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 1)]) })
                foreach (var spec in specs)
                {
                    Assert.True(new WindowSimd().CanRun(spec, new ExecEnvironment(n)).CanRun);
                    var (expected, actual) = (Render(new WindowScalar().Window(input, spec)), Render(new WindowSimd().Window(input, spec)));
                    Assert.True(expected.SequenceEqual(actual), $"{spec.Function} {spec.Aggregate?.Func} {spec.Frame} over {input.RowCount} rows");
                }
        }
    }

    [Fact]
    public void A_window_over_a_key_the_encoder_cannot_take_is_declined_with_a_reason()
    {
        var arrays = new Schema([new Field("a", DataType.ArrayOf(DataType.Int32)), new Field("v", DataType.Int64)]);
        var spec = new WindowSpec(arrays, [0], [new SortKey(1, true, true)], WindowFunction.Lag, null, 1, 1, null, new WindowFrame(true, null, null),
            new Schema([.. arrays.Fields, new Field("r", DataType.Int64)]));
        var support = new WindowSimd().CanRun(spec, new ExecEnvironment(10));
        Assert.False(support.CanRun);
        Assert.Contains("a window over a array<int> key is not vectorized yet", support.Reason);
    }
}
