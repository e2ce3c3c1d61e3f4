using Accel.Vectorized;

namespace Accel.Tests;

/// <summary>RunMerge sorts keys that come as ascending runs (merged aggregate states) exactly as a full sort does.</summary>
public sealed class RunMergeTests
{
    [Theory]
    [InlineData(0, 1)]
    [InlineData(1, 1)]
    [InlineData(1000, 1)]
    [InlineData(1000, 2)]
    [InlineData(1001, 3)]
    [InlineData(5000, 7)]
    [InlineData(4096, RunMerge.MaxRuns)]
    [InlineData(4096, RunMerge.MaxRuns + 1)]
    [InlineData(3000, 3000)]
    public void Sorts_keys_of_several_ascending_runs_with_their_values(int n, int runs)
    {
        var rng = new Random(n * 31 + runs);
        // Distinct keys dealt round-robin into `runs` runs, each run ascending, the runs laid one after another.
        var all = Enumerable.Range(0, n).Select(i => (long)i * 3 + rng.Next(3)).ToArray();
        var keys = Enumerable.Range(0, runs).SelectMany(r => all.Where((_, i) => i % runs == r)).ToArray();
        var values = keys.Select(k => (int)(k * 7 % 1000003)).ToArray();
        var expectedKeys = keys.ToArray();
        var expectedValues = values.ToArray();
        Array.Sort(expectedKeys, expectedValues);
        RunMerge.Sort(keys, values);
        Assert.Equal(expectedKeys, keys);
        Assert.Equal(expectedValues, values);
    }
}
