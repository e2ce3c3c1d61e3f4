using System.Text;

namespace Accel.Data;

/// <summary>One column of a batch, in Arrow's layout: a value buffer plus an optional validity bitmap
/// (null means every row is valid). Values under null rows are default and must not be relied on.</summary>
public abstract class ColumnVector
{
    /// <summary>The logical type.</summary>
    public DataType Type { get; }
    /// <summary>Number of rows.</summary>
    public int Length { get; }
    /// <summary>Validity bitmap, or null when no row is null.</summary>
    public ValidityBitmap? Validity { get; }

    private int _nullCount = -1;

    /// <summary>Base constructor.</summary>
    protected ColumnVector(DataType type, int length, ValidityBitmap? validity)
    {
        if (validity is not null && validity.Length != length) throw new ArgumentException($"validity length {validity.Length} != column length {length}");
        Type = type;
        Length = length;
        Validity = validity;
    }

    /// <summary>Number of null rows.</summary>
    public int NullCount => _nullCount >= 0 ? _nullCount : (_nullCount = Validity?.CountNulls() ?? 0);

    /// <summary>True when row i is null.</summary>
    public bool IsNull(int i) => Validity is not null && !Validity.IsValid(i);

    /// <summary>The value at row i as a CLR object (null for SQL NULL): bool, int, long, float, double,
    /// decimal (for decimal types), DateOnly, DateTime (UTC), string, or object?[] for arrays.</summary>
    public abstract object? GetValue(int i);

    /// <summary>A new column holding the rows at <paramref name="indices"/>; an index of -1 yields NULL
    /// (used by outer joins).</summary>
    public abstract ColumnVector Gather(ReadOnlySpan<int> indices);

    /// <summary>Rows [offset, offset+count) as a new column.</summary>
    public virtual ColumnVector Slice(int offset, int count)
    {
        var idx = new int[count];
        for (int i = 0; i < count; i++) idx[i] = offset + i;
        return Gather(idx);
    }

    /// <summary>Gathers the validity bitmap; null when every gathered row is valid.</summary>
    protected ValidityBitmap? GatherValidity(ReadOnlySpan<int> indices)
    {
        bool any = false;
        foreach (var ix in indices) if (ix < 0 || IsNull(ix)) { any = true; break; }
        if (!any) return null;
        var bm = new ValidityBitmap(indices.Length);
        for (int i = 0; i < indices.Length; i++)
            if (indices[i] < 0 || IsNull(indices[i])) bm.Set(i, false);
        return bm;
    }

    /// <summary>A column of <paramref name="length"/> NULLs of the given type.</summary>
    public static ColumnVector Nulls(DataType type, int length) => ColumnBuilder.Create(type, length).AppendNulls(length).Build();

    /// <summary>Concatenates columns of one type.</summary>
    public static ColumnVector Concat(DataType type, IReadOnlyList<ColumnVector> parts)
    {
        if (parts.Count == 1) return parts[0];
        int total = parts.Sum(p => p.Length);
        var b = ColumnBuilder.Create(type, total);
        foreach (var p in parts) b.AppendRange(p, 0, p.Length);
        return b.Build();
    }
}

/// <summary>A fixed-width column: booleans, integers, floats, decimals (scaled int64), dates (int32 days)
/// and timestamps (int64 microseconds).</summary>
public sealed class PrimitiveVector<T> : ColumnVector where T : unmanaged
{
    /// <summary>The value buffer; at least <see cref="ColumnVector.Length"/> elements.</summary>
    public T[] Values { get; }

    /// <summary>Wraps a value buffer and optional validity.</summary>
    public PrimitiveVector(DataType type, T[] values, ValidityBitmap? validity = null, int length = -1)
        : base(type, length < 0 ? values.Length : length, validity)
    {
        if (type.StorageType != typeof(T)) throw new ArgumentException($"type {type} is stored as {type.StorageType.Name}, not {typeof(T).Name}");
        Values = values;
    }

    /// <summary>The valid rows' values as a span (including garbage under nulls).</summary>
    public ReadOnlySpan<T> Span => Values.AsSpan(0, Length);

    /// <inheritdoc />
    public override object? GetValue(int i) => IsNull(i) ? null : ValueConversions.ToObject(Type, Values[i]);

