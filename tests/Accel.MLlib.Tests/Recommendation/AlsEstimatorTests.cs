using Accel.Data;
using Accel.Execution;
using Accel.ML;
using Accel.ML.Evaluation;
using Accel.ML.Recommendation;
using Accel.Sql;
using Xunit.Abstractions;

namespace Accel.Tests.Recommendation;

/// <summary>Generated ratings split 80/20 with RandomSplit, as DataFrames.</summary>
public sealed class AlsDataFixture
{
    public AlsDataFixture()
    {
        Data = RatingsGenerator.Generate(new RatingsGeneratorOptions(2000, 500, 50_000, Seed: 21));
        var s = MlTestSession.Create();
        var split = Data.ToDataFrame(s).RandomSplit([0.8, 0.2], seed: 4);
        Train = split[0].ToBatch();
        Test = split[1].ToBatch();
    }

    public RatingsData Data { get; }
    public ColumnBatch Train { get; }
    public ColumnBatch Test { get; }
}

[Collection("gpu")]
public sealed class AlsEstimatorTests(AlsDataFixture fx, ITestOutputHelper log) : IClassFixture<AlsDataFixture>
{
    private static ALS NewAls() => new ALS().SetUserCol("userId").SetItemCol("movieId").SetRatingCol("rating")
        .SetRank(10).SetMaxIter(10).SetRegParam(0.08).SetSeed(5).SetColdStartStrategy("drop");

    private static RegressionEvaluator Rmse() => new RegressionEvaluator().SetLabelCol("rating").SetPredictionCol("prediction").SetMetricName("rmse");

    private (double Rmse, ALSModel Model) FitAndScore(string path)
    {
        var s = MlTestSession.Create(path);
        var model = NewAls().Fit(MlData.FromBatch(s, fx.Train));
        return (Rmse().Evaluate(model.Transform(MlData.FromBatch(s, fx.Test))), model);
    }

    [Fact]
    public void TestRmseLiesBetweenOracleAndNinetyPercentOfTheMeanBaseline()
    {
        var (rmse, model) = FitAndScore("scalar");
        var trainMean = MlData.ReadDoubles(fx.Train.Columns[2], "rating").Average();
        var test = MlData.ReadDoubles(fx.Test.Columns[2], "rating");
        double baseline = Math.Sqrt(test.Average(r => (r - trainMean) * (r - trainMean)));
        log.WriteLine($"oracle {fx.Data.OracleRmse:0.0000}, ALS {rmse:0.0000}, mean baseline {baseline:0.0000}\n{model.Summary}");
        Assert.InRange(rmse, fx.Data.OracleRmse, 0.9 * baseline);
        Assert.Equal(2, model.TrainingStages.Count);
        Assert.All(model.TrainingStages, st => Assert.Equal(ExecPath.Scalar, st.Path));
        Assert.Contains("path=scalar", model.Summary);
        Assert.Contains("not taken, accel.path=scalar", model.Summary);
    }

    [Fact]
    public void SimdPathIsWithinOnePercentOfScalar()
    {
        var (scalar, _) = FitAndScore("scalar");
        var (simd, model) = FitAndScore("simd");
        log.WriteLine($"scalar {scalar:0.000000} simd {simd:0.000000}");
        Assert.InRange(simd, scalar * 0.99, scalar * 1.01);
        Assert.All(model.TrainingStages, st => Assert.Equal(ExecPath.Simd, st.Path));
    }

    [Fact]
    public void GpuPathIsWithinOnePercentOfScalarOnASmallSet()
    {
        // ILGPU's CPU accelerator emulates every GPU thread: a small set keeps this test fast.
        var d = RatingsGenerator.Generate(new RatingsGeneratorOptions(200, 80, 4000, Seed: 2));
        double Score(string path)
        {
            var s = MlTestSession.Create(path);
            var split = d.ToDataFrame(s).RandomSplit([0.8, 0.2], seed: 1);
            var model = NewAls().SetRank(5).SetMaxIter(5).Fit(split[0]);
            if (path == "gpu") Assert.All(model.TrainingStages, st => Assert.Equal(ExecPath.Gpu, st.Path));
            return Rmse().Evaluate(model.Transform(split[1]));
        }
        double scalar = Score("scalar"), gpu = Score("gpu");
        log.WriteLine($"scalar {scalar:0.000000} gpu {gpu:0.000000}");
        Assert.InRange(gpu, scalar * 0.99, scalar * 1.01);
    }

