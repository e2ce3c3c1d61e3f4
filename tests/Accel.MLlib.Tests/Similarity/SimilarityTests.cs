using Accel.Data;
using Accel.Execution;
using Accel.ML.Recommendation;
using Accel.ML.Similarity;
using Accel.Sql;

namespace Accel.Tests.Similarity;

/// <summary>Item–item cosine and dense cosine neighbours against brute force on every path (GPU on ILGPU's CPU accelerator).</summary>
[Collection("gpu")]
public sealed class SimilarityTests
{
    private static readonly Schema RatingSchema = new([new Field("u", DataType.Int32, false), new Field("i", DataType.Int64, false), new Field("r", DataType.Float64, false)]);

    private static DataFrame Ratings(AccelSession s, IEnumerable<(int U, long I, double R)> rows) =>
        s.CreateDataFrame(rows.Select(x => new object?[] { x.U, x.I, x.R }), RatingSchema);

    private static (int U, long I, double R)[] Generated(int seed)
    {
        var d = RatingsGenerator.Generate(new RatingsGeneratorOptions(60, 30, 700, seed));
        // The generator may repeat a (user, item): keep the first, as a rating table would.
        return d.UserIds.Select((u, n) => (u, (long)d.ItemIds[n], d.Ratings[n])).DistinctBy(x => (x.u, x.Item2)).ToArray();
    }

    private static ItemSimilarity Estimator(int k, int minCo) => new ItemSimilarity().SetUserCol("u").SetItemCol("i").SetRatingCol("r").SetK(k).SetMinCoRaters(minCo);

    /// <summary>The definition, pair by pair: cosine over the users who rated both, norms over those users.</summary>
    private static List<(int Item, int Other, double Sim, int Co)> BruteForce((int U, long I, double R)[] data, int k, int minCo)
    {
        var byItem = data.GroupBy(x => (int)x.I).ToDictionary(g => g.Key, g => g.ToDictionary(x => x.U, x => x.R));
        var result = new List<(int, int, double, int)>();
        foreach (var i in byItem.Keys.Order())
        {
            var cands = new List<(int Other, double Sim, int Co)>();
            foreach (var j in byItem.Keys.Order())
            {
                if (i == j) continue;
                var co = byItem[i].Keys.Intersect(byItem[j].Keys).Order().ToArray();
                if (co.Length < minCo || co.Length == 0) continue;
                double dot = 0, a = 0, b = 0;
                foreach (var u in co)
                {
                    dot += byItem[i][u] * byItem[j][u];
                    a += byItem[i][u] * byItem[i][u];
                    b += byItem[j][u] * byItem[j][u];
                }
                double s = dot / Math.Sqrt(a * b);
                if (!double.IsNaN(s)) cands.Add((j, s, co.Length));
            }
            result.AddRange(cands.OrderByDescending(c => c.Sim).ThenBy(c => c.Other).Take(k).Select(c => (i, c.Other, c.Sim, c.Co)));
        }
        return result;
    }

    private static List<(int, int, double, int)> Collect(DataFrame df) =>
        df.Collect().Select(r => (r.GetAs<int>(0), r.GetAs<int>(1), r.GetAs<double>(2), r.GetAs<int>(3))).ToList();

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void ItemCosineEqualsBruteForce(string path)
    {
        var data = Generated(5);
        var s = MlTestSession.Create(path);
        foreach (var (k, minCo) in new[] { (5, 1), (3, 4), (50, 2) })
        {
            var model = Estimator(k, minCo).Fit(Ratings(s, data));
            Assert.Equal(PathOf(path), model.TrainingStages[0].Path);
            var expected = BruteForce(data, k, minCo);
            var actual = Collect(model.TopK);
            Assert.Equal(expected.Count, actual.Count);
            for (int n = 0; n < expected.Count; n++)
            {
                Assert.Equal(expected[n].Item1, actual[n].Item1);
                Assert.Equal(expected[n].Item2, actual[n].Item2);
                Assert.Equal(expected[n].Item3, actual[n].Item3, 1e-12);
                Assert.Equal(expected[n].Item4, actual[n].Item4);
                Assert.True(actual[n].Item4 >= minCo);
            }
        }
    }

