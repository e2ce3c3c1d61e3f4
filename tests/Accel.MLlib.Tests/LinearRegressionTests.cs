using Accel.Data;
using Accel.Execution;
using Accel.ML;
using Accel.ML.Evaluation;
using Accel.ML.Feature;
using Accel.ML.Regression;
using Accel.Sql;

namespace Accel.Tests;

public class LinearRegressionTests
{
    /// <summary>Synthetic regression data with features on very different scales and offsets.</summary>
    internal static (double[][] X, double[] Y) Synthetic(int n, int d, int seed, double noise = 0.5)
    {
        var rnd = new Random(seed);
        var x = new double[n][];
        var y = new double[n];
        var scale = Enumerable.Range(0, d).Select(j => Math.Pow(10, j % 4 - 1)).ToArray();
        var offset = Enumerable.Range(0, d).Select(j => 3.0 * j).ToArray();
        var truth = Enumerable.Range(0, d).Select(j => (j % 2 == 0 ? 1.0 : -2.0) / scale[j]).ToArray();
        for (int i = 0; i < n; i++)
        {
            x[i] = new double[d];
            double s = 4.0;
            for (int j = 0; j < d; j++)
            {
                x[i][j] = offset[j] + scale[j] * (rnd.NextDouble() * 2 - 1 + (j > 0 ? 0.3 * x[i][0] : 0));
                s += truth[j] * x[i][j];
            }
            y[i] = s + noise * (rnd.NextDouble() - 0.5);
        }
        return (x, y);
    }

    /// <summary>Independent reference: cyclic coordinate descent on the objective written in the original units,
    /// 1/(2n)·Σ(y - Xβ - b)² + Σ_j (l1_j·|β_j| + l2_j/2·β_j²), where Spark's standardized penalty becomes
    /// l1_j = λα·σ_j and l2_j = λ(1-α)·σ_j²/σ_y with standardization, l1_j = λα and l2_j = λ(1-α)/σ_y without.</summary>
    internal static (double[] Beta, double Intercept) CoordinateDescent(double[][] x, double[] y, double lambda, double alpha, bool standardize, bool fitIntercept)
    {
        int n = y.Length, d = x[0].Length;
        double Mean(Func<int, double> f) => Enumerable.Range(0, n).Sum(f) / n;
        double yMean = Mean(i => y[i]);
        double ySd = Math.Sqrt(Mean(i => (y[i] - yMean) * (y[i] - yMean)));
        var xMean = Enumerable.Range(0, d).Select(j => Mean(i => x[i][j])).ToArray();
        var xSd = Enumerable.Range(0, d).Select(j => Math.Sqrt(Mean(i => (x[i][j] - xMean[j]) * (x[i][j] - xMean[j])))).ToArray();
        var l1 = Enumerable.Range(0, d).Select(j => lambda * alpha * (standardize ? xSd[j] : 1)).ToArray();
        var l2 = Enumerable.Range(0, d).Select(j => lambda * (1 - alpha) * (standardize ? xSd[j] * xSd[j] : 1) / ySd).ToArray();
        var xc = x.Select(r => r.Select((v, j) => fitIntercept ? v - xMean[j] : v).ToArray()).ToArray();
        var yc = y.Select(v => fitIntercept ? v - yMean : v).ToArray();
        var beta = new double[d];
        var resid = (double[])yc.Clone();
        var sq = Enumerable.Range(0, d).Select(j => Mean(i => xc[i][j] * xc[i][j])).ToArray();
        for (int sweep = 0; sweep < 20000; sweep++)
        {
            double change = 0;
            for (int j = 0; j < d; j++)
            {
                double rho = 0;
                for (int i = 0; i < n; i++) rho += xc[i][j] * (resid[i] + xc[i][j] * beta[j]);
                rho /= n;
                double nb = Math.Sign(rho) * Math.Max(0, Math.Abs(rho) - l1[j]) / (sq[j] + l2[j]);
                double delta = nb - beta[j];
                if (delta != 0) for (int i = 0; i < n; i++) resid[i] -= xc[i][j] * delta;
                change = Math.Max(change, Math.Abs(delta) * Math.Sqrt(sq[j]));
                beta[j] = nb;
            }
            if (change < 1e-15) break;
        }
        double b = fitIntercept ? yMean - Enumerable.Range(0, d).Sum(j => beta[j] * xMean[j]) : 0;
        return (beta, b);
    }

