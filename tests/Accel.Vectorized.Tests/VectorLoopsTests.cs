using Accel.Vectorized;
using Xunit;

namespace Accel.Tests;

public class VectorLoopsTests
{
    /// <summary>The decimal rescale rounds half away from zero for every divisor, the JIT-constant ones (1-4, 6
    /// digits) and the general one alike, at exact halves, just below and above them, zero and int64's extremes.</summary>
    [Theory]
    [InlineData(1), InlineData(2), InlineData(3), InlineData(4), InlineData(5), InlineData(6), InlineData(7), InlineData(12)]
    public void Decimal_rescale_rounds_half_away_from_zero(int digits)
    {
        long d = (long)Math.Pow(10, digits);
        var rng = new Random(digits);
        var values = new List<long> { 0, 1, -1, d / 2, -d / 2, d / 2 - 1, -(d / 2 - 1), d / 2 + 1, -(d / 2 + 1), d, -d,
            3 * d + d / 2, -(3 * d + d / 2), long.MaxValue, long.MinValue + 1 };
        for (int i = 0; i < 500; i++) values.Add(rng.NextInt64(-long.MaxValue, long.MaxValue) >> rng.Next(0, 60));
        var actual = values.ToArray();
        VectorLoops.DivideRoundHalfAwayFromZero(actual, digits);
        for (int i = 0; i < values.Count; i++)
        {
            long expected = (long)Math.Round((decimal)values[i] / d, MidpointRounding.AwayFromZero);
            Assert.True(expected == actual[i], $"{values[i]} / 10^{digits}: expected {expected}, got {actual[i]}");
        }
    }

    [Theory]
    [InlineData(0.0), InlineData(0.04), InlineData(0.5), InlineData(1.0)]
    public void Match_positions_and_miss_counts_equal_the_scalar_loop(double matched)
    {
        // Ids as a join probe leaves them (-1: a miss), at lengths around the 8- and 16-lane vectors.
        var rng = new Random((int)(matched * 100));
        foreach (int n in new[] { 0, 1, 7, 8, 9, 15, 16, 17, 31, 33, 64, 65, 1000, 4099 })
        {
            var ids = Enumerable.Range(0, n).Select(_ => rng.NextDouble() < matched ? rng.Next(0, int.MaxValue) : -1 - rng.Next(1000)).ToArray();
            if (n > 3 && matched == 0.5) ids[^1] = int.MinValue; // any negative id is a miss
            var positions = new int[n];
            int k = VectorLoops.NonNegativePositions(ids, positions);
            var expected = Enumerable.Range(0, n).Where(i => ids[i] >= 0).ToArray();
            Assert.Equal(expected, positions.Take(k));
            Assert.Equal(n - expected.Length, VectorLoops.CountNegative(ids));
        }
    }
}
