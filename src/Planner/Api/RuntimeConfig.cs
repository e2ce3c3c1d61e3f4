using Accel.Planner.Physical;

namespace Accel.Sql;

/// <summary>Session settings (spark.Conf()). Keys: accel.path (auto|gpu|simd|scalar), accel.strict
/// (true: a GPU failure is an error instead of a fail-over), accel.batchSize (rows per batch),
/// accel.log (true: print one line per query with the path of each operator).</summary>
public sealed class RuntimeConfig
{
    private readonly Dictionary<string, string> _values = new(StringComparer.OrdinalIgnoreCase)
    {
        ["accel.path"] = "auto",
        ["accel.strict"] = "false",
        ["accel.batchSize"] = "65536",
        ["accel.log"] = "false",
    };

    /// <summary>Sets a value; known keys are validated.</summary>
    public RuntimeConfig Set(string key, string value)
    {
        if (key.Equals("accel.path", StringComparison.OrdinalIgnoreCase)) ParsePath(value);
        if (key.Equals("accel.batchSize", StringComparison.OrdinalIgnoreCase) && (!int.TryParse(value, out var n) || n <= 0))
            throw new Accel.AccelException($"accel.batchSize must be a positive integer, got '{value}'");
        _values[key] = value;
        return this;
    }

    /// <summary>Sets a boolean value.</summary>
    public RuntimeConfig Set(string key, bool value) => Set(key, value ? "true" : "false");
    /// <summary>Sets a numeric value.</summary>
    public RuntimeConfig Set(string key, long value) => Set(key, value.ToString(System.Globalization.CultureInfo.InvariantCulture));
    /// <summary>A value, or <paramref name="defaultValue"/> when unset.</summary>
    public string? Get(string key, string? defaultValue = null) => _values.TryGetValue(key, out var v) ? v : defaultValue;

    /// <summary>The forced path (accel.path).</summary>
    public PathSetting Path => ParsePath(Get("accel.path")!);
    /// <summary>accel.strict.</summary>
    public bool Strict => bool.Parse(Get("accel.strict")!);
    /// <summary>accel.batchSize.</summary>
    public int BatchSize => int.Parse(Get("accel.batchSize")!);
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
