using Accel.Data;
using Accel.Execution;
using Accel.ML.Evaluation;
using Accel.ML.Linalg;
using Accel.Planner.Physical;
using Accel.Sql;

namespace Accel.ML.Regression;

/// <summary>Linear least squares with optional elastic-net regularization (Spark's LinearRegression). It minimises,
/// over the standardized problem that Spark solves (features scaled by their population standard deviation σ_j,
/// the label by its σ_y, both centred when fitIntercept),
/// <c>1/(2n)·Σ(y' - x'β' - b')² + (regParam/σ_y)·(α·Σ w_j|β'_j| + (1-α)/2·Σ w_j²β'_j²)</c>
/// with w_j = 1 under standardization and 1/σ_j without it (the penalty then acts on the unscaled coefficients);
/// the coefficients reported are β_j = β'_j·σ_y/σ_j and the intercept ȳ - Σβ_j x̄_j. A feature with zero variance gets
/// coefficient 0, as in Spark. Solvers: "normal" (sufficient statistics: one Gram pass, then Cholesky in double, or
/// OWL-QN on the Gram when L1 &gt; 0 or the matrix is singular; at most 4096 features), "l-bfgs" (L-BFGS, OWL-QN when
/// L1 &gt; 0, one loss/gradient pass over the data per iteration), "auto" (normal for at most 4096 features and no L1,
/// else l-bfgs). Both solvers use population standard deviations, so they converge to the same optimum.</summary>
public sealed class LinearRegression : Estimator<LinearRegressionModel>
{
    /// <summary>Most features the normal solver accepts (Spark's WeightedLeastSquares.MAX_NUM_FEATURES).</summary>
    public const int MaxNormalFeatures = 4096;

    internal readonly Param<string> FeaturesColParam, LabelColParam, PredictionColParam, SolverParam;
    internal readonly Param<int> MaxIterParam;
    internal readonly Param<double> RegParamParam, ElasticNetParamParam, TolParam;
    internal readonly Param<bool> FitInterceptParam, StandardizationParam;

    /// <summary>Creates an estimator with Spark's defaults.</summary>
    public LinearRegression() : base("linReg")
    {
        FeaturesColParam = Define<string>("featuresCol", "features column name", "features", Valid.Name);
        LabelColParam = Define<string>("labelCol", "label column name", "label", Valid.Name);
        PredictionColParam = Define<string>("predictionCol", "prediction column name", "prediction", Valid.Name);
        MaxIterParam = Define<int>("maxIter", "maximum number of iterations (>= 0)", 100, Valid.NonNegative);
        RegParamParam = Define<double>("regParam", "regularization parameter (>= 0)", 0.0, Valid.NonNegative);
        ElasticNetParamParam = Define<double>("elasticNetParam", "the ElasticNet mixing parameter, in range [0, 1]. For alpha = 0, the penalty is an L2 penalty. For alpha = 1, it is an L1 penalty", 0.0, Valid.Fraction);
        TolParam = Define<double>("tol", "the convergence tolerance for iterative algorithms (>= 0)", 1e-6, Valid.NonNegative);
        FitInterceptParam = Define<bool>("fitIntercept", "whether to fit an intercept term", true);
        StandardizationParam = Define<bool>("standardization", "whether to standardize the training features before fitting the model", true);
        SolverParam = Define<string>("solver", "the solver algorithm for optimization. Supported options: auto, normal, l-bfgs", "auto", Valid.OneOf("auto", "normal", "l-bfgs"));
    }

    /// <summary>Sets featuresCol.</summary>
    public LinearRegression SetFeaturesCol(string value) { SetValue(FeaturesColParam, value); return this; }
    /// <summary>Sets labelCol.</summary>
    public LinearRegression SetLabelCol(string value) { SetValue(LabelColParam, value); return this; }
    /// <summary>Sets predictionCol.</summary>
    public LinearRegression SetPredictionCol(string value) { SetValue(PredictionColParam, value); return this; }
    /// <summary>Sets maxIter.</summary>
    public LinearRegression SetMaxIter(int value) { SetValue(MaxIterParam, value); return this; }
    /// <summary>Sets regParam (λ).</summary>
    public LinearRegression SetRegParam(double value) { SetValue(RegParamParam, value); return this; }
    /// <summary>Sets elasticNetParam (α: 0 is ridge, 1 is lasso).</summary>
    public LinearRegression SetElasticNetParam(double value) { SetValue(ElasticNetParamParam, value); return this; }
    /// <summary>Sets tol.</summary>
    public LinearRegression SetTol(double value) { SetValue(TolParam, value); return this; }
    /// <summary>Sets fitIntercept.</summary>
    public LinearRegression SetFitIntercept(bool value) { SetValue(FitInterceptParam, value); return this; }
    /// <summary>Sets standardization.</summary>
    public LinearRegression SetStandardization(bool value) { SetValue(StandardizationParam, value); return this; }
    /// <summary>Sets the solver (auto|normal|l-bfgs).</summary>
    public LinearRegression SetSolver(string value) { SetValue(SolverParam, value.ToLowerInvariant()); return this; }

