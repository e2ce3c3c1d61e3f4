namespace Accel.ML.Recommendation;

/// <summary>A counter-based random stream (SplitMix64 over a Weyl sequence). ALS and the ratings generator
/// seed one per entity from (seed, stream, key), so a value depends only on its key, never on thread
/// scheduling, chunk sizes or the execution path.</summary>
internal struct SplitMixRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>A stream started at <paramref name="state"/>.</summary>
    public SplitMixRandom(ulong state) => _state = state;

    /// <summary>The stream for one key of one logical stream under a user seed.</summary>
    public static SplitMixRandom For(long seed, int stream, long key) =>
        new(Mix(Mix((ulong)seed * Golden ^ ((ulong)(uint)stream << 32) ^ 0xD1B54A32D192ED03UL) + (ulong)key * Golden));

    /// <summary>The SplitMix64 finalizer: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Mix(_state += Golden);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));

    /// <summary>Uniform double in (0, 1]: safe to take the logarithm of.</summary>
    public double NextOpenDouble() => ((NextUInt64() >> 11) + 1) * (1.0 / (1UL << 53));

    /// <summary>Uniform integer in [0, n).</summary>
    public int NextInt(int n) => (int)(((NextUInt64() >> 32) * (ulong)n) >> 32);

    /// <summary>A standard normal draw (Box–Muller; one of the pair is discarded so that a draw is a pure
    /// function of the stream position).</summary>
    public double NextGaussian()
    {
        double u1 = NextOpenDouble(), u2 = NextDouble();
        return Math.Sqrt(-2.0 * Math.Log(u1)) * Math.Cos(2.0 * Math.PI * u2);
    }
}