    [Fact]
    public void AutoPicksSimdAndSaysWhyNotGpu()
    {
        var s = MlTestSession.Create("auto");
        var model = NewAls().SetMaxIter(1).Fit(MlData.FromBatch(s, fx.Train));
        Assert.All(model.TrainingStages, st => Assert.Equal(ExecPath.Simd, st.Path));
        Assert.Contains("gpu: ILGPU CPU accelerator is for tests only", model.Summary);
        Assert.Contains("scalar: cost", model.Summary);
    }

    private static DataFrame Tiny(AccelSession s) => s.CreateDataFrame(
        new object?[][] { [1, 10, 4.0], [1, 20, 2.0], [2, 10, 5.0], [2, 30, 1.0], [3, 20, 3.0], [3, 30, 4.5] },
        new Schema([new Field("user", DataType.Int32), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));

    [Fact]
    public void PredictionIsTheDotProductOfTheFactorsAndColdStartIsNanOrDropped()
    {
        var s = MlTestSession.Create("scalar");
        var model = new ALS().SetRank(3).SetMaxIter(5).SetRegParam(0.05).Fit(Tiny(s));
        var uf = model.UserFactors.Collect().ToDictionary(r => r.GetAs<int>("id"), r => ((IEnumerable<object?>)r.Get("features")!).Select(v => (float)v!).ToArray());
        var itf = model.ItemFactors.Collect().ToDictionary(r => r.GetAs<int>("id"), r => ((IEnumerable<object?>)r.Get("features")!).Select(v => (float)v!).ToArray());
        Assert.Equal([1, 2, 3], uf.Keys.Order());
        Assert.Equal([10, 20, 30], itf.Keys.Order());
        Assert.All(uf.Values, f => Assert.Equal(3, f.Length));
        Assert.Equal(DataType.ArrayOf(DataType.Float32), model.UserFactors.Schema()[1].Type);

        var probe = s.CreateDataFrame(
            new object?[][] { [1, 20], [3, 10], [9, 10], [1, 99], [null, 10] },
            new Schema([new Field("user", DataType.Int32), new Field("item", DataType.Int32)]));
        var rows = model.Transform(probe).Collect().ToArray();
        Assert.Equal(5, rows.Length);
        Assert.Equal(DataType.Float32, model.Transform(probe).Schema()[2].Type);
        float Expected(int u, int i) => (float)uf[u].Zip(itf[i]).Sum(p => (double)p.First * p.Second);
        Assert.Equal(Expected(1, 20), rows[0].GetAs<float>("prediction"), 5);
        Assert.Equal(Expected(3, 10), rows[1].GetAs<float>("prediction"), 5);
        Assert.True(float.IsNaN(rows[2].GetAs<float>("prediction")));
        Assert.True(float.IsNaN(rows[3].GetAs<float>("prediction")));
        Assert.True(float.IsNaN(rows[4].GetAs<float>("prediction")));

        var dropped = model.SetColdStartStrategy("drop").Transform(probe).Collect().ToArray();
        Assert.Equal(2, dropped.Length);
        Assert.Equal([1, 3], dropped.Select(r => r.GetAs<int>("user")));
    }

    [Fact]
    public void RecommendationsAreTheBruteForceTopK()
    {
        var s = MlTestSession.Create("simd");
        var model = NewAls().SetMaxIter(3).Fit(MlData.FromBatch(s, fx.Train));
        var uf = model.UserFactors.Collect().ToDictionary(r => r.GetAs<int>("id"), r => ((IEnumerable<object?>)r.Get("features")!).Select(v => (float)v!).ToArray());
        var itf = model.ItemFactors.Collect().ToDictionary(r => r.GetAs<int>("id"), r => ((IEnumerable<object?>)r.Get("features")!).Select(v => (float)v!).ToArray());
        double Score(float[] a, float[] b) => a.Zip(b).Sum(p => (double)p.First * p.Second);

        var all = model.RecommendForAllUsers(7);
        Assert.Equal(["userId", "recommendations", "ratings"], all.Columns);
        var recs = all.Collect().ToArray();
        Assert.Equal(uf.Count, recs.Length);
        foreach (var r in recs.Where((_, i) => i % 97 == 0))
        {
            int u = r.GetAs<int>("userId");
            var ids = ((IEnumerable<object?>)r.Get("recommendations")!).Select(v => (int)v!).ToArray();
            var scores = ((IEnumerable<object?>)r.Get("ratings")!).Select(v => (float)v!).ToArray();
            var expected = itf.OrderByDescending(kv => Score(uf[u], kv.Value)).Take(7).ToArray();
            Assert.Equal(7, ids.Length);
            for (int j = 0; j < 7; j++)
            {
                Assert.Equal(expected[j].Value is var e ? Score(uf[u], e) : 0, scores[j], 3);
                Assert.Equal(Score(uf[u], itf[ids[j]]), scores[j], 3);
            }
            Assert.True(scores.Zip(scores.Skip(1)).All(p => p.First >= p.Second));
        }

        var items = model.RecommendForAllItems(3).Collect().ToArray();
        Assert.Equal(itf.Count, items.Length);
        var one = items[0];
        int item = one.GetAs<int>("movieId");
        var best = uf.OrderByDescending(kv => Score(kv.Value, itf[item])).First();
        Assert.Equal(Score(best.Value, itf[item]), ((IEnumerable<object?>)one.Get("ratings")!).Select(v => (float)v!).First(), 3);

        var subset = s.CreateDataFrame(new object?[][] { [5], [3], [5], [999_999], [null] }, new Schema([new Field("userId", DataType.Int32)]));
        var sub = model.RecommendForUserSubset(subset, 2).Collect().ToArray();
        Assert.Equal([3, 5], sub.Select(r => r.GetAs<int>("userId")));
        var itemSubset = s.CreateDataFrame(new object?[][] { [item] }, new Schema([new Field("movieId", DataType.Int32)]));
        var isub = model.RecommendForItemSubset(itemSubset, 3).Collect().Single();
        Assert.Equal(((IEnumerable<object?>)one.Get("recommendations")!).Cast<int>(), ((IEnumerable<object?>)isub.Get("recommendations")!).Cast<int>());
    }

    [Fact]
    public void SaveAndLoadKeepFactorsAndParams()
    {
        var s = MlTestSession.Create("simd");
        var model = NewAls().SetMaxIter(2).Fit(MlData.FromBatch(s, fx.Train));
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = ALSModel.Load(path);
            Assert.Equal(10, loaded.Rank);
            Assert.Equal("userId", loaded.GetUserCol());
            Assert.Equal("drop", loaded.GetColdStartStrategy());
            var a = model.Transform(MlData.FromBatch(s, fx.Test)).Collect().Select(r => r.GetAs<float>("prediction")).ToArray();
            var b = loaded.Transform(MlData.FromBatch(s, fx.Test)).Collect().Select(r => r.GetAs<float>("prediction")).ToArray();
            Assert.Equal(a, b);
            Assert.Throws<AccelException>(() => model.Write().Save(path));

            var est = NewAls().SetImplicitPrefs(true).SetAlpha(3);
            var estPath = path + "-est";
            est.Write().Save(estPath);
            var back = ALS.Load(estPath);
            Assert.True(back.GetImplicitPrefs());
            Assert.Equal(3.0, back.GetAlpha());
            Assert.Equal(10, back.GetRank());
            Directory.Delete(estPath, true);
        }
        finally
        {
            if (Directory.Exists(path)) Directory.Delete(path, true);
        }
    }

