using System.Buffers;
using System.Runtime.InteropServices;
using Accel.Data;
using Apache.Arrow;
using Apache.Arrow.Types;
using ArrowField = Apache.Arrow.Field;
using ArrowSchema = Apache.Arrow.Schema;
using Field = Accel.Data.Field;
using Schema = Accel.Data.Schema;

namespace Accel.IO;

/// <summary>Converts between engine batches and Apache.Arrow record batches. Fixed-width value buffers
/// of compact columns are handed to Arrow without copying (wrapped through a MemoryManager); booleans are
/// bit-packed, decimals widened to Arrow's 128-bit decimals, so those are copied.</summary>
public static class ArrowConversion
{
    /// <summary>The Arrow schema of an engine schema.</summary>
    public static ArrowSchema ToArrowSchema(Schema schema) =>
        new(schema.Fields.Select(f => new ArrowField(f.Name, ToArrowType(f.Type), f.Nullable)), null);

    private static IArrowType ToArrowType(DataType t) => t.Id switch
    {
        TypeId.Boolean => BooleanType.Default,
        TypeId.Int32 => Int32Type.Default,
        TypeId.Int64 => Int64Type.Default,
        TypeId.Float32 => FloatType.Default,
        TypeId.Float64 => DoubleType.Default,
        TypeId.Decimal => new Decimal128Type(t.Precision, t.Scale),
        TypeId.Date32 => Date32Type.Default,
        TypeId.Timestamp => new TimestampType(TimeUnit.Microsecond, "UTC"),
        TypeId.Utf8 => StringType.Default,
        TypeId.Array => new ListType(ToArrowType(t.Element!)),
        _ => throw new AccelException($"type {t} has no Arrow equivalent"),
    };

    /// <summary>The engine schema of an Arrow schema.</summary>
    public static Schema FromArrowSchema(ArrowSchema schema, string source) =>
        new(schema.FieldsList.Select(f => new Field(f.Name, FromArrowType(f.DataType, f.Name, source), f.IsNullable)));

    private static DataType FromArrowType(IArrowType t, string column, string source) => t switch
    {
        BooleanType => DataType.Boolean,
        Int8Type or Int16Type or Int32Type or UInt8Type or UInt16Type => DataType.Int32,
        Int64Type or UInt32Type => DataType.Int64,
        FloatType => DataType.Float32,
        DoubleType => DataType.Float64,
        Decimal128Type d when d.Precision <= DataType.MaxDecimalPrecision => DataType.Decimal(d.Precision, d.Scale),
        Decimal128Type d => throw new AccelException($"column '{column}' in {source} is decimal({d.Precision},{d.Scale}); precision above 18 is not supported"),
        Date32Type => DataType.Date32,
        TimestampType => DataType.Timestamp,
        StringType => DataType.Utf8,
        ListType l => DataType.ArrayOf(FromArrowType(l.ValueDataType, column, source)),
        _ => throw new AccelException($"column '{column}' in {source} has Arrow type {t.Name}, which Accel does not read"),
    };

    /// <summary>An engine batch as an Arrow record batch (the selection vector is applied first).</summary>
    public static RecordBatch ToArrow(ColumnBatch batch)
    {
        var b = batch.Compact();
        return new RecordBatch(ToArrowSchema(b.Schema), b.Columns.Select(ToArrowArray).ToArray(), b.PhysicalRows);
    }

    private static IArrowArray ToArrowArray(ColumnVector c)
    {
        var nulls = c.Validity is null ? ArrowBuffer.Empty : new ArrowBuffer(c.Validity.Bits);
        int nullCount = c.NullCount;
        switch (c)
        {
            case PrimitiveVector<bool> v:
            {
                var bits = new byte[(c.Length + 7) / 8];
                for (int i = 0; i < c.Length; i++) if (v.Values[i]) bits[i >> 3] |= (byte)(1 << (i & 7));
                return new BooleanArray(new ArrowBuffer(bits), nulls, c.Length, nullCount, 0);
            }
            case PrimitiveVector<long> v when c.Type.Id == TypeId.Decimal:
            {
                var wide = new byte[c.Length * 16];
                var span = MemoryMarshal.Cast<byte, long>(wide.AsSpan());
                for (int i = 0; i < c.Length; i++) { span[2 * i] = v.Values[i]; span[2 * i + 1] = v.Values[i] < 0 ? -1 : 0; }
                return new Decimal128Array(new ArrayData(ToArrowType(c.Type), c.Length, nullCount, 0, [nulls, new ArrowBuffer(wide)]));
            }
            case PrimitiveVector<int> v:
                return ArrowArrayFactory.BuildArray(new ArrayData(ToArrowType(c.Type), c.Length, nullCount, 0, [nulls, Wrap(v.Values, c.Length)]));
            case PrimitiveVector<long> v:
                return ArrowArrayFactory.BuildArray(new ArrayData(ToArrowType(c.Type), c.Length, nullCount, 0, [nulls, Wrap(v.Values, c.Length)]));
            case PrimitiveVector<float> v:
                return ArrowArrayFactory.BuildArray(new ArrayData(ToArrowType(c.Type), c.Length, nullCount, 0, [nulls, Wrap(v.Values, c.Length)]));
            case PrimitiveVector<double> v:
                return ArrowArrayFactory.BuildArray(new ArrayData(ToArrowType(c.Type), c.Length, nullCount, 0, [nulls, Wrap(v.Values, c.Length)]));
            case StringVector s:
                return new StringArray(c.Length, Wrap(s.Offsets, c.Length + 1), new ArrowBuffer(s.Data.AsMemory(0, s.Offsets[c.Length])), nulls, nullCount, 0);
            case ListVector l:
            {
                var child = ToArrowArray(l.Values);
                return new ListArray(ToArrowType(c.Type), c.Length, Wrap(l.Offsets, c.Length + 1), child, nulls, nullCount, 0);
            }
            default:
                throw new AccelException($"cannot convert a {c.Type} column to Arrow");
        }
    }

