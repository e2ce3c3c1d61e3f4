using Accel.Execution;
using Accel.ML;
using Accel.ML.Tree;

namespace Accel.Tests;

public class DecisionTreeTests
{
    private static double[][] Column(params double[] x) => x.Select(v => new[] { v }).ToArray();

    [Fact]
    public void SplitsAtTheMidpointAndPrintsSparksDebugString()
    {
        using var s = MlTestSession.Create();
        var model = new DecisionTreeRegressor().Fit(MlTestSession.Labeled(s, Column(1, 2, 3, 4, 5, 6), [1, 1, 1, 5, 5, 5]));
        Assert.Equal(1, model.Depth);
        Assert.Equal(3, model.NumNodes);
        Assert.Equal(
            $"DecisionTreeRegressionModel: uid={model.Uid}, depth=1, numNodes=3, numFeatures=1\n" +
            "  If (feature 0 <= 3.5)\n" +
            "   Predict: 1.0\n" +
            "  Else (feature 0 > 3.5)\n" +
            "   Predict: 5.0\n", model.ToDebugString);
        Assert.Equal(1.0, model.Predict([3.5]));
        Assert.Equal(5.0, model.Predict([3.5000001]));
        Assert.Equal(new[] { 1.0 }, model.FeatureImportances);
    }

    [Fact]
    public void ChoosesTheSplitWithTheLargestVarianceGain()
    {
        using var s = MlTestSession.Create();
        // Parent variance 12.5; gains: 1.5 -> 3.0, 2.5 -> 6.25, 3.5 -> 12.0.
        var df = MlTestSession.Labeled(s, Column(1, 2, 3, 4), [1, 2, 3, 10]);
        var best = new DecisionTreeRegressor().SetMaxDepth(1).Fit(df);
        Assert.Equal(3.5, best.Nodes[0].Threshold);
        Assert.Equal(12.0, best.Nodes[0].Gain, 12);
        Assert.Equal(2.0, best.Predict([2]), 14);
        Assert.Equal(10.0, best.Predict([4]));
        // Only 2.5 leaves two rows on each side.
        var balanced = new DecisionTreeRegressor().SetMaxDepth(1).SetMinInstancesPerNode(2).Fit(df);
        Assert.Equal(2.5, balanced.Nodes[0].Threshold);
        Assert.Equal(1.5, balanced.Predict([1]));
        Assert.Equal(6.5, balanced.Predict([4]));
        // No split reaches a gain of 12.5: one leaf predicting the mean.
        var none = new DecisionTreeRegressor().SetMinInfoGain(12.5).Fit(df);
        Assert.Equal(1, none.NumNodes);
        Assert.Equal(0, none.Depth);
        Assert.Equal(4.0, none.Predict([1]));
        Assert.Equal(1, new DecisionTreeRegressor().SetMaxDepth(0).Fit(df).NumNodes);
        // Gain exactly 12.0 is enough when minInfoGain is 12.
        Assert.Equal(3, new DecisionTreeRegressor().SetMaxDepth(1).SetMinInfoGain(12.0).Fit(df).NumNodes);
    }

    [Fact]
    public void PicksTheInformativeFeatureAndReportsImportances()
    {
        using var s = MlTestSession.Create();
        var model = new DecisionTreeRegressor().Fit(MlTestSession.Labeled(s, [[0, 0], [0, 1], [1, 0], [1, 1]], [0, 10, 0, 10]));
        Assert.Equal(1, model.Nodes[0].Feature);
        Assert.Equal(0.5, model.Nodes[0].Threshold);
        Assert.Equal(25.0, model.Nodes[0].Gain);
        Assert.Equal(new[] { 0.0, 1.0 }, model.FeatureImportances);
    }

    [Fact]
    public void ConstantLabelIsOneLeafPredictedExactly()
    {
        using var s = MlTestSession.Create();
        var rnd = new Random(1);
        var x = Enumerable.Range(0, 50).Select(_ => new[] { rnd.NextDouble(), rnd.NextDouble() * 100 }).ToArray();
        var model = new DecisionTreeRegressor().Fit(MlTestSession.Labeled(s, x, Enumerable.Repeat(0.1, 50).ToArray()));
        Assert.Equal(1, model.NumNodes);
        Assert.Equal(0, model.Depth);
        Assert.Equal(0.1, model.Predict([0.5, 50]));
        Assert.Equal(new[] { 0.0, 0.0 }, model.FeatureImportances);
        Assert.EndsWith("numFeatures=2\n  Predict: 0.1\n", model.ToDebugString);
    }

    [Fact]
    public void QuantileThresholdsFollowSpark()
    {
        // Few distinct values: every midpoint.
        Assert.Equal(new[] { 1.5, 2.5 }, TreeTrainer.FindThresholds([3, 1, 2, 2, 1, 3], 3));
        // Many: thresholds where the running count best meets multiples of n / maxBins.
        Assert.Equal(new[] { 250.5, 500.5, 750.5 }, TreeTrainer.FindThresholds(Enumerable.Range(1, 1000).Select(i => (double)i), 4));
        Assert.Empty(TreeTrainer.FindThresholds([7, 7, 7], 32));
        // A heavy value takes a bin of its own.
        var t = TreeTrainer.FindThresholds(Enumerable.Repeat(5.0, 600).Concat(Enumerable.Range(0, 400).Select(i => 10.0 + i)), 4);
        Assert.Equal(5.0 + (10.0 - 5.0) / 2, t[0]);
        Assert.True(t.Length <= 3);
    }

