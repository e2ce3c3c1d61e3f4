using System.Globalization;
using System.Text;

namespace Accel.Data;

/// <summary>Builds a column row by row; used by readers, the scalar path and result assembly.</summary>
public abstract class ColumnBuilder
{
    /// <summary>The type being built.</summary>
    public DataType Type { get; }
    /// <summary>Rows appended so far.</summary>
    public int Count { get; protected set; }
    private ValidityBitmapBuilder _validity;

    /// <summary>Base constructor.</summary>
    protected ColumnBuilder(DataType type, int capacity)
    {
        Type = type;
        _validity = new ValidityBitmapBuilder(capacity);
    }

    /// <summary>A builder for any type.</summary>
    public static ColumnBuilder Create(DataType type, int capacity = 16) => type.Id switch
    {
        TypeId.Boolean => new PrimitiveColumnBuilder<bool>(type, capacity),
        TypeId.Int32 or TypeId.Date32 => new PrimitiveColumnBuilder<int>(type, capacity),
        TypeId.Int64 or TypeId.Decimal or TypeId.Timestamp => new PrimitiveColumnBuilder<long>(type, capacity),
        TypeId.Float32 => new PrimitiveColumnBuilder<float>(type, capacity),
        TypeId.Float64 => new PrimitiveColumnBuilder<double>(type, capacity),
        TypeId.Utf8 => new StringColumnBuilder(capacity),
        TypeId.Array => new ListColumnBuilder(type, capacity),
        // An all-NULL column of unknown type is materialized as a nullable int32 column (Spark's NullType prints the same).
        TypeId.Null => new PrimitiveColumnBuilder<int>(DataType.Int32, capacity),
        _ => throw new NotSupportedException($"no column builder for {type}"),
    };

    /// <summary>Appends a NULL.</summary>
    public ColumnBuilder AppendNull() { AppendDefault(); _validity.Append(false); Count++; return this; }

    /// <summary>Appends n NULLs.</summary>
    public ColumnBuilder AppendNulls(int n) { for (int i = 0; i < n; i++) AppendNull(); return this; }

    /// <summary>Appends a CLR value (see <see cref="ColumnVector.GetValue"/> for the accepted types); null appends NULL.</summary>
    public ColumnBuilder Append(object? value)
    {
        if (value is null || value is DBNull) return AppendNull();
        AppendObject(value);
        _validity.Append(true);
        Count++;
        return this;
    }

    /// <summary>Appends rows [offset, offset+count) of a column of the same type.</summary>
    public virtual void AppendRange(ColumnVector src, int offset, int count)
    {
        for (int i = offset; i < offset + count; i++) Append(src.GetValue(i));
    }

    /// <summary>Marks the row just appended through a typed method as valid.</summary>
    protected void AppendValid() { _validity.Append(true); Count++; }

    /// <summary>Appends a placeholder value under a null.</summary>
    protected abstract void AppendDefault();
    /// <summary>Appends a non-null CLR value.</summary>
    protected abstract void AppendObject(object value);
    /// <summary>Finishes the column.</summary>
    public abstract ColumnVector Build();

    /// <summary>The validity bitmap so far (null when no row is null).</summary>
    protected ValidityBitmap? BuildValidity() => _validity.Build(Count);

    private struct ValidityBitmapBuilder(int capacity)
    {
        private bool[] _flags = new bool[Math.Max(capacity, 4)];
        private int _n;
        private bool _anyNull;
        public void Append(bool valid)
        {
            if (_n == _flags.Length) Array.Resize(ref _flags, _flags.Length * 2);
            _flags[_n++] = valid;
            _anyNull |= !valid;
        }
        public readonly ValidityBitmap? Build(int count) => _anyNull ? ValidityBitmap.FromFlags(_flags.AsSpan(0, count)) : null;
    }
}

/// <summary>Builder for fixed-width columns.</summary>
public sealed class PrimitiveColumnBuilder<T>(DataType type, int capacity) : ColumnBuilder(type, capacity) where T : unmanaged
{
    private T[] _values = new T[Math.Max(capacity, 4)];

    /// <summary>Appends a stored (already scaled/encoded) value.</summary>
    public void AppendValue(T value) { Push(value); AppendValid(); }

    private void Push(T v)
    {
        if (Count == _values.Length) Array.Resize(ref _values, _values.Length * 2);
        _values[Count] = v;
    }

    /// <inheritdoc />
    protected override void AppendDefault() => Push(default);

    /// <inheritdoc />
    protected override void AppendObject(object value) => Push((T)ConvertToStorage(Type, value));

    /// <inheritdoc />
    public override void AppendRange(ColumnVector src, int offset, int count)
    {
        if (src is not PrimitiveVector<T> p) { base.AppendRange(src, offset, count); return; }
        for (int i = offset; i < offset + count; i++)
        {
            if (p.IsNull(i)) AppendNull(); else AppendValue(p.Values[i]);
        }
    }

    /// <inheritdoc />
    public override ColumnVector Build() => new PrimitiveVector<T>(Type, _values, BuildValidity(), Count);

