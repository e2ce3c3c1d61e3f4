using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Accel.ML;

/// <summary>A named, documented parameter of an ML stage (Spark's org.apache.spark.ml.param.Param).</summary>
public abstract class Param
{
    /// <summary>Creates a parameter description.</summary>
    protected Param(string name, string doc, Type valueType)
    {
        Name = name;
        Doc = doc;
        ValueType = valueType;
    }

    /// <summary>The Spark name (camelCase, e.g. "maxIter").</summary>
    public string Name { get; }
    /// <summary>What it means, with its valid range.</summary>
    public string Doc { get; }
    /// <summary>The CLR type of its value.</summary>
    public Type ValueType { get; }
    /// <summary>Whether it has a default value.</summary>
    public abstract bool HasDefault { get; }
    /// <summary>The default as an object (null when none).</summary>
    public abstract object? DefaultObject { get; }
    /// <summary>Throws an <see cref="AccelException"/> when <paramref name="value"/> is not valid for this parameter.</summary>
    public abstract void Validate(object? value);

    /// <summary>A value formatted as ExplainParams prints it.</summary>
    public static string Format(object? value) => value switch
    {
        null => "null",
        string s => s,
        double d => d.ToString("R", CultureInfo.InvariantCulture),
        bool b => b ? "true" : "false",
        System.Collections.IEnumerable e => "[" + string.Join(", ", e.Cast<object?>().Select(Format)) + "]",
        IFormattable f => f.ToString(null, CultureInfo.InvariantCulture),
        _ => value.ToString() ?? "",
    };
}

/// <summary>A typed parameter with an optional default and validator.</summary>
public sealed class Param<T> : Param
{
    private readonly Func<T, bool>? _isValid;
    private readonly bool _hasDefault;

    /// <summary>Creates a parameter; <paramref name="isValid"/> (if any) is checked on every Set.</summary>
    public Param(string name, string doc, bool hasDefault, T? defaultValue, Func<T, bool>? isValid = null)
        : base(name, doc, typeof(T))
    {
        _hasDefault = hasDefault;
        Default = defaultValue;
        _isValid = isValid;
    }

    /// <summary>The default value (meaningful when <see cref="HasDefault"/>).</summary>
    public T? Default { get; }
    /// <inheritdoc />
    public override bool HasDefault => _hasDefault;
    /// <inheritdoc />
    public override object? DefaultObject => _hasDefault ? Default : null;

    /// <inheritdoc />
    public override void Validate(object? value)
    {
        if (value is not T t)
        {
            if (value is null && default(T) is null) return;
            throw new AccelException($"parameter {Name} expects a {typeof(T).Name}, got {(value is null ? "null" : value.GetType().Name)}");
        }
        if (_isValid is not null && !_isValid(t))
            throw new AccelException($"parameter {Name} given invalid value {Format(t)}: {Doc}");
    }
}

/// <summary>Something with a uid and parameters (Spark's Params): parameters are declared with
/// <see cref="Define{T}"/>, read with <see cref="Get{T}"/>, set through each class's fluent setters.</summary>
public abstract class Params
{
    private readonly List<Param> _params = [];
    private readonly Dictionary<string, object?> _values = new(StringComparer.Ordinal);

    /// <summary>Creates the parameter holder with a fresh uid "prefix_xxxxxxxxxxxx" as Spark names them.</summary>
    protected Params(string uidPrefix) => Uid = NewUid(uidPrefix);

    /// <summary>A unique id, e.g. "linReg_3c2a9d1f0b7e".</summary>
    public string Uid { get; internal set; }

    /// <summary>A fresh uid with a prefix.</summary>
    public static string NewUid(string prefix) => prefix + "_" + Guid.NewGuid().ToString("N")[..12];

    /// <summary>Declares a parameter of this instance with a default value.</summary>
    protected Param<T> Define<T>(string name, string doc, T defaultValue, Func<T, bool>? isValid = null)
    {
        var p = new Param<T>(name, doc, true, defaultValue, isValid);
        _params.Add(p);
        return p;
    }

    /// <summary>Declares a parameter of this instance without a default (it must be set before use).</summary>
    protected Param<T> DefineRequired<T>(string name, string doc, Func<T, bool>? isValid = null)
    {
        var p = new Param<T>(name, doc, false, default, isValid);
        _params.Add(p);
        return p;
    }

    /// <summary>All parameters, in declaration order.</summary>
    public IReadOnlyList<Param> ParamList => _params;

