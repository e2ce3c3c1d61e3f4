using Accel.Execution;
using Accel.Planner.Physical;
using Accel.ML.Recommendation;
using Xunit.Abstractions;

namespace Accel.Tests.Recommendation;

public sealed class AlsTrainerTests(AlsFixture fx, ITestOutputHelper log) : IClassFixture<AlsFixture>
{
    private static readonly AlsProblem Explicit = new(Rank: 10, RegParam: 0.08, ImplicitPrefs: false, Alpha: 1.0, Nonnegative: false);

    [Fact]
    public void ExplicitScalarRmseLiesBetweenOracleAndBaseline()
    {
        var r = AlsTrainer.Train(fx.Train, Explicit, 10, seed: 3, PathSetting.Scalar);
        double rmse = fx.Rmse(r, 10), baseline = fx.BaselineRmse;
        log.WriteLine($"oracle {fx.Data.OracleRmse:0.0000} als {rmse:0.0000} baseline {baseline:0.0000}");
        Assert.InRange(rmse, fx.Data.OracleRmse, 0.9 * baseline);
        Assert.All(r.Stages, s => Assert.Equal(ExecPath.Scalar, s.Path));
    }

    [Fact]
    public void SimdPathMatchesScalarWithinOnePercent()
    {
        var scalar = fx.Rmse(AlsTrainer.Train(fx.Train, Explicit, 10, seed: 3, PathSetting.Scalar), 10);
        var simd = AlsTrainer.Train(fx.Train, Explicit, 10, seed: 3, PathSetting.Simd);
        double rmse = fx.Rmse(simd, 10);
        log.WriteLine($"scalar {scalar:0.000000} simd {rmse:0.000000}; {string.Join(" | ", simd.Stages)}");
        Assert.InRange(rmse, scalar * 0.99, scalar * 1.01);
        Assert.Equal(ExecPath.Simd, simd.Stages[0].Path);
        Assert.Contains("gpu: ", simd.Stages[0].Decision.ReasonsNotTaken());
    }

    [Fact]
    public void SimdFactorsAgreeWithScalarFactorsAfterOneIteration()
    {
        // One iteration from the same initialization: the paths differ only in summation order.
        var a = AlsTrainer.Train(fx.Train, Explicit, 1, seed: 5, PathSetting.Scalar);
        var b = AlsTrainer.Train(fx.Train, Explicit, 1, seed: 5, PathSetting.Simd);
        for (int i = 0; i < a.UserFactors.Length; i++) Assert.Equal(a.UserFactors[i], b.UserFactors[i], 1e-8);
        for (int i = 0; i < a.ItemFactors.Length; i++) Assert.Equal(a.ItemFactors[i], b.ItemFactors[i], 1e-8);
    }

    [Fact]
    public void NonnegativeFactorsAreNonnegativeAndStillFit()
    {
        var p = Explicit with { Nonnegative = true };
        var scalar = AlsTrainer.Train(fx.Train, p, 6, seed: 3, PathSetting.Scalar);
        var simd = AlsTrainer.Train(fx.Train, p, 6, seed: 3, PathSetting.Simd);
        Assert.All(scalar.UserFactors.Concat(scalar.ItemFactors), v => Assert.True(v >= 0));
        Assert.All(simd.UserFactors.Concat(simd.ItemFactors), v => Assert.True(v >= 0));
        double rs = fx.Rmse(scalar, 10), rv = fx.Rmse(simd, 10);
        log.WriteLine($"nonnegative scalar {rs:0.0000} simd {rv:0.0000} baseline {fx.BaselineRmse:0.0000}");
        Assert.True(rs < fx.BaselineRmse, $"nonnegative ALS RMSE {rs} should beat the mean baseline {fx.BaselineRmse}");
        Assert.InRange(rv, rs * 0.99, rs * 1.01);
        Assert.Equal("nnls solve", scalar.Stages[1].Name);
    }

    [Fact]
    public void InitialFactorsHaveUnitNormAndAreDeterministic()
    {
        var f = AlsTrainer.InitialFactors(50, 7, seed: 9, stream: 1, nonnegative: false);
        var g = AlsTrainer.InitialFactors(50, 7, seed: 9, stream: 1, nonnegative: false);
        var h = AlsTrainer.InitialFactors(50, 7, seed: 10, stream: 1, nonnegative: false);
        Assert.Equal(f, g);
        Assert.NotEqual(f, h);
        for (int r = 0; r < 50; r++)
            Assert.Equal(1.0, Math.Sqrt(f.AsSpan(r * 7, 7).ToArray().Sum(v => v * v)), 12);
        Assert.Contains(f, v => v < 0);
        Assert.All(AlsTrainer.InitialFactors(50, 7, 9, 1, nonnegative: true), v => Assert.True(v >= 0));
    }

