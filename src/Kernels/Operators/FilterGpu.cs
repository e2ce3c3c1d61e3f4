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
        var runtime = GpuDevice.Runtime;
        var pool = runtime.Memory;
        var (positions, marks) = runtime.Run((a, k) =>
        {
            var cfg = GpuRuntime.GridFor(a, n);
            using var staged = DeviceStaging.Stage(a, k, pool, input, program.Columns);
            var (outVal, outValid) = program.Run(a, k, pool, staged, n);
            using var outValLease = outVal;
            using var outValidLease = outValid;
            // Rows the kernel could not compute exactly pass the flags; their validity bytes say which they are.
            byte[]? valid = program.MayMarkHostRows ? outValid.ToArray() : null;
            using var flags = pool.Rent<int>(n);
            k.Flags(cfg, outVal.View, outValid.View, n, flags.View);
            using var offsets = pool.Rent<int>(n);
            using var temp = pool.Rent<int>(a.ComputeScanTempStorageSize<int>(n));
            k.ExclusiveScan(a.DefaultStream, flags.View, offsets.View, temp.View);
            var tail = new int[2];
            offsets.CopyTo(tail.AsSpan(0, 1), n - 1);
            flags.CopyTo(tail.AsSpan(1, 1), n - 1);
            int count = tail[0] + tail[1];
            if (count == 0) return (Array.Empty<int>(), valid);
            using var dPositions = pool.Rent<int>(count);
            k.Scatter(cfg, flags.View, offsets.View, n, dPositions.View);
            a.Synchronize();
            return (dPositions.ToArray(), valid);
        });
        if (marks is not null) positions = RecheckOnHost(input, spec, positions, marks);
        if (input.Selection is { } sel)
            for (int i = 0; i < positions.Length; i++) positions[i] = sel[positions[i]];
        return input.WithSelection(positions);
    }

    // The passing rows the kernel marked for the host are evaluated again by the scalar evaluator; those it finds
    // not TRUE are dropped (positions are live-row indices, in order).
    private static int[] RecheckOnHost(ColumnBatch input, FilterSpec spec, int[] positions, byte[] marks)
    {
        var marked = positions.Where(p => marks[p] == Op.HostRow).ToArray();
        if (marked.Length == 0) return positions;
        var verdict = (PrimitiveVector<bool>)Expressions.ScalarEvaluator.Evaluate(spec.Predicate, input.WithSelection(marked.Select(input.RowAt).ToArray()));
        var rejected = new HashSet<int>();
        for (int j = 0; j < marked.Length; j++)
            if (verdict.IsNull(j) || !verdict.Values[j]) rejected.Add(marked[j]);
        return rejected.Count == 0 ? positions : positions.Where(p => !rejected.Contains(p)).ToArray();
    }
}
