using System.Numerics;
using System.Runtime.Intrinsics;
using Accel.Execution;
using Accel.Kernels.ML;
using Accel.ML.Recommendation;
using Accel.Vectorized;

namespace Accel.ML.Similarity;

/// <summary>k nearest neighbours of every row, flat: row r's neighbours are at [r*K, r*K + K), best first, unused
/// slots with id -1. <see cref="CoRaters"/> is empty for dense features.</summary>
internal sealed record NeighborTable(int Rows, int K, int[] Ids, double[] Scores, int[] CoRaters)
{
    /// <summary>Neighbours held for row r.</summary>
    public int Count(int r)
    {
        int c = 0;
        while (c < K && Ids[(long)r * K + c] >= 0) c++;
        return c;
    }
}

/// <summary>The heavy similarity steps on the scalar, SIMD and GPU paths. Every path sums in the same order
/// (over co-raters in user order; over features in feature order) and ranks by score descending then lower
/// index, so all three give the same neighbours and scores.</summary>
internal static class CosineKernels
{
    /// <summary>Work estimate of item–item similarity: Σ_u n_u² pair updates (4 flops each) plus scoring every pair.</summary>
    public static MlWork CoRatedWork(RatingMatrix m)
    {
        double pairs = 0;
        for (int u = 0; u < m.Users; u++)
        {
            double n = m.UserPtr[u + 1] - m.UserPtr[u];
            pairs += n * n;
        }
        return new MlWork(4 * pairs + 6.0 * m.Items * m.Items, m.Count * 2L * 12 + (m.Users + m.Items + 2L) * 4);
    }

    /// <summary>Work estimate of dense cosine neighbours: n² dot products of length d.</summary>
    public static MlWork DenseWork(int n, int d) => new(2.0 * n * n * Math.Max(1, d), (long)n * d * 8);

    /// <summary>Item–item cosine over co-rating users, top k per item with at least <paramref name="minCo"/> co-raters.</summary>
    public static NeighborTable CoRated(RatingMatrix m, int k, int minCo, ExecPath path)
    {
        if (path == ExecPath.Gpu)
        {
            var (ids, s, c) = SimilarityGpu.CoRatedTopK(m.Items, m.ItemPtr, m.ItemCols, m.ItemValues, m.UserPtr, m.UserCols, m.UserValues, k, minCo);
            return new NeighborTable(m.Items, k, ids, s, c);
        }
        return path == ExecPath.Simd ? CoRatedSimd(m, k, minCo) : CoRatedScalar(m, k, minCo);
    }

    /// <summary>Top k rows by cosine for every row of the n x d matrix (zero rows have no neighbours and are no one's).</summary>
    public static NeighborTable Dense(double[] x, int n, int d, int k, ExecPath path)
    {
        var norms = new double[n];
        for (int i = 0; i < n; i++)
        {
            double s = 0;
            for (int f = 0; f < d; f++) s += x[(long)i * d + f] * x[(long)i * d + f];
            norms[i] = Math.Sqrt(s);
        }
        if (path == ExecPath.Gpu)
        {
            var (ids, s) = SimilarityGpu.DenseTopK(x, n, d, norms, k);
            return new NeighborTable(n, k, ids, s, []);
        }
        return path == ExecPath.Simd ? DenseSimd(x, n, d, norms, k) : DenseScalar(x, n, d, norms, k);
    }

    // Σ over users u who rated item i, over items j that u rated: r_ui r_uj, r_ui², r_uj², and the count. The count
    // type is generic so the SIMD path can keep it as doubles (compared in vectors) and the scalar path as ints.
    private static void Accumulate<TCount>(RatingMatrix m, int i, Span<double> dot, Span<double> sa, Span<double> sb, Span<TCount> cnt, List<int>? touched)
        where TCount : INumber<TCount>
    {
        for (int q = m.ItemPtr[i]; q < m.ItemPtr[i + 1]; q++)
        {
            int u = m.ItemCols[q];
            double ri = m.ItemValues[q];
            for (int w = m.UserPtr[u]; w < m.UserPtr[u + 1]; w++)
            {
                int j = m.UserCols[w];
                double rj = m.UserValues[w];
                if (touched is not null && TCount.IsZero(cnt[j])) touched.Add(j);
                dot[j] += ri * rj;
                sa[j] += ri * ri;
                sb[j] += rj * rj;
                cnt[j] += TCount.One;
            }
        }
    }

    /// <summary>The reference: one item at a time, only the items it co-occurs with scored, in index order.</summary>
    private static NeighborTable CoRatedScalar(RatingMatrix m, int k, int minCo)
    {
        int n = m.Items;
        var t = Empty(n, k, withCo: true);
        var dot = new double[n];
        var sa = new double[n];
        var sb = new double[n];
        var cnt = new int[n];
        var touched = new List<int>();
        for (int i = 0; i < n; i++)
        {
            Accumulate(m, i, dot, sa, sb, cnt.AsSpan(), touched);
            touched.Sort();
            int size = 0;
            foreach (int j in touched)
            {
                if (j != i && cnt[j] >= minCo)
                    size = Insert(t, i, size, dot[j] / Math.Sqrt(sa[j] * sb[j]), j, cnt[j]);
                dot[j] = sa[j] = sb[j] = 0;
                cnt[j] = 0;
            }
            touched.Clear();
        }
        return t;
    }