    private static void AssertClose(double expected, double actual, double rel, string what) =>
        Assert.True(Math.Abs(expected - actual) <= rel * Math.Max(1, Math.Abs(expected)), $"{what}: expected {expected:R}, got {actual:R}");

    public static TheoryData<double, double, bool, bool, string> Regularized => new()
    {
        { 0.1, 0.0, true, true, "auto" },
        { 0.1, 0.0, false, true, "auto" },
        { 0.3, 0.0, true, false, "normal" },
        { 0.05, 0.5, true, true, "auto" },
        { 0.05, 0.5, false, true, "normal" },
        { 0.2, 1.0, true, true, "l-bfgs" },
        { 0.2, 1.0, false, false, "l-bfgs" },
        { 0.1, 0.3, true, true, "l-bfgs" },
    };

    [Theory]
    [MemberData(nameof(Regularized))]
    public void RegularizedFitsMatchCoordinateDescent(double reg, double alpha, bool standardize, bool fitIntercept, string solver)
    {
        var (x, y) = Synthetic(300, 5, seed: 11);
        using var s = MlTestSession.Create("simd");
        var model = new LinearRegression().SetRegParam(reg).SetElasticNetParam(alpha).SetStandardization(standardize)
            .SetFitIntercept(fitIntercept).SetSolver(solver).SetTol(1e-15).SetMaxIter(5000).Fit(MlTestSession.Labeled(s, x, y));
        var (beta, b) = CoordinateDescent(x, y, reg, alpha, standardize, fitIntercept);
        for (int j = 0; j < beta.Length; j++) AssertClose(beta[j], model.Coefficients[j], 1e-6, $"coefficient {j}");
        AssertClose(b, model.Intercept, 1e-6, "intercept");
        if (alpha > 0) Assert.True(model.Summary.TotalIterations > 0);
    }

