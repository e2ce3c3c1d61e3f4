using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.RadixSortOperations;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>The sort and hash-join kernels. They are loaded on first use (under <see cref="GpuRuntime.Run{T}"/>'s lock),
/// so a query that never sorts or joins does not pay for compiling the radix sort.</summary>
public sealed partial class KernelSet
{
    private readonly Accelerator _accelerator;

    private Action<KernelConfig, ArrayView<int>, int, int>? _fillInt;
    private Action<KernelConfig, ArrayView<int>, int>? _identity;
    private Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<ulong>>? _gatherWord64;
    private Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<uint>>? _gatherWord32;
    private RadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense>? _sortPairs64;
    private RadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense>? _sortPairs32;
    private Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<ushort>>? _gatherWord16;
    private RadixSortPairs<ushort, Stride1D.Dense, int, Stride1D.Dense>? _sortPairs16;
    private Action<KernelConfig, ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>>? _joinInsert;
    private Action<KernelConfig, ArrayView<int>, int, ArrayView<int>>? _joinGroupCount;
    private Action<KernelConfig, ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>>? _joinGroupScatter;
    private Action<KernelConfig, ArrayView<long>, ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<long>>? _joinProbe;
    private Action<KernelConfig, ArrayView<int>, ArrayView<long>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>>? _joinWrite;
    private Scan<long, Stride1D.Dense, Stride1D.Dense>? _exclusiveScanLong;
    private Action<KernelConfig, ArrayView<long>, ArrayView<int>, int, ArrayView<long>>? _gatherRows;
    private Action<KernelConfig, ArrayView<byte>, ArrayView<int>, int, ArrayView<byte>>? _gatherValid;

    /// <summary>dst[j] = src[sel[j]]: a device-resident column read through a batch's selection vector.</summary>
    internal Action<KernelConfig, ArrayView<long>, ArrayView<int>, int, ArrayView<long>> GatherRows =>
        _gatherRows ??= _accelerator.LoadStreamKernel<ArrayView<long>, ArrayView<int>, int, ArrayView<long>>(GatherRowsKernel);
    /// <summary>The validity bytes of <see cref="GatherRows"/>.</summary>
    internal Action<KernelConfig, ArrayView<byte>, ArrayView<int>, int, ArrayView<byte>> GatherValid =>
        _gatherValid ??= _accelerator.LoadStreamKernel<ArrayView<byte>, ArrayView<int>, int, ArrayView<byte>>(GatherValidKernel);

    private static void GatherRowsKernel(ArrayView<long> src, ArrayView<int> sel, int n, ArrayView<long> dst)
    {
        for (int j = Grid.GlobalIndex.X; j < n; j += Stride) dst[j] = src[sel[j]];
    }

    private static void GatherValidKernel(ArrayView<byte> src, ArrayView<int> sel, int n, ArrayView<byte> dst)
    {
        for (int j = Grid.GlobalIndex.X; j < n; j += Stride) dst[j] = src[sel[j]];
    }

    internal Action<KernelConfig, ArrayView<int>, int, int> FillInt => _fillInt ??= _accelerator.LoadStreamKernel<ArrayView<int>, int, int>(FillIntKernel);
    internal Action<KernelConfig, ArrayView<int>, int> Identity => _identity ??= _accelerator.LoadStreamKernel<ArrayView<int>, int>(IdentityKernel);
    internal Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<ulong>> GatherWord64 =>
        _gatherWord64 ??= _accelerator.LoadStreamKernel<ArrayView<ulong>, ArrayView<int>, int, ArrayView<ulong>>(GatherWord64Kernel);
    internal Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<uint>> GatherWord32 =>
        _gatherWord32 ??= _accelerator.LoadStreamKernel<ArrayView<ulong>, ArrayView<int>, int, ArrayView<uint>>(GatherWord32Kernel);
    /// <summary>Stable LSD radix sort of (64-bit key, row) pairs.</summary>
    internal RadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense> SortPairs64 =>
        _sortPairs64 ??= _accelerator.CreateRadixSortPairs<ulong, Stride1D.Dense, int, Stride1D.Dense, AscendingUInt64>();
    /// <summary>Stable LSD radix sort of (32-bit key, row) pairs: half the passes of the 64-bit sort.</summary>
    internal RadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense> SortPairs32 =>
        _sortPairs32 ??= _accelerator.CreateRadixSortPairs<uint, Stride1D.Dense, int, Stride1D.Dense, AscendingUInt32>();
    internal Action<KernelConfig, ArrayView<ulong>, ArrayView<int>, int, ArrayView<ushort>> GatherWord16 =>
        _gatherWord16 ??= _accelerator.LoadStreamKernel<ArrayView<ulong>, ArrayView<int>, int, ArrayView<ushort>>(GatherWord16Kernel);
    /// <summary>Stable LSD radix sort of (16-bit key, row) pairs: a quarter of the passes of the 64-bit sort.</summary>
    internal RadixSortPairs<ushort, Stride1D.Dense, int, Stride1D.Dense> SortPairs16 =>
        _sortPairs16 ??= _accelerator.CreateRadixSortPairs<ushort, Stride1D.Dense, int, Stride1D.Dense, AscendingUInt16>();
    internal Action<KernelConfig, ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>> JoinInsert =>
        _joinInsert ??= _accelerator.LoadStreamKernel<ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>>(JoinInsertKernel);
    internal Action<KernelConfig, ArrayView<int>, int, ArrayView<int>> JoinGroupCount =>
        _joinGroupCount ??= _accelerator.LoadStreamKernel<ArrayView<int>, int, ArrayView<int>>(JoinGroupCountKernel);
    internal Action<KernelConfig, ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>> JoinGroupScatter =>
        _joinGroupScatter ??= _accelerator.LoadStreamKernel<ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>>(JoinGroupScatterKernel);
    internal Action<KernelConfig, ArrayView<long>, ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<long>> JoinProbe =>
        _joinProbe ??= _accelerator.LoadStreamKernel<ArrayView<long>, ArrayView<long>, int, ArrayView<byte>, int, ArrayView<int>, int, ArrayView<int>, ArrayView<int>, ArrayView<long>>(JoinProbeKernel);
    internal Action<KernelConfig, ArrayView<int>, ArrayView<long>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>> JoinWrite =>
        _joinWrite ??= _accelerator.LoadStreamKernel<ArrayView<int>, ArrayView<long>, int, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>, ArrayView<int>>(JoinWriteKernel);
    /// <summary>Exclusive prefix sum over int64 (join output offsets can pass int.MaxValue before they are checked).</summary>
    internal Scan<long, Stride1D.Dense, Stride1D.Dense> ExclusiveScanLong =>
        _exclusiveScanLong ??= _accelerator.CreateScan<long, Stride1D.Dense, Stride1D.Dense, AddInt64>(ScanKind.Exclusive);

    /// <summary>An empty slot of the join hash table (slots hold build row numbers).</summary>
    internal const int EmptySlot = -1;

    private static void FillIntKernel(ArrayView<int> view, int value, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) view[i] = value;
    }

    private static void IdentityKernel(ArrayView<int> view, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) view[i] = i;
    }

    /// <summary>keys[i] = word[perm[i]]: the next (more significant) word in the current order of the rows.</summary>
    private static void GatherWord64Kernel(ArrayView<ulong> word, ArrayView<int> perm, int n, ArrayView<ulong> keys)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) keys[i] = word[perm[i]];
    }

    private static void GatherWord32Kernel(ArrayView<ulong> word, ArrayView<int> perm, int n, ArrayView<uint> keys)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) keys[i] = (uint)word[perm[i]];
    }

    private static void GatherWord16Kernel(ArrayView<ulong> word, ArrayView<int> perm, int n, ArrayView<ushort> keys)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) keys[i] = (ushort)word[perm[i]];
    }

    // A 64-bit finalizer per key word: packed keys are often small consecutive integers, whose low bits alone would cluster.
    private static int SlotOf(ArrayView<long> keys, long at, int words, int mask)
    {
        ulong h = 0x9E3779B97F4A7C15UL;
        for (int k = 0; k < words; k++)
        {
            h ^= (ulong)keys[at + k];
            h ^= h >> 33;
            h *= 0xFF51AFD7ED558CCDUL;
            h ^= h >> 33;
            h *= 0xC4CEB9FE1A85EC53UL;
            h ^= h >> 33;
        }
        return (int)(h & (ulong)mask);
    }

    private static bool SameKey(ArrayView<long> a, long atA, ArrayView<long> b, long atB, int words)
    {
        for (int k = 0; k < words; k++)
            if (a[atA + k] != b[atB + k]) return false;
        return true;
    }

    /// <summary>Inserts every active build row's key (<paramref name="words"/> int64 words per row, row-major): the first
    /// row of a key to win the slot's compare-and-swap represents the key; rep[r] is that row (-1 for inactive rows).</summary>
    private static void JoinInsertKernel(ArrayView<long> keys, int words, ArrayView<byte> active, int n, ArrayView<int> table, int mask, ArrayView<int> rep)
    {
        for (int r = Grid.GlobalIndex.X; r < n; r += Stride)
        {
            if (active[r] == 0) { rep[r] = EmptySlot; continue; }
            long at = (long)r * words;
            int p = SlotOf(keys, at, words, mask);
            while (true)
            {
                int prev = Atomic.CompareExchange(ref table[p], EmptySlot, r);
                if (prev == EmptySlot) { rep[r] = r; break; }
                // The winner's key words are read-only input, so comparing them here cannot race with its insert.
                if (SameKey(keys, (long)prev * words, keys, at, words)) { rep[r] = prev; break; }
                p = (p + 1) & mask;
            }
        }
    }

    private static void JoinGroupCountKernel(ArrayView<int> rep, int n, ArrayView<int> groupCount)
    {
        for (int r = Grid.GlobalIndex.X; r < n; r += Stride)
        {
            int g = rep[r];
            if (g >= 0) Atomic.Add(ref groupCount[g], 1);
        }
    }

    /// <summary>Lays the build rows out contiguously per key: rows of representative g fill groupRows[groupStart[g]..].</summary>
    private static void JoinGroupScatterKernel(ArrayView<int> rep, int n, ArrayView<int> groupStart, ArrayView<int> cursor, ArrayView<int> groupRows)
    {
        for (int r = Grid.GlobalIndex.X; r < n; r += Stride)
        {
            int g = rep[r];
            if (g >= 0) groupRows[groupStart[g] + Atomic.Add(ref cursor[g], 1)] = r;
        }
    }

    /// <summary>Finds each probe row's key in the table: matchRep[p] is the representative build row (-1: none) and
    /// counts[p] the number of build rows with that key.</summary>
    private static void JoinProbeKernel(ArrayView<long> probeKeys, ArrayView<long> buildKeys, int words, ArrayView<byte> active, int n,
        ArrayView<int> table, int mask, ArrayView<int> groupCount, ArrayView<int> matchRep, ArrayView<long> counts)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            matchRep[i] = EmptySlot;
            counts[i] = 0;
            if (active[i] == 0) continue;
            long at = (long)i * words;
            int p = SlotOf(probeKeys, at, words, mask);
            while (true)
            {
                int b = table[p];
                if (b == EmptySlot) break;
                if (SameKey(buildKeys, (long)b * words, probeKeys, at, words))
                {
                    matchRep[i] = b;
                    counts[i] = groupCount[b];
                    break;
                }
                p = (p + 1) & mask;
            }
        }
    }

    /// <summary>Writes the (probe row, build row) pairs of each matching probe row at its scanned offset.</summary>
    private static void JoinWriteKernel(ArrayView<int> matchRep, ArrayView<long> offsets, int n, ArrayView<int> groupStart, ArrayView<int> groupCount,
        ArrayView<int> groupRows, ArrayView<int> outProbe, ArrayView<int> outBuild)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            int g = matchRep[i];
            if (g < 0) continue;
            long o = offsets[i];
            int start = groupStart[g], count = groupCount[g];
            for (int j = 0; j < count; j++)
            {
                outProbe[o + j] = i;
                outBuild[o + j] = groupRows[start + j];
            }
        }
    }
}