    /// <summary>featuresCol.</summary>
    public string GetFeaturesCol() => Get(FeaturesColParam);
    /// <summary>labelCol.</summary>
    public string GetLabelCol() => Get(LabelColParam);
    /// <summary>predictionCol.</summary>
    public string GetPredictionCol() => Get(PredictionColParam);
    /// <summary>maxIter.</summary>
    public int GetMaxIter() => Get(MaxIterParam);
    /// <summary>regParam.</summary>
    public double GetRegParam() => Get(RegParamParam);
    /// <summary>elasticNetParam.</summary>
    public double GetElasticNetParam() => Get(ElasticNetParamParam);
    /// <summary>tol.</summary>
    public double GetTol() => Get(TolParam);
    /// <summary>fitIntercept.</summary>
    public bool GetFitIntercept() => Get(FitInterceptParam);
    /// <summary>standardization.</summary>
    public bool GetStandardization() => Get(StandardizationParam);
    /// <summary>solver.</summary>
    public string GetSolver() => Get(SolverParam);

    /// <inheritdoc />
    public override LinearRegressionModel Fit(DataFrame dataset)
    {
        var data = MlData.ReadFeatures(dataset, GetFeaturesCol(), GetLabelCol());
        var fit = LinearRegressionTrainer.Train(data, this, dataset.Session.Conf().Path);
        var model = new LinearRegressionModel(fit.Coefficients, fit.Intercept) { ParentUid = Uid };
        model.Uid = Uid;
        CopyValuesTo(model);
        model.Summary = new LinearRegressionTrainingSummary(model, dataset, data, fit);
        if (dataset.Session.Conf().LogQueries)
            dataset.Session.Log.WriteLine(TrainingStage.LogLine($"LinearRegression {Uid}", fit.Stages));
        return model;
    }

    /// <summary>Loads an estimator saved with Write().Save(path).</summary>
    public static LinearRegression Load(string path) => Persistence.Load<LinearRegression>(path);
}

/// <summary>What training produced besides the coefficients (for the summary).</summary>
internal sealed record LinearFit(double[] Coefficients, double Intercept, double[] ObjectiveHistory, int Iterations, string SolverUsed,
    double[]? InverseStd, double[] FeatureMean, double[] FeatureStd, bool[] Active, IReadOnlyList<TrainingStage> Stages);