    [Theory]
    [InlineData(PathSetting.Scalar)]
    [InlineData(PathSetting.Simd)]
    public void ImplicitModeRecoversPlantedCommunitiesBetterThanPopularity(PathSetting path)
    {
        // 300 users in 6 communities; each community interacts with its own 20 of 120 items (plus one random
        // item anywhere, and a popularity skew across all items). Held-out in-community items must rank above
        // the user's unseen out-of-community items far better than by global popularity.
        const int users = 300, items = 120, groups = 6, per = items / groups;
        var rng = new Random(11);
        var (tu, ti, tr) = (new List<int>(), new List<int>(), new List<double>());
        var heldOut = new List<(int U, int I)>();
        for (int u = 0; u < users; u++)
        {
            int g = u % groups;
            var mine = Enumerable.Range(g * per, per).OrderBy(_ => rng.Next()).Take(10).ToArray();
            foreach (var i in mine[..8]) { tu.Add(u); ti.Add(i); tr.Add(1 + rng.Next(5)); }
            foreach (var i in mine[8..]) heldOut.Add((u, i));
            int noise = (int)(items * Math.Pow(rng.NextDouble(), 3));
            if (!mine.Contains(noise)) { tu.Add(u); ti.Add(noise); tr.Add(1); }
        }
        var m = new RatingMatrix(users, items, tu.ToArray(), ti.ToArray(), tr.ToArray());
        var r = AlsTrainer.Train(m, new AlsProblem(8, 0.05, ImplicitPrefs: true, Alpha: 5, Nonnegative: false), 10, seed: 1, path);
        var pop = Enumerable.Range(0, items).Select(i => (double)(m.ItemPtr[i + 1] - m.ItemPtr[i])).ToArray();
        double als = Auc((u, i) => Dot(r.UserFactors, u, r.ItemFactors, i, 8)), popularity = Auc((_, i) => pop[i]);
        log.WriteLine($"{path}: implicit AUC als {als:0.0000} popularity {popularity:0.0000}");
        Assert.True(als > 0.9, $"implicit ALS AUC {als} should exceed 0.9");
        Assert.True(als > popularity + 0.2, $"implicit ALS AUC {als} should beat popularity {popularity}");

        double Auc(Func<int, int, double> score)
        {
            double wins = 0, pairs = 0;
            foreach (var (u, i) in heldOut)
            {
                var seen = new HashSet<int>(m.UserCols[m.UserPtr[u]..m.UserPtr[u + 1]]);
                double s = score(u, i);
                for (int j = 0; j < items; j++)
                {
                    if (j / per == u % groups || seen.Contains(j)) continue;
                    double t = score(u, j);
                    wins += s > t ? 1 : s == t ? 0.5 : 0;
                    pairs++;
                }
            }
            return wins / pairs;
        }
    }

    [Fact]
    public void ImplicitSimdMatchesScalar()
    {
        var p = new AlsProblem(6, 0.05, ImplicitPrefs: true, Alpha: 2, Nonnegative: false);
        var a = AlsTrainer.Train(fx.Train, p, 2, seed: 4, PathSetting.Scalar);
        var b = AlsTrainer.Train(fx.Train, p, 2, seed: 4, PathSetting.Simd);
        for (int i = 0; i < a.ItemFactors.Length; i++) Assert.Equal(a.ItemFactors[i], b.ItemFactors[i], 1e-7);
    }

    [Fact]
    public void BadSettingsAreErrors()
    {
        Assert.Contains("rank", Assert.Throws<AccelException>(() => AlsTrainer.Train(fx.Train, Explicit with { Rank = 0 }, 1, 1, PathSetting.Scalar)).Message);
        Assert.Contains("maxIter", Assert.Throws<AccelException>(() => AlsTrainer.Train(fx.Train, Explicit, -1, 1, PathSetting.Scalar)).Message);
    }

    private static double Dot(double[] u, int ui, double[] v, int vi, int k)
    {
        double s = 0;
        for (int f = 0; f < k; f++) s += u[ui * k + f] * v[vi * k + f];
        return s;
    }
}
