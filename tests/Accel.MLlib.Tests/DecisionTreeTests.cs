using Accel.Data;
using Accel.Execution;
using Accel.ML;
using Accel.ML.Evaluation;
using Accel.ML.Feature;
using Accel.ML.Tree;
using Accel.Planner.Physical;
using Accel.Sql;

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
        // A tie: 3 distinct values, 1 split, stride 6/2 = 3. After value 1 the count is 2, after value 2 it is 4: both
        // 1 from the target, and Spark closes the bin only when stopping short is strictly closer, so not at 1.5; after
        // value 3 (count 6) stopping at 4 is closer to 3 than 6, so the split is 2.5.
        Assert.Equal(new[] { 2.5 }, TreeTrainer.FindThresholds([1, 1, 2, 2, 3, 3], 2));
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

    [Fact]
    public void TwoLevelTreeMatchesTheHandComputedSplitsAndDebugString()
    {
        using var s = MlTestSession.Create();
        // y = [0, 4, 0, 4, 10, 10]: n 6, Σy 28, Σy² 232, parent variance 232/6 - (28/6)² = 152/9.
        // Root candidates (weighted child variance -> gain):
        //   x0 <= 1.5: {0} | {4,0,4,10,10} var 15.04        -> 5/6·15.04 = 12.533, gain 4.356
        //   x0 <= 2.5: {0,4} var 4 | {0,4,10,10} var 18     -> 13.333,             gain 3.556
        //   x0 <= 3.5: {0,4,0} var 32/9 | {4,10,10} var 8   -> 5.778,              gain 11.111
        //   x0 <= 4.5: {0,4,0,4} var 4 | {10,10} var 0      -> 8/3,                gain 128/9 = 14.222 (best)
        //   x0 <= 5.5: {0,4,0,4,10} var 13.44 | {10}        -> 11.2,               gain 5.689
        //   x1 <= 0.5: {0,0,10,10} var 25 | {4,4} var 0     -> 50/3,               gain 2/9
        // Left child {0,4,0,4} (variance 4): x1 <= 0.5 separates 0s from 4s, gain 4; x0's best is 1.5 or 3.5, gain 4/3.
        // Right child {10,10} is pure: a leaf.
        var x = new double[][] { [1, 0], [2, 1], [3, 0], [4, 1], [5, 0], [6, 0] };
        var model = new DecisionTreeRegressor().Fit(MlTestSession.Labeled(s, x, [0, 4, 0, 4, 10, 10]));
        Assert.Equal(
            $"DecisionTreeRegressionModel: uid={model.Uid}, depth=2, numNodes=5, numFeatures=2\n" +
            "  If (feature 0 <= 4.5)\n" +
            "   If (feature 1 <= 0.5)\n" +
            "    Predict: 0.0\n" +
            "   Else (feature 1 > 0.5)\n" +
            "    Predict: 4.0\n" +
            "  Else (feature 0 > 4.5)\n" +
            "   Predict: 10.0\n", model.ToDebugString);
        Assert.Equal(2, model.Depth);
        Assert.Equal(5, model.NumNodes);
        Assert.Equal(128.0 / 9, model.Nodes[0].Gain, 12);
        Assert.Equal(152.0 / 9, model.Nodes[0].Impurity, 12);
        var left = model.Nodes[model.Nodes[0].Left];
        Assert.Equal(4.0, left.Gain, 12);
        Assert.Equal(4, left.Count);
        // Importances: x0 gain·count = 128/9·6 = 256/3, x1 = 4·4 = 16; normalized 16/19 and 3/19.
        var imp = model.FeatureImportances;
        Assert.Equal(16.0 / 19, imp[0], 12);
        Assert.Equal(3.0 / 19, imp[1], 12);
        Assert.Equal($"DecisionTreeRegressionModel: uid={model.Uid}, depth=2, numNodes=5, numFeatures=2", model.ToString());
    }

    [Fact]
    public void TiesGoToTheLowestFeature()
    {
        using var s = MlTestSession.Create();
        // Both features split the rows into the same halves (gain 4 each): Spark keeps the first feature.
        var model = new DecisionTreeRegressor().Fit(MlTestSession.Labeled(s, [[1, 7], [2, 7], [3, 3], [4, 3]], [0, 0, 4, 4]));
        Assert.Equal(0, model.Nodes[0].Feature);
        Assert.Equal(2.5, model.Nodes[0].Threshold);
        Assert.Equal(new[] { 1.0, 0.0 }, model.FeatureImportances);
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void HistogramKernelMatchesTheHandCount(string path)
    {
        using var s = MlTestSession.Create(path); // selects ILGPU's CPU accelerator for "gpu"
        // 4 rows x 2 features, 3 bins; rows 0 and 2 in slot 0, row 1 in slot 1, row 3 in no open node.
        int[] bins = [0, 2, /**/ 1, 2, /**/ 0, 0, /**/ 2, 1];
        double[] y = [1, 2, 3, 4];
        using var hb = new HistogramBuilder(Enum.Parse<ExecPath>(path, true), bins, y, 4, 2, 3);
        var hist = hb.Build([0, 1, 0, -1], 2);
        var expected = new double[2 * 2 * 3 * 3];
        void Put(int slot, int f, int bin, double c, double sum, double sum2)
        {
            int at = ((slot * 2 + f) * 3 + bin) * 3;
            expected[at] = c; expected[at + 1] = sum; expected[at + 2] = sum2;
        }
        Put(0, 0, 0, 2, 1 + 3, 1 + 9); // rows 0 and 2 share bin 0 of feature 0
        Put(0, 1, 2, 1, 1, 1);         // row 0, feature 1, bin 2
        Put(0, 1, 0, 1, 3, 9);         // row 2, feature 1, bin 0
        Put(1, 0, 1, 1, 2, 4);         // row 1
        Put(1, 1, 2, 1, 2, 4);
        Assert.Equal(expected, hist);
        // A second call reuses the uploaded rows with new slots.
        var all = hb.Build([0, 0, 0, 0], 1);
        Assert.Equal(new double[] { 2, 4, 10, 1, 2, 4, 1, 4, 16 }, all[..9]);
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void SimdAndGpuMergesStayExactOverManyMorsels(string path)
    {
        // 40 000 rows span several 16 384-row morsels (several thread-local histograms on the SIMD path).
        int n = 40000;
        var rnd = new Random(3);
        var bins = Enumerable.Range(0, n).Select(_ => rnd.Next(5)).ToArray();
        var y = Enumerable.Range(0, n).Select(_ => (double)rnd.Next(-50, 50)).ToArray();
        var slots = Enumerable.Range(0, n).Select(i => i % 3 - 1).ToArray();
        using var s = MlTestSession.Create(path);
        using var reference = new HistogramBuilder(ExecPath.Scalar, bins, y, n, 1, 5);
        using var other = new HistogramBuilder(Enum.Parse<ExecPath>(path, true), bins, y, n, 1, 5);
        Assert.Equal(reference.Build(slots, 2), other.Build(slots, 2));
    }

    [Fact]
    public void TrainingReportsWhichPathRanAndWhy()
    {
        using var s = MlTestSession.Create();
        var (x, y) = Blocks(300, 4);
        var model = new DecisionTreeRegressor().SetMaxDepth(3).Fit(MlTestSession.Labeled(s, x, y));
        var stage = Assert.Single(model.TrainingStages);
        // Under accel.path=auto the CPU accelerator is never chosen, and the report says so.
        Assert.NotEqual(ExecPath.Gpu, stage.Path);
        Assert.Contains("gpu: ", model.TrainingReport);
        Assert.StartsWith("histograms [300 rows x 5 features x ", model.TrainingReport);
        Assert.Contains("calls=3", model.TrainingReport);
        Assert.Equal($"accel ml: DecisionTreeRegressor {model.Uid}: histograms={PathDecision.Name(stage.Path)}", model.LogLine);
        using var forced = MlTestSession.Create("scalar");
        var m2 = new DecisionTreeRegressor().SetMaxDepth(3).Fit(MlTestSession.Labeled(forced, x, y));
        Assert.Contains("path=scalar", m2.TrainingReport);
        Assert.EndsWith("histograms=scalar", m2.LogLine);
    }

    [Fact]
    public void PipelineWithVectorAssemblerFitsAndRoundTrips()
    {
        using var s = MlTestSession.Create();
        var schema = new Schema([new Field("a", DataType.Float64), new Field("b", DataType.Int32), new Field("y", DataType.Float64)]);
        // y is a step in a (at 10) plus a step in b (at 2); 30 distinct a values stay under maxBins, so the thresholds are
        // midpoints and a depth-2 tree fits y exactly.
        var rows = Enumerable.Range(0, 30).Select(i => new object?[] { i * 0.5, i % 5, (i * 0.5 <= 10 ? 1.0 : 7.0) + (i % 5 <= 2 ? 0.0 : 100.0) }).ToList();
        var df = s.CreateDataFrame(rows, schema);
        var pipe = new Pipeline().SetStages(
            new VectorAssembler().SetInputCols("a", "b").SetOutputCol("features"),
            new DecisionTreeRegressor().SetLabelCol("y").SetMaxDepth(2));
        var model = pipe.Fit(df);
        var tree = Assert.IsType<DecisionTreeRegressionModel>(model.Stages[1]);
        Assert.Equal(2, tree.Depth);
        // b carries the larger step, so it splits first, between 2 and 3.
        Assert.Equal(1, tree.Nodes[0].Feature);
        Assert.Equal(2.5, tree.Nodes[0].Threshold);
        Assert.Single(model.TrainingStages);
        var predicted = model.Transform(df);
        Assert.Equal(0.0, new RegressionEvaluator().SetLabelCol("y").Evaluate(predicted));
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = PipelineModel.Load(path);
            var lt = Assert.IsType<DecisionTreeRegressionModel>(loaded.Stages[1]);
            Assert.Equal(tree.ToDebugString, lt.ToDebugString);
            Assert.Equal(0.0, new RegressionEvaluator().SetLabelCol("y").Evaluate(loaded.Transform(df)));
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void EstimatorParamsSurviveSaveLoad()
    {
        var est = new DecisionTreeRegressor().SetMaxDepth(3).SetMaxBins(7).SetMinInstancesPerNode(4).SetMinInfoGain(0.25).SetSeed(11).SetLabelCol("t");
        var path = MlTestSession.TempPath();
        try
        {
            est.Write().Save(path);
            var l = DecisionTreeRegressor.Load(path);
            Assert.Equal((3, 7, 4, 0.25, 11L, "t"), (l.GetMaxDepth(), l.GetMaxBins(), l.GetMinInstancesPerNode(), l.GetMinInfoGain(), l.GetSeed(), l.GetLabelCol()));
            Assert.Equal(est.Uid, l.Uid);
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
        Assert.Contains("maxBins: max number of bins", new DecisionTreeRegressor().ExplainParams());
    }

    [Fact]
    public void BadInputIsRejectedWithAReason()
    {
        using var s = MlTestSession.Create();
        var good = MlTestSession.Labeled(s, [[1.0], [2.0]], [1, 2]);
        Assert.Contains("features column 'nope' does not exist", Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetFeaturesCol("nope").Fit(good)).Message);
        Assert.Contains("label column 'y' does not exist", Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetLabelCol("y").Fit(good)).Message);
        var nanLabel = MlTestSession.Labeled(s, [[1.0], [2.0]], [1, double.NaN]);
        Assert.Contains("label column 'label' row 1", Assert.Throws<AccelException>(() => new DecisionTreeRegressor().Fit(nanLabel)).Message);
        var nanFeature = MlTestSession.Labeled(s, [[1.0], [double.NaN]], [1, 2]);
        Assert.Contains("row 1", Assert.Throws<AccelException>(() => new DecisionTreeRegressor().Fit(nanFeature)).Message);
        var empty = good.Filter(Functions.Col("label") > Functions.Lit(10.0));
        Assert.Contains("empty", Assert.Throws<AccelException>(() => new DecisionTreeRegressor().Fit(empty)).Message);
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetMaxBins(1));
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetMinInfoGain(-0.1));
        Assert.Throws<AccelException>(() => new DecisionTreeRegressor().SetImpurity("gini"));
        var model = new DecisionTreeRegressor().Fit(good);
        Assert.Contains("has 1 features", Assert.Throws<AccelException>(() => model.Transform(MlTestSession.Labeled(s, [[1.0, 2.0]], [1]))).Message);
        Assert.Throws<AccelException>(() => model.Predict([1.0, 2.0]));
    }

    [Fact]
    public void ManyRowsAreBinnedFromASeededSample()
    {
        using var s = MlTestSession.Create();
        // 12 000 distinct values exceed max(maxBins², 10 000): thresholds come from a seeded sample of ~10 000 rows,
        // so they are reproducible for one seed and at most maxBins - 1 per feature.
        var x = Enumerable.Range(0, 12000).Select(i => new[] { (double)((i * 7919) % 12000) }).ToArray();
        var y = x.Select(r => r[0] < 6000 ? 0.0 : 1.0).ToArray();
        var df = MlTestSession.Labeled(s, x, y);
        var a = new DecisionTreeRegressor().SetMaxBins(8).SetMaxDepth(1).Fit(df);
        var b = new DecisionTreeRegressor().SetMaxBins(8).SetMaxDepth(1).Fit(df);
        Assert.Equal(a.Nodes[0], b.Nodes[0]);
        // The best of 7 quantile thresholds is the one nearest the step at 6000 (the median of the sample).
        Assert.InRange(a.Nodes[0].Threshold, 5500, 6500);
        Assert.Equal(12000, a.Nodes[0].Count);
    }
}