/// <summary>The training algorithm of <see cref="LinearRegression"/>, over dense arrays.</summary>
internal static class LinearRegressionTrainer
{
    public static LinearFit Train(FeatureMatrix data, LinearRegression p, PathSetting pathSetting)
    {
        int n = data.Rows, d = data.Cols, m = d + 1;
        if (n == 0) throw new AccelException("LinearRegression cannot be fitted on an empty dataset");
        bool fitIntercept = p.GetFitIntercept(), standardize = p.GetStandardization();
        double reg = p.GetRegParam(), alpha = p.GetElasticNetParam();
        string solver = p.GetSolver();
        bool l1 = reg > 0 && alpha > 0;
        if (solver == "normal" && d > LinearRegression.MaxNormalFeatures)
            throw new AccelException($"solver normal supports at most {LinearRegression.MaxNormalFeatures} features, got {d}; use solver l-bfgs");
        bool useNormal = solver == "normal" || (solver == "auto" && d <= LinearRegression.MaxNormalFeatures && !l1);

        // One pass over [X | y] yields the moments and, for the normal solver, XᵀX, Xᵀy and yᵀy (shifted by the means
        // with an intercept); the iterative solver needs the moments only, and its own loss-gradient passes.
        var stages = new List<TrainingStage>();
        var decision = useNormal
            ? MlPaths.Choose(pathSetting, "gram", new MlWork((double)n * m * (m + 1), (long)n * m * 8))
            : MlPaths.Choose(pathSetting, "loss-gradient", new MlWork(4.0 * n * d, (long)n * m * 8));
        double[] mean, variance;
        double[]? gram = null;
        if (useNormal)
        {
            var statsTimer = new StageTimer("gram", $"{n} rows x {m} columns (features + label), with the column moments", decision);
            (mean, variance, gram) = statsTimer.Time(() => LeastSquaresKernels.Statistics(decision.Chosen, data.X, data.Y!, n, d, withGram: true, center: fitIntercept));
            stages.Add(statsTimer.ToStage());
        }
        else (mean, variance, _) = LeastSquaresKernels.Statistics(decision.Chosen, data.X, data.Y!, n, d, withGram: false, center: fitIntercept);
        var std = variance.Select(Math.Sqrt).ToArray();
        double yMean = mean[d], yStd = std[d];
        var featMean = mean[..d];
        var featStd = std[..d];
        var active = featStd.Select(s => s > 0).ToArray();

        if (yStd == 0)
        {
            // A constant label: Spark returns zero coefficients and the label as intercept (with an intercept, or
            // when the label is 0); without an intercept it scales by |ȳ| and cannot regularize under standardization.
            if (fitIntercept || yMean == 0)
                return new LinearFit(new double[d], fitIntercept ? yMean : 0, [0.0], 0, useNormal ? "normal" : "l-bfgs", null, featMean, featStd, active, stages);
            if (reg > 0 && standardize)
                throw new AccelException("the standard deviation of the label is zero, so the model cannot be regularized with standardization=true; set fitIntercept=true or standardization=false");
            yStd = Math.Abs(yMean);
        }
        double lambda = reg / yStd;
        var l2w = new double[d];
        var l1w = new double[d];
        for (int j = 0; j < d; j++)
        {
            if (!active[j]) continue;
            double w = standardize ? 1.0 : 1.0 / featStd[j];
            l2w[j] = lambda * (1 - alpha) * w * w;
            l1w[j] = lambda * alpha * w;
        }
        double[] beta;
        double[] history;
        int iterations;
        double[]? inverse = null;
        string used;
        if (useNormal)
        {
            var g = gram!;
            // Standardized normal equations over the active features: A'β' = b'.
            var A = new double[d * d];
            var b = new double[d];
            for (int j = 0; j < d; j++)
            {
                if (!active[j]) { A[j * d + j] = 1; continue; }
                for (int k = 0; k < d; k++)
                    if (active[k]) A[j * d + k] = g[LeastSquaresKernels.Packed(Math.Min(j, k), Math.Max(j, k), m)] / (n * featStd[j] * featStd[k]);
                b[j] = g[LeastSquaresKernels.Packed(j, d, m)] / (n * featStd[j] * yStd);
            }
            double yy = g[LeastSquaresKernels.Packed(d, d, m)] / (n * yStd * yStd);
            var Areg = (double[])A.Clone();
            for (int j = 0; j < d; j++) if (active[j]) Areg[j * d + j] += l2w[j];
            double Objective(double[] x, double[]? grad)
            {
                double f = 0.5 * yy;
                for (int j = 0; j < d; j++)
                {
                    if (!active[j]) { if (grad is not null) grad[j] = 0; continue; }
                    double row = 0;
                    for (int k = 0; k < d; k++) row += Areg[j * d + k] * x[k];
                    f += 0.5 * x[j] * row - b[j] * x[j];
                    if (grad is not null) grad[j] = row - b[j];
                }
                return f;
            }
            var chol = l1 ? null : Cholesky.TryFactor(Areg, d);
            if (chol is not null)
            {
                beta = chol.Solve(b);
                for (int j = 0; j < d; j++) if (!active[j]) beta[j] = 0;
                inverse = chol.Inverse();
                history = [Objective(beta, null)];
                iterations = 0;
                used = "normal (Cholesky)";
            }
            else
            {
                // Spark's WeightedLeastSquares does the same: an L1 term, or a singular matrix, goes to the
                // quasi-Newton solver over the same sufficient statistics.
                var r = Lbfgs.Minimize(Objective, new double[d], l1 ? l1w : null, p.GetMaxIter(), p.GetTol());
                beta = r.X;
                history = r.ObjectiveHistory;
                iterations = r.Iterations;
                used = l1 ? "normal (OWL-QN on the Gram matrix)" : "normal (singular matrix: L-BFGS on the Gram matrix)";
            }
        }
        else
        {
            var timer = new StageTimer("loss-gradient", $"{n} rows x {d} features, one pass per iteration", decision);
            var mu = fitIntercept ? featMean : new double[d];
            double muY = fitIntercept ? yMean : 0;
            using var lg = new LossGradient(decision.Chosen, data.X, data.Y!, n, d, mu);
            double Objective(double[] x, double[] grad)
            {
                var w = new double[d];
                for (int j = 0; j < d; j++) w[j] = active[j] ? x[j] / featStd[j] : 0;
                var (prod, _, r2) = timer.Time(() => lg.Compute(w, muY, 1.0 / yStd));
                double f = r2 / (2.0 * n);
                for (int j = 0; j < d; j++)
                {
                    grad[j] = active[j] ? prod[j] / (n * featStd[j]) + l2w[j] * x[j] : 0;
                    f += 0.5 * l2w[j] * x[j] * x[j];
                }
                return f;
            }
            var r = Lbfgs.Minimize(Objective, new double[d], l1 ? l1w : null, p.GetMaxIter(), p.GetTol());
            stages.Add(timer.ToStage());
            beta = r.X;
            history = r.ObjectiveHistory;
            iterations = r.Iterations;
            used = l1 ? "l-bfgs (OWL-QN)" : "l-bfgs";
        }
        var coef = new double[d];
        for (int j = 0; j < d; j++) coef[j] = active[j] ? beta[j] * yStd / featStd[j] : 0;
        double intercept = 0;
        if (fitIntercept)
        {
            var s = new KahanSum();
            s.Add(yMean);
            for (int j = 0; j < d; j++) s.Add(-coef[j] * featMean[j]);
            intercept = s.Value;
        }
        return new LinearFit(coef, intercept, history, iterations, used, inverse, featMean, featStd, active, stages);
    }
}

