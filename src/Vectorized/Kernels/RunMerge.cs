namespace Accel.Vectorized;

/// <summary>Sorts keys (with a payload each) that arrive as a few ascending runs, the order in which merged per-thread
/// states hold their groups: runs are found in one pass and merged pairwise, O(n log runs) instead of a full sort.</summary>
public static class RunMerge
{
    /// <summary>The most runs merged; more than this and the keys are sorted from scratch.</summary>
    public const int MaxRuns = 64;

    /// <summary>Sorts <paramref name="keys"/> ascending, moving <paramref name="values"/> with them (keys are distinct).</summary>
    public static void Sort(long[] keys, int[] values) => Sort(keys, values, keys.Length);

    /// <summary>Sorts the first <paramref name="n"/> keys ascending, moving the first <paramref name="n"/> values with them
    /// (arrays from a pool may be longer); the merge buffers come from the array pool.</summary>
    public static void Sort(long[] keys, int[] values, int n)
    {
        var starts = new List<int> { 0 };
        for (int i = 1; i < n; i++)
            if (keys[i] < keys[i - 1])
            {
                if (starts.Count == MaxRuns) { Array.Sort(keys, values, 0, n); return; }
                starts.Add(i);
            }
        if (starts.Count == 1) return;
        starts.Add(n);
        var (k, v) = (keys, values);
        long[] bufferKeys = System.Buffers.ArrayPool<long>.Shared.Rent(n);
        int[] bufferValues = System.Buffers.ArrayPool<int>.Shared.Rent(n);
        var (k2, v2) = (bufferKeys, bufferValues);
        while (starts.Count > 2)
        {
            var next = new List<int>(starts.Count / 2 + 2);
            int r = 0;
            for (; r + 2 < starts.Count; r += 2)
            {
                MergeTwo(k, v, starts[r], starts[r + 1], starts[r + 2], k2, v2);
                next.Add(starts[r]);
            }
            if (r + 1 < starts.Count)
            {
                // An odd run left over is copied as it is.
                Array.Copy(k, starts[r], k2, starts[r], starts[r + 1] - starts[r]);
                Array.Copy(v, starts[r], v2, starts[r], starts[r + 1] - starts[r]);
                next.Add(starts[r]);
            }
            next.Add(n);
            starts = next;
            (k, k2) = (k2, k);
            (v, v2) = (v2, v);
        }
        if (!ReferenceEquals(k, keys))
        {
            Array.Copy(k, keys, n);
            Array.Copy(v, values, n);
        }
        System.Buffers.ArrayPool<long>.Shared.Return(bufferKeys);
        System.Buffers.ArrayPool<int>.Shared.Return(bufferValues);
    }

    // Merges [a, b) and [b, c) of the source into the same range of the target.
    private static void MergeTwo(long[] k, int[] v, int a, int b, int c, long[] tk, int[] tv)
    {
        int i = a, j = b, o = a;
        while (i < b && j < c)
        {
            bool left = k[i] <= k[j];
            int from = left ? i++ : j++;
            tk[o] = k[from];
            tv[o++] = v[from];
        }
        for (; i < b; i++, o++) { tk[o] = k[i]; tv[o] = v[i]; }
        for (; j < c; j++, o++) { tk[o] = k[j]; tv[o] = v[j]; }
    }
}
