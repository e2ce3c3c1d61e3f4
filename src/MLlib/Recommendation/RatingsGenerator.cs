using System.Diagnostics;
using Accel.Data;
using Accel.IO;

namespace Accel.ML.Recommendation;

/// <summary>Settings of the synthetic MovieLens-like ratings table.</summary>
/// <param name="Users">Number of users (user ids 1..Users).</param>
/// <param name="Items">Number of items (movie ids are increasing with random gaps, like MovieLens').</param>
/// <param name="Ratings">Exact number of (user, item) ratings; no pair repeats.</param>
/// <param name="Seed">Every value is a pure function of the seed.</param>
public sealed record RatingsGeneratorOptions(int Users, int Items, long Ratings, long Seed = RatingsGeneratorOptions.DefaultSeed)
{
    /// <summary>The seed used when none is given.</summary>
    public const long DefaultSeed = 42;
    /// <summary>Rank of the true latent structure.</summary>
    public int TrueRank { get; init; } = 8;
    /// <summary>Zipf exponent of item popularity (weight of the r-th most popular item is 1/(r+offset)^s).</summary>
    public double ZipfExponent { get; init; } = 1.0;
    /// <summary>Zipf–Mandelbrot offset: flattens the head so the top item is not a tenth of all ratings.</summary>
    public double ZipfOffset { get; init; } = 10;
    /// <summary>Sigma of the log-normal user activity (MovieLens' heavy tail is close to 1).</summary>
    public double ActivitySigma { get; init; } = 1.0;
    /// <summary>Global mean of the true score.</summary>
    public double GlobalMean { get; init; } = 3.5;
    /// <summary>Standard deviation of user biases.</summary>
    public double UserBiasStdDev { get; init; } = 0.35;
    /// <summary>Standard deviation of item biases.</summary>
    public double ItemBiasStdDev { get; init; } = 0.45;
    /// <summary>Standard deviation of the latent dot product's contribution.</summary>
    public double InteractionStdDev { get; init; } = 0.6;
    /// <summary>Standard deviation of the Gaussian noise added before rounding.</summary>
    public double NoiseStdDev { get; init; } = 0.6;
    /// <summary>Ratings are rounded to multiples of this step (0.5 like MovieLens 20M, or 1).</summary>
    public double RatingStep { get; init; } = 0.5;
    /// <summary>Whether the table has a timestamp column (seconds since 1970, MovieLens' unit).</summary>
    public bool Timestamps { get; init; } = true;
}

/// <summary>A generated ratings table held column-wise, with the generator's own oracle error.</summary>
public sealed class RatingsData
{
    internal RatingsData(int[] users, int[] items, double[] ratings, long[]? timestamps, double oracleRmse, double meanRating)
    {
        UserIds = users;
        ItemIds = items;
        Ratings = ratings;
        Timestamps = timestamps;
        OracleRmse = oracleRmse;
        MeanRating = meanRating;
    }

    /// <summary>userId per rating (sorted by user, then item).</summary>
    public int[] UserIds { get; }
    /// <summary>movieId per rating.</summary>
    public int[] ItemIds { get; }
    /// <summary>The observed rating (a multiple of the step, in 1..5).</summary>
    public double[] Ratings { get; }
    /// <summary>Seconds since 1970 per rating, or null when not generated.</summary>
    public long[]? Timestamps { get; }
    /// <summary>RMSE of the noiseless true score, rounded and clipped like the ratings, against the observed
    /// rating: what a model that knew the generator exactly would score.</summary>
    public double OracleRmse { get; }
    /// <summary>Mean observed rating.</summary>
    public double MeanRating { get; }
    /// <summary>Number of ratings.</summary>
    public int Count => Ratings.Length;

    /// <summary>The table's schema: userId int, movieId int, rating double[, timestamp bigint].</summary>
    public Schema Schema => RatingsGenerator.SchemaOf(Timestamps is not null);

