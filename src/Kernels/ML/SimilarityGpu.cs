using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Accel.Kernels.ML;

/// <summary>Scalars of one similarity kernel launch.</summary>
public struct SimilarityLaunch
{
    /// <summary>Rows compared against (items, or feature rows).</summary>
    public int N;
    /// <summary>First source row of this batch.</summary>
    public int RowStart;
    /// <summary>Source rows in this batch.</summary>
    public int Count;
    /// <summary>Neighbours kept per row.</summary>
    public int K;
    /// <summary>Fewest co-raters for an item pair to count (co-occurrence kernel).</summary>
    public int MinCo;
    /// <summary>Feature length (dense kernel).</summary>
    public int Dim;
}

/// <summary>Cosine similarity top-k on the GPU: item–item cosine over co-rating users (sparse co-occurrence
/// accumulation, a thread per item) and nearest rows of a dense feature matrix (a thread per row). Each thread
/// sums in the same order as the CPU paths and keeps its k best in device scratch by insertion (score
/// descending, ties by lower index), so the results equal the scalar path's.</summary>
public static class SimilarityGpu
{
    // Device scratch for the per-row dense accumulators is capped, so many items are handled in batches.
    private const long ScratchBytes = 1L << 29;

    /// <summary>For every item i: the k items j with the highest cosine over the users who rated both (at least
    /// <paramref name="minCo"/> of them). Returns flat arrays of items x k, unused slots with id -1.</summary>
    public static (int[] Ids, double[] Scores, int[] CoRaters) CoRatedTopK(int items, int[] itemPtr, int[] itemUsers, double[] itemVals,
        int[] userPtr, int[] userItems, double[] userVals, int k, int minCo)
    {
        var ids = new int[(long)items * k];
        var scores = new double[(long)items * k];
        var co = new int[(long)items * k];
        if (items == 0 || k == 0) return (ids, scores, co);
        int batch = (int)Math.Max(1, Math.Min(items, ScratchBytes / ((long)items * 28)));
        return GpuDevice.Runtime.Run((a, _) =>
        {
            var kernels = SimilarityKernels.For(a);
            using var iPtr = GpuDevice.Runtime.Memory.Upload(itemPtr);
            using var iUsers = GpuDevice.Runtime.Memory.Upload(NonEmpty(itemUsers));
            using var iVals = GpuDevice.Runtime.Memory.Upload(NonEmpty(itemVals));
            using var uPtr = GpuDevice.Runtime.Memory.Upload(userPtr);
            using var uItems = GpuDevice.Runtime.Memory.Upload(NonEmpty(userItems));
            using var uVals = GpuDevice.Runtime.Memory.Upload(NonEmpty(userVals));
            using var acc = GpuDevice.Runtime.Memory.Rent<double>((long)batch * items * 3);
            using var cnt = GpuDevice.Runtime.Memory.Rent<int>((long)batch * items);
            using var topI = GpuDevice.Runtime.Memory.Rent<int>((long)items * k);
            using var topS = GpuDevice.Runtime.Memory.Rent<double>((long)items * k);
            using var topC = GpuDevice.Runtime.Memory.Rent<int>((long)items * k);
            for (int start = 0; start < items; start += batch)
            {
                var args = new SimilarityLaunch { N = items, RowStart = start, Count = Math.Min(batch, items - start), K = k, MinCo = minCo };
                kernels.CoRated(GpuRuntime.GridFor(a, args.Count), iPtr.View, iUsers.View, iVals.View, uPtr.View, uItems.View, uVals.View,
                    acc.View, cnt.View, topI.View, topS.View, topC.View, args);
            }
            a.Synchronize();
            topI.CopyTo(ids);
            topS.CopyTo(scores);
            topC.CopyTo(co);
            return (ids, scores, co);
        });
    }

    /// <summary>For every row i of the n x d row-major matrix <paramref name="x"/>: the k other rows j with the
    /// highest x_i·x_j / (norm_i · norm_j) (NaN scores, from zero norms, are never kept). Flat n x k arrays, -1 ids unused.</summary>
    public static (int[] Ids, double[] Scores) DenseTopK(double[] x, int n, int d, double[] norms, int k)
    {
        var ids = new int[(long)n * k];
        var scores = new double[(long)n * k];
        if (n == 0 || k == 0) return (ids, scores);
        return GpuDevice.Runtime.Run((a, _) =>
        {
            var kernels = SimilarityKernels.For(a);
            using var dx = GpuDevice.Runtime.Memory.Upload(NonEmpty(x));
            using var dn = GpuDevice.Runtime.Memory.Upload(norms);
            using var topI = GpuDevice.Runtime.Memory.Rent<int>((long)n * k);
            using var topS = GpuDevice.Runtime.Memory.Rent<double>((long)n * k);
            var args = new SimilarityLaunch { N = n, RowStart = 0, Count = n, K = k, Dim = d };
            kernels.Dense(GpuRuntime.GridFor(a, n), dx.View, dn.View, topI.View, topS.View, args);
            a.Synchronize();
            topI.CopyTo(ids);
            topS.CopyTo(scores);
            return (ids, scores);
        });
    }

    private static T[] NonEmpty<T>(T[] a) where T : unmanaged => a.Length == 0 ? new T[1] : a;
}