    /// <summary>Items in parallel morsels with dense per-thread accumulators; scores for all items at once in
    /// vectors (cosine and the co-rater mask), then the vectorised top-k selection. The scatter itself stays
    /// scalar: x86 has no scatter below AVX-512 and .NET does not expose it.</summary>
    private static NeighborTable CoRatedSimd(RatingMatrix m, int k, int minCo)
    {
        int n = m.Items;
        var t = Empty(n, k, withCo: true);
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads };
        Parallel.For(0, n, options, () => new double[5 * n], (i, _, buf) =>
        {
            var all = buf.AsSpan();
            Span<double> dot = all[..n], sa = all.Slice(n, n), sb = all.Slice(2 * n, n), cnt = all.Slice(3 * n, n), score = all.Slice(4 * n, n);
            Accumulate(m, i, dot, sa, sb, cnt, null);
            int j = 0, lanes = Vector256<double>.Count;
            if (SimdCapabilities.Use256)
            {
                var min = Vector256.Create((double)minCo);
                var nan = Vector256.Create(double.NaN);
                for (; j <= n - lanes; j += lanes)
                {
                    var s = Vector256.Create(dot.Slice(j, lanes)) / Vector256.Sqrt(Vector256.Create(sa.Slice(j, lanes)) * Vector256.Create(sb.Slice(j, lanes)));
                    Vector256.ConditionalSelect(Vector256.LessThan(Vector256.Create(cnt.Slice(j, lanes)), min), nan, s).CopyTo(score.Slice(j, lanes));
                }
            }
            for (; j < n; j++) score[j] = cnt[j] < minCo ? double.NaN : dot[j] / Math.Sqrt(sa[j] * sb[j]);
            score[i] = double.NaN;
            var (ids, scores) = TopK.Select<double>(score, k);
            for (int e = 0; e < ids.Length; e++)
            {
                long at = (long)i * k + e;
                t.Ids[at] = ids[e];
                t.Scores[at] = scores[e];
                t.CoRaters[at] = (int)cnt[ids[e]];
            }
            all[..(4 * n)].Clear();
            return buf;
        }, _ => { });
        return t;
    }

    private static NeighborTable DenseScalar(double[] x, int n, int d, double[] norms, int k)
    {
        var t = Empty(n, k, withCo: false);
        for (int i = 0; i < n; i++)
        {
            int size = 0;
            for (int j = 0; j < n; j++)
            {
                if (j == i) continue;
                double dot = 0;
                for (int f = 0; f < d; f++) dot += x[(long)i * d + f] * x[(long)j * d + f];
                size = Insert(t, i, size, dot / (norms[i] * norms[j]), j, -1);
            }
        }
        return t;
    }

    /// <summary>Rows in parallel; the other rows' features transposed (d x n) so each feature adds to n scores in
    /// whole vectors, in feature order as the scalar loop does; then the vectorised top-k selection.</summary>
    private static NeighborTable DenseSimd(double[] x, int n, int d, double[] norms, int k)
    {
        var t = Empty(n, k, withCo: false);
        var tr = new double[(long)d * n];
        for (int j = 0; j < n; j++)
            for (int f = 0; f < d; f++) tr[(long)f * n + j] = x[(long)j * d + f];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads };
        Parallel.For(0, n, options, () => new double[n], (i, _, buf) =>
        {
            Array.Clear(buf);
            int lanes = Vector256<double>.Count;
            for (int f = 0; f < d; f++)
            {
                double xf = x[(long)i * d + f];
                var row = tr.AsSpan(f * n, n);
                int j = 0;
                if (SimdCapabilities.Use256)
                {
                    var xv = Vector256.Create(xf);
                    for (; j <= n - lanes; j += lanes)
                        (Vector256.Create(buf.AsSpan(j, lanes)) + xv * Vector256.Create(row.Slice(j, lanes))).CopyTo(buf.AsSpan(j, lanes));
                }
                for (; j < n; j++) buf[j] += xf * row[j];
            }
            double ni = norms[i];
            int q = 0;
            if (SimdCapabilities.Use256)
            {
                var nv = Vector256.Create(ni);
                for (; q <= n - lanes; q += lanes)
                    (Vector256.Create(buf.AsSpan(q, lanes)) / (nv * Vector256.Create(norms.AsSpan(q, lanes)))).CopyTo(buf.AsSpan(q, lanes));
            }
            for (; q < n; q++) buf[q] /= ni * norms[q];
            buf[i] = double.NaN;
            var (ids, scores) = TopK.Select<double>(buf, k);
            for (int e = 0; e < ids.Length; e++)
            {
                t.Ids[(long)i * k + e] = ids[e];
                t.Scores[(long)i * k + e] = scores[e];
            }
            return buf;
        }, _ => { });
        return t;
    }

    private static NeighborTable Empty(int n, int k, bool withCo)
    {
        var ids = new int[(long)n * k];
        Array.Fill(ids, -1);
        return new NeighborTable(n, k, ids, new double[(long)n * k], withCo ? new int[(long)n * k] : []);
    }

    /// <summary>Scalar insertion into row r's sorted list (score descending; candidates arrive in increasing j, so
    /// an equal score goes after those held: ties keep the lower index; NaN never enters). Returns the new size.</summary>
    private static int Insert(NeighborTable t, int r, int size, double s, int j, int c)
    {
        if (double.IsNaN(s)) return size;
        int k = t.K;
        long ob = (long)r * k;
        if (size == k && !(s > t.Scores[ob + k - 1])) return size;
        int pos = size < k ? size : k - 1;
        while (pos > 0 && t.Scores[ob + pos - 1] < s)
        {
            t.Scores[ob + pos] = t.Scores[ob + pos - 1];
            t.Ids[ob + pos] = t.Ids[ob + pos - 1];
            if (c >= 0) t.CoRaters[ob + pos] = t.CoRaters[ob + pos - 1];
            pos--;
        }
        t.Scores[ob + pos] = s;
        t.Ids[ob + pos] = j;
        if (c >= 0) t.CoRaters[ob + pos] = c;
        return size < k ? size + 1 : size;
    }
}
