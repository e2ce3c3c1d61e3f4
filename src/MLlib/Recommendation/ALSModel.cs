using System.Numerics;
using System.Runtime.Intrinsics;
using Accel.Data;
using Accel.IO;
using Accel.Sql;
using Accel.Vectorized;

namespace Accel.ML.Recommendation;

/// <summary>A fitted ALS factorization (Spark's ALSModel): predictions are dot products of user and item
/// factors; users or items unseen in training predict NaN or are dropped (coldStartStrategy).
/// Recommendation tables have no struct type in this engine, so each row carries two parallel arrays:
/// <c>recommendations</c> (array&lt;int&gt; of ids, best first) and <c>ratings</c> (array&lt;float&gt;, their
/// predicted ratings) where Spark has one array&lt;struct&lt;id, rating&gt;&gt;.</summary>
public sealed class ALSModel : Model
{
    /// <summary>Name of the id array column of recommendation tables.</summary>
    public const string RecommendationsCol = "recommendations";
    /// <summary>Name of the predicted-rating array column of recommendation tables.</summary>
    public const string RatingsCol = "ratings";

    private readonly Param<string> _userCol, _itemCol, _predictionCol, _coldStart;
    private AccelSession? _session;
    private int _rank;
    private int[] _userIds = [], _itemIds = [];
    private float[] _userFactors = [], _itemFactors = [];
    private IReadOnlyList<TrainingStage> _stages = [];
    private Dictionary<int, int>? _userIndex, _itemIndex;

    internal ALSModel(AccelSession session, int rank, int[] userIds, float[] userFactors, int[] itemIds, float[] itemFactors, IReadOnlyList<TrainingStage> stages) : this()
    {
        _session = session;
        _rank = rank;
        (_userIds, _userFactors, _itemIds, _itemFactors, _stages) = (userIds, userFactors, itemIds, itemFactors, stages);
    }

    private ALSModel() : base("als") =>
        (_userCol, _itemCol, _predictionCol, _coldStart) = DefineShared((n, d, v, ok) => Define(n, d, v, ok));

    /// <summary>Declares the parameters ALS and ALSModel share, through the caller's Define.</summary>
    internal static (Param<string>, Param<string>, Param<string>, Param<string>) DefineShared(Func<string, string, string, Func<string, bool>?, Param<string>> define) => (
        define("userCol", "column of user ids (integral values in the int range)", "user", s => !string.IsNullOrWhiteSpace(s)),
        define("itemCol", "column of item ids (integral values in the int range)", "item", s => !string.IsNullOrWhiteSpace(s)),
        define("predictionCol", "prediction column name", "prediction", s => !string.IsNullOrWhiteSpace(s)),
        define("coldStartStrategy", "what Transform does with a user or item unseen in training: 'nan' predicts NaN, 'drop' removes the row",
            "nan", s => s is "nan" or "drop"));

    /// <summary>Sets the user id column.</summary>
    public ALSModel SetUserCol(string value) { SetValue(_userCol, value); return this; }
    /// <summary>Sets the item id column.</summary>
    public ALSModel SetItemCol(string value) { SetValue(_itemCol, value); return this; }
    /// <summary>Sets the prediction column.</summary>
    public ALSModel SetPredictionCol(string value) { SetValue(_predictionCol, value); return this; }
    /// <summary>Sets the cold start strategy: "nan" or "drop".</summary>
    public ALSModel SetColdStartStrategy(string value) { SetValue(_coldStart, value.ToLowerInvariant()); return this; }
    /// <summary>The user id column.</summary>
    public string GetUserCol() => Get(_userCol);
    /// <summary>The item id column.</summary>
    public string GetItemCol() => Get(_itemCol);
    /// <summary>The prediction column.</summary>
    public string GetPredictionCol() => Get(_predictionCol);
    /// <summary>The cold start strategy.</summary>
    public string GetColdStartStrategy() => Get(_coldStart);

