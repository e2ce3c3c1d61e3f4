using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Physical;

/// <summary>A keyless join whose build side turned out to hold at most one row (an uncorrelated scalar subquery, the
/// counts of an uncorrelated NOT IN). Such a join needs no pairs: the build row's values become literals in the
/// residual, which then runs as a filter over each probe batch, and the probe columns pass through unchanged. The
/// general path paired every probe row with the build row and gathered every emitted probe column, strings included
/// (TPC-H Q16 SF 3: 357,000 rows of p_brand and p_type, most of the query's peak memory).</summary>
internal static class OneRowBuild
{
    /// <summary>Whether the join can run this way once its build side, of <paramref name="buildRows"/> rows, is known:
    /// no keys, at most one build row, and a type whose output is a subset of the probe rows (inner, semi and anti)
    /// or every probe row once (the outer join that keeps the probe side).</summary>
    public static bool Applies(JoinSpec spec, int buildRows) => spec.LeftKeys.Count == 0 && buildRows <= 1 && (spec.Type switch
    {
        JoinType.Inner or JoinType.Cross => true,
        JoinType.LeftOuter or JoinType.LeftSemi or JoinType.LeftAnti => spec.Build == BuildSide.Right,
        JoinType.RightOuter => spec.Build == BuildSide.Left,
        _ => false,
    });

    /// <summary>The residual over the probe side's columns alone, with the build row's values as literals and what that
    /// makes constant folded; null when there is no residual (every probe row matches the build row).</summary>
    public static BoundExpr? ProbePredicate(JoinSpec spec, ColumnBatch build)
    {
        if (spec.Residual is null) return null;
        bool buildRight = spec.Build == BuildSide.Right;
        int leftCount = spec.Left.Count;
        var bound = spec.Residual.MapColumns(c =>
        {
            bool isBuild = buildRight == c.Ordinal >= leftCount;
            if (!isBuild) return c with { Ordinal = buildRight ? c.Ordinal : c.Ordinal - leftCount };
            int b = buildRight ? c.Ordinal - leftCount : c.Ordinal;
            return new BoundLiteral(build.Columns[b].GetValue(build.RowAt(0)), c.Type);
        });
        return Fold(bound);
    }

    /// <summary>The output batch for one probe batch, given the probe rows that match the build row: the emitted probe
    /// columns as they are, the emitted build columns as the build row repeated at every physical probe row (NULL where
    /// an outer join found no match, or where the build side is empty).</summary>
    public static ColumnBatch Join(JoinSpec spec, ColumnBatch probe, ColumnBatch build, int[] matched)
    {
        bool buildRight = spec.Build == BuildSide.Right;
        bool outer = spec.Type is JoinType.LeftOuter or JoinType.RightOuter;
        var selection = spec.Type == JoinType.LeftAnti ? Except(Live(probe), matched) : outer ? probe.Selection : matched;
        int[]? rows = null;
        if ((buildRight ? spec.EmittedRight : spec.EmittedLeft).Count > 0)
        {
            int buildRow = build.RowCount > 0 ? build.RowAt(0) : -1;
            rows = new int[probe.PhysicalRows];
            Array.Fill(rows, outer ? -1 : buildRow);
            if (outer) foreach (int p in matched) rows[p] = buildRow;
        }
        ColumnVector Column(ColumnVector c, bool isLeft) => isLeft == buildRight ? c : c.Gather(rows);
        var columns = buildRight ? spec.EmitColumns(probe, build, Column) : spec.EmitColumns(build, probe, Column);
        return new ColumnBatch(spec.Output, columns, probe.PhysicalRows, selection);
    }

    /// <summary>The live physical positions of a batch.</summary>
    public static int[] Live(ColumnBatch batch) => batch.Selection ?? Enumerable.Range(0, batch.PhysicalRows).ToArray();

    // Ascending positions of all that are not in kept (kept is an ascending subset of all).
    private static int[] Except(int[] all, int[] kept)
    {
        var result = new int[all.Length - kept.Length];
        int k = 0, o = 0;
        foreach (int p in all)
        {
            if (k < kept.Length && kept[k] == p) { k++; continue; }
            result[o++] = p;
        }
        return result;
    }

    // Evaluates every subtree that reads no column, and drops the TRUE/FALSE operands that leave AND/OR unchanged
    // (exact under three-valued logic: TRUE AND x = x, FALSE OR x = x).
    private static BoundExpr Fold(BoundExpr e)
    {
        if (e is BoundColumn or BoundLiteral) return e;
        var folded = e switch
        {
            BoundBinary b => b with { Left = Fold(b.Left), Right = Fold(b.Right) },
            _ => e,
        };
        if (!folded.Descendants().Any(n => n is BoundColumn))
        {
            var one = new ColumnBatch(new Schema([]), [], 1);
            return new BoundLiteral(ScalarEvaluator.Evaluate(folded, one).GetValue(0), folded.Type);
        }
        if (folded is BoundBinary { Op: BinaryOp.And or BinaryOp.Or } logic)
        {
            bool identity = logic.Op == BinaryOp.And;
            if (logic.Left is BoundLiteral { Value: bool l })
                return l == identity ? logic.Right : new BoundLiteral(l, DataType.Boolean);
            if (logic.Right is BoundLiteral { Value: bool r })
                return r == identity ? logic.Left : new BoundLiteral(r, DataType.Boolean);
        }
        return folded;
    }
}
