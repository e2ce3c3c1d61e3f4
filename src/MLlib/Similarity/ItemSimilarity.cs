using Accel.Data;
using Accel.IO;
using Accel.ML.Recommendation;
using Accel.Sql;

namespace Accel.ML.Similarity;

/// <summary>Item–item cosine similarity from ratings, Spark ML style: <c>new ItemSimilarity().SetK(10).Fit(ratings)</c>
/// gives each item's k most similar items.
/// <para>Definition: cos(i, j) = Σ_{u∈U_ij} r_ui r_uj / (√Σ_{u∈U_ij} r_ui² · √Σ_{u∈U_ij} r_uj²) where U_ij is the
/// set of users who rated both i and j (the co-raters). The norms run over the co-raters only, not over every
/// rating of each item: with whole-item norms a popular item's norm is dominated by users the other item never
/// saw, so its similarities shrink with popularity rather than with disagreement; over the co-raters the score
/// measures only how the shared ratings agree. Its weakness — one or two co-raters with positive ratings give
/// scores near 1 — is what <c>minCoRaters</c> controls. Pairs with fewer than minCoRaters co-raters, or whose
/// co-rater norm is zero, have no score. Ties are broken by the lower item id. Ratings are used as given, not
/// mean-centred: on 1–5 star data most co-rater cosines lie near 1, so centre the ratings per user first (adjusted
/// cosine) where a sharper ranking is wanted.</para>
/// <para>The co-occurrence accumulation and top-k run on the GPU, SIMD or scalar path under accel.path;
/// <see cref="ItemSimilarityModel.TrainingStages"/> says which ran and why.</para></summary>
public sealed class ItemSimilarity : Estimator<ItemSimilarityModel>
{
    private readonly Param<string> _userCol, _itemCol, _ratingCol;
    private readonly Param<int> _k, _minCoRaters;

    /// <summary>Creates the estimator: columns user, item, rating; k 10; minCoRaters 1.</summary>
    public ItemSimilarity() : base("itemSimilarity")
    {
        _userCol = Define("userCol", "column of user ids (integral values in the int range)", "user", Valid.Name);
        _itemCol = Define("itemCol", "column of item ids (integral values in the int range)", "item", Valid.Name);
        _ratingCol = Define("ratingCol", "column of ratings (numeric, finite)", "rating", Valid.Name);
        _k = Define("k", "similar items kept per item (>= 1)", 10, Valid.Positive);
        _minCoRaters = Define("minCoRaters", "fewest users who rated both items for a pair to be scored (>= 1)", 1, Valid.Positive);
    }

    /// <summary>Sets the user id column.</summary>
    public ItemSimilarity SetUserCol(string value) { SetValue(_userCol, value); return this; }
    /// <summary>Sets the item id column.</summary>
    public ItemSimilarity SetItemCol(string value) { SetValue(_itemCol, value); return this; }
    /// <summary>Sets the rating column.</summary>
    public ItemSimilarity SetRatingCol(string value) { SetValue(_ratingCol, value); return this; }
    /// <summary>Sets the number of similar items kept per item.</summary>
    public ItemSimilarity SetK(int value) { SetValue(_k, value); return this; }
    /// <summary>Sets the fewest co-raters a pair needs.</summary>
    public ItemSimilarity SetMinCoRaters(int value) { SetValue(_minCoRaters, value); return this; }
    /// <summary>The user id column.</summary>
    public string GetUserCol() => Get(_userCol);
    /// <summary>The item id column.</summary>
    public string GetItemCol() => Get(_itemCol);
    /// <summary>The rating column.</summary>
    public string GetRatingCol() => Get(_ratingCol);
    /// <summary>The number of similar items kept per item.</summary>
    public int GetK() => Get(_k);
    /// <summary>The fewest co-raters a pair needs.</summary>
    public int GetMinCoRaters() => Get(_minCoRaters);

    /// <summary>Computes every item's top-k similar items from the ratings in <paramref name="dataset"/>.</summary>
    public override ItemSimilarityModel Fit(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset).Compact();
        var users = AlsIds.ReadIds(batch, GetUserCol(), "user", null);
        var items = AlsIds.ReadIds(batch, GetItemCol(), "item", null);
        int rc = MlData.RequireColumn(batch.Schema, GetRatingCol(), "rating", t => t.IsNumeric, "numeric");
        var ratings = MlData.ReadDoubles(batch.Columns[rc], GetRatingCol());
        for (int i = 0; i < ratings.Length; i++)
            if (!double.IsFinite(ratings[i])) throw new AccelException($"rating column '{GetRatingCol()}' row {i} holds {ratings[i]}; ratings must be finite");
        if (ratings.Length == 0) throw new AccelException("item similarity needs at least one rating; the input DataFrame is empty");