    [Fact]
    public void LassoZeroesWeakFeatures()
    {
        var (x, y) = Synthetic(200, 4, seed: 3);
        var rnd = new Random(5);
        var xs = x.Select(r => r.Append(rnd.NextDouble()).ToArray()).ToArray(); // a pure-noise fifth feature
        using var s = MlTestSession.Create();
        var model = new LinearRegression().SetRegParam(0.5).SetElasticNetParam(1.0).Fit(MlTestSession.Labeled(s, xs, y));
        Assert.Equal(0.0, model.Coefficients[4]);
        Assert.Contains("OWL-QN", model.Summary.Solver);
        Assert.Throws<AccelException>(() => model.Summary.CoefficientStandardErrors);
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void LbfgsAgreesWithNormalOnEveryPath(string path)
    {
        var (x, y) = Synthetic(257, 6, seed: 7);
        using var s = MlTestSession.Create(path);
        var df = MlTestSession.Labeled(s, x, y);
        foreach (var reg in new[] { 0.0, 0.2 })
        {
            var normal = new LinearRegression().SetRegParam(reg).SetSolver("normal").Fit(df);
            var lbfgs = new LinearRegression().SetRegParam(reg).SetSolver("l-bfgs").SetTol(1e-15).SetMaxIter(2000).Fit(df);
            for (int j = 0; j < 6; j++) AssertClose(normal.Coefficients[j], lbfgs.Coefficients[j], 1e-6, $"coefficient {j} reg {reg}");
            AssertClose(normal.Intercept, lbfgs.Intercept, 1e-6, "intercept");
            var stage = Assert.Single(lbfgs.Summary.Stages);
            Assert.Equal("loss-gradient", stage.Name);
            Assert.Equal(Enum.Parse<ExecPath>(path, true), stage.Path);
            Assert.True(stage.Calls > 2);
            Assert.True(lbfgs.Summary.ObjectiveHistory.Length == lbfgs.Summary.TotalIterations + 1);
            var h = lbfgs.Summary.ObjectiveHistory;
            Assert.True(h[^1] <= h[0]);
            AssertClose(normal.Summary.ObjectiveHistory[0], h[^1], 1e-9, "objective");
        }
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void GramPathsEqualScalar(string path)
    {
        var (x, y) = Synthetic(2500, 9, seed: 21);
        using var scalar = MlTestSession.Create("scalar");
        using var other = MlTestSession.Create(path);
        var a = new LinearRegression().SetRegParam(0.01).Fit(MlTestSession.Labeled(scalar, x, y));
        var b = new LinearRegression().SetRegParam(0.01).Fit(MlTestSession.Labeled(other, x, y));
        for (int j = 0; j < 9; j++) AssertClose(a.Coefficients[j], b.Coefficients[j], 1e-11, $"coefficient {j}");
        AssertClose(a.Intercept, b.Intercept, 1e-11, "intercept");
        for (int j = 0; j < 10; j++) AssertClose(a.Summary.CoefficientStandardErrors[j], b.Summary.CoefficientStandardErrors[j], 1e-9, $"se {j}");
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void GramPathsEqualScalarAcrossMorselsWithoutInterceptAndWithLargeOffsets(string path)
    {
        // 2,049 rows: two full morsels of the one-pass SIMD statistics and an odd tail; 13 features: a padded vector
        // row. With an intercept, offsets of 1e5 make the centering (and the merge of morsel means) carry the
        // precision; without one they would make XᵀX itself ill-conditioned (~1e10), so that fit keeps the raw data.
        using var scalar = MlTestSession.Create("scalar");
        using var other = MlTestSession.Create(path);
        foreach (bool intercept in new[] { true, false })
        {
            var (x, y) = Synthetic(2049, 13, seed: 5);
            if (intercept) foreach (var row in x) for (int j = 0; j < row.Length; j++) row[j] += 1e5;
            var a = new LinearRegression().SetFitIntercept(intercept).Fit(MlTestSession.Labeled(scalar, x, y));
            var b = new LinearRegression().SetFitIntercept(intercept).Fit(MlTestSession.Labeled(other, x, y));
            for (int j = 0; j < 13; j++) AssertClose(a.Coefficients[j], b.Coefficients[j], 1e-8, $"intercept={intercept} coefficient {j}");
            AssertClose(a.Intercept, b.Intercept, 1e-8, $"intercept={intercept} intercept");
            AssertClose(a.Summary.RootMeanSquaredError, b.Summary.RootMeanSquaredError, 1e-9, $"intercept={intercept} rmse");
        }
    }

    [Fact]
    public void NoInterceptOlsMatchesClosedForm()
    {
        var (x, y) = Synthetic(100, 3, seed: 2);
        using var s = MlTestSession.Create("scalar");
        var model = new LinearRegression().SetFitIntercept(false).Fit(MlTestSession.Labeled(s, x, y));
        var (beta, _) = CoordinateDescent(x, y, 0, 0, true, false);
        for (int j = 0; j < 3; j++) AssertClose(beta[j], model.Coefficients[j], 1e-8, $"coefficient {j}");
        Assert.Equal(0.0, model.Intercept);
        Assert.Equal(3, model.Summary.CoefficientStandardErrors.Length);
        Assert.Equal(97, model.Summary.DegreesOfFreedom);
    }

    [Fact]
    public void StandardizationOnlyMattersWithRegularization()
    {
        var (x, y) = Synthetic(150, 4, seed: 9);
        using var s = MlTestSession.Create();
        var df = MlTestSession.Labeled(s, x, y);
        var on = new LinearRegression().SetStandardization(true).Fit(df);
        var off = new LinearRegression().SetStandardization(false).Fit(df);
        for (int j = 0; j < 4; j++) AssertClose(on.Coefficients[j], off.Coefficients[j], 1e-10, $"ols {j}");
        var ron = new LinearRegression().SetRegParam(1.0).SetStandardization(true).Fit(df);
        var roff = new LinearRegression().SetRegParam(1.0).SetStandardization(false).Fit(df);
        Assert.Contains(Enumerable.Range(0, 4), j => Math.Abs(ron.Coefficients[j] - roff.Coefficients[j]) > 1e-3 * Math.Abs(ron.Coefficients[j]));
    }

    [Fact]
    public void ConstantLabelGivesZeroCoefficientsAndTheLabelAsIntercept()
    {
        using var s = MlTestSession.Create();
        var model = new LinearRegression().Fit(MlTestSession.Labeled(s, [[1, 2], [3, 1], [5, 7]], [4, 4, 4]));
        Assert.Equal(new double[] { 0, 0 }, model.Coefficients);
        Assert.Equal(4.0, model.Intercept);
    }

    [Fact]
    public void BadInputIsRejectedWithAReason()
    {
        using var s = MlTestSession.Create();
        var lr = new LinearRegression();
        var good = MlTestSession.Labeled(s, [[1.0], [2.0]], [1, 2]);
        Assert.Contains("features column 'nope' does not exist", Assert.Throws<AccelException>(() => lr.SetFeaturesCol("nope").Fit(good)).Message);
        lr.SetFeaturesCol("features");
        var strings = s.CreateDataFrame([["a", 1.0]], new Schema([new Field("features", DataType.Utf8), new Field("label", DataType.Float64)]));
        Assert.Contains("must be array<double>", Assert.Throws<AccelException>(() => lr.Fit(strings)).Message);
        var nanLabel = MlTestSession.Labeled(s, [[1.0], [2.0]], [1, double.NaN]);
        Assert.Contains("label column 'label' row 1", Assert.Throws<AccelException>(() => lr.Fit(nanLabel)).Message);
        var nullLabel = s.CreateDataFrame([[new double[] { 1 }, null]], new Schema([new Field("features", MlData.VectorType), new Field("label", DataType.Float64)]));
        Assert.Contains("NULL", Assert.Throws<AccelException>(() => lr.Fit(nullLabel)).Message);
        var empty = good.Filter(Functions.Col("label") > Functions.Lit(10.0));
        Assert.Contains("empty", Assert.Throws<AccelException>(() => lr.Fit(empty)).Message);
        Assert.Throws<AccelException>(() => lr.SetRegParam(-1));
        Assert.Throws<AccelException>(() => lr.SetElasticNetParam(1.5));
        Assert.Throws<AccelException>(() => lr.SetSolver("sgd"));
        var model = lr.Fit(good);
        Assert.Contains("has 1 features", Assert.Throws<AccelException>(() => model.Transform(MlTestSession.Labeled(s, [[1.0, 2.0]], [1]))).Message);
    }

    [Fact]
    public void SaveLoadRoundTripKeepsCoefficientsParamsAndPredictions()
    {
        var (x, y) = Synthetic(50, 3, seed: 4);
        using var s = MlTestSession.Create();
        var df = MlTestSession.Labeled(s, x, y);
        var model = new LinearRegression().SetRegParam(0.1).SetPredictionCol("yhat").Fit(df);
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = LinearRegressionModel.Load(path);
            Assert.Equal(model.Uid, loaded.Uid);
            Assert.Equal(model.Coefficients, loaded.Coefficients);
            Assert.Equal(model.Intercept, loaded.Intercept);
            Assert.Equal("yhat", loaded.GetPredictionCol());
            Assert.Equal(0.1, loaded.GetOrDefault("regParam"));
            Assert.False(loaded.HasSummary);
            Assert.Throws<AccelException>(() => loaded.Summary);
            var p1 = model.Transform(df).Collect().Select(r => (double)r.Get("yhat")!).ToArray();
            var p2 = loaded.Transform(df).Collect().Select(r => (double)r.Get("yhat")!).ToArray();
            Assert.Equal(p1, p2);
            var est = new LinearRegression().SetMaxIter(7).SetSolver("l-bfgs");
            est.Write().Overwrite().Save(path);
            var le = LinearRegression.Load(path);
            Assert.Equal(7, le.GetMaxIter());
            Assert.Equal("l-bfgs", le.GetSolver());
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void PipelineOfAssemblerAndRegressionPredictsAndEvaluates()
    {
        using var s = MlTestSession.Create();
        var schema = new Schema([new Field("x1", DataType.Float64), new Field("x2", DataType.Int32), new Field("y", DataType.Float64)]);
        var rows = Enumerable.Range(0, 40).Select(i => new object?[] { i * 0.5, i % 7, 3 + 2 * (i * 0.5) - 1.5 * (i % 7) }).ToList();
        var df = s.CreateDataFrame(rows, schema);
        var pipe = new Pipeline().SetStages(
            new VectorAssembler().SetInputCols("x1", "x2").SetOutputCol("features"),
            new LinearRegression().SetLabelCol("y"));
        var model = pipe.Fit(df);
        var lr = Assert.IsType<LinearRegressionModel>(model.Stages[1]);
        AssertClose(2.0, lr.Coefficients[0], 1e-10, "x1");
        AssertClose(-1.5, lr.Coefficients[1], 1e-10, "x2");
        AssertClose(3.0, lr.Intercept, 1e-10, "intercept");
        Assert.NotEmpty(model.TrainingStages);
        var predicted = model.Transform(df);
        Assert.Contains("prediction", predicted.Columns);
        Assert.True(new RegressionEvaluator().SetLabelCol("y").Evaluate(predicted) < 1e-9);
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = PipelineModel.Load(path);
            Assert.Equal(2, loaded.Stages.Count);
            Assert.True(new RegressionEvaluator().SetLabelCol("y").Evaluate(loaded.Transform(df)) < 1e-9);
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void SummaryMetricsMatchTheEvaluator()
    {
        var (x, y) = Synthetic(120, 3, seed: 8, noise: 5);
        using var s = MlTestSession.Create();
        var model = new LinearRegression().Fit(MlTestSession.Labeled(s, x, y));
        var pred = model.Summary.Predictions;
        var ev = new RegressionEvaluator();
        AssertClose(ev.SetMetricName("rmse").Evaluate(pred), model.Summary.RootMeanSquaredError, 1e-12, "rmse");
        AssertClose(ev.SetMetricName("r2").Evaluate(pred), model.Summary.R2, 1e-12, "r2");
        AssertClose(ev.SetMetricName("mae").Evaluate(pred), model.Summary.MeanAbsoluteError, 1e-12, "mae");
        Assert.StartsWith("accel ml: LinearRegression linReg_", model.Summary.LogLine);
        Assert.Contains("regParam: regularization parameter (>= 0) (default: 0", new LinearRegression().ExplainParams());
    }

    [Fact]
    public void StudentTMatchesKnownQuantiles()
    {
        // t(0.975, 9) = 2.262157..., t(0.995, 30) = 2.749996...; the p-value at the quantile is the tail mass.
        Assert.Equal(0.05, ML.Linalg.SpecialFunctions.TwoSidedPValue(2.2621571627982, 9), 9);
        Assert.Equal(0.01, ML.Linalg.SpecialFunctions.TwoSidedPValue(2.7499956535670, 30), 9);
        Assert.Equal(0.5, ML.Linalg.SpecialFunctions.StudentTCdf(0, 5), 14);
        // t with 1 dof is Cauchy: P(T <= 1) = 3/4.
        Assert.Equal(0.75, ML.Linalg.SpecialFunctions.StudentTCdf(1, 1), 12);
        Assert.Equal(Math.Log(24), ML.Linalg.SpecialFunctions.LogGamma(5), 13);
    }
}