    private static ExecPath PathOf(string p) => p switch { "gpu" => ExecPath.Gpu, "simd" => ExecPath.Simd, _ => ExecPath.Scalar };

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void TiesGoToTheLowerItemIdAndMinCoRatersIsRespected(string path)
    {
        // Item 1 is rated by users 1..3; items 9, 4, 7 each share exactly user 1 (cosine 1 with one co-rater),
        // item 2 shares users 1 and 2 with proportional ratings (cosine 1 with two co-raters).
        var rows = new List<(int, long, double)> { (1, 1, 2), (2, 1, 4), (3, 1, 1), (1, 9, 3), (1, 4, 5), (1, 7, 1), (1, 2, 1), (2, 2, 2) };
        var s = MlTestSession.Create(path);
        var all = Collect(Estimator(10, 1).Fit(Ratings(s, rows)).SimilarItems(1));
        Assert.Equal([2, 4, 7, 9], all.Select(r => r.Item2));
        Assert.All(all, r => Assert.Equal(1.0, r.Item3, 1e-15));
        var two = Collect(Estimator(2, 1).Fit(Ratings(s, rows)).SimilarItems(1));
        Assert.Equal([2, 4], two.Select(r => r.Item2));
        var strict = Collect(Estimator(10, 2).Fit(Ratings(s, rows)).SimilarItems(1));
        Assert.Equal([(1, 2, 1.0, 2)], strict.Select(r => (r.Item1, r.Item2, Math.Round(r.Item3, 12), r.Item4)));
        Assert.Empty(Collect(Estimator(10, 3).Fit(Ratings(s, rows)).SimilarItems(1)));
    }

    [Fact]
    public void SimilarItemsAndTransformAreSlicesOfTopK()
    {
        var data = Generated(9);
        var s = MlTestSession.Create("simd");
        var model = Estimator(4, 2).Fit(Ratings(s, data));
        var top = Collect(model.TopK);
        int item = top[0].Item1;
        Assert.Equal(top.Where(r => r.Item1 == item), Collect(model.SimilarItems(item)));
        Assert.Empty(Collect(model.SimilarItems(-12345)));
        var sel = Ratings(s, [(0, item, 1.0), (0, 99999, 1.0)]);
        Assert.Equal(top.Where(r => r.Item1 == item), Collect(model.Transform(sel)));
        Assert.Equal(["i", "similar_item", "similarity", "co_raters"], model.TopK.Schema().Fields.Select(f => f.Name));
        Assert.Contains("path=simd", model.Summary);
    }

    [Fact]
    public void SaveAndLoadKeepTheTable()
    {
        var data = Generated(11);
        var s = MlTestSession.Create("scalar");
        var model = Estimator(3, 2).Fit(Ratings(s, data));
        var path = MlTestSession.TempPath();
        try
        {
            model.Write().Save(path);
            var loaded = ItemSimilarityModel.Load(path);
            Assert.Equal(Collect(model.TopK), Collect(loaded.TopK));
            Assert.Equal(3, loaded.GetK());
            Assert.Equal(2, loaded.GetMinCoRaters());
            Assert.Empty(loaded.TrainingStages);
        }
        finally { if (Directory.Exists(path)) Directory.Delete(path, true); }
    }

    [Fact]
    public void BadInputsAreErrors()
    {
        var s = MlTestSession.Create();
        Assert.Contains("more than once", Assert.Throws<AccelException>(() => Estimator(3, 1).Fit(Ratings(s, [(1, 1, 2), (1, 1, 3)]))).Message);
        Assert.Contains("finite", Assert.Throws<AccelException>(() => Estimator(3, 1).Fit(Ratings(s, [(1, 1, double.NaN)]))).Message);
        Assert.Contains("empty", Assert.Throws<AccelException>(() => Estimator(3, 1).Fit(Ratings(s, []))).Message);
        Assert.ThrowsAny<Exception>(() => new ItemSimilarity().SetK(0));
        Assert.ThrowsAny<Exception>(() => new ItemSimilarity().SetMinCoRaters(0));
        Assert.Contains("nope", Assert.ThrowsAny<Exception>(() => Estimator(3, 1).SetRatingCol("nope").Fit(Ratings(s, [(1, 1, 2)]))).Message);
        var frac = s.CreateDataFrame([new object?[] { 1, 1.5, 2.0 }], new Schema([new Field("u", DataType.Int32, false), new Field("i", DataType.Float64, false), new Field("r", DataType.Float64, false)]));
        Assert.Contains("fractional", Assert.Throws<AccelException>(() => Estimator(3, 1).Fit(frac)).Message);
    }

