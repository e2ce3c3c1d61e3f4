using System.Diagnostics;
using System.Runtime.CompilerServices;
using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Runtime;

namespace Accel.Kernels.ML;

/// <summary>Scalars of one ALS half-step kernel launch, passed as one struct so the kernels keep a short
/// parameter list.</summary>
public struct AlsLaunch
{
    /// <summary>Factor length.</summary>
    public int K;
    /// <summary>First destination row of this batch.</summary>
    public int RowStart;
    /// <summary>Rows in this batch.</summary>
    public int Count;
    /// <summary>1 for implicit feedback.</summary>
    public int Implicit;
    /// <summary>Implicit confidence slope.</summary>
    public double Alpha;
    /// <summary>λ (scaled per row by its rating count).</summary>
    public double Reg;
    /// <summary>Rows of the source factor matrix (for YᵀY).</summary>
    public int SourceRows;
}

/// <summary>ALS on the GPU: both factor matrices and both CSR forms of the ratings stay on the device for the
/// whole training; each half-step is YᵀY (implicit only), then per batch of rows one kernel that builds each
/// row's normal equations (a thread per row, A and b in device scratch) and one that solves them in place
/// (Cholesky, or projected coordinate-descent NNLS: the same algorithms as the CPU paths).</summary>
public sealed class AlsGpuSession : IDisposable
{
    // Device scratch for A is capped so a large side is solved in several batches (256 MB of doubles).
    private const long ScratchDoubles = 1L << 25;
    private readonly GpuRuntime _rt;
    private readonly AlsKernels _kernels;
    private readonly int _users, _items, _k, _batchRows;
    private readonly bool _implicit, _nonnegative;
    private readonly double _alpha, _reg;
    private readonly DeviceBuffer<int> _userPtr, _userCols, _itemPtr, _itemCols;
    private readonly DeviceBuffer<double> _userVals, _itemVals, _userF, _itemF, _yty, _a, _b, _g;

    /// <summary>Uploads the ratings (both CSR forms) and the initial factors (n x k row-major).</summary>
    public AlsGpuSession(int users, int items, int[] userPtr, int[] userCols, double[] userVals, int[] itemPtr, int[] itemCols, double[] itemVals,
        double[] userFactors, double[] itemFactors, int rank, double regParam, bool implicitPrefs, double alpha, bool nonnegative)
    {
        _rt = GpuDevice.Runtime;
        (_users, _items, _k, _reg, _implicit, _alpha, _nonnegative) = (users, items, rank, regParam, implicitPrefs, alpha, nonnegative);
        _batchRows = (int)Math.Max(1, Math.Min(Math.Max(users, items), ScratchDoubles / ((long)rank * rank)));
        var acc = _rt.Run((a, _) =>
        {
            var kernels = AlsKernels.For(a);
            return (kernels,
                GpuDevice.Runtime.Memory.Upload(userPtr), GpuDevice.Runtime.Memory.Upload(NonEmpty(userCols)), GpuDevice.Runtime.Memory.Upload(itemPtr), GpuDevice.Runtime.Memory.Upload(NonEmpty(itemCols)),
                GpuDevice.Runtime.Memory.Upload(NonEmpty(userVals)), GpuDevice.Runtime.Memory.Upload(NonEmpty(itemVals)), GpuDevice.Runtime.Memory.Upload(NonEmpty(userFactors)), GpuDevice.Runtime.Memory.Upload(NonEmpty(itemFactors)),
                GpuDevice.Runtime.Memory.Rent<double>(rank * rank), GpuDevice.Runtime.Memory.Rent<double>((long)_batchRows * rank * rank), GpuDevice.Runtime.Memory.Rent<double>((long)_batchRows * rank),
                GpuDevice.Runtime.Memory.Rent<double>(nonnegative ? (long)_batchRows * (rank * rank + 4 * rank) : 1));
        });
        (_kernels, _userPtr, _userCols, _itemPtr, _itemCols, _userVals, _itemVals, _userF, _itemF, _yty, _a, _b, _g) = acc;
    }

    private static T[] NonEmpty<T>(T[] a) where T : unmanaged => a.Length == 0 ? new T[1] : a;

    /// <summary>Stopwatch ticks spent in the normal-equation kernels (YᵀY included).</summary>
    public long BuildTicks { get; private set; }

    /// <summary>Stopwatch ticks spent in the solve kernels.</summary>
    public long SolveTicks { get; private set; }

    /// <summary>The device the session runs on.</summary>
    public string Device => _rt.Info.ToString();

