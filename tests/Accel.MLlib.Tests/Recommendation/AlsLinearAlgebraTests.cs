using Accel.ML.Recommendation;

namespace Accel.Tests.Recommendation;

public sealed class AlsLinearAlgebraTests
{
    private static (double[] A, double[] B) RandomSystem(int k, int seed, int stride)
    {
        var rng = new Random(seed);
        var m = new double[(k + 3) * k];
        for (int i = 0; i < m.Length; i++) m[i] = rng.NextDouble() * 2 - 1;
        // A = MᵀM + 0.1·I is symmetric positive definite.
        var a = new double[k * stride];
        for (int i = 0; i < k; i++)
            for (int j = 0; j < k; j++)
            {
                double s = i == j ? 0.1 : 0;
                for (int r = 0; r < k + 3; r++) s += m[r * k + i] * m[r * k + j];
                a[i * stride + j] = s;
            }
        var b = new double[stride];
        for (int i = 0; i < k; i++) b[i] = rng.NextDouble() * 2 - 1;
        return (a, b);
    }

    private static double Objective(double[] a, double[] b, double[] x, int k, int stride)
    {
        double q = 0;
        for (int i = 0; i < k; i++)
        {
            for (int j = 0; j < k; j++) q += 0.5 * x[i] * a[i * stride + j] * x[j];
            q -= b[i] * x[i];
        }
        return q;
    }

    [Theory]
    [InlineData(1, 1, false)]
    [InlineData(5, 8, false)]
    [InlineData(10, 16, true)]
    [InlineData(17, 24, true)]
    public void CholeskySolvesTheSystem(int k, int stride, bool simd)
    {
        var (a, b) = RandomSystem(k, k, stride);
        var a0 = (double[])a.Clone();
        var x = (double[])b.Clone();
        Assert.True(AlsLinearAlgebra.CholeskySolve(a, x, k, stride, simd));
        for (int i = 0; i < k; i++)
        {
            double s = 0;
            for (int j = 0; j < k; j++) s += a0[i * stride + j] * x[j];
            Assert.Equal(b[i], s, 9);
        }
    }

    [Fact]
    public void CholeskyReportsANonPositiveDefiniteMatrix()
    {
        var a = new double[] { 1, 0, 0, 0 };
        var b = new double[] { 1, 1 };
        Assert.False(AlsLinearAlgebra.CholeskySolve(a, b, 2, 2, false));
        Assert.Equal([0.0, 0.0], b);
    }

    [Theory]
    [InlineData(1)]
    [InlineData(2)]
    [InlineData(4)]
    [InlineData(7)]
    public void NonNegativeSolveMatchesBruteForceOverEverySupport(int k)
    {
        for (int seed = 0; seed < 20; seed++)
        {
            var (a, b) = RandomSystem(k, 100 * k + seed, k);
            var x = new double[k];
            AlsLinearAlgebra.NonNegativeSolve(a, b, x, k, k, new double[k * k + 4 * k]);
            Assert.All(x, v => Assert.True(v >= 0));
            // Brute force: the unconstrained optimum on every support, keep the feasible one with the lowest objective.
            double best = double.PositiveInfinity;
            for (int mask = 0; mask < 1 << k; mask++)
            {
                var idx = Enumerable.Range(0, k).Where(i => (mask >> i & 1) != 0).ToArray();
                var sub = new double[idx.Length * idx.Length];
                var z = new double[idx.Length];
                for (int r = 0; r < idx.Length; r++)
                {
                    for (int c = 0; c < idx.Length; c++) sub[r * idx.Length + c] = a[idx[r] * k + idx[c]];
                    z[r] = b[idx[r]];
                }
                if (idx.Length > 0 && !AlsLinearAlgebra.CholeskySolve(sub, z, idx.Length, idx.Length, false)) continue;
                if (z.Any(v => v < 0)) continue;
                var full = new double[k];
                for (int r = 0; r < idx.Length; r++) full[idx[r]] = z[r];
                best = Math.Min(best, Objective(a, b, full, k, k));
            }
            Assert.Equal(best, Objective(a, b, x, k, k), 9);
        }
    }
}
