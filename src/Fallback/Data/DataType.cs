namespace Accel.Data;

/// <summary>The physical families of values the engine stores.</summary>
public enum TypeId
{
    /// <summary>The type of an untyped NULL literal; coerces to any other type.</summary>
    Null,
    Boolean,
    Int32,
    Int64,
    Float32,
    Float64,
    /// <summary>decimal(p,s) with p &lt;= 18, stored as an int64 scaled by 10^s.</summary>
    Decimal,
    /// <summary>Days since 1970-01-01, stored as int32.</summary>
    Date32,
    /// <summary>Microseconds since 1970-01-01 UTC, stored as int64.</summary>
    Timestamp,
    Utf8,
    /// <summary>A variable-length list of one element type (Spark's array&lt;T&gt;).</summary>
    Array,
}

/// <summary>A logical column type; immutable and compared by value.</summary>
public sealed record DataType(TypeId Id, int Precision = 0, int Scale = 0, DataType? Element = null)
{
    /// <summary>The NULL literal's type.</summary>
    public static readonly DataType Null = new(TypeId.Null);
    /// <summary>Spark's boolean.</summary>
    public static readonly DataType Boolean = new(TypeId.Boolean);
    /// <summary>Spark's int.</summary>
    public static readonly DataType Int32 = new(TypeId.Int32);
    /// <summary>Spark's bigint.</summary>
    public static readonly DataType Int64 = new(TypeId.Int64);
    /// <summary>Spark's float.</summary>
    public static readonly DataType Float32 = new(TypeId.Float32);
    /// <summary>Spark's double.</summary>
    public static readonly DataType Float64 = new(TypeId.Float64);
    /// <summary>Spark's date.</summary>
    public static readonly DataType Date32 = new(TypeId.Date32);
    /// <summary>Spark's timestamp (microsecond precision, UTC).</summary>
    public static readonly DataType Timestamp = new(TypeId.Timestamp);
    /// <summary>Spark's string.</summary>
    public static readonly DataType Utf8 = new(TypeId.Utf8);

    /// <summary>Largest decimal precision stored as a scaled int64.</summary>
    public const int MaxDecimalPrecision = 18;

    /// <summary>decimal(p,s); p is capped to 18 because values live in a scaled int64.</summary>
    public static DataType Decimal(int precision, int scale)
    {
        if (precision < 1 || precision > MaxDecimalPrecision)
            throw new ArgumentOutOfRangeException(nameof(precision), $"decimal precision must be 1..{MaxDecimalPrecision} (values are stored as scaled int64), got {precision}");
        if (scale < 0 || scale > precision)
            throw new ArgumentOutOfRangeException(nameof(scale), $"decimal scale must be 0..{precision}, got {scale}");
        return new DataType(TypeId.Decimal, precision, scale);
    }

    /// <summary>array&lt;element&gt;.</summary>
    public static DataType ArrayOf(DataType element) => new(TypeId.Array, Element: element);

    /// <summary>True for the integer and floating-point types and decimals.</summary>
    public bool IsNumeric => Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal;
    /// <summary>True for int32 and int64.</summary>
    public bool IsIntegral => Id is TypeId.Int32 or TypeId.Int64;
    /// <summary>True for float32 and float64.</summary>
    public bool IsFloating => Id is TypeId.Float32 or TypeId.Float64;
    /// <summary>True when values have a fixed width (everything but strings and arrays).</summary>
    public bool IsFixedWidth => Id is not (TypeId.Utf8 or TypeId.Array);

    /// <summary>Width in bytes of one stored value (0 for variable-width types).</summary>
    public int ByteWidth => Id switch
    {
        TypeId.Boolean => 1,
        TypeId.Int32 or TypeId.Date32 or TypeId.Float32 => 4,
        TypeId.Int64 or TypeId.Float64 or TypeId.Decimal or TypeId.Timestamp => 8,
        _ => 0,
    };

    /// <summary>The CLR type used for a value buffer element.</summary>
    public Type StorageType => Id switch
    {
        TypeId.Boolean => typeof(bool),
        TypeId.Int32 or TypeId.Date32 => typeof(int),
        TypeId.Int64 or TypeId.Decimal or TypeId.Timestamp => typeof(long),
        TypeId.Float32 => typeof(float),
        TypeId.Float64 => typeof(double),
        TypeId.Utf8 => typeof(string),
        _ => typeof(object),
    };

    /// <summary>Spark's SQL name of the type (int, bigint, decimal(15,2), array&lt;string&gt;...).</summary>
    public string SqlName => Id switch
    {
        TypeId.Null => "void",
        TypeId.Boolean => "boolean",
        TypeId.Int32 => "int",
        TypeId.Int64 => "bigint",
        TypeId.Float32 => "float",
        TypeId.Float64 => "double",
        TypeId.Decimal => $"decimal({Precision},{Scale})",
        TypeId.Date32 => "date",
        TypeId.Timestamp => "timestamp",
        TypeId.Utf8 => "string",
        TypeId.Array => $"array<{Element!.SqlName}>",
        _ => Id.ToString(),
    };

    /// <inheritdoc />
    public override string ToString() => SqlName;

    /// <summary>Parses a Spark SQL type name ("int", "bigint", "decimal(15,2)", "string", ...).</summary>
    public static DataType Parse(string name)
    {
        var n = name.Trim().ToLowerInvariant();
        if (n.StartsWith("decimal"))
        {
            if (n == "decimal") return Decimal(10, 0);
            var inner = n[(n.IndexOf('(') + 1)..n.LastIndexOf(')')].Split(',');
            return Decimal(int.Parse(inner[0]), inner.Length > 1 ? int.Parse(inner[1]) : 0);
        }
        if (n.StartsWith("array<") && n.EndsWith('>')) return ArrayOf(Parse(n[6..^1]));
        return n switch
        {
            "boolean" or "bool" => Boolean,
            "int" or "integer" or "int32" => Int32,
            "bigint" or "long" or "int64" => Int64,
            "float" or "real" or "float32" => Float32,
            "double" or "float64" => Float64,
            "date" => Date32,
            "timestamp" => Timestamp,
            "string" or "varchar" or "text" or "utf8" => Utf8,
            _ => throw new ArgumentException($"unknown type name '{name}' (expected boolean, int, bigint, float, double, decimal(p,s), date, timestamp, string or array<T>)"),
        };
    }
}
