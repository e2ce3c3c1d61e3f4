using System.Runtime.Intrinsics;

namespace Accel.Vectorized;

/// <summary>The vector widths this machine accelerates, and an override (ACCEL_SIMD_WIDTH=128|256|512, or
/// <see cref="MaxWidthBits"/>) so tests can exercise every width the machine has.</summary>
public static class SimdCapabilities
{
    /// <summary>The widest width in bits that the loops may use (set by tests or ACCEL_SIMD_WIDTH).</summary>
    public static int MaxWidthBits { get; set; } = int.TryParse(Environment.GetEnvironmentVariable("ACCEL_SIMD_WIDTH"), out var w) ? w : 512;

    /// <summary>Use Vector512 loops.</summary>
    public static bool Use512 => MaxWidthBits >= 512 && Vector512.IsHardwareAccelerated;
    /// <summary>Use Vector256 loops.</summary>
    public static bool Use256 => MaxWidthBits >= 256 && Vector256.IsHardwareAccelerated;
    /// <summary>Use Vector128 loops.</summary>
    public static bool Use128 => MaxWidthBits >= 128 && Vector128.IsHardwareAccelerated;

    /// <summary>The widths (bits) this machine accelerates, widest first.</summary>
    public static IReadOnlyList<int> SupportedWidths =>
        new[] { (512, Vector512.IsHardwareAccelerated), (256, Vector256.IsHardwareAccelerated), (128, Vector128.IsHardwareAccelerated) }
            .Where(x => x.Item2).Select(x => x.Item1).ToArray();

    /// <summary>A name for the widest width in use, for plans and benchmark reports.</summary>
    public static string Description => Use512 ? "AVX-512 (Vector512)" : Use256 ? "AVX2 (Vector256)" : Use128 ? "128-bit (Vector128)" : "none (scalar loops)";

    /// <summary>Degree of parallelism for morsel-parallel operators (0: all cores).</summary>
    public static int Threads { get; set; } = int.TryParse(Environment.GetEnvironmentVariable("ACCEL_THREADS"), out var t) ? t : 0;

    /// <summary>The effective thread count.</summary>
    public static int EffectiveThreads => Threads > 0 ? Threads : Environment.ProcessorCount;
}

/// <summary>First-guess costs of the SIMD path, to be calibrated by the benchmark harness.</summary>
internal static class SimdCostModel
{
    /// <summary>Nanoseconds per row per expression node (filter and project loops).</summary>
    public const double NsPerRowPerNode = 0.5;
    /// <summary>Nanoseconds per row per aggregate, per thread.</summary>
    public const double NsPerRowAggregate = 2.0;
    /// <summary>Nanoseconds per row per key for normalizing and radix-sorting (a few byte passes).</summary>
    public const double NsPerRowSortPass = 3.0;
    /// <summary>Nanoseconds per input row (build plus probe) of a hash join on one thread, output gather included.</summary>
    public const double NsPerRowJoin = 24.0;
    /// <summary>The most threads a join's estimate credits: its build is serial and its probe is memory-bound.</summary>
    public const int JoinParallelismCap = 2;
}