    /// <summary>The rank of the factorization.</summary>
    public int Rank => _rank;

    /// <inheritdoc />
    public override IReadOnlyList<TrainingStage> TrainingStages => _stages;

    /// <summary>One line per training stage: the path it ran on, why the others did not, calls and time
    /// (empty for a loaded model: paths are a property of the training run, not of the factors).</summary>
    public string Summary => string.Join("\n", _stages.Select(s => s.ToString()));

    private AccelSession Session => _session ??= AccelSession.Builder().GetOrCreate();

    /// <summary>The user factors: id int, features array&lt;float&gt; (Spark's userFactors).</summary>
    public DataFrame UserFactors => FactorFrame(_userIds, _userFactors);

    /// <summary>The item factors: id int, features array&lt;float&gt; (Spark's itemFactors).</summary>
    public DataFrame ItemFactors => FactorFrame(_itemIds, _itemFactors);

    private static readonly Schema FactorSchema = new([new Field("id", DataType.Int32, false), new Field("features", DataType.ArrayOf(DataType.Float32), false)]);

    private DataFrame FactorFrame(int[] ids, float[] factors) => Session.CreateDataFrame(FactorSchema, [FactorBatch(ids, factors, _rank)]);

    private static ColumnBatch FactorBatch(int[] ids, float[] factors, int rank)
    {
        var offsets = new int[ids.Length + 1];
        for (int i = 0; i <= ids.Length; i++) offsets[i] = i * rank;
        var list = new ListVector(DataType.ArrayOf(DataType.Float32), offsets, new PrimitiveVector<float>(DataType.Float32, factors, null, ids.Length * rank));
        return new ColumnBatch(FactorSchema, [new PrimitiveVector<int>(DataType.Int32, ids), list]);
    }

    private Dictionary<int, int> UserIndex => _userIndex ??= IndexOf(_userIds);
    private Dictionary<int, int> ItemIndex => _itemIndex ??= IndexOf(_itemIds);

    private static Dictionary<int, int> IndexOf(int[] ids)
    {
        var d = new Dictionary<int, int>(ids.Length);
        for (int i = 0; i < ids.Length; i++) d[ids[i]] = i;
        return d;
    }

    /// <summary>Adds the prediction column (float): the dot product of the row's user and item factors, NaN
    /// when either id is NULL or unseen in training; with coldStartStrategy "drop" those rows are removed.</summary>
    public override DataFrame Transform(DataFrame dataset)
    {
        var batch = MlData.Materialize(dataset).Compact();
        int n = batch.PhysicalRows;
        var uNull = new bool[n];
        var iNull = new bool[n];
        var users = AlsIds.ReadIds(batch, GetUserCol(), "user", uNull);
        var items = AlsIds.ReadIds(batch, GetItemCol(), "item", iNull);
        var pred = new float[n];
        var uIndex = UserIndex;
        var iIndex = ItemIndex;
        int k = _rank;
        for (int r = 0; r < n; r++)
        {
            if (uNull[r] || iNull[r] || !uIndex.TryGetValue(users[r], out int u) || !iIndex.TryGetValue(items[r], out int i))
            {
                pred[r] = float.NaN;
                continue;
            }
            double s = 0;
            for (int f = 0; f < k; f++) s += (double)_userFactors[u * k + f] * _itemFactors[i * k + f];
            pred[r] = (float)s;
        }
        var result = MlData.WithColumn(dataset.Session, batch, GetPredictionCol(), new PrimitiveVector<float>(DataType.Float32, pred));
        if (GetColdStartStrategy() != "drop") return result;
        var keep = Enumerable.Range(0, n).Where(r => !float.IsNaN(pred[r])).ToArray();
        var full = result.ToBatch().Compact();
        var kept = new ColumnBatch(full.Schema, full.Columns.Select(c => c.Gather(keep)).ToArray(), keep.Length);
        return dataset.Session.CreateDataFrame(full.Schema, [kept]);
    }

