namespace Accel.ML.Linalg;

/// <summary>The result of a quasi-Newton minimisation.</summary>
/// <param name="X">The minimiser found.</param>
/// <param name="ObjectiveHistory">The objective at the start and after each iteration.</param>
/// <param name="Iterations">Iterations taken.</param>
/// <param name="Converged">Whether the tolerance was met before maxIter.</param>
public sealed record OptimResult(double[] X, double[] ObjectiveHistory, int Iterations, bool Converged);

/// <summary>L-BFGS for smooth objectives, and OWL-QN (orthant-wise limited-memory quasi-Newton, Andrew and Gao
/// 2007) when an L1 term Σ l1_j |x_j| is added. Convergence, as Spark's Breeze-based solvers: the relative change of
/// the objective or the relative norm of the (pseudo-)gradient falls below tol.</summary>
public static class Lbfgs
{
    /// <summary>Minimises f(x) + Σ l1[j]·|x[j]| from x0. <paramref name="f"/> returns the smooth value and writes its gradient.</summary>
    public static OptimResult Minimize(Func<double[], double[], double> f, double[] x0, double[]? l1, int maxIter, double tol, int memory = 10)
    {
        int n = x0.Length;
        bool owl = l1 is not null && l1.Any(v => v > 0);
        var x = (double[])x0.Clone();
        var g = new double[n];
        double fx = f(x, g) + L1(x, l1);
        var history = new List<double> { fx };
        var sList = new List<double[]>();
        var yList = new List<double[]>();
        var pg = new double[n];
        int iter = 0;
        bool converged = n == 0;
        while (!converged && iter < maxIter)
        {
            PseudoGradient(x, g, l1, owl, pg);
            if (Norm(pg) <= tol * Math.Max(1.0, Norm(x))) { converged = true; break; }
            // Two-loop recursion on the pseudo-gradient.
            var q = (double[])pg.Clone();
            int mCount = sList.Count;
            var alpha = new double[mCount];
            for (int k = mCount - 1; k >= 0; k--)
            {
                double rho = 1.0 / Dot(yList[k], sList[k]);
                alpha[k] = rho * Dot(sList[k], q);
                Axpy(-alpha[k], yList[k], q);
            }
            double gamma = mCount > 0 ? Dot(sList[^1], yList[^1]) / Dot(yList[^1], yList[^1]) : 1.0 / Math.Max(1.0, Norm(pg));
            for (int j = 0; j < n; j++) q[j] *= gamma;
            for (int k = 0; k < mCount; k++)
            {
                double rho = 1.0 / Dot(yList[k], sList[k]);
                double beta = rho * Dot(yList[k], q);
                Axpy(alpha[k] - beta, sList[k], q);
            }
            var dir = q;
            for (int j = 0; j < n; j++) dir[j] = -dir[j];
            if (owl)
                for (int j = 0; j < n; j++) if (dir[j] * pg[j] >= 0) dir[j] = 0; // keep only descent components
            if (Dot(dir, pg) >= 0)
            {
                // Not a descent direction (curvature information went stale): restart from steepest descent.
                sList.Clear(); yList.Clear();
                for (int j = 0; j < n; j++) dir[j] = -pg[j] / Math.Max(1.0, Norm(pg));
            }
            // Orthant for OWL-QN: the sign of x, or of the negative pseudo-gradient where x is zero.
            var orthant = new double[n];
            for (int j = 0; j < n; j++) orthant[j] = x[j] != 0 ? Math.Sign(x[j]) : -Math.Sign(pg[j]);
            // Backtracking line search (Armijo) with projection onto the orthant under OWL-QN.
            double step = iter == 0 && sList.Count == 0 ? 1.0 : 1.0;
            var xNew = new double[n];
            var gNew = new double[n];
            double fNew = double.NaN;
            double slope = Dot(dir, pg);
            bool accepted = false;
            for (int ls = 0; ls < 60; ls++)
            {
                for (int j = 0; j < n; j++)
                {
                    double v = x[j] + step * dir[j];
                    if (owl && l1![j] > 0 && v * orthant[j] <= 0) v = 0;
                    xNew[j] = v;
                }
                fNew = f(xNew, gNew) + L1(xNew, l1);
                double decrease = owl ? Dot(Sub(xNew, x), pg) : step * slope;
                if (fNew <= fx + 1e-4 * decrease) { accepted = true; break; }
                step *= 0.5;
            }
            if (!accepted) { converged = true; break; }
            var s = Sub(xNew, x);
            var y = Sub(gNew, g);
            if (Dot(s, y) > 1e-16 * Dot(y, y))
            {
                sList.Add(s); yList.Add(y);
                if (sList.Count > memory) { sList.RemoveAt(0); yList.RemoveAt(0); }
            }
            double fPrev = fx;
            x = xNew; g = gNew; fx = fNew;
            history.Add(fx);
            iter++;
            if (Math.Abs(fPrev - fx) <= tol * Math.Max(Math.Max(Math.Abs(fx), Math.Abs(fPrev)), 1e-300)) converged = true;
        }
        return new OptimResult(x, history.ToArray(), iter, converged);
    }

    private static double L1(double[] x, double[]? l1)
    {
        if (l1 is null) return 0;
        double s = 0;
        for (int j = 0; j < x.Length; j++) s += l1[j] * Math.Abs(x[j]);
        return s;
    }

    // The pseudo-gradient of f + Σ l1|x|: the gradient where the L1 term is differentiable, else the one-sided
    // derivative that points downhill (zero when neither side does).
    private static void PseudoGradient(double[] x, double[] g, double[]? l1, bool owl, double[] pg)
    {
        for (int j = 0; j < x.Length; j++)
        {
            double c = owl ? l1![j] : 0;
            if (c == 0) { pg[j] = g[j]; continue; }
            if (x[j] > 0) pg[j] = g[j] + c;
            else if (x[j] < 0) pg[j] = g[j] - c;
            else if (g[j] + c < 0) pg[j] = g[j] + c;
            else if (g[j] - c > 0) pg[j] = g[j] - c;
            else pg[j] = 0;
        }
    }

    private static double Dot(double[] a, double[] b) { double s = 0; for (int i = 0; i < a.Length; i++) s += a[i] * b[i]; return s; }
    private static double Norm(double[] a) => Math.Sqrt(Dot(a, a));
    private static void Axpy(double a, double[] x, double[] y) { for (int i = 0; i < x.Length; i++) y[i] += a * x[i]; }
    private static double[] Sub(double[] a, double[] b) { var r = new double[a.Length]; for (int i = 0; i < a.Length; i++) r[i] = a[i] - b[i]; return r; }
}
