using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;
using Accel.Operators;
using Accel.Vectorized;
using BenchmarkDotNet.Attributes;

namespace Accel.Bench;

/// <summary>The skeleton operators on each path: `dotnet run -c Release --project bench/Accel.Bench -- --filter '*OperatorBenchmarks*'`.
/// The gpu path is measured only where a CUDA device exists (it is skipped, not simulated, elsewhere).</summary>
[MemoryDiagnoser]
public class OperatorBenchmarks
{
    private ColumnBatch _batch = null!;
    private FilterSpec _filter = null!;
    private ProjectSpec _project = null!;
    private AggregateSpec _aggregate = null!;
    private IFilterImpl _filterImpl = null!;
    private IProjectImpl _projectImpl = null!;
    private IHashAggregateImpl _aggregateImpl = null!;

    /// <summary>Rows per run.</summary>
    [Params(100_000, 1_000_000)]
    public int Rows { get; set; }

    /// <summary>Path under test.</summary>
    [Params("scalar", "simd", "gpu")]
    public string Path { get; set; } = "simd";

    /// <summary>Builds the input and the bound operators.</summary>
    [GlobalSetup]
    public void Setup()
    {
        var rng = new Random(1);
        var s = new Schema([new Field("k", DataType.Int32), new Field("x", DataType.Float64), new Field("q", DataType.Int64)]);
        var k = new int[Rows];
        var x = new double[Rows];
        var q = new long[Rows];
        for (int i = 0; i < Rows; i++) { k[i] = rng.Next(100); x[i] = rng.NextDouble(); q[i] = rng.Next(50); }
        _batch = new ColumnBatch(s, [new PrimitiveVector<int>(DataType.Int32, k), new PrimitiveVector<double>(DataType.Float64, x), new PrimitiveVector<long>(DataType.Int64, q)]);
        _filter = new FilterSpec(s, Binder.Bind(new BinaryExpr(BinaryOp.And, new BinaryExpr(BinaryOp.LessThan, new ColumnRef("x"), Literal.Of(0.5)), new BinaryExpr(BinaryOp.GreaterThan, new ColumnRef("q"), Literal.Of(10L))), s));
        var expr = Binder.Bind(new BinaryExpr(BinaryOp.Multiply, new ColumnRef("x"), new BinaryExpr(BinaryOp.Subtract, Literal.Of(1.0), new ColumnRef("x"))), s);
        _project = new ProjectSpec(s, [expr], new Schema([new Field("y", DataType.Float64)]));
        _aggregate = new AggregateSpec(s, [0], [new AggregateCall(AggFunc.Sum, 1, false, DataType.Float64), new AggregateCall(AggFunc.CountStar, -1, false, DataType.Int64)],
            new Schema([s[0], new Field("sum", DataType.Float64), new Field("n", DataType.Int64)]));
        if (Path == "gpu" && !GpuDevice.Availability.Available) throw new InvalidOperationException($"no GPU: {GpuDevice.Availability.Reason}");
        (_filterImpl, _projectImpl, _aggregateImpl) = Path switch
        {
            "scalar" => ((IFilterImpl)new FilterScalar(), (IProjectImpl)new ProjectScalar(), (IHashAggregateImpl)new HashAggregateScalar()),
            "simd" => (new FilterSimd(), new ProjectSimd(), new HashAggregateSimd()),
            _ => (new FilterGpu(), new ProjectGpu(), new HashAggregateGpu()),
        };
    }

    /// <summary>x &lt; 0.5 AND q &gt; 10.</summary>
    [Benchmark]
    public int Filter() => _filterImpl.Filter(_batch, _filter).RowCount;

    /// <summary>x * (1 - x).</summary>
    [Benchmark]
    public int Project() => _projectImpl.Project(_batch, _project).RowCount;

    /// <summary>sum(x), count(*) group by k (100 groups).</summary>
    [Benchmark]
    public int Aggregate() => _aggregateImpl.Aggregate([_batch], _aggregate).RowCount;
}
