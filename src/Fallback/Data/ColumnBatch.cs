namespace Accel.Data;

/// <summary>A horizontal slice of a table: one <see cref="ColumnVector"/> per schema field, all of one
/// length, plus an optional selection vector (the ascending row positions still alive after a filter,
/// as Photon's position lists) so that a filter need not copy columns.</summary>
public sealed class ColumnBatch
{
    /// <summary>The schema the columns follow.</summary>
    public Schema Schema { get; }
    /// <summary>The physical columns (each <see cref="PhysicalRows"/> long).</summary>
    public IReadOnlyList<ColumnVector> Columns { get; }
    /// <summary>Rows stored in each column, ignoring the selection.</summary>
    public int PhysicalRows { get; }
    /// <summary>Positions of the live rows, or null when all rows are live.</summary>
    public int[]? Selection { get; }

    /// <summary>Creates a batch; every column must have <paramref name="physicalRows"/> rows.</summary>
    public ColumnBatch(Schema schema, IReadOnlyList<ColumnVector> columns, int physicalRows, int[]? selection = null)
    {
        if (schema.Count != columns.Count) throw new ArgumentException($"schema has {schema.Count} fields but {columns.Count} columns were given");
        for (int i = 0; i < columns.Count; i++)
            if (columns[i].Length != physicalRows)
                throw new ArgumentException($"column '{schema[i].Name}' has {columns[i].Length} rows, expected {physicalRows}");
        Schema = schema;
        Columns = columns;
        PhysicalRows = physicalRows;
        Selection = selection;
    }

    /// <summary>Creates a batch whose row count is taken from the columns (0 columns: 0 rows).</summary>
    public ColumnBatch(Schema schema, IReadOnlyList<ColumnVector> columns)
        : this(schema, columns, columns.Count == 0 ? 0 : columns[0].Length) { }

    /// <summary>Number of live rows.</summary>
    public int RowCount => Selection?.Length ?? PhysicalRows;

    /// <summary>The column at an ordinal (physical, selection not applied).</summary>
    public ColumnVector this[int ordinal] => Columns[ordinal];

    /// <summary>This batch with a selection vector (positions into the physical rows).</summary>
    public ColumnBatch WithSelection(int[]? selection) => new(Schema, Columns, PhysicalRows, selection);

    /// <summary>A batch whose columns hold only the live rows (no selection vector).</summary>
    public ColumnBatch Compact()
    {
        if (Selection is null) return this;
        var sel = Selection;
        return new ColumnBatch(Schema, Columns.Select(c => c.Gather(sel)).ToArray(), sel.Length);
    }

    /// <summary>Physical row position of live row i.</summary>
    public int RowAt(int i) => Selection is null ? i : Selection[i];

    /// <summary>Live rows as object arrays (slow; for Collect, Show and tests).</summary>
    public IEnumerable<object?[]> Rows()
    {
        for (int i = 0; i < RowCount; i++)
        {
            int r = RowAt(i);
            var row = new object?[Columns.Count];
            for (int c = 0; c < row.Length; c++) row[c] = Columns[c].GetValue(r);
            yield return row;
        }
    }

    /// <summary>An empty batch of a schema.</summary>
    public static ColumnBatch Empty(Schema schema) =>
        new(schema, schema.Fields.Select(f => ColumnBuilder.Create(f.Type, 0).Build()).ToArray(), 0);

    /// <summary>All rows of the batches as one batch, which may carry a selection: slices of one batch (as
    /// operators emit a large result in batch-size pieces) come back as that batch's columns under one selection,
    /// without copying; other inputs are concatenated.</summary>
    public static ColumnBatch Combine(Schema schema, IReadOnlyList<ColumnBatch> batches)
    {
        if (batches.Count == 0) return Empty(schema);
        var first = batches[0];
        if (!batches.All(b => b.PhysicalRows == first.PhysicalRows && b.Columns.Count == first.Columns.Count
                && b.Columns.Zip(first.Columns).All(p => ReferenceEquals(p.First, p.Second))))
            return Concat(schema, batches);
        var sel = new int[batches.Sum(b => b.RowCount)];
        bool identity = sel.Length == first.PhysicalRows;
        int n = 0;
        foreach (var b in batches)
            for (int i = 0; i < b.RowCount; i++)
            {
                int r = b.RowAt(i);
                identity &= r == n;
                sel[n++] = r;
            }
        return new ColumnBatch(schema, first.Columns, first.PhysicalRows, identity ? null : sel);
    }

    /// <summary>Concatenates batches of one schema into one compact batch.</summary>
    public static ColumnBatch Concat(Schema schema, IReadOnlyList<ColumnBatch> batches)
    {
        if (batches.Count == 0) return Empty(schema);
        if (batches.Count == 1) return batches[0].Compact();
        var compact = batches.Select(b => b.Compact()).ToArray();
        var cols = new ColumnVector[schema.Count];
        for (int c = 0; c < cols.Length; c++) cols[c] = ColumnVector.Concat(schema[c].Type, compact.Select(b => b.Columns[c]).ToArray());
        return new ColumnBatch(schema, cols, compact.Sum(b => b.PhysicalRows));
    }

    /// <summary>Builds a batch from rows of CLR values (for tests and small literals).</summary>
    public static ColumnBatch FromRows(Schema schema, IEnumerable<object?[]> rows)
    {
        var builders = schema.Fields.Select(f => ColumnBuilder.Create(f.Type)).ToArray();
        foreach (var row in rows)
            for (int c = 0; c < builders.Length; c++) builders[c].Append(row[c]);
        return new ColumnBatch(schema, builders.Select(b => b.Build()).ToArray());
    }
}
