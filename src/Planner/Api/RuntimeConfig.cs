using Accel.Planner.Physical;

namespace Accel.Sql;

/// <summary>Session settings (spark.Conf()). Keys: accel.path (auto|gpu|simd|scalar), accel.strict
/// (true: a GPU failure is an error instead of a fail-over), accel.batchSize (rows per batch),
/// accel.log (true: print one line per query with the path of each operator), accel.gpu.memoryBudget (the device
/// memory the GPU path may hold, e.g. 512m or 8g; process-wide, like the device itself), accel.gpu.cache (true: a
/// cached table's columns are also kept on the device), accel.runtimeFilters (true: inner joins filter the scans below their
/// probe side by their build keys).</summary>
public sealed class RuntimeConfig
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase)
    {
        ["accel.path"] = "auto",
        ["accel.strict"] = "false",
        ["accel.batchSize"] = "65536",
        ["accel.log"] = "false",
        ["accel.gpu.cache"] = "true",
        ["accel.runtimeFilters"] = "true",
    };

    /// <summary>Sets a value; known keys are validated.</summary>
    public RuntimeConfig Set(string key, string value)
    {
        if (key.Equals("accel.path", StringComparison.OrdinalIgnoreCase)) ParsePath(value);
        if (key.Equals("accel.batchSize", StringComparison.OrdinalIgnoreCase) && (!int.TryParse(value, out var n) || n <= 0))
            throw new Accel.AccelException($"accel.batchSize must be a positive integer, got '{value}'");
        if ((key.Equals("accel.strict", StringComparison.OrdinalIgnoreCase) || key.Equals("accel.log", StringComparison.OrdinalIgnoreCase)
             || key.Equals("accel.gpu.cache", StringComparison.OrdinalIgnoreCase) || key.Equals("accel.runtimeFilters", StringComparison.OrdinalIgnoreCase))
            && !bool.TryParse(value, out _))
            throw new Accel.AccelException($"{key} must be true or false, got '{value}'");
        if (key.Equals(MemoryBudgetKey, StringComparison.OrdinalIgnoreCase))
        {
            // "default" goes back to the device's own default (85% of its memory).
            try
            {
                Accel.Kernels.GpuDevice.MemoryBudgetBytes = value.Trim().Equals("default", StringComparison.OrdinalIgnoreCase)
                    ? null
                    : Accel.Kernels.GpuDevice.ParseBytes(value);
            }
            catch (Accel.AccelException ex)
            {
                throw new Accel.AccelException($"{MemoryBudgetKey}: {ex.Message}", ex);
            }
        }
        if (key.Equals(MemoryBudgetKey, StringComparison.OrdinalIgnoreCase)) return this; // the device holds it, see Get
        _values[key] = value;
        return this;
    }

    /// <summary>The key of the device memory budget.</summary>
    public const string MemoryBudgetKey = "accel.gpu.memoryBudget";

    /// <summary>Sets a boolean value.</summary>
    public RuntimeConfig Set(string key, bool value) => Set(key, value ? "true" : "false");
    /// <summary>Sets a numeric value.</summary>
    public RuntimeConfig Set(string key, long value) => Set(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>A value, or <paramref name="defaultValue"/> when unset.</summary>
    public string? Get(string key, string? defaultValue = null)
    {
        // The budget lives with the device, so a session reads the value in force (set by any session or the environment).
        if (key.Equals(MemoryBudgetKey, StringComparison.OrdinalIgnoreCase))
            return Accel.Kernels.GpuDevice.MemoryBudgetBytes?.ToString(System.Globalization.CultureInfo.InvariantCulture) ?? "default";
        return _values.TryGetValue(key, out var v) ? v : defaultValue;
    }

    /// <summary>The forced path (accel.path).</summary>
    public PathSetting Path => ParsePath(Get("accel.path")!);
    /// <summary>accel.strict.</summary>
    public bool Strict => bool.Parse(Get("accel.strict")!);
    /// <summary>accel.batchSize.</summary>
    public int BatchSize => int.Parse(Get("accel.batchSize")!);
    /// <summary>accel.gpu.cache: whether Cache() and CACHE TABLE also keep the columns on the device (when a GPU is
    /// available and accel.path is auto or gpu).</summary>
    public bool CacheOnDevice => bool.Parse(Get("accel.gpu.cache")!);
    /// <summary>accel.runtimeFilters.</summary>
    public bool RuntimeFilters => bool.Parse(Get("accel.runtimeFilters")!);
    /// <summary>accel.log.</summary>
    public bool LogQueries => bool.Parse(Get("accel.log")!);

    private static PathSetting ParsePath(string v) => v.ToLowerInvariant() switch
    {
        "auto" => PathSetting.Auto,
        "gpu" => PathSetting.Gpu,
        "simd" => PathSetting.Simd,
        "scalar" => PathSetting.Scalar,
        _ => throw new Accel.AccelException($"accel.path must be auto, gpu, simd or scalar, got '{v}'"),
    };
}
