using Accel.Data;
using Accel.ML.Linalg;
using Accel.Sql;

namespace Accel.ML;

/// <summary>A dense row-major matrix of features (and optionally a label per row), read from a DataFrame.</summary>
/// <param name="X">Row-major values: row i, column j at X[i * Cols + j].</param>
/// <param name="Y">Labels (null when no label column was read).</param>
/// <param name="Rows">Number of rows.</param>
/// <param name="Cols">Number of feature columns.</param>
/// <remarks>X and Y may be the source columns' buffers (see <see cref="MlData.ReadVectors"/>): read-only.</remarks>
public sealed record FeatureMatrix(double[] X, double[]? Y, int Rows, int Cols)
{
    /// <summary>Row i as a span.</summary>
    public ReadOnlySpan<double> Row(int i) => X.AsSpan(i * Cols, Cols);
}

/// <summary>Helpers between DataFrames and the dense arrays the ML kernels work on. Feature vectors are
/// <c>array&lt;double&gt;</c> columns (Spark's VectorUDT has no counterpart in the engine); array&lt;float|int|bigint&gt;
/// and single numeric columns are accepted as features and widened to double.</summary>
public static class MlData
{
    /// <summary>The type of a feature vector column.</summary>
    public static readonly DataType VectorType = DataType.ArrayOf(DataType.Float64);

    /// <summary>Runs the DataFrame and returns its rows as one compact batch.</summary>
    public static ColumnBatch Materialize(DataFrame df) => df.ToBatch();

    /// <summary>Checks that a column exists and has a type the reader accepts; returns its ordinal.</summary>
    public static int RequireColumn(Schema schema, string name, string role, Func<DataType, bool> accepts, string expected)
    {
        int i = schema.IndexOf(name);
        if (i < 0) throw new AccelException($"{role} column '{name}' does not exist; available columns: [{string.Join(", ", schema.Fields.Select(f => f.Name))}]");
        if (!accepts(schema[i].Type)) throw new AccelException($"{role} column '{name}' must be {expected}, but is {schema[i].Type}");
        return i;
    }

    /// <summary>Whether a type can be read as a feature vector.</summary>
    public static bool IsFeatureType(DataType t) => t.IsNumeric || (t.Id == TypeId.Array && t.Element!.IsNumeric);

    /// <summary>Reads features (and a label when <paramref name="labelCol"/> is given) into dense doubles. NULL
    /// features or labels, NaN/infinite values and vectors of differing length are errors naming the row.</summary>
    public static FeatureMatrix ReadFeatures(DataFrame df, string featuresCol, string? labelCol) =>
        ReadFeatures(Materialize(df), featuresCol, labelCol);

    /// <summary>Reads features (and a label) from a compact batch.</summary>
    public static FeatureMatrix ReadFeatures(ColumnBatch batch, string featuresCol, string? labelCol)
    {
        batch = batch.Compact();
        int fi = RequireColumn(batch.Schema, featuresCol, "features", IsFeatureType, "array<double> (or a numeric column)");
        int li = labelCol is null ? -1 : RequireColumn(batch.Schema, labelCol, "label", t => t.IsNumeric, "numeric");
        int n = batch.PhysicalRows;
        var (x, d) = ReadVectors(batch.Columns[fi], featuresCol, expectedDim: -1, allowNull: false);
        long bad = VectorOps.IndexOfNonFinite(x);
        if (bad >= 0)
            throw new AccelException($"features column '{featuresCol}' row {bad / Math.Max(1, d)} holds {x[bad]}; remove it or use VectorAssembler's handleInvalid");
        double[]? y = null;
        if (li >= 0)
        {
            // A NULL-free double column is used in place (read-only, like the features).
            y = batch.Columns[li] is PrimitiveVector<double> { NullCount: 0 } pv && pv.Values.Length == n ? pv.Values : ReadDoubles(batch.Columns[li], labelCol!);
            long badLabel = VectorOps.IndexOfNonFinite(y);
            if (badLabel >= 0) throw new AccelException($"label column '{labelCol}' row {badLabel} holds {y[badLabel]}; labels must be finite numbers");
        }
        return new FeatureMatrix(x, y, n, d);
    }

