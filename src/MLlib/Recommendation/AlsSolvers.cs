using System.Runtime.CompilerServices;
using System.Runtime.Intrinsics;
using Accel.Execution;
using Accel.Vectorized;

namespace Accel.ML.Recommendation;

/// <summary>What one ALS training solves: the ratings, the rank and the regularization model.</summary>
/// <param name="Rank">Factor length k.</param>
/// <param name="RegParam">λ; each row's diagonal gets λ times its count of (explicit or positive) ratings (ALS-WR).</param>
/// <param name="ImplicitPrefs">Hu–Koren–Volinsky implicit feedback instead of explicit ratings.</param>
/// <param name="Alpha">Implicit confidence slope: c = 1 + α|r|.</param>
/// <param name="Nonnegative">Constrain every factor to be ≥ 0 (NNLS instead of Cholesky).</param>
public sealed record AlsProblem(int Rank, double RegParam, bool ImplicitPrefs, double Alpha, bool Nonnegative);

/// <summary>One implementation of ALS's half-steps, holding both factor matrices (on the host or the device)
/// between them.</summary>
internal abstract class AlsSolver : IDisposable
{
    /// <summary>The path this solver runs on.</summary>
    public abstract ExecPath Path { get; }
    /// <summary>How it runs, for the training log (vector width, threads, device).</summary>
    public abstract string Detail { get; }
    /// <summary>Recomputes every item's factors from the user factors.</summary>
    public abstract void UpdateItems();
    /// <summary>Recomputes every user's factors from the item factors.</summary>
    public abstract void UpdateUsers();
    /// <summary>The current factors, n x k row-major, unpadded.</summary>
    public abstract (double[] Users, double[] Items) Factors();
    /// <summary>Stopwatch ticks spent building normal equations so far (summed over threads on the CPU paths).</summary>
    public long BuildTicks => BuildTicksSum;
    /// <summary>Stopwatch ticks spent solving them so far.</summary>
    public long SolveTicks => SolveTicksSum;
    /// <summary>Accumulators behind <see cref="BuildTicks"/> and <see cref="SolveTicks"/>.</summary>
    protected long BuildTicksSum, SolveTicksSum;
    /// <inheritdoc />
    public virtual void Dispose() { }
}

/// <summary>The CPU half-steps. Scalar: one thread, plain loops, the reference. SIMD: rows padded to whole
/// vectors, each rating adds y_i·y to row i of A with Vector512/256/128 multiply-adds, Cholesky dot products
/// vectorized, rows processed in morsels by all cores (each worker owns its scratch: no shared state, no lock).</summary>
internal sealed class CpuAlsSolver : AlsSolver
{
    private const int MorselRows = 64;
    private readonly RatingMatrix _m;
    private readonly AlsProblem _p;
    private readonly bool _simd;
    private readonly int _k, _stride, _width;
    private readonly double[] _users, _items;

    public CpuAlsSolver(RatingMatrix m, AlsProblem p, double[] users, double[] items, bool simd)
    {
        _m = m;
        _p = p;
        _simd = simd;
        _k = p.Rank;
        _width = !simd ? 1 : SimdCapabilities.Use512 ? 8 : SimdCapabilities.Use256 ? 4 : SimdCapabilities.Use128 ? 2 : 1;
        _stride = (_k + _width - 1) / _width * _width;
        _users = Pad(users, m.Users);
        _items = Pad(items, m.Items);
    }

    public override ExecPath Path => _simd ? ExecPath.Simd : ExecPath.Scalar;

    public override string Detail => _simd
        ? $"{_width * 64}-bit vectors, rows padded {_k}->{_stride}, {SimdCapabilities.EffectiveThreads} threads"
        : "1 thread, scalar loops";

    public override void UpdateItems() => SolveSide(_users, _m.Users, _items, _m.Items, _m.ItemPtr, _m.ItemCols, _m.ItemValues);

    public override void UpdateUsers() => SolveSide(_items, _m.Items, _users, _m.Users, _m.UserPtr, _m.UserCols, _m.UserValues);

    public override (double[] Users, double[] Items) Factors() => (Unpad(_users, _m.Users), Unpad(_items, _m.Items));

    private double[] Pad(double[] f, int n)
    {
        var r = new double[(long)n * _stride];
        for (int i = 0; i < n; i++) f.AsSpan(i * _k, _k).CopyTo(r.AsSpan(i * _stride, _k));
        return r;
    }

    private double[] Unpad(double[] f, int n)
    {
        var r = new double[(long)n * _k];
        for (int i = 0; i < n; i++) f.AsSpan(i * _stride, _k).CopyTo(r.AsSpan(i * _k, _k));
        return r;
    }

    private sealed class Scratch(int k, int stride)
    {
        public readonly double[] A = new double[k * stride];
        public readonly double[] B = new double[stride];
        public readonly double[] X = new double[k];
        public readonly double[] G = new double[k * k + 4 * k];
        public long BuildTicks, SolveTicks;
    }

