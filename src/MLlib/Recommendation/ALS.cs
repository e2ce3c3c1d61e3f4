using Accel.Data;
using Accel.Sql;

namespace Accel.ML.Recommendation;

/// <summary>Reading ALS's id columns (shared by ALS and ALSModel).</summary>
internal static class AlsIds
{
    /// <summary>Reads an id column as ints: any numeric type is accepted when every value is integral and in
    /// the int range (Spark's rule); NULL ids are reported as null entries in <paramref name="isNull"/>, or
    /// are an error when <paramref name="isNull"/> is null.</summary>
    internal static int[] ReadIds(ColumnBatch batch, string name, string role, bool[]? isNull)
    {
        int c = MlData.RequireColumn(batch.Schema, name, role, t => t.IsNumeric, "a numeric type (int, bigint, float, double, decimal) holding integral ids");
        var col = batch.Columns[c];
        var ids = new int[batch.PhysicalRows];
        for (int i = 0; i < ids.Length; i++)
        {
            if (col.IsNull(i))
            {
                if (isNull is null) throw new AccelException($"{role} column '{name}' row {i} is NULL; ALS needs an id on every rating");
                isNull[i] = true;
                continue;
            }
            switch (col)
            {
                case PrimitiveVector<int> v: ids[i] = v.Values[i]; break;
                case PrimitiveVector<long> v when batch.Schema[c].Type.Id == TypeId.Int64:
                    ids[i] = v.Values[i] is >= int.MinValue and <= int.MaxValue ? (int)v.Values[i] : throw OutOfRange(name, v.Values[i].ToString(System.Globalization.CultureInfo.InvariantCulture));
                    break;
                default:
                    double d = MlData.ElementAsDouble(col, i);
                    if (d != Math.Floor(d) || d < int.MinValue || d > int.MaxValue) throw OutOfRange(name, d.ToString("R", System.Globalization.CultureInfo.InvariantCulture));
                    ids[i] = (int)d;
                    break;
            }
        }
        return ids;
    }

    private static AccelException OutOfRange(string name, string value) =>
        new($"ALS only supports values in the int range and without a fractional part for column '{name}'; value {value} is out of range or fractional");

    /// <summary>Sorted distinct ids and, per input row, the dense index of its id.</summary>
    internal static (int[] Ids, int[] Index) DenseIndex(int[] raw)
    {
        var ids = raw.Distinct().ToArray();
        Array.Sort(ids);
        var map = new Dictionary<int, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++) map[ids[i]] = i;
        var index = new int[raw.Length];
        for (int i = 0; i < raw.Length; i++) index[i] = map[raw[i]];
        return (ids, index);
    }
}

/// <summary>Alternating least squares matrix factorization (Spark's org.apache.spark.ml.recommendation.ALS):
/// explicit ALS-WR (each row solves (YᵀY_u + λ·n_u·I)x = Yᵀr_u over the entries it rated) or implicit feedback
/// (Hu–Koren–Volinsky, confidence 1 + α|r|, preference 1 for r &gt; 0); non-negative factors by NNLS. The
/// heavy stages run on the GPU, SIMD or scalar path under the session's accel.path; the model's
/// <see cref="ALSModel.TrainingStages"/> say which ran and why the others did not.</summary>
public sealed class ALS : Estimator<ALSModel>
{
    private readonly Param<string> _userCol, _itemCol, _predictionCol, _coldStart;
    private readonly Param<int> _rank, _maxIter;
    private readonly Param<double> _regParam, _alpha;
    private readonly Param<bool> _implicitPrefs, _nonnegative;
    private readonly Param<string> _ratingCol;
    private readonly Param<long> _seed;

    /// <summary>Creates the estimator with Spark's defaults (rank 10, maxIter 10, regParam 0.1, alpha 1).</summary>
    public ALS() : base("als")
    {
        (_userCol, _itemCol, _predictionCol, _coldStart) = ALSModel.DefineShared((n, d, v, ok) => Define(n, d, v, ok));
        _rank = Define("rank", "rank of the factorization (>= 1)", 10, Valid.Positive);
        _maxIter = Define("maxIter", "number of iterations (>= 0)", 10, Valid.NonNegative);
        _regParam = Define("regParam", "regularization λ (>= 0), scaled per row by its rating count", 0.1, Valid.NonNegative);
        _implicitPrefs = Define("implicitPrefs", "whether to use the implicit-feedback formulation", false);
        _alpha = Define("alpha", "implicit-feedback confidence slope: c = 1 + alpha·|r| (>= 0)", 1.0, Valid.NonNegative);
        _nonnegative = Define("nonnegative", "whether to constrain the factors to be non-negative (NNLS)", false);
        _ratingCol = Define("ratingCol", "column of ratings (numeric)", "rating", Valid.Name);
        _seed = Define("seed", "random seed of the factor initialization", 0L);
    }

