using Accel.Data;
using Accel.Execution;
using Accel.ML;
using Accel.ML.Evaluation;
using Accel.ML.Feature;
using Accel.Planner.Physical;
using Accel.Sql;

namespace Accel.Tests;

public class FoundationTests
{
    private static DataFrame Mixed(AccelSession s)
    {
        var schema = new Schema([
            new Field("id", DataType.Int32, false), new Field("a", DataType.Float64), new Field("b", DataType.Int64),
            new Field("flag", DataType.Boolean), new Field("v", DataType.ArrayOf(DataType.Float64))]);
        return s.CreateDataFrame([
            [1, 1.5, 10L, true, new double[] { 7, 8 }],
            [2, null, 20L, false, new double[] { 9, 10 }],
            [3, double.NaN, 30L, true, new double[] { 11, 12 }],
            [4, 4.0, 40L, false, null],
            [5, 5.0, 50L, true, new double[] { 13, double.NaN }],
        ], schema);
    }

    private static List<double[]?> Vectors(DataFrame df, string col) =>
        df.Collect().Select(r => r.Get(col) is object?[] a ? a.Select(x => (double)x!).ToArray() : null).ToList();

    [Fact]
    public void AssemblerConcatenatesNumericBooleanAndVectorColumns()
    {
        using var s = MlTestSession.Create();
        var df = Mixed(s).Filter(Functions.Col("id") == Functions.Lit(1));
        var out1 = new VectorAssembler().SetInputCols("a", "b", "flag", "v").SetOutputCol("f").Transform(df);
        Assert.Equal(DataType.ArrayOf(DataType.Float64), out1.Schema()[out1.Schema().Require("f")].Type);
        Assert.Equal(new[] { 1.5, 10, 1, 7, 8 }, Vectors(out1, "f").Single());
        Assert.Equal(6, out1.Columns.Count);
    }

    [Fact]
    public void AssemblerErrorModeRejectsNullAndNaN()
    {
        using var s = MlTestSession.Create();
        var asm = new VectorAssembler().SetInputCols("a", "b").SetOutputCol("f");
        var ex = Assert.Throws<AccelException>(() => asm.Transform(Mixed(s)).Count());
        Assert.Contains("null", ex.Message);
        Assert.Contains("'a' row 1", ex.Message);
        var nan = Assert.Throws<AccelException>(() => asm.Transform(Mixed(s).Filter(Functions.Col("id") != Functions.Lit(2))));
        Assert.Contains("NaN", nan.Message);
    }

    [Fact]
    public void AssemblerSkipDropsRowsWithNullOrNaNScalarsAndNullVectors()
    {
        using var s = MlTestSession.Create();
        var outDf = new VectorAssembler().SetInputCols("a", "v").SetOutputCol("f").SetHandleInvalid("skip")
            .Transform(Mixed(s).Filter(Functions.Col("id") != Functions.Lit(5)));
        Assert.Equal(new[] { 1 }, outDf.Collect().Select(r => (int)r.Get("id")!).ToArray());
        // A NaN inside a vector is still an error under skip, as in Spark.
        Assert.Throws<AccelException>(() => new VectorAssembler().SetInputCols("v").SetHandleInvalid("skip").Transform(Mixed(s)));
    }

    [Fact]
    public void AssemblerKeepOutputsNaNs()
    {
        using var s = MlTestSession.Create();
        var rows = Vectors(new VectorAssembler().SetInputCols("a", "v").SetOutputCol("f").SetHandleInvalid("keep").Transform(Mixed(s)), "f");
        Assert.Equal(5, rows.Count);
        Assert.Equal(new[] { 1.5, 7, 8 }, rows[0]);
        Assert.True(double.IsNaN(rows[1]![0]));
        Assert.Equal(9, rows[1]![1]);
        Assert.True(double.IsNaN(rows[2]![0]));
        Assert.Equal(4, rows[3]![0]);
        Assert.True(double.IsNaN(rows[3]![1]) && double.IsNaN(rows[3]![2]));
        Assert.True(double.IsNaN(rows[4]![2]));
    }

