using Accel.Data;
using Accel.Execution;
using Accel.Operators;
using Accel.Vectorized;
using BenchmarkDotNet.Attributes;

namespace Accel.Bench;

/// <summary>Hash join (small and large build sides; build plus probe) and sort on each path that has them:
/// `dotnet run -c Release --project bench/Accel.Bench -- --filter '*JoinSortBenchmarks*'`. The SIMD path has
/// both; the GPU join and sort are issue #6.</summary>
[MemoryDiagnoser]
public class JoinSortBenchmarks
{
    private ColumnBatch _probe = null!;
    private ColumnBatch _smallBuild = null!;
    private ColumnBatch _largeBuild = null!;
    private JoinSpec _smallJoin = null!;
    private JoinSpec _largeJoin = null!;
    private SortSpec _sort = null!;
    private IHashJoinImpl _join = null!;
    private ISortImpl _sorter = null!;

    /// <summary>Probe-side (and sort) rows.</summary>
    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    /// <summary>Path under test.</summary>
    [Params("scalar", "simd")]
    public string Path { get; set; } = "scalar";

    /// <summary>Builds the inputs.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(3);
        var probeSchema = new Schema([new Field("k", DataType.Int64), new Field("v", DataType.Float64)]);
        var k = new long[Rows];
        var v = new double[Rows];
        for (int i = 0; i < Rows; i++) { k[i] = rng.Next(Rows / 4); v[i] = rng.NextDouble(); }
        _probe = new ColumnBatch(probeSchema, [new PrimitiveVector<long>(DataType.Int64, k), new PrimitiveVector<double>(DataType.Float64, v)], Rows);
        var buildSchema = new Schema([new Field("bk", DataType.Int64), new Field("w", DataType.Int32)]);
        ColumnBatch Build(int n)
        {
            var bk = new long[n];
            var w = new int[n];
            for (int i = 0; i < n; i++) { bk[i] = i; w[i] = i % 7; }
            return new ColumnBatch(buildSchema, [new PrimitiveVector<long>(DataType.Int64, bk), new PrimitiveVector<int>(DataType.Int32, w)], n);
        }
        _smallBuild = Build(1_000);
        _largeBuild = Build(Rows / 4);
        var output = new Schema([.. probeSchema.Fields, .. buildSchema.Fields]);
        _smallJoin = new JoinSpec(probeSchema, buildSchema, JoinType.Inner, [0], [0], null, BuildSide.Right, true, output);
        _largeJoin = _smallJoin;
        _sort = new SortSpec(probeSchema, [new SortKey(1, true, true)]);
        (_join, _sorter) = Path switch
        {
            "scalar" => ((IHashJoinImpl)new HashJoinScalar(), (ISortImpl)new SortScalar()),
            "simd" => (new HashJoinSimd(), new SortSimd()),
            _ => throw new InvalidOperationException($"no {Path} join or sort yet"),
        };
    }

    /// <summary>Inner join against a 1,000-row build side (broadcast dimension).</summary>
    [Benchmark]
    public int JoinSmallBuild() => _join.Join(_probe, _smallBuild, _smallJoin).RowCount;

    /// <summary>Inner join against a build side a quarter the probe's size.</summary>
    [Benchmark]
    public int JoinLargeBuild() => _join.Join(_probe, _largeBuild, _largeJoin).RowCount;

    /// <summary>Full sort by a double column.</summary>
    [Benchmark]
    public int Sort() => _sorter.Sort(_probe, _sort).RowCount;
}
