using System.Globalization;
using System.Text;
using Accel.Data;
using Accel.Planner.Physical;
using Accel.Sql;

namespace Accel.ML.Tree;

/// <summary>A node of a fitted tree: a leaf (<see cref="Feature"/> &lt; 0) or a split "feature &lt;= threshold goes left".</summary>
/// <param name="Feature">Split feature, or -1 for a leaf.</param>
/// <param name="Threshold">Split threshold (rows with x[Feature] &lt;= Threshold go left).</param>
/// <param name="Left">Index of the left child (-1 for a leaf).</param>
/// <param name="Right">Index of the right child (-1 for a leaf).</param>
/// <param name="Prediction">Mean label of the node's training rows.</param>
/// <param name="Impurity">Variance of the node's training labels.</param>
/// <param name="Gain">Impurity decrease of the split (0 for a leaf).</param>
/// <param name="Count">Training rows that reached the node.</param>
public sealed record TreeNode(int Feature, double Threshold, int Left, int Right, double Prediction, double Impurity, double Gain, long Count)
{
    /// <summary>Whether the node is a leaf.</summary>
    public bool IsLeaf => Feature < 0;
}

/// <summary>A regression tree learned level by level with Spark's variance impurity (Spark's DecisionTreeRegressor).
/// Continuous features are binned as Spark does: with at most maxBins distinct values the candidate thresholds are the
/// midpoints between consecutive distinct values; otherwise up to maxBins-1 thresholds are placed at quantiles of the
/// values (of a seeded sample of max(maxBins², 10000) rows when there are more). A split is kept when both children
/// have at least minInstancesPerNode rows and its gain is at least minInfoGain and positive; ties go to the lowest
/// feature, then the lowest threshold.</summary>
public sealed class DecisionTreeRegressor : Estimator<DecisionTreeRegressionModel>
{
    private readonly Param<string> _featuresCol, _labelCol, _predictionCol, _impurity;
    private readonly Param<int> _maxDepth, _maxBins, _minInstancesPerNode;
    private readonly Param<double> _minInfoGain;
    private readonly Param<long> _seed;

    /// <summary>Creates an estimator with Spark's defaults.</summary>
    public DecisionTreeRegressor() : base("dtr")
    {
        _featuresCol = Define<string>("featuresCol", "features column name", "features", Valid.Name);
        _labelCol = Define<string>("labelCol", "label column name", "label", Valid.Name);
        _predictionCol = Define<string>("predictionCol", "prediction column name", "prediction", Valid.Name);
        _maxDepth = Define<int>("maxDepth", "maximum depth of the tree (>= 0). E.g., depth 0 means 1 leaf node; depth 1 means 1 internal node + 2 leaf nodes. Must be in range [0, 30]", 5, v => v >= 0 && v <= 30);
        _maxBins = Define<int>("maxBins", "max number of bins for discretizing continuous features. Must be >= 2", 32, v => v >= 2);
        _minInstancesPerNode = Define<int>("minInstancesPerNode", "minimum number of instances each child must have after split. Should be >= 1", 1, Valid.Positive);
        _minInfoGain = Define<double>("minInfoGain", "minimum information gain for a split to be considered at a tree node (>= 0)", 0.0, Valid.NonNegative);
        _seed = Define<long>("seed", "random seed (for the quantile sample)", 926680331L); // Spark's default: the class name's Java hashCode
        _impurity = Define<string>("impurity", "criterion used for information gain calculation. Supported options: variance", "variance", Valid.OneOf("variance"));
    }

