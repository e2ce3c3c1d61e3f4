using System.Numerics;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Vectorized;

/// <summary>SIMD hash aggregate: global aggregates with vector sums and min/max, and grouping by one
/// integer key, direct-indexed when the key range is small and through an open-addressing table
/// otherwise. Morsels are processed on all cores, each thread with its own partial state, merged once
/// at the end (no lock on the hot path).</summary>
public sealed class HashAggregateSimd : IHashAggregateImpl
{
    private const int MorselRows = 65536;
    private const long DirectRangeLimit = 1 << 20;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(AggregateSpec spec, ExecEnvironment env)
    {
        if (spec.KeyOrdinals.Count > 1)
            return Support.No($"grouping by {spec.KeyOrdinals.Count} keys ({string.Join(", ", spec.KeyOrdinals.Select(k => spec.Input[k].Type))}) is not vectorized yet");
        if (spec.KeyOrdinals.Count == 1 && spec.Input[spec.KeyOrdinals[0]].Type.Id is not (TypeId.Int32 or TypeId.Int64 or TypeId.Date32))
            return Support.No($"grouping by a {spec.Input[spec.KeyOrdinals[0]].Type} key is not vectorized yet");
        foreach (var a in spec.Aggregates)
        {
            if (a.Distinct) return Support.No($"{AggregateExpr.NameOf(a.Func)}(DISTINCT) is not vectorized yet");
            if (a.Func is not (AggFunc.Count or AggFunc.CountStar or AggFunc.Sum or AggFunc.Avg or AggFunc.Min or AggFunc.Max))
                return Support.No($"aggregate {AggregateExpr.NameOf(a.Func)} is not vectorized yet");
            if (a.InputOrdinal >= 0 && a.Func != AggFunc.Count && !(spec.Input[a.InputOrdinal].Type.Id is TypeId.Int32 or TypeId.Int64 or TypeId.Float32 or TypeId.Float64 or TypeId.Decimal
                    || (a.Func is AggFunc.Min or AggFunc.Max && spec.Input[a.InputOrdinal].Type.Id is TypeId.Date32 or TypeId.Timestamp)))
                return Support.No($"{AggregateExpr.NameOf(a.Func)} over {spec.Input[a.InputOrdinal].Type} is not vectorized yet");
        }
        return Support.Yes;
    }

    /// <inheritdoc />
    public CostEstimate Estimate(AggregateSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowAggregate * Math.Max(1, spec.Aggregates.Count) / SimdCapabilities.EffectiveThreads / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec)
    {
        var batches = input.Select(b => b.Compact()).Where(b => b.PhysicalRows > 0).ToList();
        var morsels = batches.SelectMany(b => Enumerable.Range(0, (b.PhysicalRows + MorselRows - 1) / MorselRows)
            .Select(m => (Batch: b, Start: m * MorselRows, Count: Math.Min(MorselRows, b.PhysicalRows - m * MorselRows)))).ToList();
        bool keyed = spec.KeyOrdinals.Count == 1;
        long keyMin = 0;
        bool direct = false;
        if (keyed)
        {
            var (min, max, any) = KeyRange(batches, spec.KeyOrdinals[0]);
            long rows = batches.Sum(b => (long)b.PhysicalRows);
            direct = !any || (max - min < DirectRangeLimit && max - min <= 4 * rows + 1024);
            keyMin = any ? min : 0;
        }
        var states = new List<GroupState>();
        Parallel.ForEach(morsels, new ParallelOptions { MaxDegreeOfParallelism = SimdCapabilities.EffectiveThreads },
            () => new GroupState(spec, direct, keyMin),
            (m, _, state) => { state.Consume(m.Batch, m.Start, m.Count); return state; },
            state => { lock (states) states.Add(state); });
        var total = new GroupState(spec, direct, keyMin);
        foreach (var s in states) total.Merge(s);
        return total.Result(spec);
    }

