using Accel.Data;
using Accel.Sql;

namespace Accel.ML.Feature;

/// <summary>Concatenates numeric, boolean and vector (array) columns into one feature vector column
/// (Spark's VectorAssembler). handleInvalid decides what NULL and NaN do: "error" (default) fails naming the row;
/// "skip" drops rows where a scalar input is NULL or NaN or a vector input is NULL (a NaN inside a vector is still an
/// error, as in Spark); "keep" outputs NaN for every value of a NULL input and keeps NaNs.</summary>
public sealed class VectorAssembler : Transformer
{
    private readonly Param<string[]> _inputCols;
    private readonly Param<string> _outputCol;
    private readonly Param<string> _handleInvalid;

    /// <summary>Creates an assembler with Spark's defaults.</summary>
    public VectorAssembler() : base("vecAssembler")
    {
        _inputCols = DefineRequired<string[]>("inputCols", "input column names", a => a is { Length: > 0 });
        _outputCol = Define<string>("outputCol", "output column name", Uid + "__output", Valid.Name);
        _handleInvalid = Define<string>("handleInvalid", "how to handle invalid data (NULL and NaN values). Options are 'skip' (filter out rows with invalid data), 'error' (throw an error), or 'keep' (return relevant number of NaN in the output)", "error", Valid.OneOf("error", "skip", "keep"));
    }

    /// <summary>Sets the input columns.</summary>
    public VectorAssembler SetInputCols(params string[] value) { SetValue(_inputCols, value); return this; }
    /// <summary>Sets the output column.</summary>
    public VectorAssembler SetOutputCol(string value) { SetValue(_outputCol, value); return this; }
    /// <summary>Sets handleInvalid (error|skip|keep).</summary>
    public VectorAssembler SetHandleInvalid(string value) { SetValue(_handleInvalid, value.ToLowerInvariant()); return this; }
    /// <summary>The input columns.</summary>
    public string[] GetInputCols() => Get(_inputCols);
    /// <summary>The output column.</summary>
    public string GetOutputCol() => Get(_outputCol);
    /// <summary>handleInvalid.</summary>
    public string GetHandleInvalid() => Get(_handleInvalid);

    /// <inheritdoc />
    public override DataFrame Transform(DataFrame dataset)
    {
        var inputs = GetInputCols();
        var mode = GetHandleInvalid();
        var batch = MlData.Materialize(dataset).Compact();
        int n = batch.PhysicalRows;
        var cols = new ColumnVector[inputs.Length];
        var dims = new int[inputs.Length];
        for (int c = 0; c < inputs.Length; c++)
        {
            int ord = MlData.RequireColumn(batch.Schema, inputs[c], "VectorAssembler input",
                t => t.IsNumeric || t.Id == TypeId.Boolean || (t.Id == TypeId.Array && (t.Element!.IsNumeric || t.Element.Id == TypeId.Boolean)),
                "numeric, boolean or array<numeric>");
            cols[c] = batch.Columns[ord];
            if (cols[c] is ListVector lv)
            {
                int d = -1;
                for (int i = 0; i < n && d < 0; i++) if (!lv.IsNull(i)) d = lv.ElementCount(i);
                if (d < 0 && n > 0 && mode == "keep")
                    throw new AccelException($"VectorAssembler cannot determine the size of vector column '{inputs[c]}': every row is NULL");
                dims[c] = Math.Max(d, 0);
            }
            else dims[c] = 1;
        }
        int width = dims.Sum();
        var keep = new List<int>(n);
        var values = new double[(long)n * width];
        int outRow = 0;
        for (int i = 0; i < n; i++)
        {
            int at = outRow * width;
            bool drop = false;
            for (int c = 0; c < cols.Length && !drop; c++)
            {
                var col = cols[c];
                if (col.IsNull(i))
                {
                    if (mode == "skip") { drop = true; break; }
                    if (mode == "error") throw Invalid("null", inputs[c], i);
                    values.AsSpan(at, dims[c]).Fill(double.NaN);
                    at += dims[c];
                    continue;
                }
                if (col is ListVector lv)
                {
                    int len = lv.ElementCount(i), off = lv.Offsets[i];
                    if (len != dims[c]) throw new AccelException($"VectorAssembler: column '{inputs[c]}' row {i} has {len} values, but earlier rows have {dims[c]}");
                    for (int k = 0; k < len; k++)
                    {
                        double v = lv.Values.IsNull(off + k) ? double.NaN : MlData.ElementAsDouble(lv.Values, off + k);
                        if (double.IsNaN(v) && mode != "keep") throw Invalid("NaN", inputs[c], i);
                        values[at++] = v;
                    }
                }
                else
                {
                    double v = MlData.ElementAsDouble(col, i);
                    if (double.IsNaN(v))
                    {
                        if (mode == "skip") { drop = true; break; }
                        if (mode == "error") throw Invalid("NaN", inputs[c], i);
                    }
                    values[at++] = v;
                }
            }
            if (drop) continue;
            keep.Add(i);
            outRow++;
        }
        if (outRow != n)
        {
            Array.Resize(ref values, outRow * width);
            var idx = keep.ToArray();
            batch = new ColumnBatch(batch.Schema, batch.Columns.Select(c => c.Gather(idx)).ToArray(), outRow);
        }
        return MlData.WithColumn(dataset.Session, batch, GetOutputCol(), MlData.VectorColumn(values, outRow, width));
    }

    private AccelException Invalid(string what, string column, int row) =>
        new($"VectorAssembler: encountered {what} in column '{column}' row {row} while assembling a row with handleInvalid = \"error\"; consider removing {what}s from the dataset or using handleInvalid = \"keep\" or \"skip\"");

    /// <summary>Loads an assembler saved with Write().Save(path).</summary>
    public static VectorAssembler Load(string path) => Persistence.Load<VectorAssembler>(path);
}
