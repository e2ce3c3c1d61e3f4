using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Kernels;

namespace Accel.Tests;

/// <summary>Every GPU kernel against the scalar path, run on ILGPU's CPU accelerator (CI has no GPU), on
/// small inputs around warp and group sizes.</summary>
[Collection("gpu")]
public sealed class GpuDifferentialTests
{
    static GpuDifferentialTests() => GpuDevice.Use(GpuMode.Cpu);

    public static TheoryData<int, double> Sizes()
    {
        var d = new TheoryData<int, double>();
        foreach (var n in new[] { 0, 1, 2, 31, 32, 33, 127, 128, 129, 257 })
            foreach (var density in new[] { 0.0, 0.2 }) d.Add(n, density);
        d.Add(5000, 0.1);
        return d;
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Filter_equals_scalar(int n, double density)
    {
        var batch = DifferentialCases.Batch(n, density, seed: 7 + n);
        foreach (var p in DifferentialCases.Predicates)
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, p));
        if (n > 3)
        {
            var sel = Enumerable.Range(0, n).Where(i => i % 4 != 1).ToArray();
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch.WithSelection(sel), DifferentialCases.Predicates[1]));
        }
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Project_equals_scalar(int n, double density)
    {
        var batch = DifferentialCases.Batch(n, density, seed: 70 + n);
        foreach (var e in DifferentialCases.Projections)
            Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, e));
    }

    [Theory, MemberData(nameof(Sizes))]
    public void Aggregate_equals_scalar(int n, double density)
    {
        var batch = DifferentialCases.Batch(n, density, seed: 700 + n);
        foreach (var spec in DifferentialCases.Aggregates())
            Assert.Null(DifferentialCases.CompareAggregate(new HashAggregateGpu(), [batch, batch], spec));
    }

    [Fact]
    public void Filter_and_project_equal_scalar_for_every_size_0_to_257()
    {
        for (int n = 0; n <= 257; n++)
        {
            var batch = DifferentialCases.Batch(n, n % 3 == 0 ? 0.0 : 0.15, seed: 9000 + n);
            Assert.Null(DifferentialCases.CompareFilter(new FilterGpu(), batch, DifferentialCases.Predicates[n % DifferentialCases.Predicates.Length]));
            Assert.Null(DifferentialCases.CompareProject(new ProjectGpu(), batch, DifferentialCases.Projections[n % DifferentialCases.Projections.Length]));
        }
    }

    [Fact]
    public void Selftest_on_the_cpu_accelerator_reports_every_kernel_equal()
    {
        var output = new StringWriter();
        int code = GpuSelfTest.Run(output, rows: 500);
        Assert.Equal(0, code);
        var text = output.ToString();
        Assert.Contains("ILGPU CPU accelerator", text);
        Assert.Equal(13, text.Split('\n').Count(l => l.Contains("EQUAL")));
        Assert.DoesNotContain("DIFFERENT", text);
    }

    [Fact]
    public void Unsupported_work_is_declined_with_a_reason()
    {
        var s = DifferentialCases.Schema;
        var call = Binder.Bind(new FunctionCall("lower", [new CastExpr(new ColumnRef("i"), DataType.Utf8)]), s);
        var r = new ProjectGpu().CanRun(new ProjectSpec(s, [call], new Schema([new Field("x", DataType.Utf8)])), new ExecEnvironment(10));
        Assert.False(r.CanRun);
        Assert.Contains("has no GPU kernel yet", r.Reason);
        // count(DISTINCT) runs on the GPU; sum(DISTINCT) does not yet.
        var distinct = new AggregateSpec(s, [], [new AggregateCall(AggFunc.Sum, 0, true, DataType.Int64)], new Schema([new Field("c", DataType.Int64)]));
        Assert.Equal("sum(DISTINCT) over int is not on the GPU yet", new HashAggregateGpu().CanRun(distinct, new ExecEnvironment(10)).Reason);
    }

    [Fact]
    public void Transfers_are_part_of_the_gpu_cost()
    {
        var s = DifferentialCases.Schema;
        var spec = new FilterSpec(s, Binder.Bind(DifferentialCases.Predicates[1], s));
        var host = new FilterGpu().Estimate(spec, new ExecEnvironment(10_000_000));
        var resident = new FilterGpu().Estimate(spec, new ExecEnvironment(10_000_000, InputOnDevice: true));
        Assert.True(host.BytesMoved > 0);
        Assert.True(host.TotalMs > resident.TotalMs);
    }
}