    [Fact]
    public void AssemblerRejectsMissingAndStringColumns()
    {
        using var s = MlTestSession.Create();
        var df = s.CreateDataFrame([["x", 1.0]], new Schema([new Field("name", DataType.Utf8), new Field("a", DataType.Float64)]));
        Assert.Contains("does not exist", Assert.Throws<AccelException>(() => new VectorAssembler().SetInputCols("zz").Transform(df)).Message);
        Assert.Contains("must be numeric", Assert.Throws<AccelException>(() => new VectorAssembler().SetInputCols("name").Transform(df)).Message);
        Assert.Throws<AccelException>(() => new VectorAssembler().SetHandleInvalid("drop"));
    }

    [Fact]
    public void ParamsHaveDefaultsSettersAndExplain()
    {
        var asm = new VectorAssembler().SetInputCols("a");
        Assert.StartsWith("vecAssembler_", asm.Uid);
        Assert.Equal("error", asm.GetHandleInvalid());
        Assert.False(asm.IsSet("handleInvalid"));
        asm.SetHandleInvalid("keep");
        Assert.True(asm.IsSet("handleInvalid"));
        var text = asm.ExplainParams();
        Assert.Contains("handleInvalid: how to handle invalid data", text);
        Assert.Contains("(default: error, current: keep)", text);
        Assert.Contains("inputCols: input column names (current: [a])", text);
        asm.Clear("handleInvalid");
        Assert.Equal("error", asm.GetOrDefault("handleInvalid"));
        Assert.Throws<AccelException>(() => asm.Set("nope", 1));
        Assert.Throws<AccelException>(() => asm.Set("handleInvalid", 3));
    }

    [Fact]
    public void EvaluatorMatchesHandComputation()
    {
        using var s = MlTestSession.Create();
        var schema = new Schema([new Field("label", DataType.Float64), new Field("prediction", DataType.Float64)]);
        var df = s.CreateDataFrame([[3.0, 2.5], [-0.5, 0.0], [2.0, 2.0], [7.0, 8.0]], schema);
        // errors: 0.5, -0.5, 0, -1 ; SSE = 1.5 ; SAE = 2 ; mean y = 2.875 ; SST = 0.015625+11.390625+0.765625+17.015625 = 29.1875
        var ev = new RegressionEvaluator();
        Assert.Equal(Math.Sqrt(1.5 / 4), ev.Evaluate(df), 14);
        Assert.Equal(1.5 / 4, ev.SetMetricName("mse").Evaluate(df), 14);
        Assert.Equal(0.5, ev.SetMetricName("mae").Evaluate(df), 14);
        Assert.Equal(1 - 1.5 / 29.1875, ev.SetMetricName("r2").Evaluate(df), 14);
        Assert.True(ev.IsLargerBetter);
        Assert.False(ev.SetMetricName("rmse").IsLargerBetter);
        Assert.Equal(1 - 1.5 / (9 + 0.25 + 4 + 49), ev.SetMetricName("r2").SetThroughOrigin(true).Evaluate(df), 14);
    }

    [Fact]
    public void RandomSplitIsDisjointCompleteAndDeterministic()
    {
        using var s = MlTestSession.Create();
        var df = s.Range(0, 10_000);
        var parts = df.RandomSplit([0.6, 0.3, 0.1], seed: 42);
        var ids = parts.Select(p => p.Collect().Select(r => (long)r.Get(0)!).ToHashSet()).ToArray();
        Assert.Equal(10_000, ids.Sum(x => x.Count));
        Assert.Equal(10_000, ids.SelectMany(x => x).Distinct().Count());
        Assert.InRange(ids[0].Count, 5700, 6300);
        Assert.InRange(ids[1].Count, 2700, 3300);
        Assert.InRange(ids[2].Count, 800, 1200);
        var again = df.RandomSplit([6, 3, 1], seed: 42).Select(p => p.Collect().Select(r => (long)r.Get(0)!).ToHashSet()).ToArray();
        for (int k = 0; k < 3; k++) Assert.True(ids[k].SetEquals(again[k]));
        var other = df.RandomSplit([0.6, 0.3, 0.1], seed: 7)[0].Collect().Select(r => (long)r.Get(0)!).ToHashSet();
        Assert.False(other.SetEquals(ids[0]));
        Assert.Throws<AccelException>(() => df.RandomSplit([0.5, -0.1]));
        Assert.Throws<AccelException>(() => df.RandomSplit([0.0, 0.0]));
    }

