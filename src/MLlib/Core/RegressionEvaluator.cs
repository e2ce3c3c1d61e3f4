using Accel.Sql;

namespace Accel.ML.Evaluation;

/// <summary>Scores predictions against labels (Spark's Evaluator).</summary>
public abstract class Evaluator : PipelineStage
{
    /// <summary>Creates an evaluator with a fresh uid.</summary>
    protected Evaluator(string uidPrefix) : base(uidPrefix) { }

    /// <summary>The metric over the dataset.</summary>
    public abstract double Evaluate(DataFrame dataset);

    /// <summary>Whether larger values are better (for model selection).</summary>
    public abstract bool IsLargerBetter { get; }
}

/// <summary>Regression metrics of a set of (label, prediction) pairs, as Spark's RegressionMetrics computes them.
/// Sums are compensated (Neumaier) so that large row counts do not lose digits.</summary>
public sealed record RegressionMetrics(long Count, double MeanSquaredError, double MeanAbsoluteError, double R2, double ExplainedVariance)
{
    /// <summary>Root of the mean squared error.</summary>
    public double RootMeanSquaredError => Math.Sqrt(MeanSquaredError);

    /// <summary>Computes the metrics. With <paramref name="throughOrigin"/> (a model without intercept) R² is
    /// 1 - SSE/Σy² instead of 1 - SSE/Σ(y-ȳ)², as in Spark.</summary>
    public static RegressionMetrics Compute(ReadOnlySpan<double> labels, ReadOnlySpan<double> predictions, bool throughOrigin = false)
    {
        int n = labels.Length;
        if (n == 0) throw new AccelException("cannot compute regression metrics over an empty dataset");
        var sy = new KahanSum(); var sp = new KahanSum();
        for (int i = 0; i < n; i++) { sy.Add(labels[i]); sp.Add(predictions[i]); }
        double yMean = sy.Value / n, pMean = sp.Value / n;
        var sse = new KahanSum(); var sae = new KahanSum(); var sst = new KahanSum(); var sy2 = new KahanSum(); var sreg = new KahanSum();
        for (int i = 0; i < n; i++)
        {
            double e = labels[i] - predictions[i];
            sse.Add(e * e);
            sae.Add(Math.Abs(e));
            double dy = labels[i] - yMean;
            sst.Add(dy * dy);
            sy2.Add(labels[i] * labels[i]);
            double dp = predictions[i] - yMean;
            sreg.Add(dp * dp);
        }
        _ = pMean;
        double r2 = 1 - sse.Value / (throughOrigin ? sy2.Value : sst.Value);
        return new RegressionMetrics(n, sse.Value / n, sae.Value / n, r2, sreg.Value / n);
    }
}

/// <summary>A compensated (Neumaier) running sum.</summary>
public struct KahanSum
{
    private double _sum, _c;

    /// <summary>Adds a value.</summary>
    public void Add(double x)
    {
        double t = _sum + x;
        _c += Math.Abs(_sum) >= Math.Abs(x) ? (_sum - t) + x : (x - t) + _sum;
        _sum = t;
    }

    /// <summary>The sum so far.</summary>
    public readonly double Value => _sum + _c;
}

/// <summary>Evaluates regression predictions (Spark's RegressionEvaluator): metricName rmse (default) | mse | r2 | mae | var.</summary>
public sealed class RegressionEvaluator : Evaluator
{
    private readonly Param<string> _metricName, _labelCol, _predictionCol;
    private readonly Param<bool> _throughOrigin;

    /// <summary>Creates an evaluator with Spark's defaults.</summary>
    public RegressionEvaluator() : base("regEval")
    {
        _metricName = Define<string>("metricName", "metric name in evaluation (mse|rmse|r2|mae|var)", "rmse", Valid.OneOf("mse", "rmse", "r2", "mae", "var"));
        _labelCol = Define<string>("labelCol", "label column name", "label", Valid.Name);
        _predictionCol = Define<string>("predictionCol", "prediction column name", "prediction", Valid.Name);
        _throughOrigin = Define("throughOrigin", "whether the regression is through the origin (affects r2 only)", false);
    }

    /// <summary>Sets the metric (rmse|mse|r2|mae|var).</summary>
    public RegressionEvaluator SetMetricName(string value) { SetValue(_metricName, value.ToLowerInvariant()); return this; }
    /// <summary>Sets the label column.</summary>
    public RegressionEvaluator SetLabelCol(string value) { SetValue(_labelCol, value); return this; }
    /// <summary>Sets the prediction column.</summary>
    public RegressionEvaluator SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>Sets throughOrigin.</summary>
    public RegressionEvaluator SetThroughOrigin(bool value) { SetValue(_throughOrigin, value); return this; }
    /// <summary>The metric name.</summary>
    public string GetMetricName() => Get(_metricName);

    /// <inheritdoc />
    public override bool IsLargerBetter => GetMetricName() is "r2" or "var";

    /// <inheritdoc />
    public override double Evaluate(DataFrame dataset)
    {
        var m = Metrics(dataset);
        return GetMetricName() switch
        {
            "rmse" => m.RootMeanSquaredError,
            "mse" => m.MeanSquaredError,
            "r2" => m.R2,
            "mae" => m.MeanAbsoluteError,
            _ => m.ExplainedVariance,
        };
    }

    /// <summary>All metrics at once.</summary>
    public RegressionMetrics Metrics(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset);
        int li = MlData.RequireColumn(batch.Schema, Get(_labelCol), "label", t => t.IsNumeric, "numeric");
        int pi = MlData.RequireColumn(batch.Schema, Get(_predictionCol), "prediction", t => t.IsNumeric, "numeric");
        var y = MlData.ReadDoubles(batch.Columns[li], Get(_labelCol));
        var p = MlData.ReadDoubles(batch.Columns[pi], Get(_predictionCol));
        return RegressionMetrics.Compute(y, p, Get(_throughOrigin));
    }

    /// <summary>Loads an evaluator saved with Write().Save(path).</summary>
    public static RegressionEvaluator Load(string path) => Persistence.Load<RegressionEvaluator>(path);
}
