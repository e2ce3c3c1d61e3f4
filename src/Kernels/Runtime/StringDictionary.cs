using System.Runtime.CompilerServices;
using Accel.Data;

namespace Accel.Kernels;

/// <summary>A string column as dictionary codes: each row's code into the column's distinct strings, so the kernels
/// see strings as int64 codes and anything computed from a string is computed once per distinct value on the host.
/// Built once per column and kept as long as the column lives.</summary>
internal sealed class StringDictionary
{
    private static readonly ConditionalWeakTable<StringVector, StringDictionary> s_built = new();

    private StringDictionary(int[] codes, StringVector values)
    {
        Codes = codes;
        Values = values;
    }

    /// <summary>Per physical row, the code of its string (0 under NULL, which the validity byte marks).</summary>
    public int[] Codes { get; }
    /// <summary>The distinct non-NULL strings, in the order first seen; code c is Values[c].</summary>
    public StringVector Values { get; }
    /// <summary>Number of distinct strings.</summary>
    public int Count => Values.Length;

    /// <summary>The dictionary of <paramref name="column"/> (built on first use).</summary>
    public static StringDictionary Of(StringVector column) => s_built.GetValue(column, Build);

    private static StringDictionary Build(StringVector s)
    {
        var codes = new int[s.Length];
        var interner = new StringInterner();
        for (int i = 0; i < codes.Length; i++)
            if (!s.IsNull(i)) codes[i] = interner.Intern(s, i);
        return new StringDictionary(codes, interner.Values());
    }

    /// <summary>One dictionary over several columns' dictionaries (the chunks of one staged column): the union of their
    /// strings and, per part, the map from its codes to the union's (null when the part's codes already are the union's).</summary>
    public static (StringVector Values, int[]?[] Remaps) Union(IReadOnlyList<StringDictionary> parts)
    {
        if (parts.Count == 1) return (parts[0].Values, [null]);
        var interner = new StringInterner();
        var remaps = new int[]?[parts.Count];
        for (int p = 0; p < parts.Count; p++)
        {
            var v = parts[p].Values;
            var map = new int[v.Length];
            bool identity = true;
            for (int c = 0; c < v.Length; c++)
            {
                map[c] = interner.Intern(v, c);
                identity &= map[c] == c;
            }
            remaps[p] = identity ? null : map;
        }
        return (interner.Values(), remaps);
    }
}

/// <summary>Codes of distinct UTF-8 byte strings in the order first seen (bytes, not decoded text, so that different
/// byte strings never merge), and the strings themselves.</summary>
internal sealed class StringInterner
{
    private readonly Dictionary<ReadOnlyMemory<byte>, int> _codes = new(Utf8BytesComparer.Instance);
    private readonly StringColumnBuilder _values = new(16);

    /// <summary>The code of row <paramref name="row"/> of <paramref name="s"/> (not NULL), added when new.</summary>
    public int Intern(StringVector s, int row)
    {
        var bytes = Bytes(s, row);
        if (_codes.TryGetValue(bytes, out int code)) return code;
        _codes.Add(bytes, code = _codes.Count);
        _values.AppendBytes(bytes.Span);
        return code;
    }

    /// <summary>The code of row <paramref name="row"/> of <paramref name="s"/> (not NULL) when it has been interned.</summary>
    public bool TryGet(StringVector s, int row, out int code) => _codes.TryGetValue(Bytes(s, row), out code);

    /// <summary>The interned strings; code c is row c.</summary>
    public StringVector Values() => (StringVector)_values.Build();

    private static ReadOnlyMemory<byte> Bytes(StringVector s, int row) => new(s.Data, s.Offsets[row], s.Offsets[row + 1] - s.Offsets[row]);
}