/// <summary>A fitted linear regression: prediction = coefficients · features + intercept.</summary>
public sealed class LinearRegressionModel : Model
{
    private readonly Param<string> _featuresCol, _labelCol, _predictionCol, _solver;
    private readonly Param<int> _maxIter;
    private readonly Param<double> _regParam, _elasticNetParam, _tol;
    private readonly Param<bool> _fitIntercept, _standardization;
    private LinearRegressionTrainingSummary? _summary;

    internal LinearRegressionModel(double[] coefficients, double intercept) : this()
    {
        Coefficients = coefficients;
        Intercept = intercept;
    }

    private LinearRegressionModel() : base("linReg")
    {
        // The estimator's parameters, so that a model shows (and saves) how it was trained.
        _featuresCol = Define<string>("featuresCol", "features column name", "features", Valid.Name);
        _labelCol = Define<string>("labelCol", "label column name", "label", Valid.Name);
        _predictionCol = Define<string>("predictionCol", "prediction column name", "prediction", Valid.Name);
        _maxIter = Define<int>("maxIter", "maximum number of iterations (>= 0)", 100, Valid.NonNegative);
        _regParam = Define<double>("regParam", "regularization parameter (>= 0)", 0.0, Valid.NonNegative);
        _elasticNetParam = Define<double>("elasticNetParam", "the ElasticNet mixing parameter, in range [0, 1]", 0.0, Valid.Fraction);
        _tol = Define<double>("tol", "the convergence tolerance for iterative algorithms (>= 0)", 1e-6, Valid.NonNegative);
        _fitIntercept = Define<bool>("fitIntercept", "whether to fit an intercept term", true);
        _standardization = Define<bool>("standardization", "whether to standardize the training features before fitting the model", true);
        _solver = Define<string>("solver", "the solver algorithm for optimization", "auto", Valid.OneOf("auto", "normal", "l-bfgs"));
        Coefficients = [];
    }

    /// <summary>The coefficients, one per feature.</summary>
    public double[] Coefficients { get; private set; }
    /// <summary>The intercept (0 without fitIntercept).</summary>
    public double Intercept { get; private set; }
    /// <summary>Number of features the model expects.</summary>
    public int NumFeatures => Coefficients.Length;

    /// <summary>Whether a training summary exists (not after loading).</summary>
    public bool HasSummary => _summary is not null;
    /// <summary>The training summary; throws after loading, as in Spark.</summary>
    public LinearRegressionTrainingSummary Summary
    {
        get => _summary ?? throw new AccelException($"no training summary available for this LinearRegressionModel ({Uid})");
        internal set => _summary = value;
    }