    /// <summary>Sets featuresCol.</summary>
    public DecisionTreeRegressor SetFeaturesCol(string value) { SetValue(_featuresCol, value); return this; }
    /// <summary>Sets labelCol.</summary>
    public DecisionTreeRegressor SetLabelCol(string value) { SetValue(_labelCol, value); return this; }
    /// <summary>Sets predictionCol.</summary>
    public DecisionTreeRegressor SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>Sets maxDepth (0..30).</summary>
    public DecisionTreeRegressor SetMaxDepth(int value) { SetValue(_maxDepth, value); return this; }
    /// <summary>Sets maxBins (&gt;= 2).</summary>
    public DecisionTreeRegressor SetMaxBins(int value) { SetValue(_maxBins, value); return this; }
    /// <summary>Sets minInstancesPerNode (&gt;= 1).</summary>
    public DecisionTreeRegressor SetMinInstancesPerNode(int value) { SetValue(_minInstancesPerNode, value); return this; }
    /// <summary>Sets minInfoGain (&gt;= 0).</summary>
    public DecisionTreeRegressor SetMinInfoGain(double value) { SetValue(_minInfoGain, value); return this; }
    /// <summary>Sets the seed.</summary>
    public DecisionTreeRegressor SetSeed(long value) { SetValue(_seed, value); return this; }
    /// <summary>Sets the impurity (only "variance").</summary>
    public DecisionTreeRegressor SetImpurity(string value) { SetValue(_impurity, value.ToLowerInvariant()); return this; }
    /// <summary>featuresCol.</summary>
    public string GetFeaturesCol() => Get(_featuresCol);
    /// <summary>labelCol.</summary>
    public string GetLabelCol() => Get(_labelCol);
    /// <summary>predictionCol.</summary>
    public string GetPredictionCol() => Get(_predictionCol);
    /// <summary>maxDepth.</summary>
    public int GetMaxDepth() => Get(_maxDepth);
    /// <summary>maxBins.</summary>
    public int GetMaxBins() => Get(_maxBins);
    /// <summary>minInstancesPerNode.</summary>
    public int GetMinInstancesPerNode() => Get(_minInstancesPerNode);
    /// <summary>minInfoGain.</summary>
    public double GetMinInfoGain() => Get(_minInfoGain);
    /// <summary>seed.</summary>
    public long GetSeed() => Get(_seed);

    /// <inheritdoc />
    public override DecisionTreeRegressionModel Fit(DataFrame dataset)
    {
        var data = MlData.ReadFeatures(dataset, Get(_featuresCol), Get(_labelCol));
        if (data.Rows == 0) throw new AccelException("DecisionTreeRegressor cannot be fitted on an empty dataset");
        var (nodes, stages) = TreeTrainer.Train(data, GetMaxDepth(), GetMaxBins(), GetMinInstancesPerNode(), GetMinInfoGain(), GetSeed(), dataset.Session.Conf().Path);
        var model = new DecisionTreeRegressionModel(nodes, data.Cols, stages) { ParentUid = Uid };
        model.Uid = Uid;
        CopyValuesTo(model);
        if (dataset.Session.Conf().LogQueries)
            dataset.Session.Log.WriteLine(TrainingStage.LogLine($"DecisionTreeRegressor {Uid}", stages));
        return model;
    }

    /// <summary>Loads an estimator saved with Write().Save(path).</summary>
    public static DecisionTreeRegressor Load(string path) => Persistence.Load<DecisionTreeRegressor>(path);
}

/// <summary>Spark's binning and level-wise growth over dense arrays.</summary>
internal static class TreeTrainer
{
    /// <summary>Split thresholds of one feature, ascending (Spark's findSplitsForContinuousFeature).</summary>
    public static double[] FindThresholds(IEnumerable<double> values, int maxBins)
    {
        var counts = new SortedDictionary<double, long>();
        long total = 0;
        foreach (var v in values)
        {
            // -0.0 and 0.0 are one value, as in a comparison.
            double k = v == 0 ? 0.0 : v;
            counts[k] = counts.TryGetValue(k, out var c) ? c + 1 : 1;
            total++;
        }
        var distinct = counts.ToArray();
        if (distinct.Length <= 1) return [];
        int numSplits = maxBins - 1;
        var result = new List<double>();
        if (distinct.Length - 1 <= numSplits)
        {
            for (int i = 1; i < distinct.Length; i++) result.Add((distinct[i - 1].Key + distinct[i].Key) / 2.0);
            return result.ToArray();
        }
        // Walk the sorted values; close a bin before the value that would move the running count further from the
        // next target (a multiple of total/maxBins) than stopping short of it.
        double stride = (double)total / (numSplits + 1);
        double target = stride;
        long current = distinct[0].Value;
        for (int i = 1; i < distinct.Length; i++)
        {
            long previous = current;
            current += distinct[i].Value;
            if (Math.Abs(previous - target) < Math.Abs(current - target))
            {
                result.Add((distinct[i - 1].Key + distinct[i].Key) / 2.0);
                target += stride;
            }
        }
        return result.ToArray();
    }