        var (userIds, userIndex) = AlsIds.DenseIndex(users);
        var (itemIds, itemIndex) = AlsIds.DenseIndex(items);
        var m = new RatingMatrix(userIds.Length, itemIds.Length, userIndex, itemIndex, ratings);
        // A repeated (user, item) would count that user twice as a co-rater; there is no right way to merge the ratings.
        for (int u = 0; u < m.Users; u++)
            for (int q = m.UserPtr[u] + 1; q < m.UserPtr[u + 1]; q++)
                if (m.UserCols[q] == m.UserCols[q - 1])
                    throw new AccelException($"user {userIds[u]} rated item {itemIds[m.UserCols[q]]} more than once; item similarity needs one rating per (user, item)");

        int k = Math.Min(GetK(), Math.Max(1, itemIds.Length - 1));
        var work = CosineKernels.CoRatedWork(m);
        var decision = MlPaths.Choose(dataset.Session, "item similarity", work);
        var timer = new StageTimer("co-occurrence top-k",
            $"{m.Users:N0} users x {m.Items:N0} items, {m.Count:N0} ratings, k {GetK()}, minCoRaters {GetMinCoRaters()}", decision);
        var table = timer.Time(() => CosineKernels.CoRated(m, k, GetMinCoRaters(), decision.Chosen));
        var model = new ItemSimilarityModel(dataset.Session, itemIds, table, [timer.ToStage()]) { ParentUid = Uid };
        CopyValuesTo(model);
        if (dataset.Session.Conf().LogQueries) dataset.Session.Log.WriteLine(TrainingStage.LogLine($"ItemSimilarity {Uid}", model.TrainingStages));
        return model;
    }
}

/// <summary>Each item's most similar items by co-rater cosine (see <see cref="ItemSimilarity"/>).</summary>
public sealed class ItemSimilarityModel : Model
{
    /// <summary>Column of the similar item's id in <see cref="TopK"/>.</summary>
    public const string SimilarItemCol = "similar_item";
    /// <summary>Column of the cosine in <see cref="TopK"/>.</summary>
    public const string SimilarityCol = "similarity";
    /// <summary>Column of the number of co-raters in <see cref="TopK"/>.</summary>
    public const string CoRatersCol = "co_raters";

    private readonly Param<string> _userCol, _itemCol, _ratingCol;
    private readonly Param<int> _k, _minCoRaters;
    private readonly AccelSession? _session;
    private int[] _itemIds = [];
    private NeighborTable? _table;
    private readonly IReadOnlyList<TrainingStage> _stages = [];
    private Dictionary<int, int>? _index;

    internal ItemSimilarityModel(AccelSession session, int[] itemIds, NeighborTable table, IReadOnlyList<TrainingStage> stages) : this()
    {
        (_session, _itemIds, _table, _stages) = (session, itemIds, table, stages);
    }

    private ItemSimilarityModel() : base("itemSimilarity")
    {
        // The estimator's parameters, so CopyValuesTo carries them (they describe how the table was made).
        _userCol = Define("userCol", "column of user ids", "user", Valid.Name);
        _itemCol = Define("itemCol", "column of item ids (also the key column of TopK and Transform)", "item", Valid.Name);
        _ratingCol = Define("ratingCol", "column of ratings", "rating", Valid.Name);
        _k = Define("k", "similar items kept per item", 10, Valid.Positive);
        _minCoRaters = Define("minCoRaters", "fewest co-raters a pair needed", 1, Valid.Positive);
    }

    /// <summary>The item id column.</summary>
    public string GetItemCol() => Get(_itemCol);
    /// <summary>The number of similar items kept per item.</summary>
    public int GetK() => Get(_k);
    /// <summary>The fewest co-raters a pair needed.</summary>
    public int GetMinCoRaters() => Get(_minCoRaters);

    /// <inheritdoc />
    public override IReadOnlyList<TrainingStage> TrainingStages => _stages;

