using System.Diagnostics;
using System.Globalization;
using Accel.IO.Generators;

namespace Accel.Cli;

/// <summary>`accel gen`: writes the TPC-H tables or the h2oai db-benchmark groupby and join data sets.</summary>
public static class GenCommand
{
    /// <summary>The usage lines, also shown by `accel --help`.</summary>
    public const string Usage = """
          accel gen tpch --sf X --out DIR [--format parquet|csv|arrow] [--seed N]
              write the eight TPC-H tables at scale factor X as DIR/<table>.<format>
          accel gen h2o-groupby --rows N --k K [--nas PCT] [--sorted] --out FILE.(csv|parquet|arrow) [--seed N]
              write the db-benchmark groupby data set (N rows, K groups; N may be written 1e7)
          accel gen h2o-join --rows N [--nas PCT] --out DIR [--format csv|parquet|arrow] [--seed N]
              write the db-benchmark join data sets x, small, medium and big as DIR/<name>.<format>
          accel gen ratings --users N --items M --ratings R [--seed N] [--out PATH] [--format parquet|csv|arrow] [--no-timestamp]
              write a MovieLens-like explicit ratings table (userId, movieId, rating, timestamp) and print
              its oracle RMSE; without --out only the statistics are printed
        """;

    /// <summary>Runs `accel gen ...`: summary lines go to <paramref name="output"/>, a progress bar to
    /// <paramref name="progress"/> (null: none).</summary>
    public static int Run(string[] args, TextWriter output, TextWriter? progress)
    {
        if (args.Length == 0 || args[0].StartsWith('-'))
            throw new AccelException("usage: accel gen tpch|h2o-groupby|h2o-join|ratings [options] (see accel --help)");
        var kind = args[0];
        var opts = ParseOptions(kind, args[1..]);
        if (kind == "ratings") return RunRatings(opts, output);
        var sw = Stopwatch.StartNew();
        var bar = progress is null ? null : new ProgressBar(progress, kind);
        IReadOnlyList<GeneratedFile> files;
        try
        {
            switch (kind)
            {
                case "tpch":
                {
                    var sf = opts.Double("--sf");
                    files = TpchGenerator.WriteAll(sf, opts.Required("--out"), opts.Format("parquet"), bar, opts.Int("--seed", TpchGenerator.DefaultSeed));
                    break;
                }
                case "h2o-groupby":
                    files = [H2oGenerator.WriteGroupBy(opts.Rows("--rows"), checked((int)opts.Rows("--k")), opts.Int("--nas", 0), opts.Flag("--sorted"),
                        opts.Required("--out"), opts.Int("--seed", H2oGenerator.DefaultSeed), bar)];
                    break;
                default:
                    files = H2oGenerator.WriteJoin(opts.Rows("--rows"), opts.Int("--nas", 0), opts.Required("--out"), opts.Format("csv"),
                        opts.Int("--seed", H2oGenerator.DefaultSeed), bar);
                    break;
            }
        }
        finally
        {
            bar?.Finish();
        }
        foreach (var f in files)
            output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"{f.Table}: {f.Rows:N0} rows -> {f.Path} ({f.Elapsed.TotalSeconds:0.00} s)"));
        if (files.Count > 1) output.WriteLine(string.Create(CultureInfo.InvariantCulture, $"generated {files.Count} files in {sw.Elapsed.TotalSeconds:0.00} s"));
        return 0;
    }

    private static readonly Dictionary<string, string[]> Allowed = new()
    {
        ["tpch"] = ["--sf", "--out", "--format", "--seed"],
        ["h2o-groupby"] = ["--rows", "--k", "--nas", "--sorted", "--out", "--seed"],
        ["h2o-join"] = ["--rows", "--nas", "--out", "--format", "--seed"],
        ["ratings"] = ["--users", "--items", "--ratings", "--seed", "--out", "--format", "--no-timestamp"],
    };

    private static int RunRatings(Options opts, TextWriter output)
    {
        var sw = Stopwatch.StartNew();
        var o = new Accel.ML.Recommendation.RatingsGeneratorOptions(
            checked((int)opts.Rows("--users")), checked((int)opts.Rows("--items")), opts.Rows("--ratings"),
            opts.Int("--seed", (int)Accel.ML.Recommendation.RatingsGeneratorOptions.DefaultSeed))
        { Timestamps = !opts.Flag("--no-timestamp") };
        var data = Accel.ML.Recommendation.RatingsGenerator.Generate(o);
        var generated = sw.Elapsed;
        var inv = CultureInfo.InvariantCulture;
        if (opts.Has("--out"))
        {
            var path = opts.Required("--out");
            var format = opts.Has("--format") ? opts.Format("parquet") : InferFormat(path);
            data.Write(path, format);
            output.WriteLine(string.Create(inv, $"ratings: {data.Count:N0} rows -> {path} ({sw.Elapsed.TotalSeconds:0.00} s, generated in {generated.TotalSeconds:0.00} s)"));
        }
        else
            output.WriteLine(string.Create(inv, $"ratings: {data.Count:N0} rows generated in {generated.TotalSeconds:0.00} s (no --out: nothing written)"));
        output.WriteLine(string.Create(inv, $"oracle RMSE: {data.OracleRmse:0.0000} (noiseless rounded score vs observed); mean rating {data.MeanRating:0.0000}; {o.Users:N0} users, {o.Items:N0} items"));
        return 0;
    }

    // A path ending in a format's extension names its format; anything else is a parquet directory.
    private static string InferFormat(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".csv" => "csv",
        ".arrow" => "arrow",
        _ => "parquet",
    };

    private static Options ParseOptions(string kind, string[] args)
    {
        if (!Allowed.TryGetValue(kind, out var allowed))
            throw new AccelException($"unknown data set '{kind}' for accel gen (expected tpch, h2o-groupby, h2o-join or ratings)");
        var values = new Dictionary<string, string?>();
        for (int i = 0; i < args.Length; i++)
        {
            var name = args[i];
            if (!allowed.Contains(name))
                throw new AccelException($"unknown option '{name}' for accel gen {kind} (accepted: {string.Join(", ", allowed)})");
            if (values.ContainsKey(name)) throw new AccelException($"option {name} is given twice");
            if (name is "--sorted" or "--no-timestamp") { values[name] = null; continue; }
            if (i + 1 >= args.Length) throw new AccelException($"option {name} needs a value");
            values[name] = args[++i];
        }
        return new Options(kind, values);
    }

    private sealed class Options(string kind, Dictionary<string, string?> values)
    {
        public string Required(string name) =>
            values.TryGetValue(name, out var v) && v is not null ? v : throw new AccelException($"accel gen {kind} needs {name}");

        public bool Flag(string name) => values.ContainsKey(name);

        public bool Has(string name) => values.ContainsKey(name);

        public double Double(string name)
        {
            var text = Required(name);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || !double.IsFinite(v) || v <= 0)
                throw new AccelException($"{name} must be a positive number, got '{text}'");
            return v;
        }

        // Row counts are written as in db-benchmark (1e7) or in full; either way they must be whole and positive.
        public long Rows(string name)
        {
            var text = Required(name);
            if (!double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var v) || v < 1 || v > H2oGenerator.MaxRows || v != Math.Floor(v))
                throw new AccelException($"{name} must be a whole number between 1 and {H2oGenerator.MaxRows:0e0} (e.g. 1e7), got '{text}'");
            return (long)v;
        }

        public int Int(string name, int defaultValue)
        {
            if (!values.TryGetValue(name, out var text)) return defaultValue;
            if (!int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var v))
                throw new AccelException($"{name} must be an integer, got '{text}'");
            if (name == "--nas" && v is < 0 or > 100) throw new AccelException($"--nas must be a percentage between 0 and 100, got {v}");
            return v;
        }

        public string Format(string defaultValue)
        {
            var f = values.TryGetValue("--format", out var v) ? v!.ToLowerInvariant() : defaultValue;
            return f is "parquet" or "csv" or "arrow" ? f : throw new AccelException($"--format must be parquet, csv or arrow, got '{v}'");
        }
    }

    /// <summary>A one-line progress bar redrawn in place with a carriage return, at most once per percent.</summary>
    private sealed class ProgressBar(TextWriter w, string label) : IProgress<double>
    {
        private readonly object _gate = new();
        private readonly Stopwatch _sw = Stopwatch.StartNew();
        private int _shown = -1;

        public void Report(double value)
        {
            int pct = (int)Math.Clamp(value * 100, 0, 100);
            lock (_gate)
            {
                if (pct <= _shown) return;
                _shown = pct;
                int filled = pct * 30 / 100;
                w.Write(string.Create(CultureInfo.InvariantCulture, $"\r{label} [{new string('#', filled)}{new string('.', 30 - filled)}] {pct,3}% {_sw.Elapsed.TotalSeconds,6:0.0} s"));
                w.Flush();
            }
        }

        public void Finish()
        {
            lock (_gate)
            {
                if (_shown >= 0) w.WriteLine();
            }
        }
    }
}