    private sealed class Builder
    {
        public int Feature = -1, SplitBin, Left = -1, Right = -1, Depth;
        public double Threshold, Count, Sum, SumSq, Gain;
        public bool Leaf;
        public double Impurity => Count > 0 ? Math.Max(0, SumSq / Count - Sum / Count * (Sum / Count)) : 0;
        // Labels all equal leave only rounding noise in SumSq/n - mean² (0.1 repeated gives ~1e-18): treat a variance
        // that small relative to the mean square as pure, so a constant label never splits on noise.
        public bool Pure => Impurity <= 1e-14 * (Count > 0 ? SumSq / Count : 0);
    }

    private static double Variance(double c, double s, double s2) => c > 0 ? Math.Max(0, s2 / c - s / c * (s / c)) : 0;

    public static (TreeNode[] Nodes, IReadOnlyList<TrainingStage> Stages) Train(FeatureMatrix data, int maxDepth, int maxBins,
        int minInstances, double minInfoGain, long seed, PathSetting pathSetting)
    {
        int n = data.Rows, f = data.Cols;
        var y = data.Y!;
        // Thresholds per feature from all rows, or from a seeded sample when there are many.
        int sampleTarget = Math.Max(maxBins * maxBins, 10000);
        double fraction = n > sampleTarget ? (double)sampleTarget / n : 1.0;
        var sample = fraction < 1 ? Enumerable.Range(0, n).Where(i => SplitMix.Uniform(seed, i) < fraction).ToArray() : Enumerable.Range(0, n).ToArray();
        var thresholds = new double[f][];
        Parallel.For(0, f, j => thresholds[j] = FindThresholds(sample.Select(i => data.X[(long)i * f + j]), maxBins));
        // Every feature gets the widest feature's bin count so that the histogram layout is one dense block.
        int bins = f == 0 ? 1 : thresholds.Max(t => t.Length) + 1;
        var binned = new int[(long)n * f];
        Parallel.For(0, n, i =>
        {
            for (int j = 0; j < f; j++)
            {
                // Bin = number of thresholds below the value, so "x <= threshold[b]" is "bin <= b".
                var t = thresholds[j];
                double v = data.X[(long)i * f + j];
                int lo = 0, hi = t.Length;
                while (lo < hi) { int mid = (lo + hi) >> 1; if (t[mid] < v) lo = mid + 1; else hi = mid; }
                binned[(long)i * f + j] = lo;
            }
        });

        var decision = MlPaths.Choose(pathSetting, "histograms", new MlWork(3.0 * n * f * Math.Max(1, maxDepth), (long)n * f * 4 + n * 8));
        var timer = new StageTimer("histograms", $"{n} rows x {f} features x {bins} bins, one pass per level", decision);
        using var hb = new HistogramBuilder(decision.Chosen, binned, y, n, f, bins);

        var nodes = new List<Builder>();
        var rowNode = new int[n];
        var root = new Builder { Depth = 0 };
        var rs = new Evaluation.KahanSum(); var rs2 = new Evaluation.KahanSum();
        for (int i = 0; i < n; i++) { rs.Add(y[i]); rs2.Add(y[i] * y[i]); }
        root.Count = n; root.Sum = rs.Value; root.SumSq = rs2.Value;
        nodes.Add(root);
        var open = new List<int>();
        if (maxDepth > 0 && f > 0 && !root.Pure) open.Add(0); else root.Leaf = true;
        int slotSize = Math.Max(1, f * bins * 3);
        // Nodes of a level are histogrammed together in groups of at most ~1M values (8 MB; the SIMD path holds one
        // such block per thread), so a deep level costs a few passes over the rows rather than unbounded memory.
        int group = Math.Max(1, (1 << 20) / slotSize);
        while (open.Count > 0)
        {
            var next = new List<int>();
            for (int g0 = 0; g0 < open.Count; g0 += group)
            {
                var batch = open.GetRange(g0, Math.Min(group, open.Count - g0));
                var slotOf = new Dictionary<int, int>();
                for (int s = 0; s < batch.Count; s++) slotOf[batch[s]] = s;
                var rowSlots = new int[n];
                for (int i = 0; i < n; i++) rowSlots[i] = slotOf.TryGetValue(rowNode[i], out var s) ? s : -1;
                var hist = timer.Time(() => hb.Build(rowSlots, batch.Count));
                for (int s = 0; s < batch.Count; s++)
                {
                    var node = nodes[batch[s]];
                    SplitNode(node, hist, (long)s * slotSize, f, bins, thresholds, minInstances, minInfoGain);
                    if (node.Leaf) continue;
                    var left = new Builder { Depth = node.Depth + 1 };
                    var right = new Builder { Depth = node.Depth + 1 };
                    long fAt = ((long)s * f + node.Feature) * bins * 3;
                    for (int b = 0; b < bins; b++)
                    {
                        var side = b <= node.SplitBin ? left : right;
                        side.Count += hist[fAt + b * 3];
                        side.Sum += hist[fAt + b * 3 + 1];
                        side.SumSq += hist[fAt + b * 3 + 2];
                    }
                    node.Left = nodes.Count; nodes.Add(left);
                    node.Right = nodes.Count; nodes.Add(right);
                    foreach (var (child, idx) in new[] { (left, node.Left), (right, node.Right) })
                    {
                        // A child at the depth limit, or with labels all equal, cannot split: no histogram for it.
                        if (child.Depth >= maxDepth || child.Pure) child.Leaf = true;
                        else next.Add(idx);
                    }
                }
                // Route the rows of the nodes just split to their children.
                for (int i = 0; i < n; i++)
                {
                    if (rowSlots[i] < 0) continue;
                    var node = nodes[rowNode[i]];
                    if (node.Leaf) continue;
                    rowNode[i] = binned[(long)i * f + node.Feature] <= node.SplitBin ? node.Left : node.Right;
                }
            }
            open = next;
        }
        // Leaf values from the rows themselves, as a shifted mean (first label + mean offset): exact when every label
        // of the leaf is equal, and free of the cancellation of sum/count for large labels.
        var firstLabel = new double[nodes.Count];
        var seen = new bool[nodes.Count];
        var offset = new Evaluation.KahanSum[nodes.Count];
        for (int i = 0; i < n; i++)
        {
            int k = rowNode[i];
            if (!seen[k]) { seen[k] = true; firstLabel[k] = y[i]; }
            offset[k].Add(y[i] - firstLabel[k]);
        }
        var result = new TreeNode[nodes.Count];
        for (int k = 0; k < nodes.Count; k++)
        {
            var b = nodes[k];
            double prediction = b.Leaf && seen[k] ? firstLabel[k] + offset[k].Value / b.Count : b.Count > 0 ? b.Sum / b.Count : 0;
            result[k] = b.Leaf
                ? new TreeNode(-1, 0, -1, -1, prediction, b.Impurity, 0, (long)b.Count)
                : new TreeNode(b.Feature, b.Threshold, b.Left, b.Right, prediction, b.Impurity, b.Gain, (long)b.Count);
        }
        return (result, [timer.ToStage()]);
    }

