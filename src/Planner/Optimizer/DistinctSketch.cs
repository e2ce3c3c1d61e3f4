using System.Numerics;
using Accel.Data;
using Accel.Vectorized;

namespace Accel.Planner.Optimizer;

/// <summary>A HyperLogLog sketch of a column's distinct non-NULL values (2^12 registers: about 1.6% standard
/// error), for the join orderer's cardinality estimates where min/max ranges overstate sparse keys (TPC-H's
/// l_orderkey spans 6 million values but holds 1.5 million) and say nothing of strings.</summary>
public sealed class DistinctSketch
{
    private const int Bits = 12;
    private const int Registers = 1 << Bits;
    private readonly byte[] _rank = new byte[Registers];

    /// <summary>Adds every non-NULL value of a column (strings by their bytes, numbers by their bits).</summary>
    public void Add(ColumnVector column)
    {
        switch (column)
        {
            case PrimitiveVector<long> v: AddAll(v, x => x); break;
            case PrimitiveVector<int> v: AddAll(v, x => x); break;
            case PrimitiveVector<double> v: AddAll(v, x => BitConverter.DoubleToInt64Bits(x == 0 ? 0 : x)); break;
            case PrimitiveVector<float> v: AddAll(v, x => BitConverter.DoubleToInt64Bits(x == 0 ? 0 : x)); break;
            case PrimitiveVector<bool> v: AddAll(v, x => x ? 1 : 0); break;
            case StringVector s:
                for (int i = 0; i < s.Length; i++)
                    if (!s.IsNull(i)) AddHash(KeyHash.Mix(s.Data.AsSpan(s.Offsets[i], s.Offsets[i + 1] - s.Offsets[i])));
                break;
            default:
                for (int i = 0; i < column.Length; i++)
                    if (column.GetValue(i) is { } o) AddHash(KeyHash.Mix(o.GetHashCode()));
                break;
        }
    }

    private void AddAll<T>(PrimitiveVector<T> v, Func<T, long> bits) where T : unmanaged
    {
        var values = v.Span;
        for (int i = 0; i < values.Length; i++)
            if (!v.IsNull(i)) AddHash(KeyHash.Mix(bits(values[i])));
    }

    private void AddHash(ulong h)
    {
        // The table hash is built for slot spreading, not for independent bits: a full avalanche (fmix64) on top
        // makes both the register bits and the rank bits uniform.
        h ^= h >> 33;
        h *= 0xFF51AFD7ED558CCDUL;
        h ^= h >> 33;
        h *= 0xC4CEB9FE1A85EC53UL;
        h ^= h >> 33;
        int register = (int)(h >> (64 - Bits));
        // The rank of the first set bit among the remaining bits (a sentinel bit bounds it).
        byte rank = (byte)(BitOperations.LeadingZeroCount((h << Bits) | (1UL << (Bits - 1))) + 1);
        if (rank > _rank[register]) _rank[register] = rank;
    }

    /// <summary>The estimated number of distinct values added (linear counting while many registers are empty).</summary>
    public double Estimate()
    {
        double sum = 0;
        int zeros = 0;
        foreach (var r in _rank)
        {
            sum += Math.ScaleB(1.0, -r);
            if (r == 0) zeros++;
        }
        const double alpha = 0.7213 / (1 + 1.079 / Registers);
        double raw = alpha * Registers * Registers / sum;
        return raw <= 2.5 * Registers && zeros > 0 ? Registers * Math.Log((double)Registers / zeros) : raw;
    }
}
