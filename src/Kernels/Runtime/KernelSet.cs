using ILGPU;
using ILGPU.Algorithms;
using ILGPU.Algorithms.ScanReduceOperations;
using ILGPU.Runtime;

namespace Accel.Kernels;

/// <summary>The engine's ILGPU kernels, compiled and loaded once per accelerator. All are grid-stride
/// loops launched with <see cref="GpuRuntime.GridFor"/>.</summary>
public sealed partial class KernelSet
{
    internal KernelSet(Accelerator a)
    {
        _accelerator = a;
        Eval = a.LoadStreamKernel<ArrayView<long>, ArrayView<byte>, ArrayView<int>, ArrayView<long>, int, int, ArrayView<long>, ArrayView<byte>>(EvalKernel);
        Flags = a.LoadStreamKernel<ArrayView<long>, ArrayView<byte>, int, ArrayView<int>>(FlagsKernel);
        Scatter = a.LoadStreamKernel<ArrayView<int>, ArrayView<int>, int, ArrayView<int>>(ScatterKernel);
        Fill = a.LoadStreamKernel<ArrayView<long>, long, int>(FillKernel);
        Insert = a.LoadStreamKernel<ArrayView<long>, ArrayView<byte>, int, ArrayView<long>, int, ArrayView<int>>(InsertKernel);
        CountRows = a.LoadStreamKernel<ArrayView<int>, int, ArrayView<long>>(CountRowsKernel);
        UpdateLong = a.LoadStreamKernel<ArrayView<long>, ArrayView<byte>, ArrayView<int>, int, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>>(UpdateLongKernel);
        Occupied = a.LoadStreamKernel<ArrayView<long>, int, ArrayView<int>>(OccupiedKernel);
        Gather = a.LoadStreamKernel<ArrayView<long>, ArrayView<int>, int, int, ArrayView<long>>(GatherKernel);
        UpdateDouble = a.LoadStreamKernel<ArrayView<long>, ArrayView<byte>, ArrayView<int>, int, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>>(UpdateDoubleKernel);
        ExclusiveScan = a.CreateScan<int, Stride1D.Dense, Stride1D.Dense, AddInt32>(ScanKind.Exclusive);
    }

    internal Action<KernelConfig, ArrayView<long>, ArrayView<byte>, ArrayView<int>, ArrayView<long>, int, int, ArrayView<long>, ArrayView<byte>> Eval { get; }
    internal Action<KernelConfig, ArrayView<long>, ArrayView<byte>, int, ArrayView<int>> Flags { get; }
    internal Action<KernelConfig, ArrayView<int>, ArrayView<int>, int, ArrayView<int>> Scatter { get; }
    internal Action<KernelConfig, ArrayView<long>, long, int> Fill { get; }
    internal Action<KernelConfig, ArrayView<long>, ArrayView<byte>, int, ArrayView<long>, int, ArrayView<int>> Insert { get; }
    internal Action<KernelConfig, ArrayView<int>, int, ArrayView<long>> CountRows { get; }
    internal Action<KernelConfig, ArrayView<long>, ArrayView<byte>, ArrayView<int>, int, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>> UpdateLong { get; }
    internal Action<KernelConfig, ArrayView<long>, int, ArrayView<int>> Occupied { get; }
    internal Action<KernelConfig, ArrayView<long>, ArrayView<int>, int, int, ArrayView<long>> Gather { get; }
    internal Action<KernelConfig, ArrayView<long>, ArrayView<byte>, ArrayView<int>, int, ArrayView<long>, ArrayView<long>, ArrayView<long>, ArrayView<long>> UpdateDouble { get; }
    internal Scan<int, Stride1D.Dense, Stride1D.Dense> ExclusiveScan { get; }

    private static int Stride => Grid.DimX * Group.DimX;

    private static double D(long bits) => Interop.IntAsFloat((ulong)bits);
    private static long B(double d) => (long)Interop.FloatAsInt(d);

    // Spark's ordering of doubles: NaN equals NaN and is greater than everything else.
    private static int CompareD(double a, double b)
    {
        bool an = double.IsNaN(a), bn = double.IsNaN(b);
        if (an || bn) return an && bn ? 0 : an ? 1 : -1;
        return a < b ? -1 : a > b ? 1 : 0;
    }

    private static bool Holds(int op, int cmp) =>
        op == 0 ? cmp == 0 : op == 1 ? cmp != 0 : op == 2 ? cmp < 0 : op == 3 ? cmp <= 0 : op == 4 ? cmp > 0 : cmp >= 0;