    /// <inheritdoc />
    public override IReadOnlyList<TrainingStage> TrainingStages => _summary?.Stages ?? [];

    /// <summary>Sets the features column used by Transform.</summary>
    public LinearRegressionModel SetFeaturesCol(string value) { SetValue(_featuresCol, value); return this; }
    /// <summary>Sets the prediction column written by Transform.</summary>
    public LinearRegressionModel SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>featuresCol.</summary>
    public string GetFeaturesCol() => Get(_featuresCol);
    /// <summary>labelCol.</summary>
    public string GetLabelCol() => Get(_labelCol);
    /// <summary>predictionCol.</summary>
    public string GetPredictionCol() => Get(_predictionCol);
    /// <summary>fitIntercept.</summary>
    public bool GetFitIntercept() => Get(_fitIntercept);

    /// <summary>The prediction for one feature vector.</summary>
    public double Predict(ReadOnlySpan<double> features)
    {
        if (features.Length != NumFeatures) throw new AccelException($"the model has {NumFeatures} features, the vector has {features.Length}");
        return VectorOps.Dot(Coefficients, features) + Intercept;
    }

    internal double[] PredictMatrix(FeatureMatrix fm)
    {
        if (fm.Cols != NumFeatures) throw new AccelException($"the model has {NumFeatures} features, the features column has {fm.Cols}");
        var r = new double[fm.Rows];
        Parallel.For(0, (fm.Rows + 4095) / 4096, c =>
        {
            int end = Math.Min(fm.Rows, (c + 1) * 4096);
            for (int i = c * 4096; i < end; i++) r[i] = VectorOps.Dot(Coefficients, fm.Row(i)) + Intercept;
        });
        return r;
    }

    /// <inheritdoc />
    public override DataFrame Transform(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset).Compact();
        MlData.RequireColumn(batch.Schema, GetFeaturesCol(), "features", MlData.IsFeatureType, "array<double> (or a numeric column)");
        var fm = MlData.ReadFeatures(batch, GetFeaturesCol(), null);
        var pred = batch.PhysicalRows == 0 ? [] : PredictMatrix(fm);
        return MlData.WithColumn(dataset.Session, batch, GetPredictionCol(), new PrimitiveVector<double>(DataType.Float64, pred));
    }

    private sealed record Data(double[] Coefficients, double Intercept);

    /// <inheritdoc />
    protected internal override void SaveData(string dir) => Persistence.WriteData(dir, new Data(Coefficients, Intercept));

    /// <inheritdoc />
    protected internal override void LoadData(string dir)
    {
        var d = Persistence.ReadData<Data>(dir);
        Coefficients = d.Coefficients;
        Intercept = d.Intercept;
    }

    /// <summary>Loads a model saved with Write().Save(path).</summary>
    public static LinearRegressionModel Load(string path) => Persistence.Load<LinearRegressionModel>(path);
}

/// <summary>Metrics and statistics of a linear regression on its training data (Spark's LinearRegressionTrainingSummary).</summary>
public sealed class LinearRegressionTrainingSummary
{
    private readonly LinearRegressionModel _model;
    private readonly DataFrame _dataset;
    private readonly Lazy<(RegressionMetrics Metrics, double[]? Se)> _scores;
    private RegressionMetrics TrainingMetrics => _scores.Value.Metrics;
    private double[]? StandardErrorsOrNull => _scores.Value.Se;

    // As in Spark, the metrics are computed when first asked for: fitting does not pay for a pass of predictions.
    internal LinearRegressionTrainingSummary(LinearRegressionModel model, DataFrame dataset, FeatureMatrix data, LinearFit fit)
    {
        _model = model;
        _dataset = dataset;
        NumInstances = data.Rows;
        DegreesOfFreedom = NumInstances - model.NumFeatures - (model.GetFitIntercept() ? 1 : 0);
        ObjectiveHistory = fit.ObjectiveHistory;
        TotalIterations = fit.Iterations;
        Solver = fit.SolverUsed;
        Stages = fit.Stages;
        _scores = new Lazy<(RegressionMetrics, double[]?)>(() => Score(model, data, fit, DegreesOfFreedom));
    }

