using Accel.Data;

namespace Accel.Tests;

/// <summary>Concatenation into pooled buffers gives ColumnBatch.Concat's rows, and keeps its buffers out of the pool
/// while a result column still holds one.</summary>
public sealed class PooledConcatTests
{
    private static readonly Schema S = new([new Field("l", DataType.Int64), new Field("i", DataType.Int32), new Field("s", DataType.Utf8), new Field("n", DataType.Float64)]);

    private static List<ColumnBatch> Parts() =>
    [
        ColumnBatch.FromRows(S, Enumerable.Range(0, 700).Select(r => new object?[] { (long)r * 3, r, "s" + r, r % 7 == 0 ? null : r * 0.5 }).ToList()),
        ColumnBatch.FromRows(S, [[-1L, -1, null, 2.5]]).WithSelection([]),
        ColumnBatch.FromRows(S, Enumerable.Range(0, 300).Select(r => new object?[] { (long)-r, -r, "t" + r, 1.0 }).ToList()).WithSelection([5, 7, 299]),
    ];

    [Fact]
    public void Pooled_concatenation_has_the_rows_of_the_plain_one()
    {
        var pool = new PooledConcat();
        var pooled = pool.Combine(S, Parts());
        var plain = ColumnBatch.Concat(S, Parts());
        Assert.Equal(703, pooled.RowCount);
        Assert.Equal(plain.Rows().Select(r => string.Join("|", r)), pooled.Rows().Select(r => string.Join("|", r)));
        // The NULL-free fixed-width columns were copied into rented buffers (longer than the rows they hold).
        Assert.True(((PrimitiveVector<long>)pooled[0]).Values.Length >= 703);
        Assert.IsType<StringVector>(pooled[2]);
    }

    [Fact]
    public void Null_free_strings_are_copied_into_pooled_buffers_through_selections()
    {
        var schema = new Schema([new Field("s", DataType.Utf8, false)]);
        string Text(int r) => r % 5 == 0 ? "" : r % 3 == 0 ? "a string longer than sixteen bytes " + r : "s" + r;
        var whole = ColumnBatch.FromRows(schema, Enumerable.Range(0, 500).Select(r => new object?[] { Text(r) }).ToList());
        var sliced = ColumnBatch.FromRows(schema, Enumerable.Range(500, 400).Select(r => new object?[] { Text(r) }).ToList()).WithSelection([0, 3, 4, 5, 399]);
        var parts = new[] { whole, sliced, whole.WithSelection([]) };
        var pool = new PooledConcat();
        var pooled = pool.Concat(schema, parts);
        var expected = Enumerable.Range(0, 500).Select(Text).Concat(new[] { 500, 503, 504, 505, 899 }.Select(Text)).ToList();
        Assert.Equal(expected, pooled.Rows().Select(r => (string)r[0]!));
        var strings = (StringVector)pooled[0];
        Assert.Equal(505, strings.Length);
        Assert.Null(strings.Validity);
        // Rented buffers, released while nothing holds them and kept while a result does.
        pool.Release([new ColumnBatch(schema, [strings], strings.Length)]);
        var rented = System.Buffers.ArrayPool<byte>.Shared.Rent(strings.Data.Length);
        Assert.NotSame(strings.Data, rented);
        System.Buffers.ArrayPool<byte>.Shared.Return(rented);
        Assert.Equal(expected, pooled.Rows().Select(r => (string)r[0]!));
    }

    [Fact]
    public void Buffers_stay_out_of_the_pool_while_a_result_holds_one()
    {
        var pool = new PooledConcat();
        var combined = pool.Combine(S, Parts());
        var held = (PrimitiveVector<long>)combined[0];
        var snapshot = held.Span.ToArray();
        pool.Release([new ColumnBatch(new Schema([S[0]]), [held], combined.RowCount)]);
        // Renting the same size again must not hand out the held buffer.
        var rented = System.Buffers.ArrayPool<long>.Shared.Rent(held.Values.Length);
        Assert.NotSame(held.Values, rented);
        rented.AsSpan().Fill(-99);
        Assert.Equal(snapshot, held.Span.ToArray());
        System.Buffers.ArrayPool<long>.Shared.Return(rented);
    }

    [Fact]
    public void One_batch_and_slices_of_one_batch_are_not_copied()
    {
        var pool = new PooledConcat();
        var one = Parts()[0];
        Assert.Same(one.Columns[0], pool.Combine(S, [one]).Columns[0]);
        var slices = new[] { one.WithSelection([0, 1, 2]), one.WithSelection([10, 11]) };
        var combined = pool.Combine(S, slices);
        Assert.Same(one.Columns[0], combined.Columns[0]);
        Assert.Equal(5, combined.RowCount);
    }
}