    [Fact]
    public void NonnegativeAndImplicitRunThroughTheEstimator()
    {
        var s = MlTestSession.Create("simd");
        var model = NewAls().SetMaxIter(3).SetNonnegative(true).Fit(MlData.FromBatch(s, fx.Train));
        foreach (var r in model.UserFactors.Collect().Concat(model.ItemFactors.Collect()))
            Assert.All(((IEnumerable<object?>)r.Get("features")!).Cast<float>(), v => Assert.True(v >= 0));
        Assert.Equal("nnls solve", model.TrainingStages[1].Name);
        var imp = NewAls().SetMaxIter(2).SetImplicitPrefs(true).SetAlpha(2).Fit(MlData.FromBatch(s, fx.Train));
        Assert.Contains("implicit", imp.TrainingStages[0].Detail);
        var preds = imp.Transform(MlData.FromBatch(s, fx.Test)).Collect().Select(r => r.GetAs<float>("prediction")).ToArray();
        // Implicit predictions estimate preference (1 for every observed rating here), not the rating.
        Assert.InRange(preds.Average(), 0.2, 1.5);
    }

    [Fact]
    public void PipelineFitsAls()
    {
        var s = MlTestSession.Create("simd");
        var pm = new Pipeline().SetStages(NewAls().SetMaxIter(1)).Fit(MlData.FromBatch(s, fx.Train));
        Assert.Contains("prediction", pm.Transform(MlData.FromBatch(s, fx.Test)).Columns);
        Assert.Equal(2, pm.TrainingStages.Count);
    }

