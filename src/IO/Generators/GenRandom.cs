namespace Accel.IO.Generators;

/// <summary>A small counter-based pseudo-random stream (the SplitMix64 output function over a Weyl
/// sequence). Generators seed one per row or per chunk from (seed, stream, key), so a value depends only
/// on its key and not on batch sizes, thread scheduling or which other tables were generated.</summary>
internal struct GenRandom
{
    private const ulong Golden = 0x9E3779B97F4A7C15UL;
    private ulong _state;

    /// <summary>A stream started at <paramref name="state"/>.</summary>
    public GenRandom(ulong state) => _state = state;

    /// <summary>The stream for one key of one logical stream under a user seed.</summary>
    public static GenRandom For(int seed, int stream, long key) =>
        new(Mix(Mix(((ulong)(uint)seed << 16 ^ (ulong)(uint)stream) * Golden + 0x632BE59BD9B4E019UL) + (ulong)key * Golden));

    /// <summary>The SplitMix64 finalizer: a bijective 64-bit mix.</summary>
    public static ulong Mix(ulong z)
    {
        z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9UL;
        z = (z ^ (z >> 27)) * 0x94D049BB133111EBUL;
        return z ^ (z >> 31);
    }

    /// <summary>The next 64 random bits.</summary>
    public ulong NextUInt64() => Mix(_state += Golden);

    /// <summary>Uniform integer in [lo, hi] (both inclusive); the multiply-shift bias is below 2^-32.</summary>
    public int Next(int lo, int hi) => lo + (int)(((NextUInt64() >> 32) * (ulong)((long)hi - lo + 1)) >> 32);

    /// <summary>Uniform long in [lo, hi] (both inclusive).</summary>
    public long NextLong(long lo, long hi) => lo + (long)Math.BigMul(NextUInt64(), (ulong)(hi - lo + 1), out _);

    /// <summary>Uniform double in [0, 1).</summary>
    public double NextDouble() => (NextUInt64() >> 11) * (1.0 / (1UL << 53));
}