    private void SolveSide(double[] src, int srcRows, double[] dst, int dstRows, int[] ptr, int[] cols, double[] vals)
    {
        var yty = _p.ImplicitPrefs ? Gram(src, srcRows) : null;
        if (!_simd)
        {
            var s = new Scratch(_k, _stride);
            for (int r = 0; r < dstRows; r++) SolveRow(r, src, dst, ptr, cols, vals, yty, s);
            BuildTicksSum += s.BuildTicks;
            SolveTicksSum += s.SolveTicks;
            return;
        }
        int morsels = (dstRows + MorselRows - 1) / MorselRows;
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads };
        Parallel.For(0, morsels, options, () => new Scratch(_k, _stride), (m, _, s) =>
        {
            int end = Math.Min(dstRows, (m + 1) * MorselRows);
            for (int r = m * MorselRows; r < end; r++) SolveRow(r, src, dst, ptr, cols, vals, yty, s);
            return s;
        }, s =>
        {
            // Per-worker times are merged once per worker, not per row: no contention.
            Interlocked.Add(ref BuildTicksSum, s.BuildTicks);
            Interlocked.Add(ref SolveTicksSum, s.SolveTicks);
        });
    }

    /// <summary>YᵀY over every source row (implicit feedback's shared term), lower triangle and diagonal;
    /// SIMD sums per morsel and adds the partials in morsel order, so the result is deterministic.</summary>
    private double[] Gram(double[] src, int rows)
    {
        int k = _k, stride = _stride;
        if (!_simd)
        {
            var g = new double[k * stride];
            for (int r = 0; r < rows; r++)
            {
                var y = src.AsSpan(r * stride, stride);
                for (int i = 0; i < k; i++)
                    for (int j = 0; j <= i; j++) g[i * stride + j] += y[i] * y[j];
            }
            return g;
        }
        const int chunk = 4096;
        int chunks = (rows + chunk - 1) / chunk;
        var partial = new double[chunks][];
        Parallel.For(0, chunks, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads }, c =>
        {
            var g = new double[k * stride];
            for (int r = c * chunk; r < Math.Min(rows, (c + 1) * chunk); r++)
            {
                var y = src.AsSpan(r * stride, stride);
                for (int i = 0; i < k; i++) Axpy(g.AsSpan(i * stride, stride), y[i], y);
            }
            partial[c] = g;
        });
        var total = new double[k * stride];
        foreach (var g in partial) Axpy(total, 1.0, g);
        return total;
    }

    private void SolveRow(int r, double[] src, double[] dst, int[] ptr, int[] cols, double[] vals, double[]? yty, Scratch s)
    {
        int k = _k, stride = _stride;
        long t0 = System.Diagnostics.Stopwatch.GetTimestamp();
        var a = s.A.AsSpan();
        var b = s.B.AsSpan();
        a.Clear();
        b.Clear();
        int n = 0;
        bool implicitPrefs = _p.ImplicitPrefs;
        for (int p = ptr[r]; p < ptr[r + 1]; p++)
        {
            var y = src.AsSpan(cols[p] * stride, stride);
            double rating = vals[p], weight, coef;
            if (implicitPrefs)
            {
                // Confidence c = 1 + α|r|; preference 1 for r > 0 else 0. A gets (c − 1)·yyᵀ on top of YᵀY,
                // b gets c·p·y: the Hu–Koren–Volinsky trick that touches only the rated items.
                coef = _p.Alpha * Math.Abs(rating);
                weight = rating > 0 ? 1 + coef : 0;
                if (rating > 0) n++;
            }
            else
            {
                coef = 1;
                weight = rating;
                n++;
            }
            if (_simd)
            {
                for (int i = 0; i < k; i++) Axpy(a.Slice(i * stride, stride), coef * y[i], y);
                Axpy(b, weight, y);
            }
            else
            {
                for (int i = 0; i < k; i++)
                {
                    double ci = coef * y[i];
                    for (int j = 0; j <= i; j++) a[i * stride + j] += ci * y[j];
                    b[i] += weight * y[i];
                }
            }
        }
        if (yty is not null)
            for (int i = 0; i < k; i++)
                for (int j = 0; j <= i; j++) a[i * stride + j] += yty[i * stride + j];
        double lambda = _p.RegParam * n;
        for (int i = 0; i < k; i++) a[i * stride + i] += lambda;
        var x = dst.AsSpan(r * stride, k);
        long t1 = System.Diagnostics.Stopwatch.GetTimestamp();
        s.BuildTicks += t1 - t0;
        if (_p.Nonnegative)
        {
            AlsLinearAlgebra.NonNegativeSolve(a, b, s.X, k, stride, s.G);
            s.X.AsSpan(0, k).CopyTo(x);
        }
        else
        {
            AlsLinearAlgebra.CholeskySolve(a, b, k, stride, _simd);
            b[..k].CopyTo(x);
        }
        s.SolveTicks += System.Diagnostics.Stopwatch.GetTimestamp() - t1;
    }

    /// <summary>dst += s·y over whole vectors (lengths are multiples of the chosen width).</summary>
    [MethodImpl(MethodImplOptions.AggressiveInlining)]
    private void Axpy(Span<double> dst, double s, ReadOnlySpan<double> y)
    {
        int n = dst.Length, i = 0;
        ref double d = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(dst);
        ref double yr = ref System.Runtime.InteropServices.MemoryMarshal.GetReference(y);
        if (_width == 8)
        {
            var sv = Vector512.Create(s);
            for (; i <= n - 8; i += 8)
                Vector512.StoreUnsafe(Vector512.LoadUnsafe(ref d, (nuint)i) + sv * Vector512.LoadUnsafe(ref yr, (nuint)i), ref d, (nuint)i);
        }
        else if (_width == 4)
        {
            var sv = Vector256.Create(s);
            for (; i <= n - 4; i += 4)
                Vector256.StoreUnsafe(Vector256.LoadUnsafe(ref d, (nuint)i) + sv * Vector256.LoadUnsafe(ref yr, (nuint)i), ref d, (nuint)i);
        }
        else if (_width == 2)
        {
            var sv = Vector128.Create(s);
            for (; i <= n - 2; i += 2)
                Vector128.StoreUnsafe(Vector128.LoadUnsafe(ref d, (nuint)i) + sv * Vector128.LoadUnsafe(ref yr, (nuint)i), ref d, (nuint)i);
        }
        for (; i < n; i++) dst[i] += s * y[i];
    }
}
