namespace Accel.ML.Linalg;

/// <summary>Cholesky factorization A = LLᵀ of a symmetric positive definite matrix (row-major, full storage),
/// in double, with solves refined by one step of iterative refinement against the original matrix.</summary>
public sealed class Cholesky
{
    private readonly double[] _a;
    private readonly double[] _l;
    private readonly int _n;

    private Cholesky(double[] a, double[] l, int n) { _a = a; _l = l; _n = n; }

    /// <summary>Factors <paramref name="a"/> (n×n, row-major); null when it is not positive definite (a pivot &lt;= tiny).</summary>
    public static Cholesky? TryFactor(double[] a, int n)
    {
        var l = new double[n * n];
        double maxDiag = 0;
        for (int i = 0; i < n; i++) maxDiag = Math.Max(maxDiag, Math.Abs(a[i * n + i]));
        double tiny = Math.Max(maxDiag, 1e-300) * n * 1e-15;
        for (int j = 0; j < n; j++)
        {
            double d = a[j * n + j];
            for (int k = 0; k < j; k++) d -= l[j * n + k] * l[j * n + k];
            if (!(d > tiny)) return null;
            double ljj = Math.Sqrt(d);
            l[j * n + j] = ljj;
            for (int i = j + 1; i < n; i++)
            {
                double s = a[i * n + j];
                for (int k = 0; k < j; k++) s -= l[i * n + k] * l[j * n + k];
                l[i * n + j] = s / ljj;
            }
        }
        return new Cholesky((double[])a.Clone(), l, n);
    }

    private void SolveInPlace(double[] b)
    {
        int n = _n;
        for (int i = 0; i < n; i++)
        {
            double s = b[i];
            for (int k = 0; k < i; k++) s -= _l[i * n + k] * b[k];
            b[i] = s / _l[i * n + i];
        }
        for (int i = n - 1; i >= 0; i--)
        {
            double s = b[i];
            for (int k = i + 1; k < n; k++) s -= _l[k * n + i] * b[k];
            b[i] = s / _l[i * n + i];
        }
    }

    /// <summary>x with A x = b (one refinement step: the residual is computed with fused multiply-adds).</summary>
    public double[] Solve(double[] b)
    {
        var x = (double[])b.Clone();
        SolveInPlace(x);
        var r = new double[_n];
        for (int i = 0; i < _n; i++)
        {
            double s = b[i];
            for (int k = 0; k < _n; k++) s = Math.FusedMultiplyAdd(-_a[i * _n + k], x[k], s);
            r[i] = s;
        }
        SolveInPlace(r);
        for (int i = 0; i < _n; i++) x[i] += r[i];
        return x;
    }

    /// <summary>The inverse A⁻¹ (row-major), column by column.</summary>
    public double[] Inverse()
    {
        var inv = new double[_n * _n];
        var e = new double[_n];
        for (int j = 0; j < _n; j++)
        {
            Array.Clear(e);
            e[j] = 1;
            var col = Solve(e);
            for (int i = 0; i < _n; i++) inv[i * _n + j] = col[i];
        }
        return inv;
    }
}