    private static (long Min, long Max, bool Any) KeyRange(List<ColumnBatch> batches, int ordinal)
    {
        long min = long.MaxValue, max = long.MinValue;
        bool any = false;
        foreach (var b in batches)
        {
            var keys = Keys(b[ordinal]);
            var valid = Bitmask.FromValidity(b[ordinal].Validity, b.PhysicalRows);
            if (b[ordinal].Validity is null && keys.Length > 0)
            {
                var (lo, hi) = VectorLoops.MinMax<long>(keys.AsSpan(0, b.PhysicalRows));
                min = Math.Min(min, lo);
                max = Math.Max(max, hi);
                any = true;
                continue;
            }
            foreach (var i in Bitmask.Positions(valid, null)) { min = Math.Min(min, keys[i]); max = Math.Max(max, keys[i]); any = true; }
        }
        return (min, max, any);
    }

    internal static long[] Keys(ColumnVector c) => c switch
    {
        PrimitiveVector<long> v => v.Values,
        PrimitiveVector<int> v => Widen(v.Values, c.Length),
        _ => throw new InvalidOperationException(),
    };

    private static long[] Widen(int[] a, int n)
    {
        var r = new long[n];
        for (int i = 0; i < n; i++) r[i] = a[i];
        return r;
    }

    /// <summary>Per-thread (and final) state: dense group ids, one slot per group per aggregate.</summary>
    private sealed class GroupState
    {
        private readonly AggregateSpec _spec;
        private readonly bool _keyed, _direct;
        private readonly long _keyMin;
        private readonly LongHashTable _table = new();
        private int _groups;
        private long[] _keys = new long[16];
        private bool[] _keyNull = new bool[16];
        private int[] _directSlot = [];
        private int _nullSlot = -1;
        private readonly Slots[] _aggs;

        public GroupState(AggregateSpec spec, bool direct, long keyMin)
        {
            _spec = spec;
            _keyed = spec.KeyOrdinals.Count == 1;
            _direct = direct;
            _keyMin = keyMin;
            _aggs = spec.Aggregates.Select(_ => new Slots()).ToArray();
            if (!_keyed) Slot(0, false);
        }

        private int NewGroup(long key, bool isNull)
        {
            if (_groups == _keys.Length)
            {
                Array.Resize(ref _keys, _groups * 2);
                Array.Resize(ref _keyNull, _groups * 2);
            }
            _keys[_groups] = key;
            _keyNull[_groups] = isNull;
            foreach (var a in _aggs) a.Grow(_groups + 1);
            return _groups++;
        }

        private int Slot(long key, bool isNull)
        {
            if (!_keyed) return _groups == 0 ? NewGroup(0, false) : 0;
            if (isNull) return _nullSlot >= 0 ? _nullSlot : _nullSlot = NewGroup(0, true);
            if (_direct)
            {
                long d = key - _keyMin;
                if (d >= _directSlot.Length)
                {
                    int old = _directSlot.Length;
                    Array.Resize(ref _directSlot, (int)Math.Max(d + 1, old * 2L));
                    Array.Fill(_directSlot, -1, old, _directSlot.Length - old);
                }
                int s = _directSlot[d];
                return s >= 0 ? s : _directSlot[d] = NewGroup(key, false);
            }
            int id = _table.GetOrAdd(key, _groups);
            return id == _groups ? NewGroup(key, false) : id;
        }

