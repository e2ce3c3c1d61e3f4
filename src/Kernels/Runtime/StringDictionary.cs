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
        int n = s.Length;
        var codes = new int[n];
        var seen = new Dictionary<ReadOnlyMemory<byte>, int>(Utf8BytesComparer.Instance);
        var values = new StringColumnBuilder(16);
        for (int i = 0; i < n; i++)
        {
            if (s.IsNull(i)) continue;
            var bytes = new ReadOnlyMemory<byte>(s.Data, s.Offsets[i], s.Offsets[i + 1] - s.Offsets[i]);
            if (!seen.TryGetValue(bytes, out int code))
            {
                seen.Add(bytes, code = seen.Count);
                values.AppendBytes(bytes.Span);
            }
            codes[i] = code;
        }
        return new StringDictionary(codes, (StringVector)values.Build());
    }

    /// <summary>One dictionary over several columns' dictionaries (the chunks of one staged column): the union of their
    /// strings and, per part, the map from its codes to the union's (null when the part's codes already are the union's).</summary>
    public static (StringVector Values, int[]?[] Remaps) Union(IReadOnlyList<StringDictionary> parts)
    {
        if (parts.Count == 1) return (parts[0].Values, [null]);
        var seen = new Dictionary<ReadOnlyMemory<byte>, int>(Utf8BytesComparer.Instance);
        var values = new StringColumnBuilder(16);
        var remaps = new int[]?[parts.Count];
        for (int p = 0; p < parts.Count; p++)
        {
            var v = parts[p].Values;
            var map = new int[v.Length];
            bool identity = true;
            for (int c = 0; c < v.Length; c++)
            {
                var bytes = new ReadOnlyMemory<byte>(v.Data, v.Offsets[c], v.Offsets[c + 1] - v.Offsets[c]);
                if (!seen.TryGetValue(bytes, out int code))
                {
                    seen.Add(bytes, code = seen.Count);
                    values.AppendBytes(bytes.Span);
                }
                map[c] = code;
                identity &= code == c;
            }
            remaps[p] = identity ? null : map;
        }
        return ((StringVector)values.Build(), remaps);
    }
}