    [Fact]
    public void StagesSaveAndLoadWithParams()
    {
        var path = MlTestSession.TempPath();
        try
        {
            var asm = new VectorAssembler().SetInputCols("a", "b").SetOutputCol("f").SetHandleInvalid("skip");
            asm.Write().Save(path);
            var loaded = VectorAssembler.Load(path);
            Assert.Equal(asm.Uid, loaded.Uid);
            Assert.Equal(new[] { "a", "b" }, loaded.GetInputCols());
            Assert.Equal("skip", loaded.GetHandleInvalid());
            Assert.Contains("already exists", Assert.Throws<AccelException>(() => asm.Write().Save(path)).Message);
            asm.SetHandleInvalid("keep").Write().Overwrite().Save(path);
            Assert.Equal("keep", VectorAssembler.Load(path).GetHandleInvalid());
            Assert.Throws<AccelException>(() => RegressionEvaluator.Load(path));
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void PipelineOfTransformersFitsAndRoundTrips()
    {
        using var s = MlTestSession.Create();
        var path = MlTestSession.TempPath();
        try
        {
            var pipe = new Pipeline().SetStages(new VectorAssembler().SetInputCols("a", "b").SetOutputCol("f").SetHandleInvalid("skip"));
            var model = pipe.Fit(Mixed(s));
            Assert.Equal(new[] { 1, 4, 5 }, model.Transform(Mixed(s)).Collect().Select(r => (int)r.Get("id")!).ToArray());
            model.Write().Save(path);
            var loaded = PipelineModel.Load(path);
            Assert.Single(loaded.Stages);
            Assert.Equal(new[] { 1, 4, 5 }, loaded.Transform(Mixed(s)).Collect().Select(r => (int)r.Get("id")!).ToArray());
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void PathChoiceHonoursForcedPathsAndExplainsTheOthers()
    {
        var work = new MlWork(1e3, 1000);
        var d = MlPaths.Choose(PathSetting.Scalar, "gram", work);
        Assert.Equal(ExecPath.Scalar, d.Chosen);
        Assert.Contains("simd: not taken, accel.path=scalar", d.ReasonsNotTaken());
        var auto = MlPaths.Choose(PathSetting.Auto, "gram", work);
        // Under auto the test process's CPU accelerator is never chosen, and says why.
        Assert.NotEqual(ExecPath.Gpu, auto.Chosen);
        Assert.Contains("gpu:", auto.ReasonsNotTaken());
        var noSimd = new MlWork(1e3, 0, SimdSupported: "needs more than 0 columns");
        var ex = Assert.Throws<AccelException>(() => MlPaths.Choose(PathSetting.Simd, "gram", noSimd));
        Assert.Contains("accel.path=simd: gram cannot run on the simd path: needs more than 0 columns", ex.Message);
        var stage = new TrainingStage("gram", "4 rows x 2 columns", d, 1, 0.5);
        Assert.StartsWith("gram [4 rows x 2 columns] path=scalar (gpu: ", stage.ToString());
        Assert.Equal("accel ml: lr: gram=scalar", TrainingStage.LogLine("lr", [stage]));
    }

    [Fact]
    public void FeatureReaderChecksTypesNullsAndLengths()
    {
        using var s = MlTestSession.Create();
        var fm = MlData.ReadFeatures(MlTestSession.Labeled(s, [[1, 2], [3, 4], [5, 6]], [1, 2, 3]), "features", "label");
        Assert.Equal(new double[] { 1, 2, 3, 4, 5, 6 }, fm.X);
        Assert.Equal(2, fm.Cols);
        Assert.Equal(new double[] { 5, 6 }, fm.Row(2).ToArray());
        Assert.Throws<AccelException>(() => MlData.ReadFeatures(MlTestSession.Labeled(s, [[1, 2], [3]], [1, 2]), "features", "label"));
        Assert.Throws<AccelException>(() => MlData.ReadFeatures(MlTestSession.Labeled(s, [[1, 2]], [double.NaN]), "features", "label"));
        Assert.Contains("does not exist", Assert.Throws<AccelException>(() => MlData.ReadFeatures(MlTestSession.Labeled(s, [[1]], [1]), "feats", "label")).Message);
    }
}
