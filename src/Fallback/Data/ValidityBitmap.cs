using System.Numerics;

namespace Accel.Data;

/// <summary>An Arrow validity bitmap: bit i (LSB first) is 1 when row i is valid (not null).</summary>
public sealed class ValidityBitmap
{
    /// <summary>The packed bits, Arrow layout.</summary>
    public byte[] Bits { get; }
    /// <summary>Number of rows covered.</summary>
    public int Length { get; }

    /// <summary>A bitmap of <paramref name="length"/> rows, all valid or all null.</summary>
    public ValidityBitmap(int length, bool allValid = true)
    {
        Length = length;
        Bits = new byte[(length + 7) >> 3];
        if (allValid) Array.Fill(Bits, (byte)0xFF);
    }

    /// <summary>Wraps existing packed bits.</summary>
    public ValidityBitmap(byte[] bits, int length)
    {
        if (bits.Length < (length + 7) >> 3) throw new ArgumentException("bitmap too short for its length");
        Bits = bits;
        Length = length;
    }

    /// <summary>True when row i is valid.</summary>
    public bool IsValid(int i) => (Bits[i >> 3] & (1 << (i & 7))) != 0;

    /// <summary>Sets whether row i is valid.</summary>
    public void Set(int i, bool valid)
    {
        if (valid) Bits[i >> 3] |= (byte)(1 << (i & 7));
        else Bits[i >> 3] &= (byte)~(1 << (i & 7));
    }

    /// <summary>Number of null rows.</summary>
    public int CountNulls()
    {
        int valid = 0, full = Length >> 3;
        for (int b = 0; b < full; b++) valid += BitOperations.PopCount(Bits[b]);
        for (int i = full << 3; i < Length; i++) if (IsValid(i)) valid++;
        return Length - valid;
    }

    /// <summary>Builds a bitmap from per-row flags; returns null when every row is valid.</summary>
    public static ValidityBitmap? FromFlags(ReadOnlySpan<bool> valid)
    {
        if (valid.IndexOf(false) < 0) return null;
        var bm = new ValidityBitmap(valid.Length, allValid: false);
        for (int i = 0; i < valid.Length; i++) if (valid[i]) bm.Bits[i >> 3] |= (byte)(1 << (i & 7));
        return bm;
    }

    /// <summary>Rows valid in both (null when both are all-valid).</summary>
    public static ValidityBitmap? And(ValidityBitmap? a, ValidityBitmap? b)
    {
        if (a is null) return b;
        if (b is null) return a;
        var r = new ValidityBitmap(a.Length, allValid: false);
        for (int i = 0; i < r.Bits.Length; i++) r.Bits[i] = (byte)(a.Bits[i] & b.Bits[i]);
        return r;
    }
}
