using System.Globalization;

namespace Accel.Bench.Harness;

/// <summary>Options of `accel bench`.</summary>
public sealed record BenchOptions(
    IReadOnlyList<string> Suites, double ScaleFactor, double Rows, double OpsMaxRows, IReadOnlyList<string> Paths,
    int Reps, int Threads, string Out, string Report, string Cache, IReadOnlyList<string>? Queries = null, bool Profile = false)
{
    /// <summary>The paths a run may name: the engine's three paths, its own choice, the DuckDB peer, and ML.NET
    /// (the CPU peer of the ml suite's regression case).</summary>
    public static readonly string[] KnownPaths = ["gpu", "simd", "scalar", "auto", "duckdb", "mlnet"];

    /// <summary>Usage text.</summary>
    public const string Usage = """
        accel bench --suite tpch|h2o-groupby|h2o-join|ops|ml|all [--sf X] [--rows N] [--ops-max-rows N]
                    [--paths gpu,simd,scalar,auto,duckdb,mlnet] [--reps N] [--threads N] [--out results.json]
                    [--report report.md] [--cache DIR] [--queries q01,q06] [--profile]
        """;

    /// <summary>Parses the command line.</summary>
    public static BenchOptions Parse(string[] args)
    {
        string suite = "all", paths = "gpu,simd,scalar,duckdb", output = "results.json", report = "report.md";
        string? queries = null;
        bool profile = false;
        string cache = Path.Combine(Path.GetTempPath(), "accel-bench-cache");
        double sf = 1, rows = 1e6, opsMax = 1e7;
        int reps = 3, threads = Environment.ProcessorCount;
        for (int i = 0; i < args.Length; i++)
        {
            string Value() => i + 1 < args.Length ? args[++i] : throw new AccelException($"option {args[i]} needs a value");
            double Number(string what)
            {
                var v = Value();
                return double.TryParse(v, NumberStyles.Float, CultureInfo.InvariantCulture, out var d) && d > 0 ? d
                    : throw new AccelException($"{what} must be a positive number (1e6 notation allowed), got '{v}'");
            }
            switch (args[i])
            {
                case "--suite": suite = Value(); break;
                case "--sf": sf = Number("--sf"); break;
                case "--rows": rows = Number("--rows"); break;
                case "--ops-max-rows": opsMax = Number("--ops-max-rows"); break;
                case "--paths": paths = Value(); break;
                case "--reps": reps = (int)Number("--reps"); break;
                case "--threads": threads = (int)Number("--threads"); break;
                case "--out": output = Value(); break;
                case "--report": report = Value(); break;
                case "--cache": cache = Value(); break;
                case "--queries": queries = Value(); break;
                case "--profile": profile = true; break;
                default: throw new AccelException($"unknown option '{args[i]}'\n{Usage}");
            }
        }
        var suites = suite == "all" ? ["tpch", "h2o-groupby", "h2o-join", "ops", "ml"] : suite.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var name in suites)
            if (name is not ("tpch" or "h2o-groupby" or "h2o-join" or "ops" or "ml"))
                throw new AccelException($"unknown suite '{name}' (tpch, h2o-groupby, h2o-join, ops, ml, all)");
        var pathList = paths.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        foreach (var p in pathList)
            if (!KnownPaths.Contains(p)) throw new AccelException($"unknown path '{p}' in --paths (known: {string.Join(", ", KnownPaths)})");
        if (!pathList.Contains("duckdb")) pathList = [.. pathList, "duckdb"]; // the reference is always run: every answer is checked against it
        var queryList = queries?.Split(',', StringSplitOptions.TrimEntries | StringSplitOptions.RemoveEmptyEntries);
        return new BenchOptions(suites, sf, rows, opsMax, pathList, reps, threads, output, report, cache, queryList, profile);
    }
}

/// <summary>A one-line live status on stderr, and plain lines for events.</summary>
public static class Progress
{
    private static int s_width;

    /// <summary>Overwrites the status line.</summary>
    public static void Status(string text)
    {
        if (Console.IsErrorRedirected) return;
        var line = text.Length > 119 ? text[..119] : text;
        Console.Error.Write("\r" + line.PadRight(s_width));
        s_width = line.Length;
    }

    /// <summary>Prints a line (clearing the status line first).</summary>
    public static void Line(string text)
    {
        if (!Console.IsErrorRedirected && s_width > 0) Console.Error.Write("\r" + new string(' ', s_width) + "\r");
        s_width = 0;
        Console.Error.WriteLine(text);
    }
}