    /// <summary>True when the kernels run on ILGPU's CPU simulator.</summary>
    public bool IsSimulator => _rt.IsCpuSimulator;

    /// <summary>Recomputes every item's factors from the user factors.</summary>
    public void UpdateItems() => Solve(_userF, _users, _itemF, _items, _itemPtr, _itemCols, _itemVals);

    /// <summary>Recomputes every user's factors from the item factors.</summary>
    public void UpdateUsers() => Solve(_itemF, _items, _userF, _users, _userPtr, _userCols, _userVals);

    /// <summary>Copies both factor matrices back to the host.</summary>
    public (double[] Users, double[] Items) Download() => _rt.Run((a, _) =>
    {
        a.Synchronize();
        var u = _userF.ToArray();
        var i = _itemF.ToArray();
        return (u.Length == (long)_users * _k ? u : u[..(_users * _k)], i.Length == (long)_items * _k ? i : i[..(_items * _k)]);
    });

    private void Solve(DeviceBuffer<double> src, int srcRows, DeviceBuffer<double> dst, int dstRows,
        DeviceBuffer<int> ptr, DeviceBuffer<int> cols, DeviceBuffer<double> vals)
    {
        _rt.Run((a, _) =>
        {
            var args = new AlsLaunch { K = _k, Implicit = _implicit ? 1 : 0, Alpha = _alpha, Reg = _reg, SourceRows = srcRows };
            long t0 = Stopwatch.GetTimestamp();
            if (_implicit) _kernels.Gram(GpuRuntime.GridFor(a, _k * _k), src.View, _yty.View, args);
            for (int start = 0; start < dstRows; start += _batchRows)
            {
                args.RowStart = start;
                args.Count = Math.Min(_batchRows, dstRows - start);
                var cfg = GpuRuntime.GridFor(a, args.Count);
                _kernels.Build(cfg, ptr.View, cols.View, vals.View, src.View, _yty.View, _a.View, _b.View, args);
                // Synchronizing between the two kernels costs one round trip per batch and lets the
                // training report time the stages separately.
                a.Synchronize();
                long t1 = Stopwatch.GetTimestamp();
                BuildTicks += t1 - t0;
                if (_nonnegative) _kernels.Nnls(cfg, _a.View, _b.View, _g.View, dst.View, args);
                else _kernels.Cholesky(cfg, _a.View, _b.View, dst.View, args);
                a.Synchronize();
                t0 = Stopwatch.GetTimestamp();
                SolveTicks += t0 - t1;
            }
            return 0;
        });
    }

    /// <inheritdoc />
    public void Dispose() => _rt.Run((a, _) =>
    {
        foreach (var b in new IDisposable[] { _userPtr, _userCols, _itemPtr, _itemCols, _userVals, _itemVals, _userF, _itemF, _yty, _a, _b, _g }) b.Dispose();
        return 0;
    });
}

/// <summary>The ALS kernels, loaded once per accelerator.</summary>
internal sealed class AlsKernels
{
    private static readonly ConditionalWeakTable<Accelerator, AlsKernels> s_loaded = new();

    private AlsKernels(Accelerator a)
    {
        Gram = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, AlsLaunch>(GramKernel);
        Build = a.LoadStreamKernel<ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch>(BuildKernel);
        Cholesky = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch>(CholeskyKernel);
        Nnls = a.LoadStreamKernel<ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch>(NnlsKernel);
    }

    /// <summary>The kernels for <paramref name="a"/>, compiled on first use.</summary>
    public static AlsKernels For(Accelerator a) => s_loaded.GetValue(a, x => new AlsKernels(x));

    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, AlsLaunch> Gram { get; }
    public Action<KernelConfig, ArrayView<int>, ArrayView<int>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch> Build { get; }
    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch> Cholesky { get; }
    public Action<KernelConfig, ArrayView<double>, ArrayView<double>, ArrayView<double>, ArrayView<double>, AlsLaunch> Nnls { get; }

    private static int Stride => Grid.DimX * Group.DimX;

    /// <summary>YᵀY: a thread per (i, j) entry, summing over every source row in row order.</summary>
    private static void GramKernel(ArrayView<double> src, ArrayView<double> yty, AlsLaunch p)
    {
        int k = p.K;
        for (int t = Grid.GlobalIndex.X; t < k * k; t += Stride)
        {
            int i = t / k, j = t % k;
            double s = 0;
            if (j <= i)
                for (long r = 0; r < p.SourceRows; r++) s += src[r * k + i] * src[r * k + j];
            yty[t] = s;
        }
    }

