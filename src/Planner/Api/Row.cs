using Accel.Data;

namespace Accel.Sql;

/// <summary>One result row, shaped like Microsoft.Spark.Sql.Row.</summary>
public sealed class Row
{
    /// <summary>Creates a row over values that follow <paramref name="schema"/>.</summary>
    public Row(object?[] values, Schema schema)
    {
        Values = values;
        Schema = schema;
    }

    /// <summary>The values (CLR objects; NULL is null).</summary>
    public object?[] Values { get; }
    /// <summary>The columns.</summary>
    public Schema Schema { get; }
    /// <summary>Number of columns.</summary>
    public int Size() => Values.Length;
    /// <summary>Value at an ordinal.</summary>
    public object? Get(int i) => Values[i];
    /// <summary>Value of a column by name.</summary>
    public object? Get(string column) => Values[Schema.Require(column)];
    /// <summary>Value at an ordinal.</summary>
    public object? this[int i] => Values[i];
    /// <summary>Typed value at an ordinal.</summary>
    public T GetAs<T>(int i) => (T)Values[i]!;
    /// <summary>Typed value of a column by name.</summary>
    public T GetAs<T>(string column) => (T)Get(column)!;
    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(",", Values.Select(v => v is null ? "null" : ValueConversions.Format(v))) + "]";
}
