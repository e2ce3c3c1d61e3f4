namespace Accel.Cli;

/// <summary>Dispatches `accel &lt;command&gt;`.</summary>
public static class CommandLine
{
    /// <summary>Runs a command and returns the process exit code.</summary>
    public static int Run(string[] args)
    {
        if (args.Length == 0 || args[0] is "-h" or "--help" or "help")
        {
            PrintHelp();
            return args.Length == 0 ? 1 : 0;
        }
        try
        {
            return args[0] switch
            {
                "demo" => DemoCommand.Run(args[1..]),
                "selftest" => SelfTestCommand.Run(args[1..]),
                "query" => QueryCommand.Run(args[1..], Console.Out, explainOnly: false),
                "explain" => QueryCommand.Run(args[1..], Console.Out, explainOnly: true),
                "sql" => SqlShell.Run(args[1..]),
                "bench" => BenchCommand.Run(args[1..]),
                "sqllogictest" => SqlLogicTestCommand(args[1..]),
                // The progress bar redraws one line with \r, which only makes sense on a terminal.
                "gen" => GenCommand.Run(args[1..], Console.Out, Console.IsErrorRedirected ? null : Console.Error),
                _ => Unknown(args[0]),
            };
        }
        catch (AccelException ex)
        {
            Console.Error.WriteLine($"error: {ex.Message}");
            return 1;
        }
        catch (Exception ex) when (ex is not OutOfMemoryException)
        {
            // A bug, not bad input: still one line, and a distinct exit code.
            Console.Error.WriteLine($"internal error: {ex.GetType().Name}: {ex.Message} (please report it with the command line)");
            return 2;
        }
    }

    // accel sqllogictest <dir or file> [--path auto|gpu|simd|scalar]: runs .test files, prints one line per file.
    private static int SqlLogicTestCommand(string[] args)
    {
        if (args.Length == 0) throw new AccelException("usage: accel sqllogictest <dir or .test file> [--path auto|gpu|simd|scalar]");
        var path = Option(args, "--path", "auto")!;
        var files = Directory.Exists(args[0]) ? Directory.GetFiles(args[0], "*.test").Order().ToArray() : [args[0]];
        int failed = 0;
        foreach (var f in files)
        {
            var r = Accel.Planner.Sql.SqlLogicTest.Run(f, path);
            Console.WriteLine($"{Path.GetFileName(f)} [{path}]: {r.Passed} passed, {r.Unsupported} unsupported on this path, {r.Failures.Count} failed");
            foreach (var msg in r.UnsupportedQueries) Console.WriteLine("  unsupported " + msg);
            foreach (var msg in r.Failures) Console.WriteLine("  " + msg);
            failed += r.Failures.Count;
        }
        return failed == 0 ? 0 : 1;
    }

    private static int Unknown(string cmd)
    {
        Console.Error.WriteLine($"error: unknown command '{cmd}'");
        PrintHelp();
        return 1;
    }

    private static void PrintHelp() => Console.WriteLine("""
        accel — GPU/SIMD-accelerated columnar query engine

        usage:
          accel demo [--rows N] [--out DIR] [--path auto|gpu|simd|scalar]
              generate a small sales dataset, run DataFrame queries, print results and plans
          accel query [--table NAME=PATH]... [--tables DIR] [--path auto|gpu|simd|scalar] [--format table|csv|json] [--analyze] "<SQL>"
              run Spark SQL over CSV (header, inferred schema), Parquet or Arrow files or directories of them;
              --tables DIR registers every table file in DIR under its file name
          accel sql [--table NAME=PATH]... [--path ...] [--format ...] ["<SQL>"]
              without SQL: an interactive prompt (statements end with ';', SET accel.path=simd; history in ~/.accel_history)
          accel explain [--table NAME=PATH]... [--path ...] "<SQL>"
              print the physical plan: the path of every operator and why the others were not taken
          accel sqllogictest <dir|file.test> [--path auto|gpu|simd|scalar]
              run sqllogictest files (tests/sql) under one path
          accel bench --suite tpch|h2o-groupby|h2o-join|ops|all [--sf X] [--rows N] [--paths gpu,simd,scalar,duckdb]
                      [--reps N] [--threads N] [--out results.json] [--report report.md]
              time every query on every path after checking its answer against DuckDB (harness: bench/Accel.Bench)
          accel selftest [--rows N]
              report the GPU found (or why none was), then check every GPU kernel against the scalar path
              (ACCEL_GPU=cpu runs the kernels on ILGPU's CPU accelerator)
        """ + "\n" + GenCommand.Usage);

    /// <summary>Value of "--name value" in args, or the default.</summary>
    public static string? Option(string[] args, string name, string? defaultValue = null)
    {
        int i = Array.IndexOf(args, name);
        if (i < 0) return defaultValue;
        if (i + 1 >= args.Length) throw new AccelException($"option {name} needs a value");
        return args[i + 1];
    }
}