    /// <summary>The rows as column batches of at most <paramref name="batchRows"/> rows (no copies of the arrays
    /// beyond each batch's slice).</summary>
    public IEnumerable<ColumnBatch> Batches(int batchRows = 1 << 20)
    {
        var schema = Schema;
        for (int start = 0; start < Count; start += batchRows)
        {
            int n = Math.Min(batchRows, Count - start);
            var cols = new List<ColumnVector>
            {
                new PrimitiveVector<int>(DataType.Int32, UserIds.AsSpan(start, n).ToArray()),
                new PrimitiveVector<int>(DataType.Int32, ItemIds.AsSpan(start, n).ToArray()),
                new PrimitiveVector<double>(DataType.Float64, Ratings.AsSpan(start, n).ToArray()),
            };
            if (Timestamps is not null) cols.Add(new PrimitiveVector<long>(DataType.Int64, Timestamps.AsSpan(start, n).ToArray()));
            yield return new ColumnBatch(schema, cols);
        }
        if (Count == 0) yield return ColumnBatch.Empty(schema);
    }

    /// <summary>The table as a DataFrame of <paramref name="session"/> (columns userId, movieId, rating[, timestamp]).</summary>
    public Accel.Sql.DataFrame ToDataFrame(Accel.Sql.AccelSession session) => session.CreateDataFrame(Schema, Batches().ToList());

    /// <summary>Writes the table (parquet, csv or arrow) to <paramref name="path"/>, overwriting it.</summary>
    public void Write(string path, string format)
    {
        var options = new Dictionary<string, string> { ["header"] = "true" };
        TableWriter.Write(format, path, Schema, Batches(), SaveMode.Overwrite, options);
    }
}

/// <summary>Generates a MovieLens-like explicit ratings table: Zipf(-Mandelbrot) item popularity, log-normal
/// user activity, a low-rank latent score plus user and item biases and Gaussian noise, rounded to the
/// rating step and clipped to 1..5, with no repeated (user, item) pair. Deterministic per seed and
/// independent of the thread count (every user draws from its own random stream).</summary>
public static class RatingsGenerator
{
    private const int StreamUserLatent = 1, StreamItemLatent = 2, StreamActivity = 3, StreamPopularity = 4, StreamSample = 5, StreamItemIds = 6;
    private const long FirstTimestamp = 789_652_009;   // 1995-01-09, MovieLens 20M's first rating
    private const long LastTimestamp = 1_427_784_002;  // 2015-03-31, its last

    /// <summary>The schema of a generated table.</summary>
    public static Schema SchemaOf(bool timestamps)
    {
        var fields = new List<Field> { new("userId", DataType.Int32, false), new("movieId", DataType.Int32, false), new("rating", DataType.Float64, false) };
        if (timestamps) fields.Add(new Field("timestamp", DataType.Int64, false));
        return new Schema(fields);
    }

