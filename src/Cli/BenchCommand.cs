using System.Diagnostics;

namespace Accel.Cli;

/// <summary>`accel bench`: runs the benchmark harness of bench/Accel.Bench, which holds the DuckDB reference
/// (DuckDB.NET is kept out of the engine and the CLI). The harness is looked up next to this executable,
/// then in the repository's bench build output.</summary>
public static class BenchCommand
{
    /// <summary>Runs the harness with <paramref name="args"/> and returns its exit code.</summary>
    public static int Run(string[] args)
    {
        var harness = Candidates().FirstOrDefault(File.Exists)
            ?? throw new AccelException("the benchmark harness (Accel.Bench.dll) was not found next to accel or under bench/Accel.Bench/bin; " +
                "build it with `dotnet build -c Release bench/Accel.Bench`, or run `dotnet run -c Release --project bench/Accel.Bench -- bench ...`");
        // In a self-contained bundle (no dotnet on the machine) the harness is an executable next to accel.
        var apphost = Path.Combine(AppContext.BaseDirectory, OperatingSystem.IsWindows() ? "Accel.Bench.exe" : "Accel.Bench");
        bool selfContained = harness == Path.Combine(AppContext.BaseDirectory, "Accel.Bench.dll") && File.Exists(apphost);
        var psi = new ProcessStartInfo(selfContained ? apphost : "dotnet") { UseShellExecute = false };
        if (!selfContained) psi.ArgumentList.Add(harness);
        psi.ArgumentList.Add("bench");
        foreach (var a in args) psi.ArgumentList.Add(a);
        using var process = Process.Start(psi) ?? throw new AccelException("could not start dotnet to run the benchmark harness");
        process.WaitForExit();
        return process.ExitCode;
    }

    private static IEnumerable<string> Candidates()
    {
        yield return Path.Combine(AppContext.BaseDirectory, "Accel.Bench.dll");
        for (var dir = new DirectoryInfo(Directory.GetCurrentDirectory()); dir is not null; dir = dir.Parent)
            foreach (var config in new[] { "Release", "Debug" })
                yield return Path.Combine(dir.FullName, "bench", "Accel.Bench", "bin", config, "net10.0", "Accel.Bench.dll");
    }
}