    /// <summary>Reads a numeric column as doubles; NULL is an error naming the row.</summary>
    public static double[] ReadDoubles(ColumnVector col, string name)
    {
        var r = new double[col.Length];
        for (int i = 0; i < r.Length; i++)
        {
            if (col.IsNull(i)) throw new AccelException($"column '{name}' row {i} is NULL; drop or fill NULLs before fitting");
            r[i] = ElementAsDouble(col, i);
        }
        return r;
    }

    /// <summary>Reads a vector (or numeric) column into a row-major matrix. With <paramref name="expectedDim"/> &gt;= 0 every
    /// row must have that length. NULL rows are an error unless <paramref name="allowNull"/>, when they become NaN rows.
    /// The result may be the column's own buffer: callers read it and never write to it.</summary>
    public static (double[] Values, int Dim) ReadVectors(ColumnVector col, string name, int expectedDim, bool allowNull)
    {
        int n = col.Length;
        if (col is not ListVector list)
        {
            if (expectedDim > 1) throw new AccelException($"column '{name}' is a single number but {expectedDim} features are expected");
            var v = new double[n];
            for (int i = 0; i < n; i++)
            {
                if (col.IsNull(i)) { if (!allowNull) throw new AccelException($"features column '{name}' row {i} is NULL"); v[i] = double.NaN; continue; }
                v[i] = ElementAsDouble(col, i);
            }
            return (v, 1);
        }
        int d = expectedDim;
        for (int i = 0; i < n && d < 0; i++) if (!list.IsNull(i)) d = list.ElementCount(i);
        if (d < 0) d = 0;
        var child = list.Values;
        // Fast path: no NULL rows, every row exactly d long and stored back to back, elements double without NULLs.
        if (child is PrimitiveVector<double> pd && child.NullCount == 0 && list.NullCount == 0
            && list.Offsets[0] == 0 && list.Offsets[n] == (long)n * d && AllRowsHaveLength(list, d))
        {
            // The column's own buffer when it holds exactly these values: no copy of a matrix that can be gigabytes.
            if (pd.Values.LongLength == (long)n * d) return (pd.Values, d);
            return (pd.Values.AsSpan(0, n * d).ToArray(), d);
        }
        var x = new double[(long)n * d];
        for (int i = 0; i < n; i++)
        {
            if (list.IsNull(i))
            {
                if (!allowNull) throw new AccelException($"features column '{name}' row {i} is NULL");
                x.AsSpan(i * d, d).Fill(double.NaN);
                continue;
            }
            int len = list.ElementCount(i);
            if (len != d) throw new AccelException($"features column '{name}' row {i} has {len} values, expected {d} (all feature vectors must have one length)");
            int off = list.Offsets[i];
            for (int k = 0; k < d; k++)
                x[i * d + k] = child.IsNull(off + k) ? double.NaN : ElementAsDouble(child, off + k);
        }
        return (x, d);
    }

    private static bool AllRowsHaveLength(ListVector list, int d)
    {
        var o = list.Offsets;
        for (int i = 0; i < list.Length; i++) if (o[i + 1] - o[i] != d) return false;
        return true;
    }

    /// <summary>Element i of a numeric column as a double (decimals unscaled).</summary>
    public static double ElementAsDouble(ColumnVector col, int i) => col switch
    {
        PrimitiveVector<double> d => d.Values[i],
        PrimitiveVector<float> f => f.Values[i],
        PrimitiveVector<int> n => n.Values[i],
        PrimitiveVector<long> l when col.Type.Id == TypeId.Decimal => l.Values[i] / Math.Pow(10, col.Type.Scale),
        PrimitiveVector<long> l => l.Values[i],
        PrimitiveVector<bool> b => b.Values[i] ? 1.0 : 0.0,
        _ => throw new AccelException($"cannot read a {col.Type} value as a number"),
    };

