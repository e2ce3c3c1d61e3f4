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
}
