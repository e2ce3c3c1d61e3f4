using System.Numerics;
using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.Semantics;

namespace Accel.Vectorized;

/// <summary>SIMD filter: comparisons into 64-row bit masks, three-valued AND/OR/NOT as word operations,
/// then the TRUE rows compacted into a selection vector (columns are not copied).</summary>
public sealed class FilterSimd : IFilterImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Simd;

    /// <inheritdoc />
    public Support CanRun(FilterSpec spec, ExecEnvironment env)
    {
        if (!SimdCapabilities.Use128) return Support.No("this CPU has no hardware-accelerated vectors");
        var why = SimdEvaluator.Unsupported(spec.Predicate, spec.Input);
        return why is null ? Support.Yes : Support.No(why);
    }

    /// <inheritdoc />
    public CostEstimate Estimate(FilterSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * SimdCostModel.NsPerRowPerNode * spec.Predicate.Descendants().Count() / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Filter(ColumnBatch input, FilterSpec spec)
    {
        var (columns, rows) = Inputs.Gathered(input, spec.Predicate);
        var (numeric, strings) = Stages(spec.Predicate);
        if (strings.Count == 0 || numeric is null && strings.Count == 1)
            return input.WithSelection(Bitmask.Positions(TrueRows(spec.Predicate, columns, rows), input.Selection));
        // Conjuncts over strings compare row by row: they run after the numeric ones, one after another, each on the
        // rows the conjuncts before it kept (TPC-H Q12's shipmode IN (...) sees 4% of lineitem instead of all of it).
        // A row is kept when every conjunct is TRUE, so evaluating them in steps keeps the same rows.
        // While most rows survive, a conjunct runs over all of them and its mask is ANDed in; past that, over the
        // survivors' values only, gathered (strings are copied, which pays once few rows are left).
        ulong[]? mask = numeric is null ? null : TrueRows(numeric, columns, rows);
        int[]? kept = null;
        foreach (var conjunct in strings)
        {
            if (kept is null && (mask is null || Bitmask.Count(mask) * 2 >= rows))
            {
                var rowsTrue = TrueRows(conjunct, columns, rows);
                mask = mask is null ? rowsTrue : Bitmask.And(mask, rowsTrue);
                continue;
            }
            kept ??= Bitmask.Positions(mask!, null);
            if (kept.Length == 0) break;
            var used = conjunct.Descendants().OfType<BoundColumn>().Select(c => c.Ordinal).ToHashSet();
            var survivors = columns.Select((c, i) => used.Contains(i) ? c.Gather(kept) : c).ToArray();
            kept = Bitmask.Positions(TrueRows(conjunct, survivors, kept.Length), kept);
        }
        kept ??= Bitmask.Positions(mask!, null);
        if (input.Selection is { } sel)
            for (int i = 0; i < kept.Length; i++) kept[i] = sel[kept[i]];
        return input.WithSelection(kept);
    }

    private static ulong[] TrueRows(BoundExpr predicate, IReadOnlyList<ColumnVector> columns, int rows) =>
        ColumnLiteralConjunction.Of(predicate, columns) is { } conjuncts
            ? ColumnLiteralConjunction.TrueRows(conjuncts, columns, rows)
            : SimdEvaluator.TrueRows(predicate, columns, rows);

    /// <summary>The predicate's conjuncts in evaluation order: the AND of those that read no string column (null when
    /// there are none), then each one that does. An OR over strings whose every branch has numeric conjuncts also
    /// adds the OR of those to the numeric stage (Q19's quantity ranges): a row the OR keeps passes it, so it only
    /// drops rows early.</summary>
    private static (BoundExpr? Numeric, List<BoundExpr> Strings) Stages(BoundExpr predicate)
    {
        var numeric = new List<BoundExpr>();
        var strings = new List<BoundExpr>();
        foreach (var c in Conjuncts(predicate))
        {
            if (!ReadsStrings(c)) { numeric.Add(c); continue; }
            strings.Add(c);
            var branches = Disjuncts(c).Select(d => And(Conjuncts(d).Where(x => !ReadsStrings(x)))).ToList();
            if (branches.Count > 1 && branches.All(b => b is not null))
                numeric.Add(branches.Aggregate((a, b) => new BoundBinary(BinaryOp.Or, a!, b!, DataType.Boolean))!);
        }
        return (And(numeric), strings);
    }

    private static IEnumerable<BoundExpr> Conjuncts(BoundExpr e) =>
        e is BoundBinary { Op: BinaryOp.And } and ? Conjuncts(and.Left).Concat(Conjuncts(and.Right)) : [e];

    private static IEnumerable<BoundExpr> Disjuncts(BoundExpr e) =>
        e is BoundBinary { Op: BinaryOp.Or } or ? Disjuncts(or.Left).Concat(Disjuncts(or.Right)) : [e];

    private static bool ReadsStrings(BoundExpr e) => e.Descendants().Any(d => d is BoundColumn { Type.Id: TypeId.Utf8 });

    private static BoundExpr? And(IEnumerable<BoundExpr> es) =>
        es.Aggregate((BoundExpr?)null, (acc, e) => acc is null ? e : new BoundBinary(BinaryOp.And, acc, e, DataType.Boolean));
}

/// <summary>A filter that is an AND of `column op literal` comparisons over int, long (decimal, date, timestamp) and double
/// columns, TPC-H's usual shape (Q6: five of them over three columns), evaluated 2,048 rows at a time: every comparison
/// runs on a chunk while its values are in L1, so each column is read from memory once and no per-comparison masks are
/// allocated. The comparison operators are the evaluator's, NaN ordering included; a NULL operand drops its row, as the
/// conjunction is then not TRUE.</summary>
internal static class ColumnLiteralConjunction
{
    private const int ChunkRows = 2048;