    private static (double[][] X, double[] Y) Blocks(int n, int seed)
    {
        var rnd = new Random(seed);
        var x = new double[n][];
        var y = new double[n];
        for (int i = 0; i < n; i++)
        {
            x[i] = [rnd.Next(100), rnd.NextDouble() * 10, rnd.Next(3), rnd.NextDouble(), rnd.Next(1000) * 0.25];
            // Integer labels keep every histogram sum exact, so all paths must build the identical tree.
            y[i] = (x[i][0] > 50 ? 10 : 0) + (x[i][1] < 3 ? 5 : 0) + (int)x[i][2] * 2 + rnd.Next(4);
        }
        return (x, y);
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void EveryPathBuildsTheScalarTree(string path)
    {
        var (x, y) = Blocks(3000, 5);
        using var scalar = MlTestSession.Create("scalar");
        using var other = MlTestSession.Create(path);
        var est = new DecisionTreeRegressor().SetMaxDepth(6).SetMaxBins(16);
        var a = est.Fit(MlTestSession.Labeled(scalar, x, y));
        var b = est.Fit(MlTestSession.Labeled(other, x, y));
        Assert.Equal(a.Nodes.Count, b.Nodes.Count);
        for (int k = 0; k < a.Nodes.Count; k++) Assert.Equal(a.Nodes[k], b.Nodes[k]);
        var stage = Assert.Single(b.TrainingStages);
        Assert.Equal("histograms", stage.Name);
        Assert.Equal(Enum.Parse<ExecPath>(path, true), stage.Path);
        Assert.Equal(6, stage.Calls);
        Assert.True(a.NumNodes > 15);
    }

    [Fact]
    public void DepthAndMinInstancesAreRespected()
    {
        var (x, y) = Blocks(2000, 9);
        using var s = MlTestSession.Create();
        var df = MlTestSession.Labeled(s, x, y);
        foreach (var depth in new[] { 1, 2, 4, 8 })
        {
            var m = new DecisionTreeRegressor().SetMaxDepth(depth).Fit(df);
            Assert.Equal(depth, m.Depth);
            Assert.True(m.NumNodes <= (1 << (depth + 1)) - 1);
        }
        var min = new DecisionTreeRegressor().SetMaxDepth(10).SetMinInstancesPerNode(60).Fit(df);
        Assert.All(min.Nodes.Where(n => n.IsLeaf), n => Assert.True(n.Count >= 60));
        Assert.Equal(2000, min.Nodes.Where(n => n.IsLeaf).Sum(n => n.Count));
        var imp = min.FeatureImportances;
        Assert.Equal(1.0, imp.Sum(), 12);
        Assert.True(imp[0] > imp[3]);
        Assert.True(imp[1] > imp[3]);
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetMaxDepth(31));
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetMaxBins(1));
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetMinInstancesPerNode(0));
    }

    [Fact]
    public void SaveLoadRoundTripPredictsTheSame()
    {
        var (x, y) = Blocks(500, 2);
        using var s = MlTestSession.Create();
        var df = MlTestSession.Labeled(s, x, y);
        var model = new DecisionTreeRegressor().SetMaxDepth(4).SetPredictionCol("p").Fit(df);
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = DecisionTreeRegressionModel.Load(path);
            Assert.Equal(model.ToDebugString, loaded.ToDebugString);
            Assert.Equal(model.FeatureImportances, loaded.FeatureImportances);
            Assert.Equal(4, loaded.GetOrDefault("maxDepth"));
            var p1 = model.Transform(df).Collect().Select(r => (double)r.Get("p")!).ToArray();
            var p2 = loaded.Transform(df).Collect().Select(r => (double)r.Get("p")!).ToArray();
            Assert.Equal(p1, p2);
            Assert.Equal(x.Select(r => model.Predict(r)).ToArray(), p1);
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void NumbersPrintAsJavaDoubles()
    {
        Assert.Equal("2.0", DecisionTreeRegressionModel.JavaDouble(2));
        Assert.Equal("0.5", DecisionTreeRegressionModel.JavaDouble(0.5));
        Assert.Equal("-3.25", DecisionTreeRegressionModel.JavaDouble(-3.25));
        Assert.Equal("1.0E-4", DecisionTreeRegressionModel.JavaDouble(1e-4));
        Assert.Equal("1.5E7", DecisionTreeRegressionModel.JavaDouble(1.5e7));
        Assert.Equal("1.23456789E8", DecisionTreeRegressionModel.JavaDouble(123456789));
        Assert.Equal("0.001", DecisionTreeRegressionModel.JavaDouble(0.001));
    }
}