        public void Consume(ColumnBatch b, int start, int count)
        {
            int[] slots = new int[count];
            if (_keyed)
            {
                var kc = b[_spec.KeyOrdinals[0]];
                var keys = Keys(kc);
                for (int i = 0; i < count; i++) slots[i] = Slot(keys[start + i], kc.IsNull(start + i));
            }
            else Slot(0, false);
            for (int a = 0; a < _aggs.Length; a++)
            {
                var call = _spec.Aggregates[a];
                var s = _aggs[a];
                if (call.InputOrdinal < 0)
                {
                    if (!_keyed) s.Count[0] += count;
                    else foreach (var g in slots) s.Count[g]++;
                    continue;
                }
                var col = b[call.InputOrdinal];
                var validWords = Bitmask.FromValidity(col.Validity, b.PhysicalRows);
                bool isDecimal = col.Type.Id == TypeId.Decimal;
                if (!_keyed && col.Validity is null && !isDecimal && call.Func is AggFunc.Sum or AggFunc.Avg or AggFunc.Count)
                {
                    // Global, no NULLs: whole-vector sums.
                    s.Count[0] += count;
                    switch (col)
                    {
                        case PrimitiveVector<long> v: s.Long[0] = unchecked(s.Long[0] + VectorLoops.Sum<long>(v.Values.AsSpan(start, count))); break;
                        case PrimitiveVector<int> v: s.Long[0] = unchecked(s.Long[0] + SumWidened(v.Values.AsSpan(start, count))); break;
                        case PrimitiveVector<double> v: s.Double[0] += VectorLoops.Sum<double>(v.Values.AsSpan(start, count)); break;
                        case PrimitiveVector<float> v: s.Double[0] += SumWidened(v.Values.AsSpan(start, count)); break;
                    }
                    s.Has[0] = true;
                    continue;
                }
                for (int i = 0; i < count; i++)
                {
                    int r = start + i;
                    if ((validWords[r >> 6] >> (r & 63) & 1) == 0) continue;
                    int g = _keyed ? slots[i] : 0;
                    switch (col)
                    {
                        case PrimitiveVector<long> v when isDecimal: s.AddDecimal(g, v.Values[r]); break;
                        case PrimitiveVector<long> v: s.AddLong(g, v.Values[r]); break;
                        case PrimitiveVector<int> v: s.AddLong(g, v.Values[r]); break;
                        case PrimitiveVector<double> v: s.AddDouble(g, v.Values[r]); break;
                        case PrimitiveVector<float> v: s.AddDouble(g, v.Values[r]); break;
                        default: s.Count[g]++; break;
                    }
                }
            }
        }

        private static long SumWidened(ReadOnlySpan<int> a)
        {
            // Sums of 32-bit values are widened per block so that they cannot wrap before Spark's bigint would.
            long total = 0;
            Span<long> block = stackalloc long[1024];
            for (int i = 0; i < a.Length; i += block.Length)
            {
                int n = Math.Min(block.Length, a.Length - i);
                for (int k = 0; k < n; k++) block[k] = a[i + k];
                total += VectorLoops.Sum<long>(block[..n]);
            }
            return total;
        }

        private static double SumWidened(ReadOnlySpan<float> a)
        {
            double total = 0;
            foreach (var f in a) total += f;
            return total;
        }

        public void Merge(GroupState other)
        {
            for (int g = 0; g < other._groups; g++)
            {
                int t = Slot(other._keys[g], other._keyNull[g]);
                for (int a = 0; a < _aggs.Length; a++) _aggs[a].Merge(t, other._aggs[a], g);
            }
        }

        public ColumnBatch Result(AggregateSpec spec)
        {
            int n = _groups;
            var columns = new List<ColumnVector>();
            if (_keyed)
            {
                var kt = spec.Output[0].Type;
                var b = ColumnBuilder.Create(kt, n);
                for (int g = 0; g < n; g++)
                    b.Append(_keyNull[g] ? null : kt.Id == TypeId.Int64 ? _keys[g] : kt.Id == TypeId.Date32 ? ValueConversions.ToDate((int)_keys[g]) : (object)(int)_keys[g]);
                columns.Add(b.Build());
            }
            for (int a = 0; a < _aggs.Length; a++)
            {
                var call = spec.Aggregates[a];
                var s = _aggs[a];
                var inType = call.InputOrdinal >= 0 ? spec.Input[call.InputOrdinal].Type : null;
                bool floating = inType is { IsFloating: true };
                bool isDecimal = inType is { Id: TypeId.Decimal };
                var b = ColumnBuilder.Create(call.ResultType, n);
                for (int g = 0; g < n; g++)
                {
                    object? v = call.Func switch
                    {
                        AggFunc.Count or AggFunc.CountStar => s.Count[g],
                        _ when s.Count[g] == 0 => null,
                        AggFunc.Sum when isDecimal => DecimalResult(s.Wide[g], 1, inType!.Scale, call.ResultType),
                        AggFunc.Avg when isDecimal => DecimalResult(s.Wide[g], s.Count[g], inType!.Scale, call.ResultType),
                        AggFunc.Min when isDecimal => ValueConversions.ToDecimal(s.MinL[g], inType!.Scale),
                        AggFunc.Max when isDecimal => ValueConversions.ToDecimal(s.MaxL[g], inType!.Scale),
                        AggFunc.Sum => floating ? s.Double[g] : s.Long[g],
                        AggFunc.Avg => (floating ? s.Double[g] : (double)s.Long[g]) / s.Count[g],
                        AggFunc.Min => floating ? FromDouble(s.Min[g], inType!) : FromLong(s.MinL[g], inType!),
                        _ => floating ? FromDouble(s.Max[g], inType!) : FromLong(s.MaxL[g], inType!),
                    };
                    b.Append(v);
                }
                columns.Add(b.Build());
            }
            return new ColumnBatch(spec.Output, columns, n);
        }

