using System.Text;
using Accel.Data;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>Spark's ordering and equality of values, in one place: NaN equals NaN and sorts above every
/// number, -0.0 equals 0.0, strings compare by UTF-8 bytes, false &lt; true.</summary>
public static class SparkOrdering
{
    /// <summary>Compares two non-null CLR values of one type.</summary>
    public static int Compare(object a, object b) => (a, b) switch
    {
        (double x, double y) => Comparisons.CompareDouble(x, y),
        (float x, float y) => Comparisons.CompareDouble(x, y),
        (string x, string y) => CompareUtf8(x, y),
        (IComparable x, _) => x.CompareTo(b),
        _ => throw new AccelException($"values of type {a.GetType().Name} are not comparable"),
    };

    /// <summary>Compares strings by their UTF-8 bytes (code point order).</summary>
    public static int CompareUtf8(string x, string y)
    {
        // UTF-16 ordinal order equals code point order except around surrogates; fall back to bytes only then.
        int c = string.CompareOrdinal(x, y);
        if (c == 0 || (!HasSurrogate(x) && !HasSurrogate(y))) return c;
        return Encoding.UTF8.GetBytes(x).AsSpan().SequenceCompareTo(Encoding.UTF8.GetBytes(y));
    }

    private static bool HasSurrogate(string s)
    {
        foreach (char ch in s) if (char.IsSurrogate(ch)) return true;
        return false;
    }

    /// <summary>A value normalized for grouping and join equality (-0.0 becomes 0.0, every NaN one NaN).</summary>
    public static object? NormalizeKey(object? v) => v switch
    {
        double d when double.IsNaN(d) => double.NaN,
        double d when d == 0 => 0.0,
        float f when float.IsNaN(f) => float.NaN,
        float f when f == 0 => 0f,
        _ => v,
    };

    /// <summary>A comparer of rows of one column by physical index, with nulls placed first or last and
    /// the direction applied (nulls placement is independent of direction).</summary>
    public static Comparison<int> ColumnComparer(ColumnVector c, bool ascending, bool nullsFirst)
    {
        Comparison<int> values = c switch
        {
            PrimitiveVector<int> v => (i, j) => v.Values[i].CompareTo(v.Values[j]),
            PrimitiveVector<long> v => (i, j) => v.Values[i].CompareTo(v.Values[j]),
            PrimitiveVector<double> v => (i, j) => Comparisons.CompareDouble(v.Values[i], v.Values[j]),
            PrimitiveVector<float> v => (i, j) => Comparisons.CompareDouble(v.Values[i], v.Values[j]),
            PrimitiveVector<bool> v => (i, j) => v.Values[i].CompareTo(v.Values[j]),
            StringVector s => (i, j) => s.GetBytes(i).SequenceCompareTo(s.GetBytes(j)),
            _ => (i, j) => Compare(c.GetValue(i)!, c.GetValue(j)!),
        };
        if (c.Validity is null) return ascending ? values : (i, j) => values(j, i);
        return (i, j) =>
        {
            bool ni = c.IsNull(i), nj = c.IsNull(j);
            if (ni || nj) return ni == nj ? 0 : ni == nullsFirst ? -1 : 1;
            return ascending ? values(i, j) : values(j, i);
        };
    }
}

/// <summary>The key values of one row, compared by value (normalized per <see cref="SparkOrdering.NormalizeKey"/>);
/// a NULL key value equals another NULL (grouping semantics; joins skip NULL keys themselves).</summary>
public sealed class RowKey : IEquatable<RowKey>
{
    private readonly object?[] _values;
    private readonly int _hash;

    /// <summary>Captures row <paramref name="row"/> of the key columns.</summary>
    public RowKey(IReadOnlyList<ColumnVector> keys, int row)
    {
        _values = new object?[keys.Count];
        var h = new HashCode();
        for (int k = 0; k < keys.Count; k++)
        {
            var v = SparkOrdering.NormalizeKey(keys[k].GetValue(row));
            _values[k] = v;
            h.Add(v);
        }
        _hash = h.ToHashCode();
    }

    /// <summary>The key values.</summary>
    public IReadOnlyList<object?> Values => _values;

    /// <summary>True when any key value is NULL.</summary>
    public bool HasNull => Array.IndexOf(_values, null) >= 0;

    /// <inheritdoc />
    public bool Equals(RowKey? other)
    {
        if (other is null || other._hash != _hash) return false;
        for (int i = 0; i < _values.Length; i++)
            if (!Equals(_values[i], other._values[i])) return false;
        return true;
    }

    /// <inheritdoc />
    public override bool Equals(object? obj) => obj is RowKey k && Equals(k);
    /// <inheritdoc />
    public override int GetHashCode() => _hash;
}
