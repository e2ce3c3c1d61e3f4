using System.Text.Json;
using System.Text.Json.Nodes;
using System.Text.Json.Serialization;

namespace Accel.ML;

/// <summary>Saves a stage (Spark's MLWriter): <c>model.Write().Overwrite().Save(path)</c>.</summary>
public sealed class MLWriter
{
    private readonly PipelineStage _stage;
    private bool _overwrite;

    internal MLWriter(PipelineStage stage) => _stage = stage;

    /// <summary>Replaces an existing folder instead of failing.</summary>
    public MLWriter Overwrite() { _overwrite = true; return this; }

    /// <summary>Writes the stage to the folder <paramref name="path"/>.</summary>
    public void Save(string path)
    {
        if (Directory.Exists(path) || File.Exists(path))
        {
            if (!_overwrite) throw new AccelException($"path {path} already exists; to overwrite it, use Write().Overwrite().Save(path)");
            if (File.Exists(path)) File.Delete(path); else Directory.Delete(path, recursive: true);
        }
        Persistence.SaveStage(_stage, path);
    }
}

/// <summary>The on-disk format of stages. A stage is a folder holding <c>metadata.json</c>
/// ({"class": CLR type name, "uid", "accelVersion": 1, "timestamp": unix ms, "paramMap": {name: value}})
/// plus the stage's data files (models write <c>data.json</c>; pipelines write <c>stages/NN_uid/</c>, one
/// stage folder each). Doubles are written with round-trip precision; NaN and infinities as strings.</summary>
public static class Persistence
{
    /// <summary>Format version written to metadata.json.</summary>
    public const int FormatVersion = 1;

    /// <summary>JSON settings of every file written: round-trip doubles, NaN/Infinity allowed.</summary>
    public static JsonSerializerOptions JsonOptions { get; } = new()
    {
        NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
        WriteIndented = true,
    };

    internal static void SaveStage(PipelineStage stage, string dir)
    {
        Directory.CreateDirectory(dir);
        var paramMap = new JsonObject();
        foreach (var (name, value) in stage.SetValues)
            paramMap[name] = JsonSerializer.SerializeToNode(value, JsonOptions);
        var meta = new JsonObject
        {
            ["class"] = stage.GetType().FullName,
            ["uid"] = stage.Uid,
            ["accelVersion"] = FormatVersion,
            ["timestamp"] = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds(),
            ["paramMap"] = paramMap,
        };
        File.WriteAllText(Path.Combine(dir, "metadata.json"), meta.ToJsonString(JsonOptions));
        stage.SaveData(dir);
    }

    /// <summary>Loads a stage of type <typeparamref name="T"/> (or a subtype) from a folder.</summary>
    public static T Load<T>(string path) where T : PipelineStage
    {
        var stage = Load(path);
        return stage as T ?? throw new AccelException($"{path} holds a {stage.GetType().Name}, not a {typeof(T).Name}");
    }

    /// <summary>Loads whatever stage a folder holds (the class is read from its metadata).</summary>
    public static PipelineStage Load(string path)
    {
        var metaPath = Path.Combine(path, "metadata.json");
        if (!File.Exists(metaPath)) throw new AccelException($"cannot load ML stage: {metaPath} not found");
        using var doc = JsonDocument.Parse(File.ReadAllText(metaPath));
        var root = doc.RootElement;
        int version = root.GetProperty("accelVersion").GetInt32();
        if (version > FormatVersion) throw new AccelException($"{metaPath}: format version {version} is newer than this library's ({FormatVersion})");
        var className = root.GetProperty("class").GetString()!;
        var type = FindType(className) ?? throw new AccelException($"{metaPath}: unknown stage class {className}");
        if (!typeof(PipelineStage).IsAssignableFrom(type)) throw new AccelException($"{metaPath}: {className} is not a pipeline stage");
        var stage = (PipelineStage)(Activator.CreateInstance(type, nonPublic: true)
            ?? throw new AccelException($"cannot create {className}"));
        stage.Uid = root.GetProperty("uid").GetString()!;
        foreach (var p in root.GetProperty("paramMap").EnumerateObject())
            stage.SetFromJson(p.Name, p.Value);
        stage.LoadData(path);
        return stage;
    }

    private static Type? FindType(string name)
    {
        foreach (var asm in AppDomain.CurrentDomain.GetAssemblies())
            if (asm.GetType(name) is { } t) return t;
        return null;
    }

    /// <summary>Writes an object as data.json in a stage folder.</summary>
    public static void WriteData<T>(string dir, T data) =>
        File.WriteAllText(Path.Combine(dir, "data.json"), JsonSerializer.Serialize(data, JsonOptions));

    /// <summary>Reads data.json of a stage folder.</summary>
    public static T ReadData<T>(string dir)
    {
        var p = Path.Combine(dir, "data.json");
        if (!File.Exists(p)) throw new AccelException($"cannot load model data: {p} not found");
        return JsonSerializer.Deserialize<T>(File.ReadAllText(p), JsonOptions) ?? throw new AccelException($"{p} is empty");
    }

    internal static void SaveStages(string dir, IReadOnlyList<PipelineStage> stages)
    {
        var root = Path.Combine(dir, "stages");
        Directory.CreateDirectory(root);
        for (int i = 0; i < stages.Count; i++)
            SaveStage(stages[i], Path.Combine(root, $"{i:D4}_{stages[i].Uid}"));
    }

    internal static PipelineStage[] LoadStages(string dir)
    {
        var root = Path.Combine(dir, "stages");
        if (!Directory.Exists(root)) return [];
        return Directory.GetDirectories(root).OrderBy(d => d, StringComparer.Ordinal).Select(Load).ToArray();
    }
}