    /// <summary>A thread per destination row: A = Σ c'·y yᵀ (+ YᵀY) + λ·n·I and b = Σ w·y over the row's
    /// ratings, lower triangle only, into the batch's scratch.</summary>
    private static void BuildKernel(ArrayView<int> ptr, ArrayView<int> cols, ArrayView<double> vals, ArrayView<double> src, ArrayView<double> yty,
        ArrayView<double> a, ArrayView<double> b, AlsLaunch p)
    {
        int k = p.K;
        for (int t = Grid.GlobalIndex.X; t < p.Count; t += Stride)
        {
            int r = p.RowStart + t;
            long ab = (long)t * k * k, bb = (long)t * k;
            for (int i = 0; i < k * k; i++) a[ab + i] = 0;
            for (int i = 0; i < k; i++) b[bb + i] = 0;
            int n = 0;
            for (int q = ptr[r]; q < ptr[r + 1]; q++)
            {
                long yo = (long)cols[q] * k;
                double rating = vals[q], coef, weight;
                if (p.Implicit != 0)
                {
                    coef = p.Alpha * (rating < 0 ? -rating : rating);
                    weight = rating > 0 ? 1 + coef : 0;
                    if (rating > 0) n++;
                }
                else
                {
                    coef = 1;
                    weight = rating;
                    n++;
                }
                for (int i = 0; i < k; i++)
                {
                    double yi = src[yo + i];
                    double ci = coef * yi;
                    for (int j = 0; j <= i; j++) a[ab + i * k + j] += ci * src[yo + j];
                    b[bb + i] += weight * yi;
                }
            }
            if (p.Implicit != 0)
                for (int i = 0; i < k; i++)
                    for (int j = 0; j <= i; j++) a[ab + i * k + j] += yty[i * k + j];
            double lambda = p.Reg * n;
            for (int i = 0; i < k; i++) a[ab + i * k + i] += lambda;
        }
    }

    /// <summary>A thread per row: Cholesky of its A in place, then the two triangular solves; x goes to the
    /// destination factors (zeros when A is not positive definite, as on the CPU paths).</summary>
    private static void CholeskyKernel(ArrayView<double> a, ArrayView<double> b, ArrayView<double> dst, AlsLaunch p)
    {
        int k = p.K;
        for (int t = Grid.GlobalIndex.X; t < p.Count; t += Stride)
        {
            long ab = (long)t * k * k, bb = (long)t * k, xo = (long)(p.RowStart + t) * k;
            bool ok = true;
            for (int j = 0; j < k && ok; j++)
            {
                double d = a[ab + j * k + j];
                for (int m = 0; m < j; m++) d -= a[ab + j * k + m] * a[ab + j * k + m];
                if (!(d > 0)) { ok = false; break; }
                double ljj = XMath.Sqrt(d);
                a[ab + j * k + j] = ljj;
                for (int i = j + 1; i < k; i++)
                {
                    double s = a[ab + i * k + j];
                    for (int m = 0; m < j; m++) s -= a[ab + i * k + m] * a[ab + j * k + m];
                    a[ab + i * k + j] = s / ljj;
                }
            }
            if (!ok)
            {
                for (int i = 0; i < k; i++) dst[xo + i] = 0;
                continue;
            }
            for (int i = 0; i < k; i++)
            {
                double s = b[bb + i];
                for (int m = 0; m < i; m++) s -= a[ab + i * k + m] * b[bb + m];
                b[bb + i] = s / a[ab + i * k + i];
            }
            for (int i = k - 1; i >= 0; i--)
            {
                double s = b[bb + i];
                for (int m = i + 1; m < k; m++) s -= a[ab + m * k + i] * b[bb + m];
                b[bb + i] = s / a[ab + i * k + i];
            }
            for (int i = 0; i < k; i++) dst[xo + i] = b[bb + i];
        }
    }

    private static double At(ArrayView<double> a, long ab, int k, int i, int j) => i >= j ? a[ab + i * k + j] : a[ab + j * k + i];