    /// <summary>The top <paramref name="numItems"/> items for every user: userCol, recommendations, ratings.</summary>
    public DataFrame RecommendForAllUsers(int numItems) =>
        Recommend(Enumerable.Range(0, _userIds.Length).ToArray(), _userIds, _userFactors, _itemIds, _itemFactors, numItems, GetUserCol());

    /// <summary>The top <paramref name="numUsers"/> users for every item: itemCol, recommendations, ratings.</summary>
    public DataFrame RecommendForAllItems(int numUsers) =>
        Recommend(Enumerable.Range(0, _itemIds.Length).ToArray(), _itemIds, _itemFactors, _userIds, _userFactors, numUsers, GetItemCol());

    /// <summary>The top <paramref name="numItems"/> items for the distinct users in <paramref name="dataset"/>'s
    /// userCol that the model knows (unknown and NULL ids are skipped, as in Spark).</summary>
    public DataFrame RecommendForUserSubset(DataFrame dataset, int numItems) =>
        Recommend(Subset(dataset, GetUserCol(), "user", UserIndex), _userIds, _userFactors, _itemIds, _itemFactors, numItems, GetUserCol());

    /// <summary>The top <paramref name="numUsers"/> users for the distinct items in <paramref name="dataset"/>'s itemCol.</summary>
    public DataFrame RecommendForItemSubset(DataFrame dataset, int numUsers) =>
        Recommend(Subset(dataset, GetItemCol(), "item", ItemIndex), _itemIds, _itemFactors, _userIds, _userFactors, numUsers, GetItemCol());

    private static int[] Subset(DataFrame dataset, string col, string role, Dictionary<int, int> index)
    {
        var batch = MlData.Materialize(dataset.Select(col)).Compact();
        var isNull = new bool[batch.PhysicalRows];
        var ids = AlsIds.ReadIds(batch, col, role, isNull);
        var rows = new SortedSet<int>();
        for (int i = 0; i < ids.Length; i++)
            if (!isNull[i] && index.TryGetValue(ids[i], out int r)) rows.Add(r);
        return rows.ToArray();
    }

    private DataFrame Recommend(int[] srcRows, int[] srcIds, float[] srcF, int[] dstIds, float[] dstF, int num, string srcCol)
    {
        if (num < 1) throw new AccelException($"the number of recommendations must be at least 1, got {num}");
        var (ids, scores) = TopK.ByDotProduct(srcRows, srcF, dstF, _rank, Math.Min(num, dstIds.Length));
        int m = srcRows.Length;
        var offsets = new int[m + 1];
        for (int i = 0; i < m; i++) offsets[i + 1] = offsets[i] + ids[i].Length;
        var flatIds = new int[offsets[m]];
        var flatScores = new float[offsets[m]];
        for (int i = 0; i < m; i++)
            for (int j = 0; j < ids[i].Length; j++)
            {
                flatIds[offsets[i] + j] = dstIds[ids[i][j]];
                flatScores[offsets[i] + j] = scores[i][j];
            }
        var schema = new Schema([
            new Field(srcCol, DataType.Int32, false),
            new Field(RecommendationsCol, DataType.ArrayOf(DataType.Int32), false),
            new Field(RatingsCol, DataType.ArrayOf(DataType.Float32), false),
        ]);
        var batch = new ColumnBatch(schema, [
            new PrimitiveVector<int>(DataType.Int32, srcRows.Select(r => srcIds[r]).ToArray()),
            new ListVector(DataType.ArrayOf(DataType.Int32), offsets, new PrimitiveVector<int>(DataType.Int32, flatIds)),
            new ListVector(DataType.ArrayOf(DataType.Float32), (int[])offsets.Clone(), new PrimitiveVector<float>(DataType.Float32, flatScores)),
        ]);
        return Session.CreateDataFrame(schema, [batch]);
    }

