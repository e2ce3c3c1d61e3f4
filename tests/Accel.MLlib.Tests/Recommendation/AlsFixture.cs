using Accel.ML.Recommendation;

namespace Accel.Tests.Recommendation;

/// <summary>Generated ratings split 80/20 and mapped to dense indices, shared by the ALS core tests.</summary>
public sealed class AlsFixture
{
    public AlsFixture()
    {
        Data = RatingsGenerator.Generate(new RatingsGeneratorOptions(2000, 500, 50_000, Seed: 7));
        var users = Data.UserIds.Distinct().Order().ToArray();
        var items = Data.ItemIds.Distinct().Order().ToArray();
        var uIndex = users.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var iIndex = items.Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var tr = (u: new List<int>(), i: new List<int>(), r: new List<double>());
        var te = (u: new List<int>(), i: new List<int>(), r: new List<double>());
        for (int n = 0; n < Data.Count; n++)
        {
            // A fixed hash of the row number: a 20% test split independent of the data order.
            bool test = (uint)(n * 2654435761u) % 5 == 0;
            var t = test ? te : tr;
            t.u.Add(uIndex[Data.UserIds[n]]);
            t.i.Add(iIndex[Data.ItemIds[n]]);
            t.r.Add(Data.Ratings[n]);
        }
        Train = new RatingMatrix(users.Length, items.Length, tr.u.ToArray(), tr.i.ToArray(), tr.r.ToArray());
        // Test rows whose user or item has no training rating are cold-start rows: the model has no factors for them.
        var hasU = new bool[users.Length];
        var hasI = new bool[items.Length];
        foreach (var u in tr.u) hasU[u] = true;
        foreach (var i in tr.i) hasI[i] = true;
        var keep = Enumerable.Range(0, te.u.Count).Where(n => hasU[te.u[n]] && hasI[te.i[n]]).ToArray();
        TestUsers = keep.Select(n => te.u[n]).ToArray();
        TestItems = keep.Select(n => te.i[n]).ToArray();
        TestRatings = keep.Select(n => te.r[n]).ToArray();
        TrainMean = tr.r.Average();
    }

    public RatingsData Data { get; }
    public RatingMatrix Train { get; }
    public int[] TestUsers { get; }
    public int[] TestItems { get; }
    public double[] TestRatings { get; }
    public double TrainMean { get; }

    /// <summary>RMSE of always predicting the training mean.</summary>
    public double BaselineRmse => Math.Sqrt(TestRatings.Average(r => (r - TrainMean) * (r - TrainMean)));

    /// <summary>Test RMSE of factors of rank k.</summary>
    public double Rmse(AlsTrainingResult r, int k)
    {
        double se = 0;
        for (int n = 0; n < TestUsers.Length; n++)
        {
            double p = 0;
            for (int f = 0; f < k; f++) p += r.UserFactors[TestUsers[n] * k + f] * r.ItemFactors[TestItems[n] * k + f];
            se += (p - TestRatings[n]) * (p - TestRatings[n]);
        }
        return Math.Sqrt(se / TestUsers.Length);
    }
}