    /// <summary>The parameter with this name; throws when absent.</summary>
    public Param GetParam(string name) => _params.FirstOrDefault(p => p.Name == name)
        ?? throw new AccelException($"{GetType().Name} has no parameter '{name}'; parameters: [{string.Join(", ", _params.Select(p => p.Name))}]");

    /// <summary>Whether the parameter was set explicitly.</summary>
    public bool IsSet(string name) => _values.ContainsKey(GetParam(name).Name);

    /// <summary>Whether the parameter has a value (set or default).</summary>
    public bool IsDefined(string name) => IsSet(name) || GetParam(name).HasDefault;

    /// <summary>The value of a parameter: the one set, else the default; throws when neither exists.</summary>
    protected T Get<T>(Param<T> p)
    {
        if (_values.TryGetValue(p.Name, out var v)) return (T)v!;
        if (p.HasDefault) return p.Default!;
        throw new AccelException($"parameter {p.Name} of {Uid} is not set and has no default");
    }

    /// <summary>The value (set or default) of a parameter by name, or null.</summary>
    public object? GetOrDefault(string name)
    {
        var p = GetParam(name);
        return _values.TryGetValue(p.Name, out var v) ? v : p.DefaultObject;
    }

    /// <summary>Sets a parameter after validating the value.</summary>
    protected void SetValue<T>(Param<T> p, T value)
    {
        p.Validate(value);
        _values[p.Name] = value;
    }

    /// <summary>Sets a parameter by name (used by loaders and generic tooling); validated like the typed setters.</summary>
    public void Set(string name, object? value)
    {
        var p = GetParam(name);
        p.Validate(value);
        _values[p.Name] = value;
    }

    /// <summary>Removes an explicitly set value, so the default applies again.</summary>
    public void Clear(string name) => _values.Remove(GetParam(name).Name);

    /// <summary>One line per parameter: "name: doc (default: x, current: y)", as Spark prints it.</summary>
    public string ExplainParams()
    {
        var sb = new StringBuilder();
        foreach (var p in _params)
        {
            var parts = new List<string>();
            if (p.HasDefault) parts.Add("default: " + Param.Format(p.DefaultObject));
            if (_values.TryGetValue(p.Name, out var v)) parts.Add("current: " + Param.Format(v));
            sb.Append(p.Name).Append(": ").Append(p.Doc);
            sb.Append(parts.Count == 0 ? " (undefined)" : " (" + string.Join(", ", parts) + ")");
            sb.Append('\n');
        }
        return sb.ToString().TrimEnd('\n');
    }

    /// <summary>Copies every explicitly set value whose name <paramref name="target"/> also declares.</summary>
    public void CopyValuesTo(Params target)
    {
        foreach (var (name, value) in _values)
            if (target._params.Any(p => p.Name == name)) target._values[name] = value;
    }

    /// <summary>The explicitly set values, for saving.</summary>
    internal IReadOnlyDictionary<string, object?> SetValues => _values;

    /// <summary>Restores a saved value (JSON) by the parameter's declared type; unknown names are ignored so
    /// that a model saved by a newer version with more parameters still loads.</summary>
    internal void SetFromJson(string name, JsonElement value)
    {
        var p = _params.FirstOrDefault(x => x.Name == name);
        if (p is null) return;
        var v = value.ValueKind == JsonValueKind.Null ? null : value.Deserialize(p.ValueType, Persistence.JsonOptions);
        p.Validate(v);
        _values[name] = v;
    }

    /// <summary>Validators shared by the stages.</summary>
    protected static class Valid
    {
        /// <summary>x &gt;= 0.</summary>
        public static bool NonNegative(int x) => x >= 0;
        /// <summary>x &gt;= 0.</summary>
        public static bool NonNegative(double x) => x >= 0 && !double.IsNaN(x);
        /// <summary>x &gt;= 1.</summary>
        public static bool Positive(int x) => x >= 1;
        /// <summary>0 &lt;= x &lt;= 1.</summary>
        public static bool Fraction(double x) => x >= 0 && x <= 1;
        /// <summary>A non-empty name.</summary>
        public static bool Name(string s) => !string.IsNullOrWhiteSpace(s);
        /// <summary>One of the options (case-insensitive).</summary>
        public static Func<string, bool> OneOf(params string[] options) => s => options.Contains(s, StringComparer.OrdinalIgnoreCase);
    }
}
