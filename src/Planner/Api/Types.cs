using Accel.Data;

namespace Accel.Sql.Types;

/// <summary>A column of a <see cref="StructType"/> (Microsoft.Spark.Sql.Types.StructField).</summary>
public sealed class StructField(string name, DataType dataType, bool isNullable = true)
{
    /// <summary>Column name.</summary>
    public string Name { get; } = name;
    /// <summary>Column type.</summary>
    public DataType DataType { get; } = dataType;
    /// <summary>Whether NULLs are allowed.</summary>
    public bool IsNullable { get; } = isNullable;
}

/// <summary>A schema (Microsoft.Spark.Sql.Types.StructType).</summary>
public sealed class StructType(IEnumerable<StructField> fields)
{
    /// <summary>The columns.</summary>
    public IReadOnlyList<StructField> Fields { get; } = fields.ToArray();

    /// <summary>The engine schema.</summary>
    public Schema ToSchema() => new(Fields.Select(f => new Field(f.Name, f.DataType, f.IsNullable)));

    /// <summary>Parses a DDL string such as "id INT, name STRING, price DECIMAL(10,2)".</summary>
    public static StructType FromDdl(string ddl)
    {
        var fields = new List<StructField>();
        int depth = 0, start = 0;
        for (int i = 0; i <= ddl.Length; i++)
        {
            if (i < ddl.Length && (ddl[i] == '(' || ddl[i] == '<')) depth++;
            else if (i < ddl.Length && (ddl[i] == ')' || ddl[i] == '>')) depth--;
            else if (i == ddl.Length || (ddl[i] == ',' && depth == 0))
            {
                var part = ddl[start..i].Trim();
                start = i + 1;
                if (part.Length == 0) continue;
                int sp = part.IndexOfAny([' ', '\t', ':']);
                if (sp < 0) throw new AccelException($"schema DDL: expected 'name TYPE' but found '{part}'");
                bool notNull = part.EndsWith(" NOT NULL", StringComparison.OrdinalIgnoreCase);
                var typeText = part[(sp + 1)..].Trim();
                if (notNull) typeText = typeText[..^" NOT NULL".Length].Trim();
                fields.Add(new StructField(part[..sp].Trim('`', ' '), DataType.Parse(typeText), !notNull));
            }
        }
        return new StructType(fields);
    }
}

/// <summary>Type singletons named as in Microsoft.Spark (DataTypes.IntegerType, ...).</summary>
public static class DataTypes
{
    /// <summary>boolean.</summary>
    public static DataType BooleanType => DataType.Boolean;
    /// <summary>int.</summary>
    public static DataType IntegerType => DataType.Int32;
    /// <summary>bigint.</summary>
    public static DataType LongType => DataType.Int64;
    /// <summary>float.</summary>
    public static DataType FloatType => DataType.Float32;
    /// <summary>double.</summary>
    public static DataType DoubleType => DataType.Float64;
    /// <summary>date.</summary>
    public static DataType DateType => DataType.Date32;
    /// <summary>timestamp.</summary>
    public static DataType TimestampType => DataType.Timestamp;
    /// <summary>string.</summary>
    public static DataType StringType => DataType.Utf8;
    /// <summary>decimal(p,s), p &lt;= 18.</summary>
    public static DataType CreateDecimalType(int precision, int scale) => DataType.Decimal(precision, scale);
    /// <summary>array&lt;T&gt;.</summary>
    public static DataType CreateArrayType(DataType element) => DataType.ArrayOf(element);
}