    /// <summary>A vector column (array&lt;double&gt;) over a row-major matrix; rows flagged in <paramref name="nullRows"/> are NULL.</summary>
    public static ListVector VectorColumn(double[] values, int rows, int dim, bool[]? nullRows = null)
    {
        var offsets = new int[rows + 1];
        for (int i = 0; i <= rows; i++) offsets[i] = i * dim;
        ValidityBitmap? validity = nullRows is null ? null : ValidityBitmap.FromFlags(nullRows.Select(b => !b).ToArray());
        return new ListVector(VectorType, offsets, new PrimitiveVector<double>(DataType.Float64, values, null, rows * dim), validity);
    }

    /// <summary>A DataFrame holding <paramref name="batch"/>'s columns plus one more (replacing a same-named one).</summary>
    public static DataFrame WithColumn(AccelSession session, ColumnBatch batch, string name, ColumnVector column)
    {
        batch = batch.Compact();
        var fields = new List<Field>();
        var cols = new List<ColumnVector>();
        bool nullable = column.NullCount > 0;
        for (int i = 0; i < batch.Schema.Count; i++)
        {
            if (string.Equals(batch.Schema[i].Name, name, StringComparison.OrdinalIgnoreCase)) continue;
            fields.Add(batch.Schema[i]);
            cols.Add(batch.Columns[i]);
        }
        fields.Add(new Field(name, column.Type, nullable));
        cols.Add(column);
        var schema = new Schema(fields);
        return session.CreateDataFrame(schema, [new ColumnBatch(schema, cols, batch.PhysicalRows)]);
    }

    /// <summary>A DataFrame over a batch (same columns).</summary>
    public static DataFrame FromBatch(AccelSession session, ColumnBatch batch) => session.CreateDataFrame(batch.Schema, [batch]);
}

/// <summary>ML extensions of <see cref="DataFrame"/>.</summary>
public static class DataFrameMlExtensions
{
    /// <summary>Splits the rows randomly by <paramref name="weights"/> (normalized to sum 1), as Spark's randomSplit:
    /// every row lands in exactly one split, so the splits are disjoint and their union is the frame; the same seed and
    /// input give the same splits. The frame is run once.</summary>
    public static DataFrame[] RandomSplit(this DataFrame df, double[] weights, long seed = 0)
    {
        if (weights.Length == 0) throw new AccelException("randomSplit needs at least one weight");
        foreach (var w in weights)
            if (!(w >= 0) || double.IsInfinity(w)) throw new AccelException($"randomSplit weights must be finite and nonnegative, got [{string.Join(", ", weights)}]");
        double total = weights.Sum();
        if (!(total > 0)) throw new AccelException("randomSplit weights must sum to a positive number");
        var bounds = new double[weights.Length + 1];
        for (int k = 0; k < weights.Length; k++) bounds[k + 1] = bounds[k] + weights[k] / total;
        bounds[^1] = 1.0;
        var batch = MlData.Materialize(df);
        var picks = new List<int>[weights.Length];
        for (int k = 0; k < picks.Length; k++) picks[k] = [];
        for (int i = 0; i < batch.PhysicalRows; i++)
        {
            double u = SplitMix.Uniform(seed, i);
            int k = 0;
            while (k < weights.Length - 1 && u >= bounds[k + 1]) k++;
            picks[k].Add(i);
        }
        return picks.Select(p => MlData.FromBatch(df.Session, new ColumnBatch(batch.Schema, batch.Columns.Select(c => c.Gather(p.ToArray())).ToArray(), p.Count))).ToArray();
    }
}

/// <summary>A stateless, seedable random number per index (SplitMix64), so row i's draw does not depend on threads or batches.</summary>
public static class SplitMix
{
    /// <summary>64 well-mixed bits for (seed, index).</summary>
    public static ulong Next(long seed, long index)
    {
        ulong z = (ulong)seed * 0x9E3779B97F4A7C15UL + (ulong)index * 0xBF58476D1CE4E5B9UL + 0x94D049BB133111EBUL;
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>A uniform double in [0, 1) for (seed, index).</summary>
    public static double Uniform(long seed, long index) => (Next(seed, index) >> 11) * (1.0 / (1UL << 53));
}