    private static double[][] Vectors(int n, int d, int seed)
    {
        var rng = new Random(seed);
        var x = Enumerable.Range(0, n).Select(_ => Enumerable.Range(0, d).Select(_ => Math.Round(rng.NextDouble() * 4 - 2, 1)).ToArray()).ToArray();
        x[3] = new double[d];                       // a zero vector: no cosine
        x[7] = x[5].Select(v => v * 2).ToArray();   // parallel to row 5: cosine 1
        x[8] = (double[])x[5].Clone();              // and again: ties with row 7 from row 5's side
        return x;
    }

    private static DataFrame Features(AccelSession s, double[][] x) =>
        s.CreateDataFrame(x.Select((r, i) => new object?[] { i * 10, r }),
            new Schema([new Field("key", DataType.Int32, false), new Field("features", DataType.ArrayOf(DataType.Float64), false)]));

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void DenseNeighborsEqualBruteForce(string path)
    {
        var x = Vectors(37, 6, 3);
        var s = MlTestSession.Create(path);
        const int k = 4;
        var result = CosineNeighbors.NearestNeighbors(Features(s, x), "features", k, "key");
        Assert.Equal(PathOf(path), result.Stages[0].Path);
        var actual = result.Neighbors.Collect().Select(r => (r.GetAs<int>(0), r.GetAs<int>(1), r.GetAs<double>(2))).ToList();
        var expected = new List<(int, int, double)>();
        double Norm(double[] v) => Math.Sqrt(v.Sum(a => a * a));
        for (int i = 0; i < x.Length; i++)
        {
            var c = new List<(int J, double S)>();
            for (int j = 0; j < x.Length; j++)
            {
                if (i == j) continue;
                double dot = 0;
                for (int f = 0; f < 6; f++) dot += x[i][f] * x[j][f];
                double sim = dot / (Norm(x[i]) * Norm(x[j]));
                if (!double.IsNaN(sim)) c.Add((j, sim));
            }
            expected.AddRange(c.OrderByDescending(t => t.S).ThenBy(t => t.J).Take(k).Select(t => (i * 10, t.J * 10, t.S)));
        }
        Assert.Equal(expected.Count, actual.Count);
        for (int n = 0; n < expected.Count; n++)
        {
            Assert.Equal(expected[n].Item1, actual[n].Item1);
            Assert.Equal(expected[n].Item2, actual[n].Item2);
            Assert.Equal(expected[n].Item3, actual[n].Item3, 1e-12);
        }
        Assert.DoesNotContain(actual, r => r.Item1 == 30 || r.Item2 == 30);
        Assert.Equal([70, 80], actual.Where(r => r.Item1 == 50).Take(2).Select(r => r.Item2));
    }

    [Fact]
    public void DenseNeighborsNameRowsByNumberWithoutAnIdColumnAndRejectBadInput()
    {
        var s = MlTestSession.Create("scalar");
        var df = Features(s, [[1, 0], [0, 1], [1, 1]]);
        var rows = CosineNeighbors.NearestNeighbors(df, "features", 1).Neighbors.Collect().Select(r => (r.GetAs<int>(0), r.GetAs<int>(1))).ToList();
        Assert.Equal([(0, 2), (1, 2), (2, 0)], rows);
        Assert.Throws<AccelException>(() => CosineNeighbors.NearestNeighbors(df, "features", 0));
        Assert.ThrowsAny<Exception>(() => CosineNeighbors.NearestNeighbors(df, "missing", 1));
        Assert.Contains("finite", Assert.Throws<AccelException>(() => CosineNeighbors.NearestNeighbors(Features(s, [[1, double.NaN], [0, 1]]), "features", 1)).Message);
        Assert.ThrowsAny<Exception>(() => CosineNeighbors.NearestNeighbors(Features(s, [[1, 2], [0, 1, 3]]), "features", 1));
    }
}
