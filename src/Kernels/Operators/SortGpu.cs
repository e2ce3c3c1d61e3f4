using Accel.Data;
using Accel.Execution;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.RadixSortOperations;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>GPU sort and top-N: each sort key becomes an order-preserving unsigned field (direction by complement,
/// NULL placement as a rank bit in front, strings as ranks of a dictionary sorted on the host), the fields are packed
/// by their measured ranges into as few 64-bit words as they fit, and (word, row) pairs are radix sorted on the device
/// one word at a time, least significant first. ILGPU's radix sort is a stable LSD sort, so rows start in input order and
/// equal rows keep it: the order is exactly the scalar path's stable sort. A top-N sorts fully and takes the first N.</summary>
public sealed class SortGpu : ISortImpl
{
    /// <summary>The most rows one GPU sort takes: the radix sort's pair and scratch views (about 5 ints a row) must stay
    /// below int.MaxValue elements, and splitting a sort into merged runs is not implemented.</summary>
    public const long MaxRows = 1L << 28;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Gpu;

    /// <inheritdoc />
    public Support CanRun(SortSpec spec, ExecEnvironment env)
    {
        foreach (var k in spec.Keys)
            if (!GpuKeys.Supports(spec.Input[k.Ordinal].Type))
                return Support.No($"sorting by a {spec.Input[k.Ordinal].Type} key is not on the GPU yet");
        if (env.EstimatedRows > MaxRows)
            return Support.No($"{env.EstimatedRows:N0} rows exceed the {MaxRows:N0} one GPU sort takes (ILGPU views stop at int.MaxValue elements; split sorts are not implemented)");
        return GpuCostModel.Available();
    }

    /// <inheritdoc />
    public CostEstimate Estimate(SortSpec spec, ExecEnvironment env)
    {
        // About one word per key; a 64-bit radix sort makes 32 passes of a few launches over 12-byte pairs.
        int words = Math.Max(1, spec.Keys.Count);
        return GpuCostModel.Estimate(env.EstimatedRows, words, 1, 32 * words, 2 + 3 * 32 * words, env.InputOnDevice);
    }

    /// <inheritdoc />
    public ColumnBatch Sort(ColumnBatch input, SortSpec spec)
    {
        var batch = input.Compact();
        int n = batch.PhysicalRows;
        if (n > MaxRows) throw new AccelException($"gpu sort: {n:N0} rows exceed the {MaxRows:N0} one GPU sort takes");
        var words = PackKeys(batch, spec.Keys, n);
        int[] order = n < 2 || words.Count == 0 ? Identity(n) : SortOnDevice(words, n);
        if (spec.Limit is int limit && limit < order.Length) order = order[..Math.Max(0, limit)];
        return new ColumnBatch(batch.Schema, batch.Columns.Select(c => c.Gather(order)).ToArray(), order.Length);
    }

    private static int[] Identity(int n)
    {
        var r = new int[n];
        for (int i = 0; i < n; i++) r[i] = i;
        return r;
    }

    private static int[] SortOnDevice(IReadOnlyList<(ulong[] Word, int Bits)> words, int n) => GpuDevice.Runtime.Run((a, k) =>
    {
        var pool = GpuDevice.Runtime.Memory;
        var cfg = GpuRuntime.GridFor(a, n);
        // Each word is sorted with the narrowest key type its bits fit: the radix sort's passes scale with the key's width.
        int widest = words.Max(w => w.Bits);
        using var perm = pool.Rent<int>(n);
        using var word = pool.Rent<ulong>(n);
        using var keys64 = pool.Rent<ulong>(widest > 32 ? n : 1);
        using var keys32 = pool.Rent<uint>(widest > 16 ? n : 1);
        using var keys16 = pool.Rent<ushort>(n);
        long tempSize = Math.Max(a.ComputeRadixSortPairsTempStorageSize<ushort, int, AscendingUInt16>(n),
            Math.Max(a.ComputeRadixSortPairsTempStorageSize<uint, int, AscendingUInt32>(n),
                widest > 32 ? a.ComputeRadixSortPairsTempStorageSize<ulong, int, AscendingUInt64>(n) : 0));
        using var temp = pool.Rent<int>(tempSize);
        k.Identity(cfg, perm.View, n);
        // Least significant word first: each stable pass keeps the order the later (more significant) passes refine.
        for (int j = words.Count - 1; j >= 0; j--)
        {
            var (w, bits) = words[j];
            word.CopyFrom(w);
            if (bits > 32)
            {
                k.GatherWord64(cfg, word.View, perm.View, n, keys64.View);
                k.SortPairs64(a.DefaultStream, keys64.View, perm.View, temp.View);
            }
            else if (bits > 16)
            {
                k.GatherWord32(cfg, word.View, perm.View, n, keys32.View);
                k.SortPairs32(a.DefaultStream, keys32.View, perm.View, temp.View);
            }
            else
            {
                k.GatherWord16(cfg, word.View, perm.View, n, keys16.View);
                k.SortPairs16(a.DefaultStream, keys16.View, perm.View, temp.View);
            }
        }
        a.Synchronize();
        return perm.ToArray();
    });

    /// <summary>The packed sort words of the rows, most significant first: per key an optional NULL-rank bit (only when
    /// the key has both NULLs and values) and the value's offset from the key's minimum.</summary>
    internal static IReadOnlyList<(ulong[] Word, int Bits)> PackKeys(ColumnBatch batch, IReadOnlyList<SortKey> keys, int n)
    {
        var packer = new WordPacker(n);
        foreach (var key in keys)
        {
            var col = batch[key.Ordinal];
            var u = new ulong[n];
            if (col is StringVector s) GpuKeys.StringRanks(s, n, u);
            else GpuKeys.Normalize(col, n, u);
            if (!key.Ascending) for (int i = 0; i < n; i++) u[i] = ~u[i];
            ulong lo = ulong.MaxValue, hi = 0;
            int nulls = 0;
            for (int i = 0; i < n; i++)
            {
                if (col.IsNull(i)) { nulls++; continue; }
                if (u[i] < lo) lo = u[i];
                if (u[i] > hi) hi = u[i];
            }
            bool anyValue = nulls < n;
            if (nulls > 0 && anyValue)
            {
                // NULL placement does not depend on the direction: the rank bit puts NULLs before or after every value.
                ulong nullRank = key.NullsFirst ? 0UL : 1UL;
                var rank = new ulong[n];
                for (int i = 0; i < n; i++) rank[i] = col.IsNull(i) ? nullRank : 1 - nullRank;
                packer.Add(rank, 1);
            }
            if (!anyValue) continue;
            for (int i = 0; i < n; i++) u[i] = col.IsNull(i) ? 0 : u[i] - lo;
            packer.Add(u, GpuKeys.BitsFor(lo, hi));
        }
        return packer.Words;
    }
}
