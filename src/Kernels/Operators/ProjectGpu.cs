using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU projection: each computed expression is one fused kernel launch; plain column references
/// pass through on the host.</summary>
public sealed class ProjectGpu : IProjectImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(ProjectSpec spec, ExecEnvironment env)
    {
        foreach (var e in spec.Exprs)
        {
            if (e is BoundColumn) continue;
            var why = ExprProgram.Unsupported(e);
            if (why is not null) return Support.No(why);
        }
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(ProjectSpec spec, ExecEnvironment env)
    {
        var computed = spec.Exprs.Where(e => e is not BoundColumn).ToArray();
        int cols = computed.SelectMany(e => e.Descendants().OfType<BoundColumn>()).Select(c => c.Ordinal).Distinct().Count();
        return GpuCostModel.Estimate(env.EstimatedRows, cols, computed.Length, computed.Sum(e => e.Descendants().Count()), computed.Length, env.InputOnDevice);
    }

    /// <inheritdoc />
    public ColumnBatch Project(ColumnBatch input, ProjectSpec spec)
    {
        int n = input.RowCount;
        var cols = new ColumnVector[spec.Exprs.Count];
        for (int i = 0; i < cols.Length; i++)
        {
            var e = spec.Exprs[i];
            // Only pass-through columns are gathered through the selection; computed ones read it while staging.
            if (e is BoundColumn c) { cols[i] = input.Selection is { } sel ? input[c.Ordinal].Gather(sel) : input[c.Ordinal]; continue; }
            cols[i] = n == 0 ? ColumnBuilder.Create(e.Type, 0).Build() : Evaluate(e, input, n);
        }
        return new ColumnBatch(spec.Output, cols, n);
    }

    /// <summary>Evaluates one expression on the device over the <paramref name="n"/> live rows of <paramref name="input"/>.</summary>
    internal static ColumnVector Evaluate(BoundExpr e, ColumnBatch input, int n)
    {
        var program = ExprProgram.Compile(e);
        var runtime = GpuDevice.Runtime;
        var pool = runtime.Memory;
        var (values, validity) = runtime.Run((a, k) =>
        {
            using var staged = DeviceStaging.Stage(a, k, pool, input, program.Columns);
            var (outVal, outValid) = program.Run(a, k, pool, staged, n);
            using var outValLease = outVal;
            using var outValidLease = outValid;
            a.Synchronize();
            return (outVal.ToArray(), outValid.ToArray());
        });
        if (program.MayMarkHostRows) RecomputeMarkedRows(e, input, values, validity);
        return DeviceColumns.Unstage(e.Type, values, validity, n);
    }

    // Rows the kernel could not compute exactly (a decimal step past int64) are evaluated by the scalar evaluator.
    private static void RecomputeMarkedRows(BoundExpr e, ColumnBatch input, long[] values, byte[] validity)
    {
        var marked = new List<int>();
        for (int i = 0; i < validity.Length && i < input.RowCount; i++) if (validity[i] == Op.HostRow) marked.Add(i);
        if (marked.Count == 0) return;
        var exact = ScalarEvaluator.Evaluate(e, input.WithSelection(marked.Select(input.RowAt).ToArray()));
        var d = new long[marked.Count];
        var v = new byte[marked.Count];
        DeviceColumns.StageColumn(exact, d, v, default);
        for (int j = 0; j < marked.Count; j++)
        {
            values[marked[j]] = d[j];
            validity[marked[j]] = v[j];
        }
    }
}