    /// <summary>Sets the rank (number of latent factors).</summary>
    public ALS SetRank(int value) { SetValue(_rank, value); return this; }
    /// <summary>Sets the number of iterations.</summary>
    public ALS SetMaxIter(int value) { SetValue(_maxIter, value); return this; }
    /// <summary>Sets λ.</summary>
    public ALS SetRegParam(double value) { SetValue(_regParam, value); return this; }
    /// <summary>Chooses the implicit-feedback formulation.</summary>
    public ALS SetImplicitPrefs(bool value) { SetValue(_implicitPrefs, value); return this; }
    /// <summary>Sets the implicit confidence slope α.</summary>
    public ALS SetAlpha(double value) { SetValue(_alpha, value); return this; }
    /// <summary>Constrains the factors to be non-negative.</summary>
    public ALS SetNonnegative(bool value) { SetValue(_nonnegative, value); return this; }
    /// <summary>Sets the rating column.</summary>
    public ALS SetRatingCol(string value) { SetValue(_ratingCol, value); return this; }
    /// <summary>Sets the seed.</summary>
    public ALS SetSeed(long value) { SetValue(_seed, value); return this; }
    /// <summary>The rank.</summary>
    public int GetRank() => Get(_rank);
    /// <summary>The number of iterations.</summary>
    public int GetMaxIter() => Get(_maxIter);
    /// <summary>λ.</summary>
    public double GetRegParam() => Get(_regParam);
    /// <summary>Whether implicit feedback is used.</summary>
    public bool GetImplicitPrefs() => Get(_implicitPrefs);
    /// <summary>α.</summary>
    public double GetAlpha() => Get(_alpha);
    /// <summary>Whether factors are non-negative.</summary>
    public bool GetNonnegative() => Get(_nonnegative);
    /// <summary>The rating column.</summary>
    public string GetRatingCol() => Get(_ratingCol);
    /// <summary>The seed.</summary>
    public long GetSeed() => Get(_seed);

    /// <summary>Sets the user id column.</summary>
    public ALS SetUserCol(string value) { SetValue(_userCol, value); return this; }
    /// <summary>Sets the item id column.</summary>
    public ALS SetItemCol(string value) { SetValue(_itemCol, value); return this; }
    /// <summary>Sets the prediction column.</summary>
    public ALS SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>Sets the cold start strategy: "nan" or "drop".</summary>
    public ALS SetColdStartStrategy(string value) { SetValue(_coldStart, value.ToLowerInvariant()); return this; }
    /// <summary>The user id column.</summary>
    public string GetUserCol() => Get(_userCol);
    /// <summary>The item id column.</summary>
    public string GetItemCol() => Get(_itemCol);
    /// <summary>The prediction column.</summary>
    public string GetPredictionCol() => Get(_predictionCol);
    /// <summary>The cold start strategy.</summary>
    public string GetColdStartStrategy() => Get(_coldStart);

    /// <summary>Fits the factorization to the ratings in <paramref name="dataset"/>.</summary>
    public override ALSModel Fit(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset).Compact();
        var users = AlsIds.ReadIds(batch, GetUserCol(), "user", null);
        var items = AlsIds.ReadIds(batch, GetItemCol(), "item", null);
        int rc = MlData.RequireColumn(batch.Schema, GetRatingCol(), "rating", t => t.IsNumeric, "numeric");
        var ratings = MlData.ReadDoubles(batch.Columns[rc], GetRatingCol());
        for (int i = 0; i < ratings.Length; i++)
            if (!double.IsFinite(ratings[i])) throw new AccelException($"rating column '{GetRatingCol()}' row {i} holds {ratings[i]}; ratings must be finite");
        if (ratings.Length == 0) throw new AccelException("ALS needs at least one rating; the input DataFrame is empty");

        var (userIds, userIndex) = AlsIds.DenseIndex(users);
        var (itemIds, itemIndex) = AlsIds.DenseIndex(items);
        var matrix = new RatingMatrix(userIds.Length, itemIds.Length, userIndex, itemIndex, ratings);
        var problem = new AlsProblem(GetRank(), GetRegParam(), GetImplicitPrefs(), GetAlpha(), GetNonnegative());
        var result = AlsTrainer.Train(matrix, problem, GetMaxIter(), GetSeed(), dataset.Session.Conf().Path);
        var model = new ALSModel(dataset.Session, GetRank(), userIds, ToFloat(result.UserFactors), itemIds, ToFloat(result.ItemFactors), result.Stages) { ParentUid = Uid };
        CopyValuesTo(model);
        if (dataset.Session.Conf().LogQueries) dataset.Session.Log.WriteLine(TrainingStage.LogLine($"ALS {Uid}", result.Stages));
        return model;
    }

    private static float[] ToFloat(double[] d)
    {
        var f = new float[d.Length];
        for (int i = 0; i < d.Length; i++) f[i] = (float)d[i];
        return f;
    }

    /// <summary>Loads an estimator saved with Write().Save(path).</summary>
    public static ALS Load(string path) => Persistence.Load<ALS>(path);
}