    /// <summary>A thread per row: Lawson–Hanson active-set NNLS (½xᵀAx − bᵀx, x ≥ 0), step for step the CPU
    /// paths' algorithm; the passive-set Cholesky, gradient and flags live in the row's device scratch, x
    /// directly in the destination.</summary>
    private static void NnlsKernel(ArrayView<double> a, ArrayView<double> b, ArrayView<double> g, ArrayView<double> dst, AlsLaunch p)
    {
        int k = p.K;
        long per = (long)k * k + 4 * k;
        for (int t = Grid.GlobalIndex.X; t < p.Count; t += Stride)
        {
            long ab = (long)t * k * k, bb = (long)t * k, xo = (long)(p.RowStart + t) * k;
            long sub = (long)t * per, z = sub + k * k, w = z + k, passive = w + k, idx = passive + k;
            double bmax = 0;
            for (int i = 0; i < k; i++)
            {
                dst[xo + i] = 0;
                g[passive + i] = 0;
                double bi = b[bb + i] < 0 ? -b[bb + i] : b[bb + i];
                if (bi > bmax) bmax = bi;
            }
            double tol = NnlsTolerance * (bmax > 1e-300 ? bmax : 1e-300);
            bool failed = false;
            for (int outer = 0; outer < 3 * k && !failed; outer++)
            {
                int best = -1;
                double bestW = tol;
                for (int i = 0; i < k; i++)
                {
                    double s = b[bb + i];
                    for (int j = 0; j < k; j++) s -= At(a, ab, k, i, j) * dst[xo + j];
                    g[w + i] = s;
                    if (g[passive + i] == 0 && s > bestW) { bestW = s; best = i; }
                }
                if (best < 0) break;
                g[passive + best] = 1;
                for (int inner = 0; inner < 3 * k; inner++)
                {
                    int np = 0;
                    for (int i = 0; i < k; i++) if (g[passive + i] != 0) { g[idx + np] = i; np++; }
                    for (int r = 0; r < np; r++)
                    {
                        for (int c = 0; c <= r; c++) g[sub + r * k + c] = At(a, ab, k, (int)g[idx + r], (int)g[idx + c]);
                        g[z + r] = b[bb + (int)g[idx + r]];
                    }
                    // Cholesky of the passive submatrix and the two triangular solves, as CholeskySolve.
                    for (int j = 0; j < np && !failed; j++)
                    {
                        double d = g[sub + j * k + j];
                        for (int m = 0; m < j; m++) d -= g[sub + j * k + m] * g[sub + j * k + m];
                        if (!(d > 0)) { failed = true; break; }
                        double ljj = XMath.Sqrt(d);
                        g[sub + j * k + j] = ljj;
                        for (int i = j + 1; i < np; i++)
                        {
                            double s = g[sub + i * k + j];
                            for (int m = 0; m < j; m++) s -= g[sub + i * k + m] * g[sub + j * k + m];
                            g[sub + i * k + j] = s / ljj;
                        }
                    }
                    if (failed)
                    {
                        for (int i = 0; i < k; i++) dst[xo + i] = 0;
                        break;
                    }
                    for (int i = 0; i < np; i++)
                    {
                        double s = g[z + i];
                        for (int m = 0; m < i; m++) s -= g[sub + i * k + m] * g[z + m];
                        g[z + i] = s / g[sub + i * k + i];
                    }
                    for (int i = np - 1; i >= 0; i--)
                    {
                        double s = g[z + i];
                        for (int m = i + 1; m < np; m++) s -= g[sub + m * k + i] * g[z + m];
                        g[z + i] = s / g[sub + i * k + i];
                    }
                    bool feasible = true;
                    for (int r = 0; r < np; r++) if (!(g[z + r] > 0)) { feasible = false; break; }
                    if (feasible)
                    {
                        for (int r = 0; r < np; r++) dst[xo + (int)g[idx + r]] = g[z + r];
                        break;
                    }
                    double alpha = 1;
                    int hit = -1;
                    for (int r = 0; r < np; r++)
                    {
                        double zr = g[z + r];
                        if (zr > 0) continue;
                        double xi = dst[xo + (int)g[idx + r]];
                        double step = xi / (xi - zr);
                        if (step < alpha || hit < 0) { alpha = step; hit = r; }
                    }
                    for (int r = 0; r < np; r++)
                    {
                        long xi = xo + (int)g[idx + r];
                        dst[xi] += alpha * (g[z + r] - dst[xi]);
                    }
                    for (int r = 0; r < np; r++)
                    {
                        int i = (int)g[idx + r];
                        if (r == hit || dst[xo + i] <= 0) { dst[xo + i] = 0; g[passive + i] = 0; }
                    }
                }
            }
        }
    }

    // Mirrors AlsLinearAlgebra's constants (the Kernels project cannot reference MLlib).
    private const double NnlsTolerance = 1e-12;
}