    /// <summary>One line per stage: path, why not the others, time.</summary>
    public string Summary => string.Join("\n", _stages.Select(s => s.ToString()));

    private NeighborTable Table => _table ?? throw new AccelException("this ItemSimilarityModel holds no similarity table (it was not produced by Fit)");
    private AccelSession Session => _session ?? AccelSession.Builder().GetOrCreate();
    private Dictionary<int, int> Index => _index ??= _itemIds.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);

    /// <summary>Every item's similar items: itemCol int, similar_item int, similarity double, co_raters int;
    /// ordered by item id, then by similarity descending (ties by the lower similar item id).</summary>
    public DataFrame TopK => Rows(Enumerable.Range(0, _itemIds.Length));

    /// <summary>The similar items of one item (same columns as <see cref="TopK"/>); empty for an item not in the ratings.</summary>
    public DataFrame SimilarItems(int itemId) => Rows(Index.TryGetValue(itemId, out int r) ? [r] : []);

    /// <summary>The <see cref="TopK"/> rows of the distinct items in <paramref name="dataset"/>'s itemCol (unknown and NULL ids skipped).</summary>
    public override DataFrame Transform(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset.Select(GetItemCol())).Compact();
        var isNull = new bool[batch.PhysicalRows];
        var ids = AlsIds.ReadIds(batch, GetItemCol(), "item", isNull);
        var rows = new SortedSet<int>();
        for (int i = 0; i < ids.Length; i++)
            if (!isNull[i] && Index.TryGetValue(ids[i], out int r)) rows.Add(r);
        return Rows(rows);
    }

    private static readonly Schema SlotSchema = new([
        new Field("neighbor", DataType.Int32, false), new Field("similarity", DataType.Float64, false), new Field("co_raters", DataType.Int32, false)]);

    /// <inheritdoc />
    protected internal override void SaveData(string dir)
    {
        var t = Table;
        Persistence.WriteData(dir, new SimilarityData(t.K, _itemIds));
        // Every item's k slots in item order (-1: unused), so the table is restored exactly, empty rows included.
        var batch = new ColumnBatch(SlotSchema, [new PrimitiveVector<int>(DataType.Int32, t.Ids), new PrimitiveVector<double>(DataType.Float64, t.Scores),
            new PrimitiveVector<int>(DataType.Int32, t.CoRaters)]);
        TableWriter.Write("arrow", Path.Combine(dir, "neighbors.arrow"), SlotSchema, [batch], SaveMode.Overwrite, new Dictionary<string, string>());
    }

    /// <inheritdoc />
    protected internal override void LoadData(string dir)
    {
        var data = Persistence.ReadData<SimilarityData>(dir);
        var file = Path.Combine(dir, "neighbors.arrow");
        if (!File.Exists(file)) throw new AccelException($"cannot load ItemSimilarityModel: {file} not found");
        var ids = new List<int>();
        var scores = new List<double>();
        var co = new List<int>();
        foreach (var b in ArrowIpc.Read(file, SlotSchema, null))
        {
            var c = b.Compact();
            ids.AddRange(((PrimitiveVector<int>)c.Columns[0]).Values.AsSpan(0, c.PhysicalRows));
            scores.AddRange(((PrimitiveVector<double>)c.Columns[1]).Values.AsSpan(0, c.PhysicalRows));
            co.AddRange(((PrimitiveVector<int>)c.Columns[2]).Values.AsSpan(0, c.PhysicalRows));
        }
        if (ids.Count != (long)data.K * data.ItemIds.Length)
            throw new AccelException($"{file}: {ids.Count} neighbour slots, expected {data.ItemIds.Length} items x k {data.K}");
        _itemIds = data.ItemIds;
        _table = new NeighborTable(_itemIds.Length, data.K, ids.ToArray(), scores.ToArray(), co.ToArray());
        _index = null;
    }

    /// <summary>Loads a model saved with Write().Save(path).</summary>
    public static ItemSimilarityModel Load(string path) => Persistence.Load<ItemSimilarityModel>(path);

    private sealed record SimilarityData(int K, int[] ItemIds);

    private DataFrame Rows(IEnumerable<int> rows)
    {
        var t = Table;
        var item = new List<int>();
        var other = new List<int>();
        var sim = new List<double>();
        var co = new List<int>();
        foreach (int r in rows)
            for (int e = 0, n = t.Count(r); e < n; e++)
            {
                long at = (long)r * t.K + e;
                item.Add(_itemIds[r]);
                other.Add(_itemIds[t.Ids[at]]);
                sim.Add(t.Scores[at]);
                co.Add(t.CoRaters[at]);
            }
        var schema = new Schema([
            new Field(GetItemCol(), DataType.Int32, false), new Field(SimilarItemCol, DataType.Int32, false),
            new Field(SimilarityCol, DataType.Float64, false), new Field(CoRatersCol, DataType.Int32, false)]);
        var batch = new ColumnBatch(schema, [
            new PrimitiveVector<int>(DataType.Int32, item.ToArray()), new PrimitiveVector<int>(DataType.Int32, other.ToArray()),
            new PrimitiveVector<double>(DataType.Float64, sim.ToArray()), new PrimitiveVector<int>(DataType.Int32, co.ToArray())]);
        return Session.CreateDataFrame(schema, [batch]);
    }
}