    /// <summary>One comparison, the column on its left, the literal in the column's storage type.</summary>
    public sealed record Conjunct(int Ordinal, BinaryOp Op, object Literal);

    /// <summary>The conjuncts of the predicate, or null when it is not such a conjunction.</summary>
    public static List<Conjunct>? Of(BoundExpr predicate, IReadOnlyList<ColumnVector> columns)
    {
        var result = new List<Conjunct>();
        return Collect(predicate, columns, result) ? result : null;
    }

    private static bool Collect(BoundExpr e, IReadOnlyList<ColumnVector> columns, List<Conjunct> into)
    {
        if (e is BoundBinary { Op: BinaryOp.And } and) return Collect(and.Left, columns, into) && Collect(and.Right, columns, into);
        if (e is not BoundBinary { Op: BinaryOp.Equal or BinaryOp.NotEqual or BinaryOp.LessThan or BinaryOp.LessThanOrEqual or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual } b)
            return false;
        var (column, literal, op) = (b.Left, b.Right) switch
        {
            (BoundColumn c, BoundLiteral l) => (c, l, b.Op),
            (BoundLiteral l, BoundColumn c) => (c, l, BinaryExpr.Mirrored(b.Op)),
            _ => ((BoundColumn?)null, (BoundLiteral?)null, b.Op),
        };
        // One type on both sides (decimals at one scale), so the literal's storage value compares with the column's.
        if (column is null || literal?.Value is null || column.Type.Id != literal.Type.Id || column.Type.Scale != literal.Type.Scale) return false;
        var col = columns[column.Ordinal];
        if (col is not (PrimitiveVector<int> or PrimitiveVector<long> or PrimitiveVector<double>)) return false;
        var storage = Storage.FromClr(literal.Type, literal.Value);
        if (storage is not (int or long or double) || storage.GetType() != col.GetType().GetGenericArguments()[0]) return false;
        into.Add(new Conjunct(column.Ordinal, op, storage));
        return true;
    }


    /// <summary>The rows where every conjunct holds, as a bit mask.</summary>
    public static ulong[] TrueRows(List<Conjunct> conjuncts, IReadOnlyList<ColumnVector> columns, int rows)
    {
        var mask = new ulong[Bitmask.Words(rows)];
        TrueRows(conjuncts, columns, 0, rows, mask);
        return mask;
    }

    /// <summary>Sets bit i of <paramref name="mask"/> (Words(count) long) where every conjunct holds on row start + i;
    /// <paramref name="start"/> is a multiple of 64.</summary>
    public static void TrueRows(List<Conjunct> conjuncts, IReadOnlyList<ColumnVector> columns, int start, int count, Span<ulong> mask)
    {
        Span<ulong> chunk = stackalloc ulong[ChunkRows / 64];
        for (int offset = 0; offset < count; offset += ChunkRows)
        {
            int n = Math.Min(ChunkRows, count - offset), from = start + offset;
            var words = mask.Slice(offset >> 6, Bitmask.Words(n));
            words.Fill(ulong.MaxValue);
            if ((n & 63) != 0) words[^1] = (1UL << (n & 63)) - 1;
            foreach (var c in conjuncts)
            {
                var bits = chunk[..words.Length];
                bits.Clear();
                switch (columns[c.Ordinal])
                {
                    case PrimitiveVector<int> v: SimdEvaluator.CompareWithConstant(v.Values.AsSpan(from, n), (int)c.Literal, c.Op, bits, false); break;
                    case PrimitiveVector<long> v: SimdEvaluator.CompareWithConstant(v.Values.AsSpan(from, n), (long)c.Literal, c.Op, bits, false); break;
                    case PrimitiveVector<double> v: SimdEvaluator.CompareWithConstant(v.Values.AsSpan(from, n), (double)c.Literal, c.Op, bits, false); break;
                }
                // A NULL operand makes its comparison NULL, and the conjunction at best NULL: the row is not kept.
                if (columns[c.Ordinal].Validity is { } valid)
                    for (int w = 0; w < bits.Length; w++) bits[w] &= Bitmask.ValidityWord(valid.Bits, (from >> 6) + w);
                bool any = false;
                for (int w = 0; w < words.Length; w++) any |= (words[w] &= bits[w]) != 0;
                if (!any) break;
            }
        }
    }
}

/// <summary>Input columns for the SIMD loops: compact (gathered through the selection vector when there is one).</summary>
internal static class Inputs
{
    public static (IReadOnlyList<ColumnVector> Columns, int Rows) Gathered(ColumnBatch input, Expressions.BoundExpr expr) => Gathered(input, [expr]);

    /// <summary>Only the columns the expressions use are gathered; the others keep their physical rows and must not be read.</summary>
    public static (IReadOnlyList<ColumnVector> Columns, int Rows) Gathered(ColumnBatch input, IEnumerable<Expressions.BoundExpr> exprs)
    {
        if (input.Selection is null) return (input.Columns, input.PhysicalRows);
        var used = exprs.SelectMany(e => e.Descendants()).OfType<Expressions.BoundColumn>().Select(c => c.Ordinal).ToHashSet();
        var sel = input.Selection;
        return (input.Columns.Select((c, i) => used.Contains(i) ? c.Gather(sel) : c).ToArray(), sel.Length);
    }
}
