using System.Numerics;
using System.Runtime.Intrinsics;

namespace Accel.Semantics;

// Comparisons follow Spark: NaN equals NaN and is greater than every other value (integers compile the
// NaN checks away). The one home of each arithmetic/comparison rule, in the TensorPrimitives pattern: a scalar member used
// by the scalar path (and usable from kernels), and vector members used by the SIMD loops. NULL handling
// and division by zero (NULL in Spark) live in the callers, which own the validity bitmaps.

/// <summary>A binary arithmetic operation with scalar and vector forms.</summary>
public interface IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <summary>Scalar form.</summary>
    static abstract T Invoke(T a, T b);
    /// <summary>128-bit form.</summary>
    static abstract Vector128<T> Invoke(Vector128<T> a, Vector128<T> b);
    /// <summary>256-bit form.</summary>
    static abstract Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);
    /// <summary>512-bit form.</summary>
    static abstract Vector512<T> Invoke(Vector512<T> a, Vector512<T> b);
}

/// <summary>A comparison with scalar and vector (all-ones lane mask) forms.</summary>
public interface IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <summary>Scalar form.</summary>
    static abstract bool Invoke(T a, T b);
    /// <summary>128-bit form: all-ones lanes where true.</summary>
    static abstract Vector128<T> Invoke(Vector128<T> a, Vector128<T> b);
    /// <summary>256-bit form.</summary>
    static abstract Vector256<T> Invoke(Vector256<T> a, Vector256<T> b);
    /// <summary>512-bit form.</summary>
    static abstract Vector512<T> Invoke(Vector512<T> a, Vector512<T> b);
}

/// <summary>a + b (integers wrap, as Spark's non-ANSI mode).</summary>
public readonly struct AddOp<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static T Invoke(T a, T b) => a + b;
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => a + b;
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a + b;
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a + b;
}

/// <summary>a - b.</summary>
public readonly struct SubtractOp<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static T Invoke(T a, T b) => a - b;
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => a - b;
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a - b;
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a - b;
}

/// <summary>a * b.</summary>
public readonly struct MultiplyOp<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static T Invoke(T a, T b) => a * b;
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => a * b;
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a * b;
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a * b;
}

/// <summary>a / b for floating point (callers null out zero divisors first).</summary>
public readonly struct DivideOp<T> : IBinaryOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static T Invoke(T a, T b) => a / b;
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => a / b;
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => a / b;
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => a / b;
}

/// <summary>a = b.</summary>
public readonly struct EqualOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => a == b || (T.IsNaN(a) && T.IsNaN(b));
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => Vector128.Equals(a, b) | (Vector128.IsNaN(a) & Vector128.IsNaN(b));
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.Equals(a, b) | (Vector256.IsNaN(a) & Vector256.IsNaN(b));
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.Equals(a, b) | (Vector512.IsNaN(a) & Vector512.IsNaN(b));
}

/// <summary>a != b.</summary>
public readonly struct NotEqualOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => !(a == b || (T.IsNaN(a) && T.IsNaN(b)));
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => ~(Vector128.Equals(a, b) | (Vector128.IsNaN(a) & Vector128.IsNaN(b)));
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => ~(Vector256.Equals(a, b) | (Vector256.IsNaN(a) & Vector256.IsNaN(b)));
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => ~(Vector512.Equals(a, b) | (Vector512.IsNaN(a) & Vector512.IsNaN(b)));
}

/// <summary>a &lt; b.</summary>
public readonly struct LessThanOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => a < b || (T.IsNaN(b) && !T.IsNaN(a));
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => Vector128.LessThan(a, b) | Vector128.AndNot(Vector128.IsNaN(b), Vector128.IsNaN(a));
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThan(a, b) | Vector256.AndNot(Vector256.IsNaN(b), Vector256.IsNaN(a));
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThan(a, b) | Vector512.AndNot(Vector512.IsNaN(b), Vector512.IsNaN(a));
}

/// <summary>a &lt;= b.</summary>
public readonly struct LessThanOrEqualOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => a <= b || T.IsNaN(b);
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => Vector128.LessThanOrEqual(a, b) | Vector128.IsNaN(b);
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.LessThanOrEqual(a, b) | Vector256.IsNaN(b);
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.LessThanOrEqual(a, b) | Vector512.IsNaN(b);
}

/// <summary>a &gt; b.</summary>
public readonly struct GreaterThanOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => a > b || (T.IsNaN(a) && !T.IsNaN(b));
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThan(a, b) | Vector128.AndNot(Vector128.IsNaN(a), Vector128.IsNaN(b));
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThan(a, b) | Vector256.AndNot(Vector256.IsNaN(a), Vector256.IsNaN(b));
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThan(a, b) | Vector512.AndNot(Vector512.IsNaN(a), Vector512.IsNaN(b));
}

/// <summary>a &gt;= b.</summary>
public readonly struct GreaterThanOrEqualOp<T> : IComparisonOperator<T> where T : unmanaged, INumber<T>
{
    /// <inheritdoc />
    public static bool Invoke(T a, T b) => a >= b || T.IsNaN(a);
    /// <inheritdoc />
    public static Vector128<T> Invoke(Vector128<T> a, Vector128<T> b) => Vector128.GreaterThanOrEqual(a, b) | Vector128.IsNaN(a);
    /// <inheritdoc />
    public static Vector256<T> Invoke(Vector256<T> a, Vector256<T> b) => Vector256.GreaterThanOrEqual(a, b) | Vector256.IsNaN(a);
    /// <inheritdoc />
    public static Vector512<T> Invoke(Vector512<T> a, Vector512<T> b) => Vector512.GreaterThanOrEqual(a, b) | Vector512.IsNaN(a);
}
