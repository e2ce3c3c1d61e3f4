using CultureInfo = System.Globalization.CultureInfo;
using Accel.Data;
using Accel.Execution;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>The SIMD explode gives the scalar explode's rows: NULL, empty and one-NULL-element arrays, with and without
/// outer, over selections, for integer and string elements.</summary>
public sealed class ExplodeSimdTests
{
    private static List<string> Render(ColumnBatch b) =>
        b.Rows().Select(r => string.Join("|", r.Select(v => Convert.ToString(v, CultureInfo.InvariantCulture) ?? "NULL"))).ToList();

    [Theory]
    [InlineData(false)]
    [InlineData(true)]
    public void Explode_equals_scalar(bool outer)
    {
        foreach (var element in new[] { DataType.Int64, DataType.Utf8 })
        {
            var schema = new Schema([new Field("id", DataType.Int32), new Field("a", DataType.ArrayOf(element)), new Field("s", DataType.Utf8)]);
            var output = new Schema([schema[0], new Field("a", element), schema[2]]);
            foreach (int n in new[] { 0, 1, 63, 1000 })
            {
                var rng = new Random(n + (outer ? 1 : 0));
                object? Value(int k) => rng.Next(9) == 0 ? null : element.Id == TypeId.Utf8 ? "w" + k : (object)(long)k;
                var batch = ColumnBatch.FromRows(schema, Enumerable.Range(0, n).Select(i => new object?[]
                {
                    i, rng.Next(6) switch { 0 => null, 1 => Array.Empty<object?>(), var m => Enumerable.Range(0, m).Select(Value).ToArray() },
                    rng.Next(5) == 0 ? null : "row " + i,
                }).ToList());
                var spec = new ExplodeSpec(schema, 1, outer, output);
                foreach (var input in new[] { batch, batch.WithSelection([.. Enumerable.Range(0, n).Where(i => i % 3 != 0)]) })
                {
                    var expected = Render(new ExplodeScalar().Explode(input, spec));
                    Assert.Equal(expected, Render(new ExplodeSimd().Explode(input, spec)));
                    if (n >= 63) Assert.True(expected.Count > input.RowCount, "arrays of several elements make more rows");
                }
            }
        }
    }
}