    /// <summary>Converts a CLR value to the stored representation of <paramref name="type"/>.</summary>
    public static object ConvertToStorage(DataType type, object value) => type.Id switch
    {
        TypeId.Boolean => Convert.ToBoolean(value, CultureInfo.InvariantCulture),
        TypeId.Int32 => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        TypeId.Int64 => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        TypeId.Float32 => Convert.ToSingle(value, CultureInfo.InvariantCulture),
        TypeId.Float64 => Convert.ToDouble(value, CultureInfo.InvariantCulture),
        TypeId.Decimal => ValueConversions.FromDecimal(Convert.ToDecimal(value, CultureInfo.InvariantCulture), type.Precision, type.Scale)
                          ?? throw new AccelException($"value {value} does not fit {type}"),
        TypeId.Date32 => value switch
        {
            DateOnly d => ValueConversions.FromDate(d),
            DateTime t => ValueConversions.FromDate(DateOnly.FromDateTime(t)),
            string s => ValueConversions.FromDate(DateOnly.ParseExact(s, "yyyy-MM-dd", CultureInfo.InvariantCulture)),
            _ => Convert.ToInt32(value, CultureInfo.InvariantCulture),
        },
        TypeId.Timestamp => value switch
        {
            DateTime t => ValueConversions.FromTimestamp(t),
            DateTimeOffset o => ValueConversions.FromTimestamp(o.UtcDateTime),
            DateOnly d => ValueConversions.FromTimestamp(d.ToDateTime(TimeOnly.MinValue)),
            _ => Convert.ToInt64(value, CultureInfo.InvariantCulture),
        },
        _ => throw new NotSupportedException($"{type} is not a fixed-width type"),
    };
}

/// <summary>Builder for UTF-8 string columns.</summary>
public sealed class StringColumnBuilder(int capacity) : ColumnBuilder(DataType.Utf8, capacity)
{
    private int[] _offsets = new int[Math.Max(capacity, 4) + 1];
    private byte[] _data = new byte[Math.Max(capacity * 8, 64)];
    private int _bytes;

    /// <summary>Appends a string (null appends NULL).</summary>
    public void Append(string? s)
    {
        if (s is null) { AppendNull(); return; }
        Ensure(Encoding.UTF8.GetMaxByteCount(s.Length));
        _bytes += Encoding.UTF8.GetBytes(s, _data.AsSpan(_bytes));
        Close();
        AppendValid();
    }

    /// <summary>Appends raw UTF-8 bytes.</summary>
    public void AppendBytes(ReadOnlySpan<byte> utf8)
    {
        Ensure(utf8.Length);
        utf8.CopyTo(_data.AsSpan(_bytes));
        _bytes += utf8.Length;
        Close();
        AppendValid();
    }

    private void Ensure(int extra)
    {
        if (_bytes + extra > _data.Length) Array.Resize(ref _data, Math.Max(_data.Length * 2, _bytes + extra));
    }

    private void Close()
    {
        if (Count + 2 > _offsets.Length) Array.Resize(ref _offsets, _offsets.Length * 2);
        _offsets[Count + 1] = _bytes;
    }

    /// <inheritdoc />
    protected override void AppendDefault() => Close();

    /// <inheritdoc />
    protected override void AppendObject(object value)
    {
        var s = value as string ?? ValueConversions.Format(value);
        Ensure(Encoding.UTF8.GetMaxByteCount(s.Length));
        _bytes += Encoding.UTF8.GetBytes(s, _data.AsSpan(_bytes));
        Close();
    }

    /// <inheritdoc />
    public override void AppendRange(ColumnVector src, int offset, int count)
    {
        if (src is not StringVector s) { base.AppendRange(src, offset, count); return; }
        for (int i = offset; i < offset + count; i++)
        {
            if (s.IsNull(i)) AppendNull(); else AppendBytes(s.GetBytes(i));
        }
    }

    /// <inheritdoc />
    public override ColumnVector Build()
    {
        var offsets = _offsets.AsSpan(0, Count + 1).ToArray();
        return new StringVector(offsets, _data, BuildValidity());
    }
}

/// <summary>Builder for array columns.</summary>
public sealed class ListColumnBuilder(DataType type, int capacity) : ColumnBuilder(type, capacity)
{
    private readonly ColumnBuilder _child = Create(type.Element!, capacity * 2);
    private readonly List<int> _offsets = [0];

    /// <summary>The element builder; append elements, then call <see cref="CloseRow"/>.</summary>
    public ColumnBuilder Elements => _child;

    /// <summary>Ends a non-null row made of the elements appended since the previous row.</summary>
    public void CloseRow() { _offsets.Add(_child.Count); AppendValid(); }

    /// <inheritdoc />
    protected override void AppendDefault() => _offsets.Add(_child.Count);

    /// <inheritdoc />
    protected override void AppendObject(object value)
    {
        foreach (var e in (System.Collections.IEnumerable)value) _child.Append(e);
        _offsets.Add(_child.Count);
    }

    /// <inheritdoc />
    public override ColumnVector Build() => new ListVector(Type, _offsets.ToArray(), _child.Build(), BuildValidity());
}