    private static void SplitNode(Builder node, double[] hist, long slotAt, int f, int bins, double[][] thresholds, int minInstances, double minInfoGain)
    {
        double parentImpurity = node.Impurity;
        double bestGain = double.NegativeInfinity;
        int bestFeature = -1, bestBin = -1;
        for (int j = 0; j < f; j++)
        {
            int splits = thresholds[j].Length;
            long at = slotAt + (long)j * bins * 3;
            double lc = 0, ls = 0, ls2 = 0;
            for (int b = 0; b < splits; b++)
            {
                lc += hist[at + b * 3]; ls += hist[at + b * 3 + 1]; ls2 += hist[at + b * 3 + 2];
                double rc = node.Count - lc, rsum = node.Sum - ls, rs2 = node.SumSq - ls2;
                if (lc < minInstances || rc < minInstances) continue;
                double gain = parentImpurity - lc / node.Count * Variance(lc, ls, ls2) - rc / node.Count * Variance(rc, rsum, rs2);
                if (gain < minInfoGain) continue;
                if (gain > bestGain) { bestGain = gain; bestFeature = j; bestBin = b; }
            }
        }
        if (bestFeature < 0 || bestGain <= 0) { node.Leaf = true; return; }
        node.Feature = bestFeature;
        node.SplitBin = bestBin;
        node.Threshold = thresholds[bestFeature][bestBin];
        node.Gain = bestGain;
    }
}

