using ILGPU;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>Kernels for dictionary-coded strings and for groups keyed on the host: loaded on first use like the join kernels.</summary>
public sealed partial class KernelSet
{
    private Action<KernelConfig, ArrayView<long>, ArrayView<int>, int>? _remapCodes;
    private Action<KernelConfig, ArrayView<int>, int, ArrayView<long>>? _firstRow;

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