    /// <summary>Generates the table described by <paramref name="o"/>.</summary>
    public static RatingsData Generate(RatingsGeneratorOptions o)
    {
        Validate(o);
        int U = o.Users, I = o.Items, R = o.TrueRank;
        double latentSd = Math.Pow(o.InteractionStdDev * o.InteractionStdDev / R, 0.25);

        // Per-item truth: latent vector, bias, popularity weight (popularity rank is a random permutation of
        // the items, so popular movies are not simply the low ids), and the sparse movieId.
        var itemLatent = new double[(long)I * R];
        var itemBias = new double[I];
        Parallel.For(0, I, i =>
        {
            var rng = SplitMixRandom.For(o.Seed, StreamItemLatent, i);
            for (int f = 0; f < R; f++) itemLatent[(long)i * R + f] = rng.NextGaussian() * latentSd;
            itemBias[i] = rng.NextGaussian() * o.ItemBiasStdDev;
        });
        var popularityRank = new int[I];
        for (int i = 0; i < I; i++) popularityRank[i] = i;
        var permRng = SplitMixRandom.For(o.Seed, StreamPopularity, 0);
        for (int i = I - 1; i > 0; i--)
        {
            int j = permRng.NextInt(i + 1);
            (popularityRank[i], popularityRank[j]) = (popularityRank[j], popularityRank[i]);
        }
        var weight = new double[I];
        var cdf = new double[I];
        double total = 0;
        for (int i = 0; i < I; i++)
        {
            weight[i] = 1.0 / Math.Pow(popularityRank[i] + 1 + o.ZipfOffset, o.ZipfExponent);
            total += weight[i];
            cdf[i] = total;
        }
        for (int i = 0; i < I; i++) cdf[i] /= total;
        var movieIds = new int[I];
        var idRng = SplitMixRandom.For(o.Seed, StreamItemIds, 0);
        long nextId = 1;
        for (int i = 0; i < I; i++)
        {
            movieIds[i] = checked((int)nextId);
            // Gaps of 1..4 spread ids over about 2.5x the item count, as MovieLens' ids are.
            nextId += 1 + (idRng.NextInt(5) == 0 ? 1 + idRng.NextInt(3) : 0);
        }

        var counts = AllocateActivity(o);
        var offsets = new long[U + 1];
        for (int u = 0; u < U; u++) offsets[u + 1] = offsets[u] + counts[u];

        var users = new int[o.Ratings];
        var items = new int[o.Ratings];
        var ratings = new double[o.Ratings];
        var stamps = o.Timestamps ? new long[o.Ratings] : null;
        const int chunk = 1024;
        int chunks = (U + chunk - 1) / chunk;
        var sqErr = new double[chunks];
        var sum = new double[chunks];
        Parallel.For(0, chunks, c =>
        {
            var taken = new HashSet<int>();
            var picked = new List<int>();
            var userLatent = new double[R];
            double se = 0, s = 0;
            for (int u = c * chunk; u < Math.Min(U, (c + 1) * chunk); u++)
            {
                var rng = SplitMixRandom.For(o.Seed, StreamUserLatent, u);
                for (int f = 0; f < R; f++) userLatent[f] = rng.NextGaussian() * latentSd;
                double userBias = rng.NextGaussian() * o.UserBiasStdDev;
                long start = FirstTimestamp + (long)(rng.NextDouble() * (LastTimestamp - FirstTimestamp));
                long span = Math.Min(LastTimestamp - start, (long)(rng.NextDouble() * 3 * 365 * 86400)) + 1;
                var sample = SplitMixRandom.For(o.Seed, StreamSample, u);
                SampleItems(ref sample, counts[u], cdf, weight, taken, picked);
                picked.Sort();
                long at = offsets[u];
                foreach (var i in picked)
                {
                    double truth = o.GlobalMean + userBias + itemBias[i];
                    for (int f = 0; f < R; f++) truth += userLatent[f] * itemLatent[(long)i * R + f];
                    double observed = Quantize(truth + sample.NextGaussian() * o.NoiseStdDev, o.RatingStep);
                    double oracle = Quantize(truth, o.RatingStep);
                    se += (observed - oracle) * (observed - oracle);
                    s += observed;
                    users[at] = u + 1;
                    items[at] = movieIds[i];
                    ratings[at] = observed;
                    if (stamps is not null) stamps[at] = start + (long)(sample.NextDouble() * span);
                    at++;
                }
            }
            sqErr[c] = se;
            sum[c] = s;
        });
        // Partials are added in chunk order, so the oracle RMSE does not depend on scheduling.
        double totalSe = 0, totalSum = 0;
        for (int c = 0; c < chunks; c++) { totalSe += sqErr[c]; totalSum += sum[c]; }
        long n = Math.Max(1, o.Ratings);
        return new RatingsData(users, items, ratings, stamps, Math.Sqrt(totalSe / n), totalSum / n);
    }

    /// <summary>Rounds to the nearest multiple of <paramref name="step"/> and clips to 1..5.</summary>
    public static double Quantize(double score, double step) => Math.Clamp(Math.Round(score / step, MidpointRounding.AwayFromZero) * step, 1.0, 5.0);