    private static (RegressionMetrics Metrics, double[]? Se) Score(LinearRegressionModel model, FeatureMatrix data, LinearFit fit, long dof)
    {
        var labels = data.Y!;
        var predictions = model.PredictMatrix(data);
        bool fitIntercept = model.GetFitIntercept();
        var metrics = RegressionMetrics.Compute(labels, predictions, throughOrigin: !fitIntercept);
        if (fit.InverseStd is not { } inv) return (metrics, null);
        int d = model.NumFeatures;
        var rss = new KahanSum();
        for (int i = 0; i < labels.Length; i++) { double e = labels[i] - predictions[i]; rss.Add(e * e); }
        double sigma2 = dof > 0 ? rss.Value / dof : double.NaN;
        int n = labels.Length;
        var se = new double[d + (fitIntercept ? 1 : 0)];
        for (int j = 0; j < d; j++)
            se[j] = fit.Active[j] ? Math.Sqrt(sigma2 * inv[j * d + j] / (n * fit.FeatureStd[j] * fit.FeatureStd[j])) : double.NaN;
        if (fitIntercept)
        {
            // Var(b) = σ²/n · (1 + x̄ᵀ M⁻¹ x̄), M⁻¹ = S⁻¹ A'⁻¹ S⁻¹ over the active features.
            double q = 0;
            for (int j = 0; j < d; j++)
            {
                if (!fit.Active[j]) continue;
                double zj = fit.FeatureMean[j] / fit.FeatureStd[j];
                for (int k = 0; k < d; k++)
                    if (fit.Active[k]) q += zj * inv[j * d + k] * fit.FeatureMean[k] / fit.FeatureStd[k];
            }
            se[d] = Math.Sqrt(sigma2 / n * (1 + q));
        }
        return (metrics, se);
    }

    /// <summary>The heavy training steps with the path each ran on and why the others were not taken.</summary>
    public IReadOnlyList<TrainingStage> Stages { get; }
    /// <summary>The solver that produced the coefficients (e.g. "normal (Cholesky)").</summary>
    public string Solver { get; }
    /// <summary>Training rows.</summary>
    public long NumInstances { get; }
    /// <summary>n - numFeatures - (1 with an intercept).</summary>
    public long DegreesOfFreedom { get; }
    /// <summary>The objective (standardized loss plus penalty) at the start and after each iteration; one value for Cholesky.</summary>
    public double[] ObjectiveHistory { get; }
    /// <summary>Iterations of the iterative solver (0 for Cholesky).</summary>
    public int TotalIterations { get; }
    /// <summary>Same as <see cref="TotalIterations"/>.</summary>
    public int NumIterations => TotalIterations;
    /// <summary>Root mean squared error on the training data.</summary>
    public double RootMeanSquaredError => TrainingMetrics.RootMeanSquaredError;
    /// <summary>Mean squared error.</summary>
    public double MeanSquaredError => TrainingMetrics.MeanSquaredError;
    /// <summary>Mean absolute error.</summary>
    public double MeanAbsoluteError => TrainingMetrics.MeanAbsoluteError;
    /// <summary>R² (through the origin without an intercept, as Spark).</summary>
    public double R2 => TrainingMetrics.R2;
    /// <summary>Explained variance.</summary>
    public double ExplainedVariance => TrainingMetrics.ExplainedVariance;
    /// <summary>The training data with predictions.</summary>
    public DataFrame Predictions => _model.Transform(_dataset);

    private double[] RequireSe() => StandardErrorsOrNull ?? throw new AccelException(
        $"coefficient standard errors are only available from the normal solver's Cholesky path (this model used {Solver})");

    /// <summary>Standard errors of the coefficients, then of the intercept (when fitted), as Spark orders them.</summary>
    public double[] CoefficientStandardErrors => (double[])RequireSe().Clone();

    /// <summary>t statistics (estimate / standard error), same order.</summary>
    public double[] TValues
    {
        get
        {
            var se = RequireSe();
            var est = _model.Coefficients.Concat(_model.GetFitIntercept() ? [_model.Intercept] : Array.Empty<double>()).ToArray();
            return est.Select((e, i) => e / se[i]).ToArray();
        }
    }

    /// <summary>Two-sided p-values of the t statistics with <see cref="DegreesOfFreedom"/> degrees of freedom.</summary>
    public double[] PValues => TValues.Select(t => SpecialFunctions.TwoSidedPValue(t, DegreesOfFreedom)).ToArray();

    /// <summary>The stages as one log line.</summary>
    public string LogLine => TrainingStage.LogLine("LinearRegression " + _model.Uid, Stages);
}
