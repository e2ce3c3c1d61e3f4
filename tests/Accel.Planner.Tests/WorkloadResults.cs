namespace Accel.Tests;

/// <summary>Asserts that two engines' results agree (see <see cref="CrossEngine"/>).</summary>
public static class WorkloadResults
{
    /// <summary>Fails with the first differing row when the results differ.</summary>
    public static void AssertSame(string query, List<object?[]> expected, List<object?[]> actual, bool ordered)
    {
        if (CrossEngine.FirstDifference(expected, actual, ordered) is { } diff) Assert.Fail($"{query}: {diff}");
    }
}
