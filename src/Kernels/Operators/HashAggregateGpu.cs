using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU hash aggregate: rows are assigned group slots in a device hash table built with 64-bit
/// atomic compare-and-swap (slot 0 holds NULL keys), then each aggregate is updated with atomics
/// (add for counts and sums, min/max for integers, CAS loops for doubles under Spark's NaN ordering).</summary>
public sealed class HashAggregateGpu : IHashAggregateImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(AggregateSpec spec, ExecEnvironment env)
    {
        if (spec.KeyOrdinals.Count > 1)
            return Support.No($"grouping by {spec.KeyOrdinals.Count} keys is not on the GPU yet");
        if (spec.KeyOrdinals.Count == 1 && spec.Input[spec.KeyOrdinals[0]].Type.Id is not (TypeId.Int32 or TypeId.Int64 or TypeId.Date32))
            return Support.No($"grouping by a {spec.Input[spec.KeyOrdinals[0]].Type} key is not on the GPU yet");
        foreach (var a in spec.Aggregates)
        {
            if (a.Distinct) return Support.No($"{AggregateExpr.NameOf(a.Func)}(DISTINCT) is not on the GPU yet");
            if (a.Func is not (AggFunc.Count or AggFunc.CountStar or AggFunc.Sum or AggFunc.Avg or AggFunc.Min or AggFunc.Max))
                return Support.No($"aggregate {AggregateExpr.NameOf(a.Func)} is not on the GPU yet");
            if (a.InputOrdinal >= 0 && !(spec.Input[a.InputOrdinal].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64
                    || (a.Func is AggFunc.Min or AggFunc.Max or AggFunc.Count && spec.Input[a.InputOrdinal].Type.Id is TypeId.Date32 or TypeId.Timestamp)))
                return Support.No($"{AggregateExpr.NameOf(a.Func)} over {spec.Input[a.InputOrdinal].Type} is not on the GPU yet");
        }
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(AggregateSpec spec, ExecEnvironment env) =>
        GpuCostModel.Estimate(env.EstimatedRows, spec.KeyOrdinals.Count + spec.Aggregates.Count(a => a.InputOrdinal >= 0), 0,
            2 + spec.Aggregates.Count * 4, 3 + spec.Aggregates.Count, env.InputOnDevice);

    /// <inheritdoc />
    public ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec)
    {
        var all = ColumnBatch.Concat(spec.Input, input.ToList());
        int n = all.PhysicalRows;
        bool keyed = spec.KeyOrdinals.Count == 1;
        int capacity = keyed ? (int)Math.Min(1 << 30, System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * n))) : 0;
        int slots = capacity + 2;
        var valueOrdinals = spec.Aggregates.Select(a => a.InputOrdinal).Where(o => o >= 0).Distinct().ToArray();

        return GpuDevice.Runtime.Run((a, k) =>
        {
            var cfg = GpuRuntime.GridFor(a, Math.Max(1, n));
            using var rowSlot = a.Allocate1D<int>(Math.Max(1, n));
            using var table = a.Allocate1D<long>(Math.Max(1, capacity));
            if (keyed && n > 0)
            {
                var (keys, keyValid) = DeviceColumns.Stage(all.Columns, [spec.KeyOrdinals[0]], n);
                using var dKeys = a.Allocate1D(keys);
                using var dKeyValid = a.Allocate1D(keyValid);
                k.Fill(GpuRuntime.GridFor(a, capacity), table.View, KernelSet.EmptyKey, capacity);
                k.Insert(cfg, dKeys.View, dKeyValid.View, n, table.View, capacity - 1, rowSlot.View);
            }
            else rowSlot.MemSetToZero();
            using var rows = a.Allocate1D<long>(slots);
            rows.MemSetToZero();
            if (n > 0) k.CountRows(cfg, rowSlot.View, n, rows.View);

            var perColumn = new Dictionary<int, (long[] Count, long[] LongSum, double[] DoubleSum, long[] Min, long[] Max)>();
            foreach (var ord in valueOrdinals)
            {
                bool floating = spec.Input[ord].Type.IsFloating;
                var (values, valid) = DeviceColumns.Stage(all.Columns, [ord], n);
                using var dValues = a.Allocate1D(values);
                using var dValid = a.Allocate1D(valid);
                using var count = a.Allocate1D<long>(slots);
                using var lsum = a.Allocate1D<long>(slots);
                using var dsum = a.Allocate1D<long>(slots);
                using var min = a.Allocate1D<long>(slots);
                using var max = a.Allocate1D<long>(slots);
                count.MemSetToZero();
                lsum.MemSetToZero();
                dsum.MemSetToZero();
                var slotCfg = GpuRuntime.GridFor(a, slots);
                k.Fill(slotCfg, min.View, floating ? BitConverter.DoubleToInt64Bits(double.NaN) : long.MaxValue, slots);
                k.Fill(slotCfg, max.View, floating ? BitConverter.DoubleToInt64Bits(double.NegativeInfinity) : long.MinValue, slots);
                if (n > 0)
                {
                    if (floating) k.UpdateDouble(cfg, dValues.View, dValid.View, rowSlot.View, n, count.View, dsum.View, min.View, max.View);
                    else k.UpdateLong(cfg, dValues.View, dValid.View, rowSlot.View, n, count.View, lsum.View, min.View, max.View);
                }
                a.Synchronize();
                perColumn[ord] = (count.GetAsArray1D(), lsum.GetAsArray1D(), dsum.GetAsArray1D().Select(BitConverter.Int64BitsToDouble).ToArray(), min.GetAsArray1D(), max.GetAsArray1D());
            }
            a.Synchronize();
            var rowCounts = rows.GetAsArray1D();
            var tableKeys = keyed ? table.GetAsArray1D() : [];
            return Assemble(spec, keyed, rowCounts, tableKeys, perColumn);
        });
    }

    private static ColumnBatch Assemble(AggregateSpec spec, bool keyed, long[] rowCounts, long[] tableKeys,
        Dictionary<int, (long[] Count, long[] LongSum, double[] DoubleSum, long[] Min, long[] Max)> perColumn)
    {
        // Occupied slots are the groups; a global aggregate always has its one group (slot 0).
        var groups = keyed ? Enumerable.Range(0, rowCounts.Length).Where(s => rowCounts[s] > 0).ToArray() : [0];
        var columns = new List<ColumnVector>();
        if (keyed)
        {
            var kt = spec.Output[0].Type;
            var b = ColumnBuilder.Create(kt, groups.Length);
            foreach (var s in groups)
            {
                if (s == 0) { b.AppendNull(); continue; }
                long key = s == 1 ? KernelSet.EmptyKey : tableKeys[s - 2];
                b.Append(kt.Id switch { TypeId.Int64 => key, TypeId.Date32 => ValueConversions.ToDate((int)key), _ => (object)(int)key });
            }
            columns.Add(b.Build());
        }
        foreach (var call in spec.Aggregates)
        {
            var b = ColumnBuilder.Create(call.ResultType, groups.Length);
            if (call.InputOrdinal < 0)
            {
                foreach (var s in groups) b.Append(rowCounts[s]);
                columns.Add(b.Build());
                continue;
            }
            var t = spec.Input[call.InputOrdinal].Type;
            var st = perColumn[call.InputOrdinal];
            foreach (var s in groups)
            {
                long c = st.Count[s];
                object? v = call.Func switch
                {
                    AggFunc.Count => c,
                    _ when c == 0 => null,
                    AggFunc.Sum => t.IsFloating ? st.DoubleSum[s] : st.LongSum[s],
                    AggFunc.Avg => (t.IsFloating ? st.DoubleSum[s] : (double)st.LongSum[s]) / c,
                    AggFunc.Min => Value(t, st.Min[s]),
                    _ => Value(t, st.Max[s]),
                };
                b.Append(v);
            }
            columns.Add(b.Build());
        }
        return new ColumnBatch(spec.Output, columns, groups.Length);
    }

    private static object Value(DataType t, long stored) => t.Id switch
    {
        TypeId.Float64 => BitConverter.Int64BitsToDouble(stored),
        TypeId.Float32 => (float)BitConverter.Int64BitsToDouble(stored),
        TypeId.Int32 or TypeId.Date32 => (int)stored,
        _ => stored,
    };
}