    /// <inheritdoc />
    protected internal override void SaveData(string dir)
    {
        Persistence.WriteData(dir, new AlsModelData(_rank, _userIds.Length, _itemIds.Length));
        var none = new Dictionary<string, string>();
        TableWriter.Write("arrow", Path.Combine(dir, "userFactors.arrow"), FactorSchema, [FactorBatch(_userIds, _userFactors, _rank)], SaveMode.Overwrite, none);
        TableWriter.Write("arrow", Path.Combine(dir, "itemFactors.arrow"), FactorSchema, [FactorBatch(_itemIds, _itemFactors, _rank)], SaveMode.Overwrite, none);
    }

    /// <inheritdoc />
    protected internal override void LoadData(string dir)
    {
        var data = Persistence.ReadData<AlsModelData>(dir);
        _rank = data.Rank;
        (_userIds, _userFactors) = ReadFactors(Path.Combine(dir, "userFactors.arrow"), data.Rank, data.Users);
        (_itemIds, _itemFactors) = ReadFactors(Path.Combine(dir, "itemFactors.arrow"), data.Rank, data.Items);
    }

    private static (int[] Ids, float[] Factors) ReadFactors(string file, int rank, int expected)
    {
        if (!File.Exists(file)) throw new AccelException($"cannot load ALS model: {file} not found");
        var batches = ArrowIpc.Read(file, FactorSchema, null).ToList();
        var ids = new List<int>();
        var factors = new List<float>();
        foreach (var b in batches)
        {
            var c = b.Compact();
            var idCol = (PrimitiveVector<int>)c.Columns[0];
            var list = (ListVector)c.Columns[1];
            var values = (PrimitiveVector<float>)list.Values;
            for (int i = 0; i < c.PhysicalRows; i++)
            {
                if (list.ElementCount(i) != rank) throw new AccelException($"{file}: row {ids.Count} has {list.ElementCount(i)} factors, expected rank {rank}");
                ids.Add(idCol.Values[i]);
                factors.AddRange(values.Values.AsSpan(list.Offsets[i], rank));
            }
        }
        if (ids.Count != expected) throw new AccelException($"{file}: {ids.Count} rows, expected {expected}");
        return (ids.ToArray(), factors.ToArray());
    }

    /// <summary>Loads a model saved with Write().Save(path).</summary>
    public static ALSModel Load(string path) => Persistence.Load<ALSModel>(path);

    private sealed record AlsModelData(int Rank, int Users, int Items);
}