    private static void Validate(RatingsGeneratorOptions o)
    {
        if (o.Users < 1) throw new AccelException($"--users must be at least 1, got {o.Users}");
        if (o.Items < 1) throw new AccelException($"--items must be at least 1, got {o.Items}");
        if (o.Ratings < 1) throw new AccelException($"--ratings must be at least 1, got {o.Ratings}");
        if (o.Ratings > Array.MaxLength) throw new AccelException($"--ratings must be at most {Array.MaxLength:N0}, got {o.Ratings:N0}");
        if (o.Ratings > (long)o.Users * o.Items)
            throw new AccelException($"--ratings {o.Ratings:N0} exceeds users x items = {(long)o.Users * o.Items:N0}: (user, item) pairs may not repeat");
        if (o.TrueRank < 1) throw new AccelException($"the true rank must be at least 1, got {o.TrueRank}");
        if (o.RatingStep is not (0.5 or 1.0)) throw new AccelException($"the rating step must be 0.5 or 1, got {o.RatingStep}");
    }

    /// <summary>Ratings per user: a floor (MovieLens keeps users with 20+ ratings; here a fifth of the mean,
    /// capped at 20) plus a share of the rest proportional to a log-normal activity, capped at the item count,
    /// summing exactly to the requested total.</summary>
    private static int[] AllocateActivity(RatingsGeneratorOptions o)
    {
        int U = o.Users, I = o.Items;
        long floor = o.Ratings >= U ? Math.Clamp(o.Ratings / U / 5, 1, Math.Min(20, I)) : 0;
        var w = new double[U];
        double W = 0;
        for (int u = 0; u < U; u++)
        {
            var rng = SplitMixRandom.For(o.Seed, StreamActivity, u);
            w[u] = Math.Exp(o.ActivitySigma * rng.NextGaussian());
            W += w[u];
        }
        long rest = o.Ratings - floor * U;
        var counts = new int[U];
        long given = 0;
        for (int u = 0; u < U; u++)
        {
            long c = floor + (long)Math.Floor(rest * (w[u] / W));
            c = Math.Min(c, I);
            counts[u] = (int)c;
            given += c;
        }
        // Hand out what the floors and caps left over, most active users first, one per pass.
        var order = Enumerable.Range(0, U).OrderByDescending(u => w[u]).ThenBy(u => u).ToArray();
        while (given < o.Ratings)
        {
            bool progressed = false;
            foreach (var u in order)
            {
                if (given == o.Ratings) break;
                if (counts[u] >= I) continue;
                counts[u]++;
                given++;
                progressed = true;
            }
            if (!progressed) throw new UnreachableException("total ratings exceed users x items after validation");
        }
        return counts;
    }

    /// <summary>Draws <paramref name="n"/> distinct items by popularity: rejection sampling from the Zipf CDF
    /// while that is cheap; for users who rate a large share of the catalogue, weighted sampling without
    /// replacement (Efraimidis–Spirakis keys), which costs one pass over the items.</summary>
    private static void SampleItems(ref SplitMixRandom rng, int n, double[] cdf, double[] weight, HashSet<int> taken, List<int> picked)
    {
        taken.Clear();
        picked.Clear();
        int items = cdf.Length;
        if (n * 8L < items)
        {
            long budget = 16L * n + 256;
            while (picked.Count < n && budget-- > 0)
            {
                double x = rng.NextDouble();
                int i = Array.BinarySearch(cdf, x);
                i = i < 0 ? ~i : i;
                if (i >= items) i = items - 1;
                if (taken.Add(i)) picked.Add(i);
            }
            if (picked.Count == n) return;
            taken.Clear();
            picked.Clear();
        }
        // Keys log(u)/w: the n largest form a weighted sample without replacement.
        var keys = new (double Key, int Item)[items];
        for (int i = 0; i < items; i++) keys[i] = (Math.Log(rng.NextOpenDouble()) / weight[i], i);
        Array.Sort(keys, (a, b) => b.Key != a.Key ? b.Key.CompareTo(a.Key) : a.Item.CompareTo(b.Item));
        for (int k = 0; k < n; k++) picked.Add(keys[k].Item);
    }
}
