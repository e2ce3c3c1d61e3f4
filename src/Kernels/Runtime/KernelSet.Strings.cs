using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>Kernels for dictionary-coded strings, groups keyed on the host and distinct counts: loaded on first use like the join kernels.</summary>
public sealed partial class KernelSet
{
    private Action<KernelConfig, ArrayView<long>, ArrayView<int>, int>? _remapCodes;
    private Action<KernelConfig, ArrayView<int>, int, ArrayView<long>>? _firstRow;
    private Action<KernelConfig, ArrayView<long>, int, ArrayView<int>, ArrayView<long>>? _countDistinct;

    /// <summary>counts[rowSlot[first[s]]] += 1 for every occupied pair slot s but slot 0 (NULL values): the number of
    /// distinct (group, value) pairs of each group, from the first row of each pair (<see cref="FirstRow"/>).</summary>
    internal Action<KernelConfig, ArrayView<long>, int, ArrayView<int>, ArrayView<long>> CountDistinct =>
        _countDistinct ??= _accelerator.LoadStreamKernel<ArrayView<long>, int, ArrayView<int>, ArrayView<long>>(CountDistinctKernel);

    private static void CountDistinctKernel(ArrayView<long> firstOfPair, int pairSlots, ArrayView<int> rowSlot, ArrayView<long> counts)
    {
        for (int s = Grid.GlobalIndex.X; s < pairSlots; s += Stride)
        {
            long first = firstOfPair[s];
            if (s > 0 && first != long.MaxValue) Atomic.Add(ref counts[rowSlot[(int)first]], 1L);
        }
    }

    /// <summary>codes[i] = map[codes[i]]: a resident chunk's dictionary codes rewritten into the codes of the dictionary
    /// several chunks are staged under.</summary>
    internal Action<KernelConfig, ArrayView<long>, ArrayView<int>, int> RemapCodes =>
        _remapCodes ??= _accelerator.LoadStreamKernel<ArrayView<long>, ArrayView<int>, int>(RemapCodesKernel);

    /// <summary>first[slot] = the lowest row index assigned to the slot (first must start at long.MaxValue): one
    /// representative row per group, from which the host reads the group's key values.</summary>
    internal Action<KernelConfig, ArrayView<int>, int, ArrayView<long>> FirstRow =>
        _firstRow ??= _accelerator.LoadStreamKernel<ArrayView<int>, int, ArrayView<long>>(FirstRowKernel);

    private static void RemapCodesKernel(ArrayView<long> codes, ArrayView<int> map, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) codes[i] = map[(int)codes[i]];
    }

    private static void FirstRowKernel(ArrayView<int> rowSlot, int n, ArrayView<long> first)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) Atomic.Min(ref first[rowSlot[i]], (long)i);
    }
}