/// <summary>Top-k by dot product: for each source row, the k destination rows with the highest score (ties by
/// lower index). Scores are computed with the destination factors transposed so the inner loop runs over
/// destinations in whole vectors (Vector512/256 multiply-adds), and a vector comparison against the current
/// k-th best skips blocks with no candidate; source rows are processed in parallel.</summary>
internal static class TopK
{
    public static (int[][] Ids, float[][] Scores) ByDotProduct(int[] srcRows, float[] srcF, float[] dstF, int rank, int k)
    {
        int m = dstF.Length / Math.Max(1, rank);
        var t = new float[(long)rank * m];
        for (int j = 0; j < m; j++)
            for (int f = 0; f < rank; f++) t[(long)f * m + j] = dstF[(long)j * rank + f];
        var ids = new int[srcRows.Length][];
        var scores = new float[srcRows.Length][];
        var options = new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads };
        Parallel.For(0, srcRows.Length, options, () => new float[m], (i, _, buf) =>
        {
            int r = srcRows[i];
            Score(srcF.AsSpan(r * rank, rank), t, m, buf);
            (ids[i], scores[i]) = Select<float>(buf, k);
            return buf;
        }, _ => { });
        return (ids, scores);
    }

    private static void Score(ReadOnlySpan<float> u, float[] t, int m, float[] buf)
    {
        Array.Clear(buf);
        for (int f = 0; f < u.Length; f++)
        {
            float s = u[f];
            var row = t.AsSpan(f * m, m);
            int j = 0;
            if (SimdCapabilities.Use512)
            {
                var sv = Vector512.Create(s);
                for (; j <= m - 16; j += 16)
                    (Vector512.Create(buf.AsSpan(j, 16)) + sv * Vector512.Create(row.Slice(j, 16))).CopyTo(buf.AsSpan(j, 16));
            }
            else if (SimdCapabilities.Use256)
            {
                var sv = Vector256.Create(s);
                for (; j <= m - 8; j += 8)
                    (Vector256.Create(buf.AsSpan(j, 8)) + sv * Vector256.Create(row.Slice(j, 8))).CopyTo(buf.AsSpan(j, 8));
            }
            for (; j < m; j++) buf[j] += s * row[j];
        }
    }

    /// <summary>The k best of <paramref name="scores"/>, best first, ties broken by the lower index (NaN is never
    /// selected). Once k candidates are held, blocks of 8 (or 4) scores with none reaching the weakest kept one are
    /// skipped with one vector comparison.</summary>
    internal static (int[] Ids, T[] Scores) Select<T>(ReadOnlySpan<T> scores, int k) where T : unmanaged, IFloatingPointIeee754<T>
    {
        if (k <= 0) return ([], []);
        // A min-heap on (score, -index): its root is the weakest kept candidate.
        var heapS = new T[k];
        var heapI = new int[k];
        int size = 0;
        int n = scores.Length, j = 0, lanes = Vector256<T>.Count;
        var threshold = T.NegativeInfinity;
        while (j < n)
        {
            if (size == k && SimdCapabilities.Use256 && j <= n - lanes
                && !Vector256.GreaterThanOrEqualAny(Vector256.Create(scores.Slice(j, lanes)), Vector256.Create(threshold)))
            {
                j += lanes;
                continue;
            }
            var s = scores[j];
            if (!T.IsNaN(s))
            {
                if (size < k)
                {
                    heapS[size] = s;
                    heapI[size] = j;
                    SiftUp(heapS, heapI, size++);
                    if (size == k) threshold = heapS[0];
                }
                else if (Better(s, j, heapS[0], heapI[0]))
                {
                    heapS[0] = s;
                    heapI[0] = j;
                    SiftDown(heapS, heapI, size);
                    threshold = heapS[0];
                }
            }
            j++;
        }
        var order = Enumerable.Range(0, size).Order(Comparer<int>.Create((x, y) => Better(heapS[x], heapI[x], heapS[y], heapI[y]) ? -1 : x == y ? 0 : 1)).ToArray();
        return (order.Select(x => heapI[x]).ToArray(), order.Select(x => heapS[x]).ToArray());
    }

    private static bool Better<T>(T s, int i, T t, int ti) where T : IFloatingPointIeee754<T> => s > t || (s == t && i < ti);

    private static void SiftUp<T>(T[] s, int[] id, int i) where T : IFloatingPointIeee754<T>
    {
        while (i > 0)
        {
            int p = (i - 1) / 2;
            if (!Better(s[p], id[p], s[i], id[i])) break;
            (s[p], s[i]) = (s[i], s[p]);
            (id[p], id[i]) = (id[i], id[p]);
            i = p;
        }
    }

    private static void SiftDown<T>(T[] s, int[] id, int n) where T : IFloatingPointIeee754<T>
    {
        int i = 0;
        while (true)
        {
            int l = 2 * i + 1, r = l + 1, w = i;
            if (l < n && Better(s[w], id[w], s[l], id[l])) w = l;
            if (r < n && Better(s[w], id[w], s[r], id[r])) w = r;
            if (w == i) break;
            (s[w], s[i]) = (s[i], s[w]);
            (id[w], id[i]) = (id[i], id[w]);
            i = w;
        }
    }
}
