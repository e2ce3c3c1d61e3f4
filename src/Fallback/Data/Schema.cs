using System.Threading;

namespace Accel.Data;

/// <summary>A named, typed column of a schema. <see cref="Id"/> identifies the attribute across plans
/// (as Spark's exprId), so that df1["id"] and df2["id"] stay distinct after a join.</summary>
public sealed record Field(string Name, DataType Type, bool Nullable = true, long Id = 0)
{
    private static long s_nextId;

    /// <summary>A new unique attribute id.</summary>
    public static long NewId() => Interlocked.Increment(ref s_nextId);

    /// <summary>This field with a fresh attribute id.</summary>
    public Field WithNewId() => this with { Id = NewId() };

    /// <inheritdoc />
    public override string ToString() => $"{Name}: {Type}";
}

/// <summary>An ordered list of fields. Name lookup is case-insensitive, as in Spark.</summary>
public sealed class Schema
{
    /// <summary>The fields in column order.</summary>
    public IReadOnlyList<Field> Fields { get; }

    /// <summary>Creates a schema; fields without an id get a fresh one.</summary>
    public Schema(IEnumerable<Field> fields) =>
        Fields = fields.Select(f => f.Id == 0 ? f.WithNewId() : f).ToArray();

    /// <summary>Number of columns.</summary>
    public int Count => Fields.Count;

    /// <summary>The field at an ordinal.</summary>
    public Field this[int ordinal] => Fields[ordinal];

    /// <summary>Ordinal of the column with this name, or -1. Throws when the name is ambiguous.</summary>
    public int IndexOf(string name)
    {
        int found = -1;
        for (int i = 0; i < Fields.Count; i++)
        {
            if (!string.Equals(Fields[i].Name, name, StringComparison.OrdinalIgnoreCase)) continue;
            if (found >= 0)
                throw new AccelException($"column reference '{name}' is ambiguous: the input has it more than once ({this}); select it through its DataFrame, e.g. df[\"{name}\"]");
            found = i;
        }
        return found;
    }

    /// <summary>Ordinal of the column with this attribute id, or -1.</summary>
    public int IndexOfId(long id)
    {
        for (int i = 0; i < Fields.Count; i++) if (Fields[i].Id == id) return i;
        return -1;
    }

    /// <summary>Ordinal of a column by name, throwing an error that lists the columns when absent.</summary>
    public int Require(string name)
    {
        int i = IndexOf(name);
        if (i < 0) throw new AccelException($"column '{name}' does not exist; available columns: [{string.Join(", ", Fields.Select(f => f.Name))}]");
        return i;
    }

    /// <inheritdoc />
    public override string ToString() => "[" + string.Join(", ", Fields) + "]";
}
