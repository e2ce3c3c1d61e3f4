using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>The scalar reference hash join: every join type, multi-column keys (NULL never matches),
/// a residual condition applied to matching pairs, build on either side.</summary>
public sealed class HashJoinScalar : IHashJoinImpl
{
    private const int ResidualChunk = 65536;

    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(JoinSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(JoinSpec spec, ExecEnvironment env) => new(env.EstimatedRows * ScalarCostModel.NsPerRowJoin / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Join(ColumnBatch left, ColumnBatch right, JoinSpec spec)
    {
        left = left.Compact();
        right = right.Compact();
        for (int k = 0; k < spec.LeftKeys.Count; k++)
        {
            var lt = left[spec.LeftKeys[k]].Type;
            var rt = right[spec.RightKeys[k]].Type;
            if (lt != rt) throw new AccelException($"join key {k} has type {lt} on the left and {rt} on the right; the planner must cast keys to one type");
        }

        var (li, ri) = MatchingPairs(left, right, spec);
        if (spec.Residual is not null) (li, ri) = ApplyResidual(left, right, li, ri, spec);

        var leftMatched = new bool[left.PhysicalRows];
        var rightMatched = new bool[right.PhysicalRows];
        for (int p = 0; p < li.Count; p++) { leftMatched[li[p]] = true; rightMatched[ri[p]] = true; }

        switch (spec.Type)
        {
            case JoinType.LeftSemi or JoinType.LeftAnti:
            {
                bool want = spec.Type == JoinType.LeftSemi;
                var rows = Enumerable.Range(0, left.PhysicalRows).Where(r => leftMatched[r] == want).ToArray();
                return new ColumnBatch(spec.Output, spec.EmitColumns(left, null, (c, _) => c.Gather(rows)), rows.Length);
            }
            case JoinType.LeftOuter or JoinType.FullOuter:
                for (int r = 0; r < left.PhysicalRows; r++) if (!leftMatched[r]) { li.Add(r); ri.Add(-1); }
                break;
        }
        if (spec.Type is JoinType.RightOuter or JoinType.FullOuter)
            for (int r = 0; r < right.PhysicalRows; r++) if (!rightMatched[r]) { li.Add(-1); ri.Add(r); }
        var (lRows, rRows) = (li.ToArray(), ri.ToArray());
        return new ColumnBatch(spec.Output, spec.EmitColumns(left, right, (c, isLeft) => c.Gather(isLeft ? lRows : rRows)), lRows.Length);
    }

    private static (List<int> Left, List<int> Right) MatchingPairs(ColumnBatch left, ColumnBatch right, JoinSpec spec)
    {
        var li = new List<int>();
        var ri = new List<int>();
        if (spec.LeftKeys.Count == 0)
        {
            for (int l = 0; l < left.PhysicalRows; l++)
                for (int r = 0; r < right.PhysicalRows; r++) { li.Add(l); ri.Add(r); }
            return (li, ri);
        }
        bool buildLeft = spec.Build == BuildSide.Left;
        var (build, buildKeys) = buildLeft ? (left, spec.LeftKeys) : (right, spec.RightKeys);
        var (probe, probeKeys) = buildLeft ? (right, spec.RightKeys) : (left, spec.LeftKeys);
        if (buildKeys.Count == 1 && IntegralKey(build[buildKeys[0]]) is { } bk && IntegralKey(probe[probeKeys[0]]) is { } pk)
        {
            IntegralPairs(bk, build.PhysicalRows, pk, probe.PhysicalRows, buildLeft, li, ri);
            return (li, ri);
        }
        var buildCols = buildKeys.Select(k => build[k]).ToArray();
        var table = new Dictionary<RowKey, List<int>>();
        for (int r = 0; r < build.PhysicalRows; r++)
        {
            var key = new RowKey(buildCols, r);
            if (key.HasNull) continue;
            if (!table.TryGetValue(key, out var list)) table[key] = list = [];
            list.Add(r);
        }
        var probeCols = probeKeys.Select(k => probe[k]).ToArray();
        for (int p = 0; p < probe.PhysicalRows; p++)
        {
            var key = new RowKey(probeCols, p);
            if (key.HasNull || !table.TryGetValue(key, out var matches)) continue;
            foreach (var b in matches)
            {
                li.Add(buildLeft ? b : p);
                ri.Add(buildLeft ? p : b);
            }
        }
        return (li, ri);
    }

    // A single integer-like key (int, bigint, date, decimal) hashes its values unboxed: NULLs are skipped via the validity.
    private static (long[] Values, ValidityBitmap? Validity)? IntegralKey(ColumnVector c) => c switch
    {
        PrimitiveVector<long> l => (l.Values, l.Validity),
        PrimitiveVector<int> i => (Array.ConvertAll(i.Values, v => (long)v), i.Validity),
        _ => null,
    };

    // Value arrays may be longer than the batch (builder capacity): only the first `rows` entries are rows.
    private static void IntegralPairs((long[] Values, ValidityBitmap? Validity) build, int buildRows, (long[] Values, ValidityBitmap? Validity) probe, int probeRows,
        bool buildLeft, List<int> li, List<int> ri)
    {
        // Rows with equal keys are chained through `next`, newest first; the chain is walked backwards to keep build order.
        var head = new Dictionary<long, int>();
        var next = new int[buildRows];
        for (int r = 0; r < buildRows; r++)
        {
            if (build.Validity is { } bv && !bv.IsValid(r)) continue;
            next[r] = head.TryGetValue(build.Values[r], out int h) ? h : -1;
            head[build.Values[r]] = r;
        }
        var chain = new List<int>();
        for (int p = 0; p < probeRows; p++)
        {
            if (probe.Validity is { } pv && !pv.IsValid(p)) continue;
            if (!head.TryGetValue(probe.Values[p], out int b)) continue;
            chain.Clear();
            for (; b >= 0; b = next[b]) chain.Add(b);
            for (int k = chain.Count - 1; k >= 0; k--)
            {
                li.Add(buildLeft ? chain[k] : p);
                ri.Add(buildLeft ? p : chain[k]);
            }
        }
    }

    private static (List<int>, List<int>) ApplyResidual(ColumnBatch left, ColumnBatch right, List<int> li, List<int> ri, JoinSpec spec)
    {
        var combined = new Schema(spec.Left.Fields.Concat(spec.Right.Fields));
        var keepL = new List<int>();
        var keepR = new List<int>();
        for (int start = 0; start < li.Count; start += ResidualChunk)
        {
            int n = Math.Min(ResidualChunk, li.Count - start);
            var l = li.GetRange(start, n).ToArray();
            var r = ri.GetRange(start, n).ToArray();
            var pairs = Assemble(left, right, l, r, combined);
            var mask = (PrimitiveVector<bool>)ScalarEvaluator.Evaluate(spec.Residual!, pairs);
            for (int i = 0; i < n; i++)
                if (mask.Values[i] && !mask.IsNull(i)) { keepL.Add(l[i]); keepR.Add(r[i]); }
        }
        return (keepL, keepR);
    }

    private static ColumnBatch Assemble(ColumnBatch left, ColumnBatch right, int[] li, int[] ri, Schema output) =>
        new(output, left.Columns.Select(c => c.Gather(li)).Concat(right.Columns.Select(c => c.Gather(ri))).ToArray(), li.Length);
}