/// <summary>The neighbours of every row and the stage that computed them.</summary>
/// <param name="Neighbors">id (the id column's values, or the row number), neighbor, similarity.</param>
/// <param name="Stages">Which path ran and why the others did not.</param>
public sealed record NeighborsResult(DataFrame Neighbors, IReadOnlyList<TrainingStage> Stages);

/// <summary>Top-k nearest rows by cosine over a dense feature column.</summary>
public static class CosineNeighbors
{
    /// <summary>For every row of <paramref name="df"/>, the <paramref name="k"/> other rows whose
    /// <paramref name="featuresCol"/> vectors (array&lt;double&gt; or numeric) have the highest cosine, best first, ties
    /// by the lower row. Rows are named by <paramref name="idCol"/> (integral) or, without one, by row number.
    /// An all-zero vector has no cosine: it gets no neighbours and is nobody's.</summary>
    public static NeighborsResult NearestNeighbors(DataFrame df, string featuresCol, int k, string? idCol = null)
    {
        if (k < 1) throw new AccelException($"the number of neighbours must be at least 1, got {k}");
        var batch = MlData.Materialize(df).Compact();
        int fc = MlData.RequireColumn(batch.Schema, featuresCol, "features", MlData.IsFeatureType, "array<double> or numeric");
        var (x, d) = MlData.ReadVectors(batch.Columns[fc], featuresCol, -1, allowNull: false);
        int n = batch.PhysicalRows;
        for (long i = 0; i < x.Length; i++)
            if (!double.IsFinite(x[i])) throw new AccelException($"features column '{featuresCol}' row {i / Math.Max(1, d)} holds {x[i]}; features must be finite");
        var ids = idCol is null ? Enumerable.Range(0, n).ToArray() : AlsIds.ReadIds(batch, idCol, "id", null);
        string keyName = idCol ?? "id";

        var decision = MlPaths.Choose(df.Session, "cosine neighbours", CosineKernels.DenseWork(n, d));
        var timer = new StageTimer("cosine top-k", $"{n:N0} rows x {d} features, k {k}", decision);
        var t = timer.Time(() => CosineKernels.Dense(x, n, d, Math.Min(k, Math.Max(1, n - 1)), decision.Chosen));
        var a = new List<int>();
        var b = new List<int>();
        var s = new List<double>();
        for (int r = 0; r < n; r++)
            for (int e = 0, c = t.Count(r); e < c; e++)
            {
                a.Add(ids[r]);
                b.Add(ids[t.Ids[(long)r * t.K + e]]);
                s.Add(t.Scores[(long)r * t.K + e]);
            }
        var schema = new Schema([new Field(keyName, DataType.Int32, false), new Field("neighbor", DataType.Int32, false), new Field("similarity", DataType.Float64, false)]);
        var outBatch = new ColumnBatch(schema, [
            new PrimitiveVector<int>(DataType.Int32, a.ToArray()), new PrimitiveVector<int>(DataType.Int32, b.ToArray()),
            new PrimitiveVector<double>(DataType.Float64, s.ToArray())]);
        var stages = new[] { timer.ToStage() };
        if (df.Session.Conf().LogQueries) df.Session.Log.WriteLine(TrainingStage.LogLine("CosineNeighbors", stages));
        return new NeighborsResult(df.Session.CreateDataFrame(schema, [outBatch]), stages);
    }
}