    /// <summary>Interprets a postfix program per row: columns are int64 (or double bits) column-major,
    /// validity one byte per row and column; the result is a value and a validity byte per row.</summary>
    private static void EvalKernel(ArrayView<long> data, ArrayView<byte> valid, ArrayView<int> code, ArrayView<long> consts, int codeLen, int n, ArrayView<long> outVal, ArrayView<byte> outValid)
    {
        var sv = LocalMemory.Allocate1D<long>(Op.MaxStack);
        var sn = LocalMemory.Allocate1D<byte>(Op.MaxStack);
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            int sp = 0;
            bool hostRow = false;
            for (int pc = 0; pc < codeLen; pc += 2)
            {
                int op = code[pc], arg = code[pc + 1];
                if (op >= Op.Lookup)
                {
                    if (op == Op.Lookup)
                    {
                        // A NULL code reads the table's last entry (the subtree's value at NULL).
                        long entry = sn[sp - 1] != 0 ? sv[sp - 1] : consts[arg + 1];
                        long v = consts[consts[arg] + entry];
                        sv[sp - 1] = v;
                        sn[sp - 1] = v == consts[arg + 2] ? (byte)0 : (byte)1;
                    }
                    else if (op == Op.Select)
                    {
                        int pick = sn[sp - 3] != 0 && sv[sp - 3] != 0 ? sp - 2 : sp - 1;
                        sv[sp - 3] = sv[pick];
                        sn[sp - 3] = sn[pick];
                        sp -= 2;
                    }
                    else if (op == Op.DatePart) sv[sp - 1] = DatePart(sv[sp - 1], arg);
                    else
                    {
                        sv[sp] = 0;
                        sn[sp] = 0;
                        sp++;
                    }
                    continue;
                }
                if (op >= Op.RescaleUp)
                {
                    if (op <= Op.CheckPrecision || op == Op.DecimalToDouble)
                    {
                        long v = sv[sp - 1];
                        if (sn[sp - 1] == 0) continue;
                        if (op == Op.RescaleUp)
                        {
                            if (arg > 18 || Math.Abs((double)v) * Pow10D(arg) > SafeMagnitude) hostRow |= v != 0;
                            else sv[sp - 1] = v * Pow10(arg);
                        }
                        else if (op == Op.RescaleDown) sv[sp - 1] = arg > 18 ? 0 : RoundedDivide(v, Pow10(arg));
                        else if (op == Op.CheckPrecision) { if (arg < 19 && (v >= Pow10(arg) || v <= -Pow10(arg))) sn[sp - 1] = 0; }
                        else
                        {
                            // System.Decimal's conversion: the magnitude as a double divided by 10^scale (exact powers).
                            double d = (double)(v < 0 ? -v : v) / Pow10D(arg);
                            sv[sp - 1] = B(v < 0 ? -d : d);
                        }
                        continue;
                    }
                    long a2 = sv[sp - 2], b2 = sv[sp - 1];
                    byte valid2 = (byte)(sn[sp - 2] & sn[sp - 1]);
                    sp--;
                    long r2 = 0;
                    if (valid2 != 0)
                    {
                        double da = Math.Abs((double)a2), db = Math.Abs((double)b2);
                        if (op == Op.AddChecked || op == Op.SubChecked)
                        {
                            if (da + db > SafeMagnitude) hostRow = true;
                            else r2 = op == Op.AddChecked ? a2 + b2 : a2 - b2;
                        }
                        else if (op == Op.MulChecked)
                        {
                            if (da * db > SafeMagnitude) hostRow = true;
                            else r2 = a2 * b2;
                        }
                        else if (b2 == 0) valid2 = 0;
                        else if (arg >= 0)
                        {
                            if (arg > 18 || da * Pow10D(arg) > SafeMagnitude) hostRow |= a2 != 0;
                            else r2 = RoundedDivide(a2 * Pow10(arg), b2);
                        }
                        else if (-arg > 18 || db * Pow10D(-arg) > SafeMagnitude) hostRow = true;
                        else r2 = RoundedDivide(a2, b2 * Pow10(-arg));
                    }
                    sv[sp - 1] = r2;
                    sn[sp - 1] = valid2;
                    continue;
                }
                if (op <= Op.LoadDouble)
                {
                    long at = (long)arg * n + i;
                    sv[sp] = data[at];
                    sn[sp] = valid[at];
                    sp++;
                }
                else if (op <= Op.ConstDouble)
                {
                    sv[sp] = consts[arg];
                    sn[sp] = 1;
                    sp++;
                }
                else if (op == Op.LongToDouble) sv[sp - 1] = B(sv[sp - 1]);
                else if (op == Op.RoundToFloat) sv[sp - 1] = B((float)D(sv[sp - 1]));
                else if (op == Op.WrapInt) sv[sp - 1] = (int)sv[sp - 1];
                else if (op == Op.Not) sv[sp - 1] = sv[sp - 1] == 0 ? 1 : 0;
                else if (op == Op.IsNull) { sv[sp - 1] = sn[sp - 1] == 0 ? 1 : 0; sn[sp - 1] = 1; }
                else if (op == Op.IsNotNull) { sv[sp - 1] = sn[sp - 1] != 0 ? 1 : 0; sn[sp - 1] = 1; }
                else
                {
                    long a = sv[sp - 2], b = sv[sp - 1];
                    byte va = sn[sp - 2], vb = sn[sp - 1];
                    sp--;
                    long r;
                    byte rv = (byte)(va & vb);
                    if (op == Op.And || op == Op.Or)
                    {
                        // Three-valued logic: the dominant value (FALSE for AND, TRUE for OR) wins over NULL.
                        long dominant = op == Op.And ? 0 : 1;
                        if ((va != 0 && a == dominant) || (vb != 0 && b == dominant)) { r = dominant; rv = 1; }
                        else r = 1 - dominant;
                    }
                    else if (op == Op.AddLong) r = a + b;
                    else if (op == Op.SubLong) r = a - b;
                    else if (op == Op.MulLong) r = a * b;
                    else if (op == Op.AddDouble) r = B(D(a) + D(b));
                    else if (op == Op.SubDouble) r = B(D(a) - D(b));
                    else if (op == Op.MulDouble) r = B(D(a) * D(b));
                    else if (op == Op.DivDouble)
                    {
                        double db = D(b);
                        if (db == 0) rv = 0;
                        r = B(D(a) / db);
                    }
                    else if (op == Op.CompareLong) r = Holds(arg, a < b ? -1 : a > b ? 1 : 0) ? 1 : 0;
                    else r = Holds(arg, CompareD(D(a), D(b))) ? 1 : 0;
                    sv[sp - 1] = r;
                    sn[sp - 1] = rv;
                }
            }
            outVal[i] = sv[0];
            outValid[i] = hostRow ? Op.HostRow : sn[0];
        }
    }

    // Civil date of a day number (days since 1970-01-01), by the era arithmetic of proleptic Gregorian 400-year cycles.
    private static long DatePart(long days, int part)
    {
        long z = days + 719468;
        long era = (z >= 0 ? z : z - 146096) / 146097;
        long doe = z - era * 146097;
        long yoe = (doe - doe / 1460 + doe / 36524 - doe / 146096) / 365;
        long doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
        long mp = (5 * doy + 2) / 153;
        long day = doy - (153 * mp + 2) / 5 + 1;
        long month = mp < 10 ? mp + 3 : mp - 9;
        return part == 0 ? yoe + era * 400 + (month <= 2 ? 1 : 0) : part == 1 ? month : day;
    }

    // Below this magnitude (as a double) an int64 result is exact: 9e18 < 2^63 with room for the double's rounding.
    private const double SafeMagnitude = 9e18;

    private static long Pow10(int k)
    {
        long p = 1;
        for (int j = 0; j < k; j++) p *= 10;
        return p;
    }

    // Exact for k <= 22 (every such power of ten is a double).
    private static double Pow10D(int k)
    {
        double p = 1;
        for (int j = 0; j < k; j++) p *= 10;
        return p;
    }

    // n / d rounded half away from zero, as System.Decimal's MidpointRounding.AwayFromZero (|n| and |d| below 2^63).
    private static long RoundedDivide(long n, long d)
    {
        long q = n / d, r = n % d;
        long ar = r < 0 ? -r : r, ad = d < 0 ? -d : d;
        if (ar >= ad - ar) q += (n < 0) == (d < 0) ? 1 : -1;
        return q;
    }

    // A row marked for the host passes here; the operator rechecks it on the host.
    private static void FlagsKernel(ArrayView<long> values, ArrayView<byte> valid, int n, ArrayView<int> flags)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) flags[i] = valid[i] == Op.HostRow || (valid[i] != 0 && values[i] != 0) ? 1 : 0;
    }

    private static void ScatterKernel(ArrayView<int> flags, ArrayView<int> offsets, int n, ArrayView<int> positions)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) if (flags[i] != 0) positions[offsets[i]] = i;
    }

    private static void FillKernel(ArrayView<long> view, long value, int n)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) view[i] = value;
    }

    /// <summary>Sentinel of an empty hash slot; a real key equal to it gets slot 1, NULL keys slot 0.</summary>
    internal const long EmptyKey = long.MinValue;

    private static void InsertKernel(ArrayView<long> keys, ArrayView<byte> keyValid, int n, ArrayView<long> table, int mask, ArrayView<int> rowSlot)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            long key = keys[i];
            if (keyValid[i] == 0) { rowSlot[i] = 0; continue; }
            if (key == EmptyKey) { rowSlot[i] = 1; continue; }
            ulong h = (ulong)key * 0x9E3779B97F4A7C15UL;
            int p = (int)((h ^ (h >> 29)) & (ulong)mask);
            while (true)
            {
                long prev = Atomic.CompareExchange(ref table[p], EmptyKey, key);
                if (prev == EmptyKey || prev == key) { rowSlot[i] = p + 2; break; }
                p = (p + 1) & mask;
            }
        }
    }

    private static void CountRowsKernel(ArrayView<int> rowSlot, int n, ArrayView<long> counts)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) Atomic.Add(ref counts[rowSlot[i]], 1L);
    }

    /// <summary>Integer aggregates; the sum is exact in 128 bits (low word wraps like Spark's long sum, the
    /// high word lets AVG divide the true sum as the scalar path's double sum does, even past overflow).</summary>
    private static void UpdateLongKernel(ArrayView<long> values, ArrayView<byte> valid, ArrayView<int> rowSlot, int n,
        ArrayView<long> count, ArrayView<long> sum, ArrayView<long> sumHigh, ArrayView<long> min, ArrayView<long> max)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            if (valid[i] == 0) continue;
            int s = rowSlot[i];
            long v = values[i];
            Atomic.Add(ref count[s], 1L);
            ulong before = (ulong)Atomic.Add(ref sum[s], v);
            // Carry out of the low word of this addition, minus the sign extension of v: exact under any interleaving.
            long high = (before + (ulong)v < before ? 1L : 0L) - (v < 0 ? 1L : 0L);
            if (high != 0) Atomic.Add(ref sumHigh[s], high);
            Atomic.Min(ref min[s], v);
            Atomic.Max(ref max[s], v);
        }
    }

    private static void OccupiedKernel(ArrayView<long> rows, int n, ArrayView<int> flags)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride) flags[i] = rows[i] > 0 ? 1 : 0;
    }

    /// <summary>dst[j] = src[idx[j] - offset] (0 where that is negative): reads back only the occupied slots.</summary>
    private static void GatherKernel(ArrayView<long> src, ArrayView<int> idx, int count, int offset, ArrayView<long> dst)
    {
        for (int j = Grid.GlobalIndex.X; j < count; j += Stride)
        {
            int s = idx[j] - offset;
            dst[j] = s >= 0 ? src[s] : 0;
        }
    }

    // A double add through CAS on the bits: a CAS that compares doubles would spin forever once the sum is NaN.
    private static void AddDoubleBits(ref long target, double v)
    {
        while (true)
        {
            long cur = target;
            if (Atomic.CompareExchange(ref target, cur, B(D(cur) + v)) == cur) return;
        }
    }

    private static void UpdateDoubleKernel(ArrayView<long> values, ArrayView<byte> valid, ArrayView<int> rowSlot, int n,
        ArrayView<long> count, ArrayView<long> sum, ArrayView<long> min, ArrayView<long> max)
    {
        for (int i = Grid.GlobalIndex.X; i < n; i += Stride)
        {
            if (valid[i] == 0) continue;
            int s = rowSlot[i];
            long bits = values[i];
            double v = D(bits);
            Atomic.Add(ref count[s], 1L);
            AddDoubleBits(ref sum[s], v);
            // Min and max under Spark's ordering through compare-and-swap on the bits.
            while (true)
            {
                long cur = min[s];
                if (CompareD(v, D(cur)) >= 0 || Atomic.CompareExchange(ref min[s], cur, bits) == cur) break;
            }
            while (true)
            {
                long cur = max[s];
                if (CompareD(v, D(cur)) <= 0 || Atomic.CompareExchange(ref max[s], cur, bits) == cur) break;
            }
        }
    }
}