    [Fact]
    public void BadInputsAreErrorsThatNameTheProblem()
    {
        var s = MlTestSession.Create("scalar");
        var strings = s.CreateDataFrame(new object?[][] { ["a", 1, 2.0] },
            new Schema([new Field("user", DataType.Utf8), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));
        Assert.Contains("user column 'user' must be a numeric type", Assert.Throws<AccelException>(() => new ALS().Fit(strings)).Message);

        var big = s.CreateDataFrame(new object?[][] { [1L, 1, 2.0], [-3_000_000_000L, 2, 3.0] },
            new Schema([new Field("user", DataType.Int64), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));
        Assert.Contains("int range", Assert.Throws<AccelException>(() => new ALS().Fit(big)).Message);

        var negativeInRange = s.CreateDataFrame(new object?[][] { [-5L, 1, 2.0], [7L, 2, 3.0] },
            new Schema([new Field("user", DataType.Int64), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));
        Assert.Equal([-5, 7], new ALS().SetRank(2).Fit(negativeInRange).UserFactors.Collect().Select(r => r.GetAs<int>("id")).Order());

        var fractional = s.CreateDataFrame(new object?[][] { [1.5, 1, 2.0] },
            new Schema([new Field("user", DataType.Float64), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));
        Assert.Contains("fractional", Assert.Throws<AccelException>(() => new ALS().Fit(fractional)).Message);

        var badRating = s.CreateDataFrame(new object?[][] { [1, 1, "x"] },
            new Schema([new Field("user", DataType.Int32), new Field("item", DataType.Int32), new Field("rating", DataType.Utf8)]));
        Assert.Contains("rating column 'rating' must be numeric", Assert.Throws<AccelException>(() => new ALS().Fit(badRating)).Message);

        var nullRating = s.CreateDataFrame(new object?[][] { [1, 1, null] },
            new Schema([new Field("user", DataType.Int32), new Field("item", DataType.Int32), new Field("rating", DataType.Float64)]));
        Assert.Contains("NULL", Assert.Throws<AccelException>(() => new ALS().Fit(nullRating)).Message);

        Assert.Contains("rank", Assert.Throws<AccelException>(() => new ALS().SetRank(0)).Message);
        Assert.Contains("rank", Assert.Throws<AccelException>(() => new ALS().SetRank(-3)).Message);
        Assert.Throws<AccelException>(() => new ALS().SetColdStartStrategy("zero"));
        Assert.Throws<AccelException>(() => new ALS().SetRegParam(-1));
        Assert.Contains("does not exist", Assert.Throws<AccelException>(() => new ALS().SetUserCol("nope").Fit(Tiny(s))).Message);
        var model = new ALS().SetRank(2).SetMaxIter(1).Fit(Tiny(s));
        Assert.Contains("at least 1", Assert.Throws<AccelException>(() => model.RecommendForAllUsers(0)).Message);
    }
}
