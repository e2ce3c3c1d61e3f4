using Accel.Data;
using Accel.Execution;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU filter: the whole predicate is one fused kernel (a postfix program per row), then the
/// passing rows are compacted on the device (flags, exclusive scan, scatter) into a selection vector.</summary>
public sealed class FilterGpu : IFilterImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(FilterSpec spec, ExecEnvironment env)
    {
        var why = ExprProgram.Unsupported(spec.Predicate);
        if (why is not null) return Support.No(why);
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(FilterSpec spec, ExecEnvironment env)
    {
        int cols = spec.Predicate.Descendants().OfType<Expressions.BoundColumn>().Select(c => c.Ordinal).Distinct().Count();
        return GpuCostModel.Estimate(env.EstimatedRows, cols, 0, spec.Predicate.Descendants().Count(), 4, env.InputOnDevice);
    }

    /// <inheritdoc />
    public ColumnBatch Filter(ColumnBatch input, FilterSpec spec)
    {
        int n = input.RowCount;
        if (n == 0) return input.WithSelection([]);
        var program = ExprProgram.Compile(spec.Predicate);
        var (data, valid) = DeviceColumns.Stage(input.Columns, program.Columns, n, input.Selection);
        var positions = GpuDevice.Runtime.Run((a, k) =>
        {
            var cfg = GpuRuntime.GridFor(a, n);
            var code = program.Code;
            using var dData = a.Allocate1D(data);
            using var dValid = a.Allocate1D(valid);
            using var dCode = a.Allocate1D(code);
            using var dConsts = a.Allocate1D(program.Constants);
            using var outVal = a.Allocate1D<long>(n);
            using var outValid = a.Allocate1D<byte>(n);
            k.Eval(cfg, dData.View, dValid.View, dCode.View, dConsts.View, code.Length, n, outVal.View, outValid.View);
            using var flags = a.Allocate1D<int>(n);
            k.Flags(cfg, outVal.View, outValid.View, n, flags.View);
            using var offsets = a.Allocate1D<int>(n);
            using var temp = a.Allocate1D<int>(a.ComputeScanTempStorageSize<int>(n));
            k.ExclusiveScan(a.DefaultStream, flags.View, offsets.View, temp.View);
            var tail = new int[2];
            offsets.View.AsContiguous().SubView(n - 1, 1).CopyToCPU(tail.AsSpan(0, 1));
            flags.View.AsContiguous().SubView(n - 1, 1).CopyToCPU(tail.AsSpan(1, 1));
            int count = tail[0] + tail[1];
            if (count == 0) return Array.Empty<int>();
            using var dPositions = a.Allocate1D<int>(count);
            k.Scatter(cfg, flags.View, offsets.View, n, dPositions.View);
            a.Synchronize();
            return dPositions.GetAsArray1D();
        });
        if (input.Selection is { } sel)
            for (int i = 0; i < positions.Length; i++) positions[i] = sel[positions[i]];
        return input.WithSelection(positions);
    }
}