        // sum / count at the result's scale, rounded half away from zero; NULL when it needs more digits than the
        // result's precision (the scalar path's decimal rules).
        private static object? DecimalResult(Int128 sum, long count, int scale, DataType result)
        {
            Int128 scaled = sum;
            for (int i = scale; i < result.Scale; i++) scaled *= 10;
            Int128 q = scaled / count, rem = scaled - q * count;
            if (Int128.Abs(rem) * 2 >= count) q += Int128.Sign(scaled);
            Int128 limit = 1;
            for (int i = 0; i < result.Precision; i++) limit *= 10;
            return Int128.Abs(q) < limit ? ValueConversions.ToDecimal((long)q, result.Scale) : null;
        }

        private static object FromDouble(double d, DataType t) => t.Id == TypeId.Float32 ? (float)d : d;
        private static object FromLong(long l, DataType t) => t.Id is TypeId.Int32 or TypeId.Date32 ? (int)l : l;
    }

    /// <summary>Running aggregates per group: counts, sums (integer and floating), min and max.</summary>
    private sealed class Slots
    {
        public long[] Count = [], Long = [], MinL = [], MaxL = [];
        // Decimal sums in 128 bits: scaled int64 values cannot wrap them.
        public Int128[] Wide = [];
        public double[] Double = [], Min = [], Max = [];
        public bool[] Has = [];

        public void Grow(int groups)
        {
            if (groups <= Count.Length) return;
            int size = Math.Max(16, Math.Max(groups, Count.Length * 2));
            int old = Count.Length;
            Array.Resize(ref Count, size); Array.Resize(ref Long, size); Array.Resize(ref Wide, size); Array.Resize(ref MinL, size); Array.Resize(ref MaxL, size);
            Array.Resize(ref Double, size); Array.Resize(ref Min, size); Array.Resize(ref Max, size); Array.Resize(ref Has, size);
            Array.Fill(MinL, long.MaxValue, old, size - old);
            Array.Fill(MaxL, long.MinValue, old, size - old);
            Array.Fill(Min, double.PositiveInfinity, old, size - old);
            Array.Fill(Max, double.NegativeInfinity, old, size - old);
        }

        public void AddLong(int g, long v)
        {
            Count[g]++;
            Long[g] = unchecked(Long[g] + v);
            if (v < MinL[g]) MinL[g] = v;
            if (v > MaxL[g]) MaxL[g] = v;
        }

        public void AddDecimal(int g, long v)
        {
            Count[g]++;
            Wide[g] += v;
            if (v < MinL[g]) MinL[g] = v;
            if (v > MaxL[g]) MaxL[g] = v;
        }

        public void AddDouble(int g, double v)
        {
            Count[g]++;
            Double[g] += v;
            // Spark's ordering: NaN is the largest value.
            if (Comparisons.CompareDouble(v, Min[g]) < 0 || Count[g] == 1) Min[g] = v;
            if (Comparisons.CompareDouble(v, Max[g]) > 0 || Count[g] == 1) Max[g] = v;
        }

        public void Merge(int g, Slots o, int og)
        {
            if (o.Count[og] == 0) return;
            bool first = Count[g] == 0;
            Count[g] += o.Count[og];
            Long[g] = unchecked(Long[g] + o.Long[og]);
            Wide[g] += o.Wide[og];
            Double[g] += o.Double[og];
            MinL[g] = Math.Min(MinL[g], o.MinL[og]);
            MaxL[g] = Math.Max(MaxL[g], o.MaxL[og]);
            if (first || Comparisons.CompareDouble(o.Min[og], Min[g]) < 0) Min[g] = o.Min[og];
            if (first || Comparisons.CompareDouble(o.Max[og], Max[g]) > 0) Max[g] = o.Max[og];
        }
    }
}