/// <summary>A fitted regression tree (Spark's DecisionTreeRegressionModel).</summary>
public sealed class DecisionTreeRegressionModel : Model
{
    private readonly Param<string> _featuresCol, _labelCol, _predictionCol;
    private readonly Param<int> _maxDepth, _maxBins, _minInstancesPerNode;
    private readonly Param<double> _minInfoGain;
    private readonly Param<long> _seed;
    private TreeNode[] _nodes;
    private IReadOnlyList<TrainingStage> _stages;

    internal DecisionTreeRegressionModel(TreeNode[] nodes, int numFeatures, IReadOnlyList<TrainingStage> stages) : this()
    {
        _nodes = nodes;
        NumFeatures = numFeatures;
        _stages = stages;
    }

    private DecisionTreeRegressionModel() : base("dtr")
    {
        _featuresCol = Define<string>("featuresCol", "features column name", "features", Valid.Name);
        _labelCol = Define<string>("labelCol", "label column name", "label", Valid.Name);
        _predictionCol = Define<string>("predictionCol", "prediction column name", "prediction", Valid.Name);
        _maxDepth = Define<int>("maxDepth", "maximum depth of the tree (>= 0)", 5, v => v >= 0 && v <= 30);
        _maxBins = Define<int>("maxBins", "max number of bins for discretizing continuous features", 32, v => v >= 2);
        _minInstancesPerNode = Define<int>("minInstancesPerNode", "minimum number of instances each child must have after split", 1, Valid.Positive);
        _minInfoGain = Define<double>("minInfoGain", "minimum information gain for a split to be considered at a tree node", 0.0, Valid.NonNegative);
        _seed = Define<long>("seed", "random seed (for the quantile sample)", 926680331L); // Spark's default: the class name's Java hashCode
        Define<string>("impurity", "criterion used for information gain calculation", "variance", Valid.OneOf("variance"));
        _nodes = [];
        _stages = [];
    }

    /// <summary>The nodes; index 0 is the root.</summary>
    public IReadOnlyList<TreeNode> Nodes => _nodes;
    /// <summary>Number of features the model expects.</summary>
    public int NumFeatures { get; private set; }
    /// <summary>Number of nodes (internal and leaves).</summary>
    public int NumNodes => _nodes.Length;
    /// <summary>Depth: 0 for a single leaf.</summary>
    public int Depth => DepthOf(0);

    private int DepthOf(int k) => _nodes[k].IsLeaf ? 0 : 1 + Math.Max(DepthOf(_nodes[k].Left), DepthOf(_nodes[k].Right));

    /// <inheritdoc />
    public override IReadOnlyList<TrainingStage> TrainingStages => _stages;

    /// <summary>Sets the features column used by Transform.</summary>
    public DecisionTreeRegressionModel SetFeaturesCol(string value) { SetValue(_featuresCol, value); return this; }
    /// <summary>Sets the prediction column written by Transform.</summary>
    public DecisionTreeRegressionModel SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>featuresCol.</summary>
    public string GetFeaturesCol() => Get(_featuresCol);
    /// <summary>predictionCol.</summary>
    public string GetPredictionCol() => Get(_predictionCol);

    /// <summary>The training stages as one log line ("accel ml: DecisionTreeRegressor dtr_...: histograms=simd"); empty after loading.</summary>
    public string LogLine => _stages.Count == 0 ? "" : TrainingStage.LogLine($"DecisionTreeRegressor {Uid}", _stages);

    /// <summary>One line per training stage with its size, path, the reason each other path was not taken, calls and time.</summary>
    public string TrainingReport => string.Join("\n", _stages.Select(st => st.ToString()));

    /// <summary>Spark's importance: per feature, Σ over its splits of gain × rows at the node, normalized to sum 1.</summary>
    public double[] FeatureImportances
    {
        get
        {
            var imp = new double[NumFeatures];
            foreach (var node in _nodes) if (!node.IsLeaf) imp[node.Feature] += node.Gain * node.Count;
            double total = imp.Sum();
            if (total > 0) for (int j = 0; j < imp.Length; j++) imp[j] /= total;
            return imp;
        }
    }

    /// <summary>The prediction for one feature vector.</summary>
    public double Predict(ReadOnlySpan<double> features)
    {
        if (features.Length != NumFeatures) throw new AccelException($"the model has {NumFeatures} features, the vector has {features.Length}");
        int k = 0;
        while (!_nodes[k].IsLeaf) k = features[_nodes[k].Feature] <= _nodes[k].Threshold ? _nodes[k].Left : _nodes[k].Right;
        return _nodes[k].Prediction;
    }

