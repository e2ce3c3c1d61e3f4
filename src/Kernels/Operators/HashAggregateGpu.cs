using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU hash aggregate: rows are assigned group slots in a device hash table built with 64-bit
/// atomic compare-and-swap (slot 0 holds NULL keys), then each aggregate is updated with atomics
/// (add for counts and sums, min/max for integers, CAS loops for doubles under Spark's NaN ordering);
/// count(DISTINCT x) inserts the (keys, x) pairs into a second table and counts each distinct pair for its group.</summary>
public sealed class HashAggregateGpu : IHashAggregateImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(AggregateSpec spec, ExecEnvironment env)
    {
        foreach (int k in spec.KeyOrdinals)
            if (!GpuKeys.Supports(spec.Input[k].Type))
                return Support.No($"grouping by a {spec.Input[k].Type} key is not on the GPU yet");
        foreach (var a in spec.Aggregates)
        {
            if (a.Distinct && a.Func == AggFunc.Count && GpuKeys.Supports(spec.Input[a.InputOrdinal].Type)) continue;
            if (a.Distinct) return Support.No($"{AggregateExpr.NameOf(a.Func)}(DISTINCT) over {spec.Input[a.InputOrdinal].Type} is not on the GPU yet");
            if (a.Func is not (AggFunc.Count or AggFunc.CountStar or AggFunc.Sum or AggFunc.Avg or AggFunc.Min or AggFunc.Max))
                return Support.No($"aggregate {AggregateExpr.NameOf(a.Func)} is not on the GPU yet");
            if (a.InputOrdinal >= 0 && !(spec.Input[a.InputOrdinal].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal
                    || (a.Func is AggFunc.Min or AggFunc.Max or AggFunc.Count && spec.Input[a.InputOrdinal].Type.Id is TypeId.Date32 or TypeId.Timestamp)))
                return Support.No($"{AggregateExpr.NameOf(a.Func)} over {spec.Input[a.InputOrdinal].Type} is not on the GPU yet");
        }
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(AggregateSpec spec, ExecEnvironment env) =>
        GpuCostModel.Estimate(env.EstimatedRows, spec.KeyOrdinals.Count + spec.Aggregates.Count(a => a.InputOrdinal >= 0), 0,
            2 + spec.Aggregates.Count * 4, 3 + spec.Aggregates.Count, env.InputOnDevice);

    /// <summary>Per-group accumulators of one input column, read back for the occupied slots only.</summary>
    private sealed record ColumnState(long[] Count, long[] LongSum, long[] SumHigh, double[] DoubleSum, long[] Min, long[] Max);

    /// <inheritdoc />
    public ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec)
    {
        var batches = input.Where(b => b.RowCount > 0).ToList();
        long total = batches.Sum(b => (long)b.RowCount);
        if (total > int.MaxValue) throw new AccelException($"gpu aggregate: {total:N0} input rows exceed one kernel's int32 index range");
        int n = (int)total;
        bool keyed = spec.KeyOrdinals.Count > 0;
        // One integer key is hashed as it is; any other keys are packed into one word per row on the host, and each
        // group's key values are then read from its first row.
        bool packed = keyed && !(spec.KeyOrdinals.Count == 1 && spec.Input[spec.KeyOrdinals[0]].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Date32);
        var packing = new GroupKeyPacking(batches, n);
        long[]? packedKeys = packed ? packing.Pack(spec.KeyOrdinals) : null;
        int capacity = keyed ? TableCapacity(n) : 0;
        int slots = capacity + 2;
        var valueOrdinals = spec.Aggregates.Where(a => !a.Distinct).Select(a => a.InputOrdinal).Where(o => o >= 0).Distinct().ToArray();
        var distinctOrdinals = spec.Aggregates.Where(a => a.Distinct).Select(a => a.InputOrdinal).Distinct().ToArray();
        // count(DISTINCT x): the (keys, x) pairs packed like grouping keys, so the distinct pairs are the slots of a second table.
        var distinctPairs = distinctOrdinals.ToDictionary(o => o, o => packing.Pack([.. spec.KeyOrdinals, o]));
        int pairCapacity = distinctOrdinals.Length == 0 ? 0 : TableCapacity(n);

        var runtime = GpuDevice.Runtime;
        var pool = runtime.Memory;
        return runtime.Run((a, k) =>
        {
            var cfg = GpuRuntime.GridFor(a, Math.Max(1, n));
            var slotCfg = GpuRuntime.GridFor(a, slots);
            using var rowSlot = pool.Rent<int>(Math.Max(1, n));
            using var table = pool.Rent<long>(Math.Max(1, capacity));
            if (keyed && n > 0)
            {
                using var keys = packedKeys is null ? DeviceStaging.Stage(a, k, pool, batches, [spec.KeyOrdinals[0]], n) : UploadPacked(pool, packedKeys);
                k.Fill(GpuRuntime.GridFor(a, capacity), table.View, KernelSet.EmptyKey, capacity);
                k.Insert(cfg, keys.Data.View, keys.Valid.View, n, table.View, capacity - 1, rowSlot.View);
            }
            else rowSlot.Clear();
            using var rows = pool.Rent<long>(slots);
            rows.Clear();
            if (n > 0) k.CountRows(cfg, rowSlot.View, n, rows.View);

            // The groups are the occupied slots (a global aggregate always has its one group, slot 0). They are
            // compacted on the device so that only O(groups), not the whole 2n-slot table, comes back.
            int[] groupSlots;
            using var dGroups = pool.Rent<int>(slots);
            if (keyed)
            {
                using var flags = pool.Rent<int>(slots);
                using var offsets = pool.Rent<int>(slots);
                using var temp = pool.Rent<int>(a.ComputeScanTempStorageSize<int>(slots));
                k.Occupied(slotCfg, rows.View, slots, flags.View);
                k.ExclusiveScan(a.DefaultStream, flags.View, offsets.View, temp.View);
                k.Scatter(slotCfg, flags.View, offsets.View, slots, dGroups.View);
                a.Synchronize();
                var tail = new int[2];
                offsets.CopyTo(tail.AsSpan(0, 1), slots - 1);
                flags.CopyTo(tail.AsSpan(1, 1), slots - 1);
                groupSlots = new int[tail[0] + tail[1]];
                dGroups.CopyTo(groupSlots);
            }
            else
            {
                groupSlots = [0];
                dGroups.Clear();
            }
            int g = groupSlots.Length;
            using var gathered = pool.Rent<long>(Math.Max(1, g));
            long[] ReadBack(DeviceBuffer<long> src, int offset)
            {
                if (g == 0) return [];
                k.Gather(GpuRuntime.GridFor(a, g), src.View, dGroups.View, g, offset, gathered.View);
                a.Synchronize();
                var r = new long[g];
                gathered.CopyTo(r);
                return r;
            }

            var perColumn = new Dictionary<int, ColumnState>();
            foreach (var ord in valueOrdinals)
            {
                bool floating = spec.Input[ord].Type.IsFloating;
                var (dValues, dValid) = DeviceStaging.Stage(a, k, pool, batches, [ord], n);
                using var valuesLease = dValues;
                using var validLease = dValid;
                using var count = pool.Rent<long>(slots);
                using var sum = pool.Rent<long>(slots);
                using var sumHigh = pool.Rent<long>(slots);
                using var min = pool.Rent<long>(slots);
                using var max = pool.Rent<long>(slots);
                count.Clear();
                sum.Clear();
                sumHigh.Clear();
                k.Fill(slotCfg, min.View, floating ? BitConverter.DoubleToInt64Bits(double.NaN) : long.MaxValue, slots);
                k.Fill(slotCfg, max.View, floating ? BitConverter.DoubleToInt64Bits(double.NegativeInfinity) : long.MinValue, slots);
                if (n > 0)
                {
                    if (floating) k.UpdateDouble(cfg, dValues.View, dValid.View, rowSlot.View, n, count.View, sum.View, min.View, max.View);
                    else k.UpdateLong(cfg, dValues.View, dValid.View, rowSlot.View, n, count.View, sum.View, sumHigh.View, min.View, max.View);
                }
                var sums = ReadBack(sum, 0);
                perColumn[ord] = new ColumnState(ReadBack(count, 0), floating ? [] : sums, floating ? [] : ReadBack(sumHigh, 0),
                    floating ? sums.Select(BitConverter.Int64BitsToDouble).ToArray() : [], ReadBack(min, 0), ReadBack(max, 0));
            }
            var distinctCounts = new Dictionary<int, long[]>();
            foreach (var ord in distinctOrdinals)
            {
                using var pairTable = pool.Rent<long>(pairCapacity);
                using var pairSlot = pool.Rent<int>(Math.Max(1, n));
                using var firstOfPair = pool.Rent<long>(pairCapacity + 2);
                using var distinct = pool.Rent<long>(slots);
                distinct.Clear();
                k.Fill(GpuRuntime.GridFor(a, pairCapacity + 2), firstOfPair.View, long.MaxValue, pairCapacity + 2);
                if (n > 0)
                {
                    // A pair whose x is NULL gets slot 0, which is not counted: count(DISTINCT) ignores NULLs.
                    using var pairs = UploadPacked(pool, distinctPairs[ord], Validity(batches, ord, n));
                    k.Fill(GpuRuntime.GridFor(a, pairCapacity), pairTable.View, KernelSet.EmptyKey, pairCapacity);
                    k.Insert(cfg, pairs.Data.View, pairs.Valid.View, n, pairTable.View, pairCapacity - 1, pairSlot.View);
                    k.FirstRow(cfg, pairSlot.View, n, firstOfPair.View);
                    k.CountDistinct(GpuRuntime.GridFor(a, pairCapacity + 2), firstOfPair.View, pairCapacity + 2, rowSlot.View, distinct.View);
                }
                distinctCounts[ord] = ReadBack(distinct, 0);
            }
            var rowCounts = ReadBack(rows, 0);
            if (packed)
            {
                using var first = pool.Rent<long>(slots);
                k.Fill(slotCfg, first.View, long.MaxValue, slots);
                if (n > 0) k.FirstRow(cfg, rowSlot.View, n, first.View);
                return Assemble(spec, groupSlots, rowCounts, KeyColumnsAt(batches, spec, ReadBack(first, 0)), perColumn, distinctCounts);
            }
            // Table slot s+2 holds the key of group slot s; slots 0 (NULL key) and 1 (the sentinel value) read 0.
            var keyColumns = keyed ? [IntegerKeyColumn(spec.Output[0].Type, groupSlots, ReadBack(table, 2))] : Array.Empty<ColumnVector>();
            return Assemble(spec, groupSlots, rowCounts, keyColumns, perColumn, distinctCounts);
        });
    }

    // Open-addressing slots for n rows: the power of two at or above 2n (at least 16), at most 2^30.
    private static int TableCapacity(int n) => (int)Math.Min(1L << 30, (long)System.Numerics.BitOperations.RoundUpToPowerOf2((ulong)Math.Max(16L, 2L * n)));

    // Packed words with their validity (all valid for grouping keys, whose NULLs are a field value of the word).
    private static StagedColumns UploadPacked(DeviceMemoryPool pool, long[] packedKeys, byte[]? valid = null)
    {
        if (valid is null)
        {
            valid = new byte[packedKeys.Length];
            Array.Fill(valid, (byte)1);
        }
        var data = pool.Upload<long>(packedKeys);
        try { return new StagedColumns(data, pool.Upload<byte>(valid), []); }
        catch { data.Dispose(); throw; }
    }

    // 1 where the column's value is not NULL, over the batches' live rows in order.
    private static byte[] Validity(IReadOnlyList<ColumnBatch> batches, int ordinal, int n)
    {
        var valid = new byte[n];
        int at = 0;
        foreach (var b in batches)
        {
            var c = b[ordinal];
            for (int r = 0; r < b.RowCount; r++) valid[at++] = c.IsNull(b.RowAt(r)) ? (byte)0 : (byte)1;
        }
        return valid;
    }

    private static ColumnVector IntegerKeyColumn(DataType kt, int[] groupSlots, long[] groupKeys)
    {
        var b = ColumnBuilder.Create(kt, groupSlots.Length);
        for (int j = 0; j < groupSlots.Length; j++)
        {
            if (groupSlots[j] == 0) { b.AppendNull(); continue; }
            long key = groupSlots[j] == 1 ? KernelSet.EmptyKey : groupKeys[j];
            b.Append(kt.Id switch { TypeId.Int64 => key, TypeId.Date32 => ValueConversions.ToDate((int)key), _ => (object)(int)key });
        }
        return b.Build();
    }

    // Each group's key values, read from its first row (an index into the batches' live rows, in order).
    private static ColumnVector[] KeyColumnsAt(IReadOnlyList<ColumnBatch> batches, AggregateSpec spec, long[] firstRows)
    {
        var starts = new long[batches.Count];
        for (int j = 1; j < batches.Count; j++) starts[j] = starts[j - 1] + batches[j - 1].RowCount;
        var where = firstRows.Select(r =>
        {
            int j = Array.BinarySearch(starts, r);
            if (j < 0) j = ~j - 1;
            while (j + 1 < starts.Length && starts[j + 1] == r) j++; // skip empty batches starting at the same row
            return (Batch: j, Row: batches[j].RowAt((int)(r - starts[j])));
        }).ToArray();
        return spec.KeyOrdinals.Select((ord, i) =>
        {
            var b = ColumnBuilder.Create(spec.Output[i].Type, where.Length);
            // -0.0 and 0.0 (and NaNs) group together; the key shown is the normalized one, as on the other paths.
            foreach (var (batch, row) in where) b.Append(Accel.Operators.SparkOrdering.NormalizeKey(batches[batch][ord].GetValue(row)));
            return b.Build();
        }).ToArray();
    }

    private static ColumnBatch Assemble(AggregateSpec spec, int[] groupSlots, long[] rowCounts, ColumnVector[] keyColumns,
        Dictionary<int, ColumnState> perColumn, Dictionary<int, long[]> distinctCounts)
    {
        int g = groupSlots.Length;
        var columns = new List<ColumnVector>(keyColumns);
        foreach (var call in spec.Aggregates)
        {
            var b = ColumnBuilder.Create(call.ResultType, g);
            if (call.InputOrdinal < 0)
            {
                for (int j = 0; j < g; j++) b.Append(rowCounts[j]);
                columns.Add(b.Build());
                continue;
            }
            if (call.Distinct)
            {
                foreach (var c in distinctCounts[call.InputOrdinal]) b.Append(c);
                columns.Add(b.Build());
                continue;
            }
            var t = spec.Input[call.InputOrdinal].Type;
            var st = perColumn[call.InputOrdinal];
            for (int j = 0; j < g; j++)
            {
                long c = st.Count[j];
                object? v = call.Func switch
                {
                    AggFunc.Count => c,
                    _ when c == 0 => null,
                    // Boxed per branch: a ?: of double and long would round every long sum through a double.
                    AggFunc.Sum when t.Id == TypeId.Decimal => DecimalSum(new Int128((ulong)st.SumHigh[j], (ulong)st.LongSum[j]), t.Scale, call.ResultType),
                    AggFunc.Avg when t.Id == TypeId.Decimal => DecimalAverage(new Int128((ulong)st.SumHigh[j], (ulong)st.LongSum[j]), c, t.Scale, call.ResultType),
                    AggFunc.Sum => t.IsFloating ? st.DoubleSum[j] : (object)st.LongSum[j],
                    AggFunc.Avg => (t.IsFloating ? st.DoubleSum[j] : (double)new Int128((ulong)st.SumHigh[j], (ulong)st.LongSum[j])) / c,
                    AggFunc.Min => Value(t, st.Min[j]),
                    _ => Value(t, st.Max[j]),
                };
                b.Append(v);
            }
            columns.Add(b.Build());
        }
        return new ColumnBatch(spec.Output, columns, g);
    }

    // The exact 128-bit sum of the scaled values; NULL when it needs more digits than the result type has (Spark's
    // non-ANSI overflow), as the scalar path's decimal sum.
    private static object? DecimalSum(Int128 sum, int scale, DataType result)
    {
        var d = ToDecimal(sum, scale);
        return d is { } v && ValueConversions.FromDecimal(v, result.Precision, result.Scale) is { } scaled ? ValueConversions.ToDecimal(scaled, result.Scale) : null;
    }

    // sum / count in System.Decimal rounded half away from zero to the result's scale, as the scalar path computes it.
    private static object? DecimalAverage(Int128 sum, long count, int scale, DataType result)
    {
        if (ToDecimal(sum, scale) is not { } d) return null;
        var avg = Math.Round(d / count, result.Scale, MidpointRounding.AwayFromZero);
        return ValueConversions.FromDecimal(avg, result.Precision, result.Scale) is { } scaled ? ValueConversions.ToDecimal(scaled, result.Scale) : null;
    }

    // A 128-bit scaled value as System.Decimal (null past its 96-bit range, which no 18-digit result reaches anyway).
    private static decimal? ToDecimal(Int128 scaled, int scale)
    {
        if (Int128.Abs(scaled) > (Int128)decimal.MaxValue) return null;
        return (decimal)scaled / ValueConversions.ToDecimal(ValuePow10(scale), 0);
    }

    private static long ValuePow10(int k)
    {
        long p = 1;
        for (int i = 0; i < k; i++) p *= 10;
        return p;
    }

    private static object Value(DataType t, long stored) => t.Id switch
    {
        TypeId.Decimal => ValueConversions.ToDecimal(stored, t.Scale),
        // Each arm boxed on its own: the switch's natural type would otherwise be double, rounding longs past 2^53.
        TypeId.Float64 => (object)BitConverter.Int64BitsToDouble(stored),
        TypeId.Float32 => (float)BitConverter.Int64BitsToDouble(stored),
        TypeId.Int32 or TypeId.Date32 => (int)stored,
        _ => stored,
    };
}
