using Accel.Data;
using Accel.Expressions;

namespace Accel.Vectorized;

// String functions over dictionary codes: an expression that reads one string column is evaluated once per distinct
// value of that column, and each row takes its value's result by its code. It applies where the column's codes are
// known already (a cached table's string key, coded once for an aggregate), or where the per-row rule is costly enough
// (regular expressions, split, parsing text, case mapping) to pay for coding the column, which is then kept with it.
public static partial class SimdEvaluator
{
    [ThreadStatic] private static bool _overDictionary;

    private static Value? OverDictionary(BoundExpr e, IReadOnlyList<ColumnVector> cols, int n)
    {
        if (_overDictionary || _scratch is not null || n < 64 || e is BoundColumn or BoundLiteral) return null;
        if (e is not (BoundFunction or BoundCast or BoundIn or BoundBinary or BoundCase)) return null;
        BoundColumn? only = null;
        bool costly = false;
        foreach (var d in e.Descendants())
        {
            if (d is BoundColumn c)
            {
                if (c.Type.Id != TypeId.Utf8 || (only is not null && only.Ordinal != c.Ordinal)) return null;
                only = c;
            }
            costly |= d is BoundFunction { Name: "rlike" or "split" or "upper" or "lower" }
                || d is BoundFunction { Name: "like", Args: [_, var pattern] } && (pattern is not BoundLiteral { Value: string p } || LikePattern.TryCreate(p) is null)
                || d is BoundCast { Child.Type.Id: TypeId.Utf8 };
        }
        if (only is null || cols[only.Ordinal] is not StringVector column || column.Length != n) return null;
        if (!KeyEncoder.LocalDictionary.TryGet(column, out var dictionary))
        {
            if (!costly) return null;
            dictionary = KeyEncoder.LocalDictionary.Of(column);
        }
        int k = dictionary.FirstRows.Length;
        if (k > n / 2) return null;
        // A NULL row is one more value (code k): IS NULL, coalesce, <=>, size and CASE turn it into values of their own.
        bool anyNull = column.NullCount > 0;
        var distinct = cols.ToArray();
        distinct[only.Ordinal] = column.Gather(anyNull ? [.. dictionary.FirstRows, -1] : dictionary.FirstRows);
        if (anyNull) k++;
        var (previousShared, previous) = (_shared, _overDictionary);
        (_shared, _overDictionary) = (null, true);
        Value perValue;
        try { perValue = EvalNode(e, distinct, k); }
        finally { (_shared, _overDictionary) = (previousShared, previous); }
        return ByCode(perValue, dictionary.Codes, anyNull ? k - 1 : -1, n);
    }

    // Each row's result from its code's; a NULL row (code -1) takes the result at `nullCode`.
    private static Value? ByCode(Value perValue, int[] codes, int nullCode, int n)
    {
        int[] rows = new int[n];
        for (int i = 0; i < n; i++) rows[i] = codes[i] < 0 ? nullCode : codes[i];
        switch (perValue)
        {
            case Const:
                return perValue;
            case Truth t:
            {
                var isTrue = new ulong[Bitmask.Words(n)];
                var isFalse = new ulong[isTrue.Length];
                for (int i = 0; i < n; i++)
                {
                    int c = rows[i];
                    if (c < 0) continue;
                    isTrue[i >> 6] |= (t.True[c >> 6] >> (c & 63) & 1) << (i & 63);
                    isFalse[i >> 6] |= (t.False[c >> 6] >> (c & 63) & 1) << (i & 63);
                }
                return new Truth(isTrue, isFalse);
            }
            case Vec v:
            {
                var valid = new ulong[Bitmask.Words(n)];
                for (int i = 0; i < n; i++)
                {
                    int c = rows[i];
                    if (c >= 0) valid[i >> 6] |= (v.Valid[c >> 6] >> (c & 63) & 1) << (i & 63);
                }
                Array values = v.Values switch
                {
                    int[] a => GatherCodes(a, rows), long[] a => GatherCodes(a, rows), float[] a => GatherCodes(a, rows), _ => GatherCodes((double[])v.Values, rows),
                };
                return new Vec(values, valid);
            }
            case Str s:
            {
                var gathered = (StringVector)s.Column.Gather(rows);
                return new Str(gathered, Bitmask.FromValidity(gathered.Validity, n));
            }
            case Lst l:
            {
                var gathered = (ListVector)l.Column.Gather(rows);
                return new Lst(gathered, Bitmask.FromValidity(gathered.Validity, n));
            }
            default:
                return null;
        }
    }

    private static T[] GatherCodes<T>(T[] perValue, ReadOnlySpan<int> codes) where T : unmanaged
    {
        var r = NewArray<T>(codes.Length);
        for (int i = 0; i < codes.Length; i++) if (codes[i] >= 0) r[i] = perValue[codes[i]];
        return r;
    }
}