    /// <inheritdoc />
    public override DataFrame Transform(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset).Compact();
        var fm = MlData.ReadFeatures(batch, Get(_featuresCol), null);
        if (fm.Rows > 0 && fm.Cols != NumFeatures) throw new AccelException($"the model has {NumFeatures} features, the features column has {fm.Cols}");
        var pred = new double[fm.Rows];
        for (int i = 0; i < pred.Length; i++) pred[i] = Predict(fm.Row(i));
        return MlData.WithColumn(dataset.Session, batch, GetPredictionCol(), new PrimitiveVector<double>(DataType.Float64, pred));
    }

    /// <summary>"DecisionTreeRegressionModel: uid=..., depth=d, numNodes=n, numFeatures=f".</summary>
    public override string ToString() => $"DecisionTreeRegressionModel: uid={Uid}, depth={Depth}, numNodes={NumNodes}, numFeatures={NumFeatures}";

    /// <summary>The tree in Spark's format: the header line, then "If (feature j &lt;= t)" / "Else (feature j &gt; t)" /
    /// "Predict: v" lines, indented one space per level below two.</summary>
    public string ToDebugString
    {
        get
        {
            var sb = new StringBuilder();
            sb.Append(ToString()).Append('\n');
            Render(0, 2, sb);
            return sb.ToString();
        }
    }

    private void Render(int k, int indent, StringBuilder sb)
    {
        var pad = new string(' ', indent);
        var node = _nodes[k];
        if (node.IsLeaf) { sb.Append(pad).Append("Predict: ").Append(JavaDouble(node.Prediction)).Append('\n'); return; }
        sb.Append(pad).Append($"If (feature {node.Feature} <= {JavaDouble(node.Threshold)})\n");
        Render(node.Left, indent + 1, sb);
        sb.Append(pad).Append($"Else (feature {node.Feature} > {JavaDouble(node.Threshold)})\n");
        Render(node.Right, indent + 1, sb);
    }

    /// <summary>A double as Java's Double.toString prints it (what Spark's debug string shows): "2.0", "0.5", "1.0E-4", "1.5E7".</summary>
    public static string JavaDouble(double v)
    {
        if (double.IsNaN(v)) return "NaN";
        if (double.IsPositiveInfinity(v)) return "Infinity";
        if (double.IsNegativeInfinity(v)) return "-Infinity";
        if (v == 0) return double.IsNegative(v) ? "-0.0" : "0.0";
        double a = Math.Abs(v);
        if (a >= 1e-3 && a < 1e7)
        {
            var s = v.ToString("R", CultureInfo.InvariantCulture);
            if (s.Contains('E')) s = v.ToString("F20", CultureInfo.InvariantCulture).TrimEnd('0');
            return s.Contains('.') ? (s.EndsWith('.') ? s + "0" : s) : s + ".0";
        }
        var e = v.ToString("E16", CultureInfo.InvariantCulture);
        // Shortest round-trip mantissa digits, then Java's "d.dddE[-]n" layout.
        var r = v.ToString("R", CultureInfo.InvariantCulture);
        int exp = int.Parse(e[(e.IndexOf('E') + 1)..], CultureInfo.InvariantCulture);
        var digits = new string(r.TakeWhile(c => c != 'E').Where(char.IsDigit).ToArray()).TrimStart('0');
        digits = digits.TrimEnd('0');
        if (digits.Length == 0) digits = "0";
        var mant = digits[..1] + "." + (digits.Length > 1 ? digits[1..] : "0");
        return (v < 0 ? "-" : "") + mant + "E" + exp.ToString(CultureInfo.InvariantCulture);
    }

    private sealed record Data(int NumFeatures, TreeNode[] Nodes);

    /// <inheritdoc />
    protected internal override void SaveData(string dir) => Persistence.WriteData(dir, new Data(NumFeatures, _nodes));

    /// <inheritdoc />
    protected internal override void LoadData(string dir)
    {
        var d = Persistence.ReadData<Data>(dir);
        NumFeatures = d.NumFeatures;
        _nodes = d.Nodes;
        _stages = [];
    }

    /// <summary>Loads a model saved with Write().Save(path).</summary>
    public static DecisionTreeRegressionModel Load(string path) => Persistence.Load<DecisionTreeRegressionModel>(path);
}
