using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU hash join, every keyed join type: the keys of both sides are packed on the host into 64-bit words by the
/// build side's ranges (strings as codes of the build side's dictionary), the build side is inserted into a device hash
/// table of build row numbers with 32-bit atomic compare-and-swap (the first row of a key represents it) and its rows are
/// grouped per key (count, exclusive scan, scatter), then the probe side counts its matches, scans them into offsets and
/// writes the (probe row, build row) pairs. A residual condition runs through the fused expression kernel
/// (<see cref="ExprProgram"/>) over the pairs; outer, semi and anti semantics and the output gather are on the host.</summary>
public sealed class HashJoinGpu : IHashJoinImpl
{
    /// <summary>The most rows either side may have: the hash table has a power-of-two capacity of at least twice the
    /// build side and must stay an ILGPU view below int.MaxValue elements.</summary>
    public const long MaxRows = 1L << 29;
    private const int ResidualChunk = 1 << 20;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(JoinSpec spec, ExecEnvironment env)
    {
        foreach (var (schema, keys) in new[] { (spec.Left, spec.LeftKeys), (spec.Right, spec.RightKeys) })
            foreach (var k in keys)
                if (!GpuKeys.Supports(schema[k].Type))
                    return Support.No($"join key '{schema[k].Name}' is {schema[k].Type}, which has no GPU key encoding yet");
        if (spec.Residual is not null && ExprProgram.Unsupported(spec.Residual) is { } why)
            return Support.No($"join condition: {why}");
        // A residual's rows are gathered per pair; one the kernel could not compute exactly has no host recheck here.
        if (spec.Residual is not null && ExprProgram.Compile(spec.Residual).MayMarkHostRows)
            return Support.No("join condition: decimal arithmetic in a join condition is not on the GPU yet");
        if (env.EstimatedRows > MaxRows)
            return Support.No($"{env.EstimatedRows:N0} rows exceed the {MaxRows:N0} one GPU join takes (ILGPU views stop at int.MaxValue elements; partitioned joins are not implemented)");
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(JoinSpec spec, ExecEnvironment env)
    {
        // Keys go up and (probe, build) pairs come back; the residual's columns go up per pair.
        int residualColumns = spec.Residual?.Descendants().OfType<BoundColumn>().Select(c => c.Ordinal).Distinct().Count() ?? 0;
        int nodes = 8 + (spec.Residual?.Descendants().Count() ?? 0);
        return GpuCostModel.Estimate(env.EstimatedRows, spec.LeftKeys.Count + residualColumns, 1, nodes, 9 + (spec.Residual is null ? 0 : 3), env.InputOnDevice);
    }

    /// <inheritdoc />
    public ColumnBatch Join(ColumnBatch left, ColumnBatch right, JoinSpec spec)
    {
        if (spec.LeftKeys.Count != spec.RightKeys.Count)
            throw new AccelException($"join has {spec.LeftKeys.Count} left keys but {spec.RightKeys.Count} right keys");
        for (int k = 0; k < spec.LeftKeys.Count; k++)
        {
            var lt = left[spec.LeftKeys[k]].Type;
            var rt = right[spec.RightKeys[k]].Type;
            if (lt != rt) throw new AccelException($"join key {k} has type {lt} on the left and {rt} on the right; the planner must cast keys to one type");
            if (!GpuKeys.Supports(lt)) throw new AccelException($"gpu join: join key {k} is {lt}, which has no GPU key encoding");
        }
        left = left.Compact();
        right = right.Compact();
        if (left.PhysicalRows > MaxRows || right.PhysicalRows > MaxRows)
            throw new AccelException($"gpu join: a side of {Math.Max(left.PhysicalRows, right.PhysicalRows):N0} rows exceeds the {MaxRows:N0} one GPU join takes");

        bool buildLeft = spec.Build == BuildSide.Left;
        var (build, buildKeys) = buildLeft ? (left, spec.LeftKeys) : (right, spec.RightKeys);
        var (probe, probeKeys) = buildLeft ? (right, spec.RightKeys) : (left, spec.LeftKeys);
        var (probeRows, buildRows) = buildKeys.Count == 0 ? AllPairs(build.PhysicalRows, probe.PhysicalRows) : MatchingPairs(build, buildKeys, probe, probeKeys);
        var (li, ri) = buildLeft ? (buildRows, probeRows) : (probeRows, buildRows);
        if (spec.Residual is not null && li.Length > 0) (li, ri) = ApplyResidual(left, right, li, ri, spec.Residual);

        var leftMatched = new bool[left.PhysicalRows];
        var rightMatched = new bool[right.PhysicalRows];
        for (int p = 0; p < li.Length; p++) { leftMatched[li[p]] = true; rightMatched[ri[p]] = true; }
        switch (spec.Type)
        {
            case JoinType.LeftSemi or JoinType.LeftAnti:
            {
                bool want = spec.Type == JoinType.LeftSemi;
                var rows = Enumerable.Range(0, left.PhysicalRows).Where(r => leftMatched[r] == want).ToArray();
                return new ColumnBatch(spec.Output, spec.EmitColumns(left, null, (c, _) => c.Gather(rows)), rows.Length);
            }
            case JoinType.Inner or JoinType.Cross:
                break;
            case JoinType.LeftOuter or JoinType.RightOuter or JoinType.FullOuter:
            {
                var l = new List<int>(li);
                var r = new List<int>(ri);
                if (spec.Type != JoinType.RightOuter)
                    for (int x = 0; x < left.PhysicalRows; x++) if (!leftMatched[x]) { l.Add(x); r.Add(-1); }
                if (spec.Type != JoinType.LeftOuter)
                    for (int x = 0; x < right.PhysicalRows; x++) if (!rightMatched[x]) { l.Add(-1); r.Add(x); }
                li = l.ToArray();
                ri = r.ToArray();
                break;
            }
            default:
                throw new AccelException($"gpu join: {spec.Type} join is not on the GPU");
        }
        return new ColumnBatch(spec.Output, spec.EmitColumns(left, right, (c, isLeft) => c.Gather(isLeft ? li : ri)), li.Length);
    }

    /// <summary>Every (probe row, build row) pair, for a join without equality keys (a cross join, or one against a
    /// scalar subquery's row): a nested-loop join whose condition the fused kernel then evaluates per pair.</summary>
    /// <exception cref="NotSupportedException">Over <see cref="MaxCrossPairs"/> pairs (the operator then fails over).</exception>
    private static (int[] Probe, int[] Build) AllPairs(int nb, int np)
    {
        long total = (long)nb * np;
        if (total > MaxCrossPairs)
            throw new NotSupportedException($"gpu join: a join without equality keys over {np:N0} x {nb:N0} rows makes {total:N0} pairs, over the {MaxCrossPairs:N0} the GPU nested-loop join takes");
        var probe = new int[total];
        var build = new int[total];
        int at = 0;
        for (int p = 0; p < np; p++)
            for (int b = 0; b < nb; b++, at++)
            {
                probe[at] = p;
                build[at] = b;
            }
        return (probe, build);
    }

    /// <summary>Most pairs a join without equality keys enumerates on the GPU path.</summary>
    public const long MaxCrossPairs = 1L << 26;

    /// <summary>(probe row, build row) of every pair with equal, non-NULL keys, built and probed on the device.</summary>
    private static (int[] Probe, int[] Build) MatchingPairs(ColumnBatch build, IReadOnlyList<int> buildKeys, ColumnBatch probe, IReadOnlyList<int> probeKeys)
    {
        int nb = build.PhysicalRows, np = probe.PhysicalRows;
        if (nb == 0 || np == 0) return ([], []);
        var keys = JoinKeyWords.Encode(buildKeys.Select(k => build[k]).ToArray(), nb, probeKeys.Select(k => probe[k]).ToArray(), np);
        int w = keys.Words;
        int capacity = (int)System.Numerics.BitOperations.RoundUpToPowerOf2((uint)Math.Max(16, 2 * nb));
        return GpuDevice.Runtime.Run((a, k) =>
        {
            var pool = GpuDevice.Runtime.Memory;
            var buildCfg = GpuRuntime.GridFor(a, nb);
            var probeCfg = GpuRuntime.GridFor(a, np);
            using var dBuild = pool.Upload(keys.Build);
            using var dBuildActive = pool.Upload(keys.BuildActive);
            using var table = pool.Rent<int>(capacity);
            using var rep = pool.Rent<int>(nb);
            k.FillInt(GpuRuntime.GridFor(a, capacity), table.View, KernelSet.EmptySlot, capacity);
            k.JoinInsert(buildCfg, dBuild.View, w, dBuildActive.View, nb, table.View, capacity - 1, rep.View);

            using var groupCount = pool.Rent<int>(nb);
            using var groupStart = pool.Rent<int>(nb);
            using var cursor = pool.Rent<int>(nb);
            using var groupRows = pool.Rent<int>(nb);
            using var intTemp = pool.Rent<int>(a.ComputeScanTempStorageSize<int>(nb));
            groupCount.Clear();
            cursor.Clear();
            k.JoinGroupCount(buildCfg, rep.View, nb, groupCount.View);
            k.ExclusiveScan(a.DefaultStream, groupCount.View, groupStart.View, intTemp.View);
            k.JoinGroupScatter(buildCfg, rep.View, nb, groupStart.View, cursor.View, groupRows.View);

            using var dProbe = pool.Upload(keys.Probe);
            using var dProbeActive = pool.Upload(keys.ProbeActive);
            using var matchRep = pool.Rent<int>(np);
            using var counts = pool.Rent<long>(np);
            using var offsets = pool.Rent<long>(np);
            using var longTemp = pool.Rent<int>(a.ComputeScanTempStorageSize<long>(np));
            k.JoinProbe(probeCfg, dProbe.View, dBuild.View, w, dProbeActive.View, np, table.View, capacity - 1, groupCount.View, matchRep.View, counts.View);
            k.ExclusiveScanLong(a.DefaultStream, counts.View, offsets.View, longTemp.View);
            a.Synchronize();
            var tail = new long[2];
            offsets.CopyTo(tail.AsSpan(0, 1), np - 1);
            counts.CopyTo(tail.AsSpan(1, 1), np - 1);
            long total = tail[0] + tail[1];
            if (total > Array.MaxLength)
                throw new AccelException($"gpu join: {total:N0} matching pairs exceed one output buffer; join smaller partitions");
            if (total == 0) return (Array.Empty<int>(), Array.Empty<int>());
            using var outProbe = pool.Rent<int>(total);
            using var outBuild = pool.Rent<int>(total);
            k.JoinWrite(probeCfg, matchRep.View, offsets.View, np, groupStart.View, groupCount.View, groupRows.View, outProbe.View, outBuild.View);
            a.Synchronize();
            return (outProbe.ToArray(), outBuild.ToArray());
        });
    }

    /// <summary>Keeps the pairs whose residual is TRUE: the columns it reads are gathered per pair on the host and the
    /// fused expression kernel evaluates it on the device, a chunk of pairs at a time.</summary>
    private static (int[] Left, int[] Right) ApplyResidual(ColumnBatch left, ColumnBatch right, int[] li, int[] ri, BoundExpr residual)
    {
        var program = ExprProgram.Compile(residual);
        int leftColumns = left.Columns.Count;
        var keepL = new List<int>();
        var keepR = new List<int>();
        for (int start = 0; start < li.Length; start += ResidualChunk)
        {
            int n = Math.Min(ResidualChunk, li.Length - start);
            var l = li.AsSpan(start, n);
            var r = ri.AsSpan(start, n);
            var columns = new ColumnVector[program.Columns.Count];
            for (int c = 0; c < columns.Length; c++)
            {
                int o = program.Columns[c];
                columns[c] = o < leftColumns ? left[o].Gather(l) : right[o - leftColumns].Gather(r);
            }
            var gathered = new ColumnBatch(new Schema(columns.Select((c, x) => new Field($"c{x}", c.Type)).ToArray()), columns, n);
            var pass = GpuDevice.Runtime.Run((a, k) =>
            {
                var pool = GpuDevice.Runtime.Memory;
                var cfg = GpuRuntime.GridFor(a, n);
                using var staged = DeviceStaging.Stage(a, k, pool, gathered, Enumerable.Range(0, columns.Length).ToArray());
                var (outVal, outValid) = program.Run(a, k, pool, staged, n);
                using var outValLease = outVal;
                using var outValidLease = outValid;
                using var flags = pool.Rent<int>(n);
                k.Flags(cfg, outVal.View, outValid.View, n, flags.View);
                a.Synchronize();
                return flags.ToArray();
            });
            for (int i = 0; i < n; i++)
                if (pass[i] != 0) { keepL.Add(l[i]); keepR.Add(r[i]); }
        }
        return (keepL.ToArray(), keepR.ToArray());
    }
}