/// <summary>The similarity kernels, loaded once per accelerator.</summary>
internal sealed class SimilarityKernels
{
    private static readonly ConditionalWeakTable<Accelerator, SimilarityKernels> s_loaded = new();

    private SimilarityKernels(Accelerator a)
    {
        CoRated = a.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>,
            ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, SimilarityLaunch>(CoRatedKernel);
        Dense = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<double>, SimilarityLaunch>(DenseKernel);
    }

    public static SimilarityKernels For(Accelerator a) => s_loaded.GetValue(a, x => new SimilarityKernels(x));

    public Action<KernelConfig, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>,
        ArrayView<double>, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<int>, SimilarityLaunch> CoRated { get; }
    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<int>, ArrayView<double>, SimilarityLaunch> Dense { get; }

    private static int Stride => Grid.DimX * Group.DimX;

    /// <summary>A thread per item i of the batch: over each user u who rated i (user order), over each item j that
    /// u rated (item order), accumulate Σ r_ui r_uj, Σ r_ui², Σ r_uj² and the co-rater count in the thread's dense
    /// scratch row; then score every j ≠ i with enough co-raters and keep the k best.</summary>
    private static void CoRatedKernel(ArrayView<int> itemPtr, ArrayView<int> itemUsers, ArrayView<double> itemVals,
        ArrayView<int> userPtr, ArrayView<int> userItems, ArrayView<double> userVals,
        ArrayView<double> acc, ArrayView<int> cnt, ArrayView<int> topI, ArrayView<double> topS, ArrayView<int> topC, SimilarityLaunch p)
    {
        int n = p.N;
        for (int t = Grid.GlobalIndex.X; t < p.Count; t += Stride)
        {
            int i = p.RowStart + t;
            long ab = (long)t * n * 3, cb = (long)t * n, ob = (long)i * p.K;
            for (long j = 0; j < n; j++)
            {
                acc[ab + 3 * j] = 0;
                acc[ab + 3 * j + 1] = 0;
                acc[ab + 3 * j + 2] = 0;
                cnt[cb + j] = 0;
            }
            for (int q = itemPtr[i]; q < itemPtr[i + 1]; q++)
            {
                int u = itemUsers[q];
                double ri = itemVals[q];
                for (int w = userPtr[u]; w < userPtr[u + 1]; w++)
                {
                    int j = userItems[w];
                    double rj = userVals[w];
                    long at = ab + 3L * j;
                    acc[at] += ri * rj;
                    acc[at + 1] += ri * ri;
                    acc[at + 2] += rj * rj;
                    cnt[cb + j] += 1;
                }
            }
            int size = 0;
            for (int j = 0; j < n; j++)
            {
                int c = cnt[cb + j];
                if (j == i || c < p.MinCo || c == 0) continue;
                long at = ab + 3L * j;
                double s = acc[at] / XMath.Sqrt(acc[at + 1] * acc[at + 2]);
                size = Insert(topI, topS, topC, ob, p.K, size, s, j, c);
            }
            for (int e = size; e < p.K; e++)
            {
                topI[ob + e] = -1;
                topS[ob + e] = 0;
                topC[ob + e] = 0;
            }
        }
    }

    /// <summary>A thread per row i: s_j = (Σ_f x_if x_jf) / (norm_i · norm_j) for every j ≠ i, the k best kept.</summary>
    private static void DenseKernel(ArrayView<double> x, ArrayView<double> norms, ArrayView<int> topI, ArrayView<double> topS, SimilarityLaunch p)
    {
        int n = p.N, d = p.Dim;
        for (int i = Grid.GlobalIndex.X; i < p.Count; i += Stride)
        {
            long ob = (long)i * p.K, xi = (long)i * d;
            int size = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                long xj = (long)j * d;
                double dot = 0;
                for (int f = 0; f < d; f++) dot += x[xi + f] * x[xj + f];
                double s = dot / (norms[i] * norms[j]);
                size = Insert(topI, topS, topI, ob, p.K, size, s, j, -1);
            }
            for (int e = size; e < p.K; e++)
            {
                topI[ob + e] = -1;
                topS[ob + e] = 0;
            }
        }
    }

    /// <summary>Inserts (s, j) into the sorted list at <paramref name="ob"/> (score descending; j arrives in
    /// increasing order, so an equal score goes after the ones held: ties keep the lower index). NaN is skipped.
    /// The co-rater count is stored only when <paramref name="c"/> is non-negative. Returns the new size.</summary>
    private static int Insert(ArrayView<int> topI, ArrayView<double> topS, ArrayView<int> topC, long ob, int k, int size, double s, int j, int c)
    {
        if (double.IsNaN(s)) return size;
        if (size == k && !(s > topS[ob + k - 1])) return size;
        int pos = size < k ? size : k - 1;
        while (pos > 0 && topS[ob + pos - 1] < s)
        {
            topS[ob + pos] = topS[ob + pos - 1];
            topI[ob + pos] = topI[ob + pos - 1];
            if (c >= 0) topC[ob + pos] = topC[ob + pos - 1];
            pos--;
        }
        topS[ob + pos] = s;
        topI[ob + pos] = j;
        if (c >= 0) topC[ob + pos] = c;
        return size < k ? size + 1 : size;
    }
}