    // Arrow reads the T[] in place through a byte view of it.
    private static ArrowBuffer Wrap<T>(T[] values, int length) where T : unmanaged =>
        new(new ByteView<T>(values).Memory[..(length * System.Runtime.CompilerServices.Unsafe.SizeOf<T>())]);

    private sealed class ByteView<T>(T[] array) : MemoryManager<byte> where T : unmanaged
    {
        private GCHandle _handle;
        public override Span<byte> GetSpan() => MemoryMarshal.AsBytes(array.AsSpan());
        public override unsafe MemoryHandle Pin(int elementIndex = 0)
        {
            if (!_handle.IsAllocated) _handle = GCHandle.Alloc(array, GCHandleType.Pinned);
            return new MemoryHandle((byte*)_handle.AddrOfPinnedObject() + elementIndex);
        }
        public override void Unpin() { }
        protected override void Dispose(bool disposing)
        {
            if (_handle.IsAllocated) _handle.Free();
        }
    }

    /// <summary>An Arrow record batch as an engine batch (values copied into engine buffers).</summary>
    public static ColumnBatch FromArrow(RecordBatch batch, Schema schema) =>
        new(schema, batch.Arrays.Select((a, i) => FromArrowArray(a, schema[i].Type)).ToArray(), batch.Length);

    private static ValidityBitmap? Validity(IArrowArray a)
    {
        if (a.NullCount == 0) return null;
        var bm = new ValidityBitmap(a.Length);
        for (int i = 0; i < a.Length; i++) if (a.IsNull(i)) bm.Set(i, false);
        return bm;
    }

    private static ColumnVector FromArrowArray(IArrowArray a, DataType type)
    {
        var validity = Validity(a);
        int n = a.Length;
        switch (a)
        {
            case BooleanArray b:
            {
                var v = new bool[n];
                for (int i = 0; i < n; i++) v[i] = b.GetValue(i) ?? false;
                return new PrimitiveVector<bool>(type, v, validity);
            }
            case Int8Array x: return new PrimitiveVector<int>(type, Enumerable.Range(0, n).Select(i => (int)(x.GetValue(i) ?? 0)).ToArray(), validity);
            case Int16Array x: return new PrimitiveVector<int>(type, Enumerable.Range(0, n).Select(i => (int)(x.GetValue(i) ?? 0)).ToArray(), validity);
            case UInt8Array x: return new PrimitiveVector<int>(type, Enumerable.Range(0, n).Select(i => (int)(x.GetValue(i) ?? 0)).ToArray(), validity);
            case UInt16Array x: return new PrimitiveVector<int>(type, Enumerable.Range(0, n).Select(i => (int)(x.GetValue(i) ?? 0)).ToArray(), validity);
            case UInt32Array x: return new PrimitiveVector<long>(type, Enumerable.Range(0, n).Select(i => (long)(x.GetValue(i) ?? 0)).ToArray(), validity);
            case Int32Array x: return new PrimitiveVector<int>(type, x.Values.ToArray(), validity);
            case Date32Array x: return new PrimitiveVector<int>(type, MemoryMarshal.Cast<byte, int>(x.ValueBuffer.Span).Slice(x.Offset, n).ToArray(), validity);
            case Int64Array x: return new PrimitiveVector<long>(type, x.Values.ToArray(), validity);
            case TimestampArray x:
            {
                var raw = MemoryMarshal.Cast<byte, long>(x.ValueBuffer.Span).Slice(x.Offset, n);
                long mul = ((TimestampType)x.Data.DataType).Unit switch { TimeUnit.Second => 1_000_000, TimeUnit.Millisecond => 1000, TimeUnit.Microsecond => 1, _ => 0 };
                var v = new long[n];
                for (int i = 0; i < n; i++) v[i] = mul == 0 ? raw[i] / 1000 : raw[i] * mul;
                return new PrimitiveVector<long>(type, v, validity);
            }
            case FloatArray x: return new PrimitiveVector<float>(type, x.Values.ToArray(), validity);
            case DoubleArray x: return new PrimitiveVector<double>(type, x.Values.ToArray(), validity);
            case Decimal128Array x:
            {
                var v = new long[n];
                for (int i = 0; i < n; i++) if (!x.IsNull(i)) v[i] = (long)(x.GetValue(i)!.Value * ValueConversions.Pow10[type.Scale]);
                return new PrimitiveVector<long>(type, v, validity);
            }
            case StringArray s:
            {
                var b = new StringColumnBuilder(n);
                for (int i = 0; i < n; i++) { if (s.IsNull(i)) b.AppendNull(); else b.AppendBytes(s.GetBytes(i)); }
                return b.Build();
            }
            case ListArray l:
            {
                var b = new ListColumnBuilder(type, n);
                var child = FromArrowArray(l.Values, type.Element!);
                for (int i = 0; i < n; i++)
                {
                    if (l.IsNull(i)) { b.AppendNull(); continue; }
                    int start = l.ValueOffsets[i], end = l.ValueOffsets[i + 1];
                    b.Elements.AppendRange(child, start, end - start);
                    b.CloseRow();
                }
                return b.Build();
            }
            default:
                throw new AccelException($"cannot read Arrow array of type {a.Data.DataType.Name}");
        }
    }
}