    /// <inheritdoc />
    public override ColumnVector Gather(ReadOnlySpan<int> indices)
    {
        var dst = new T[indices.Length];
        var src = Values;
        for (int i = 0; i < indices.Length; i++) { int ix = indices[i]; dst[i] = ix < 0 ? default : src[ix]; }
        return new PrimitiveVector<T>(Type, dst, GatherValidity(indices));
    }
}

/// <summary>A UTF-8 string column in Arrow's layout: Length+1 offsets into one byte buffer.</summary>
public sealed class StringVector : ColumnVector
{
    /// <summary>Offsets; row i spans Data[Offsets[i]..Offsets[i+1]].</summary>
    public int[] Offsets { get; }
    /// <summary>Concatenated UTF-8 bytes.</summary>
    public byte[] Data { get; }

    /// <summary>Wraps offsets and bytes.</summary>
    public StringVector(int[] offsets, byte[] data, ValidityBitmap? validity = null, int length = -1)
        : base(DataType.Utf8, length < 0 ? offsets.Length - 1 : length, validity)
    {
        Offsets = offsets;
        Data = data;
    }

    /// <summary>The UTF-8 bytes of row i.</summary>
    public ReadOnlySpan<byte> GetBytes(int i) => Data.AsSpan(Offsets[i], Offsets[i + 1] - Offsets[i]);

    /// <summary>Row i decoded (null for SQL NULL).</summary>
    public string? GetString(int i) => IsNull(i) ? null : Encoding.UTF8.GetString(GetBytes(i));

    /// <inheritdoc />
    public override object? GetValue(int i) => GetString(i);

    /// <summary>Builds a column from strings (null entries are SQL NULL).</summary>
    public static StringVector From(IReadOnlyList<string?> values)
    {
        var b = new StringColumnBuilder(values.Count);
        foreach (var v in values) b.Append(v);
        return (StringVector)b.Build();
    }

    /// <inheritdoc />
    public override ColumnVector Gather(ReadOnlySpan<int> indices)
    {
        var offsets = new int[indices.Length + 1];
        long total = 0;
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if (ix >= 0) total += Offsets[ix + 1] - Offsets[ix];
            offsets[i + 1] = checked((int)total);
        }
        var data = new byte[total];
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if (ix >= 0) GetBytes(ix).CopyTo(data.AsSpan(offsets[i]));
        }
        return new StringVector(offsets, data, GatherValidity(indices));
    }
}

/// <summary>An array column (Spark's array&lt;T&gt;): Length+1 offsets into a child column.</summary>
public sealed class ListVector : ColumnVector
{
    /// <summary>Offsets; row i's elements are Values[Offsets[i]..Offsets[i+1]].</summary>
    public int[] Offsets { get; }
    /// <summary>The flattened elements.</summary>
    public ColumnVector Values { get; }

    /// <summary>Wraps offsets and child values.</summary>
    public ListVector(DataType type, int[] offsets, ColumnVector values, ValidityBitmap? validity = null)
        : base(type, offsets.Length - 1, validity)
    {
        if (type.Id != TypeId.Array) throw new ArgumentException("ListVector needs an array type");
        Offsets = offsets;
        Values = values;
    }

    /// <summary>Number of elements in row i.</summary>
    public int ElementCount(int i) => Offsets[i + 1] - Offsets[i];

    /// <inheritdoc />
    public override object? GetValue(int i)
    {
        if (IsNull(i)) return null;
        var r = new object?[ElementCount(i)];
        for (int k = 0; k < r.Length; k++) r[k] = Values.GetValue(Offsets[i] + k);
        return r;
    }

    /// <inheritdoc />
    public override ColumnVector Gather(ReadOnlySpan<int> indices)
    {
        var offsets = new int[indices.Length + 1];
        var child = new List<int>();
        for (int i = 0; i < indices.Length; i++)
        {
            int ix = indices[i];
            if (ix >= 0) for (int k = Offsets[ix]; k < Offsets[ix + 1]; k++) child.Add(k);
            offsets[i + 1] = child.Count;
        }
        return new ListVector(Type, offsets, Values.Gather(child.ToArray()), GatherValidity(indices));
    }
}
