using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Operators;

/// <summary>The scalar reference window operator: sorts row indices by partition and order keys, then walks
/// each partition once. Ranking functions and running frames are incremental; sliding ROWS frames
/// re-aggregate their rows. Results are returned in input row order.</summary>
public sealed class WindowScalar : IWindowImpl
{
    /// <inheritdoc />
    public ExecPath Path => ExecPath.Scalar;
    /// <inheritdoc />
    public Support CanRun(WindowSpec spec, ExecEnvironment env) => Support.Yes;
    /// <inheritdoc />
    public CostEstimate Estimate(WindowSpec spec, ExecEnvironment env) =>
        new(env.EstimatedRows * Math.Log2(Math.Max(2, env.EstimatedRows)) * ScalarCostModel.NsPerRowLogSort / 1e6, 0, 0);

    /// <inheritdoc />
    public ColumnBatch Window(ColumnBatch input, WindowSpec spec)
    {
        var batch = input.Compact();
        int n = batch.PhysicalRows;
        var partition = spec.PartitionKeys.Select(k => SparkOrdering.ColumnComparer(batch[k], true, true)).ToArray();
        var ordering = spec.OrderKeys.Select(k => SparkOrdering.ColumnComparer(batch[k.Ordinal], k.Ascending, k.NullsFirst)).ToArray();
        var order = new int[n];
        for (int i = 0; i < n; i++) order[i] = i;
        Array.Sort(order, (a, b) => Compare(partition, a, b) is var p and not 0 ? p : Compare(ordering, a, b) is var o and not 0 ? o : a.CompareTo(b));

        var results = new object?[n];
        for (int start = 0; start < n;)
        {
            int end = start + 1;
            while (end < n && Compare(partition, order[start], order[end]) == 0) end++;
            EvaluatePartition(batch, spec, order, start, end, (i, j) => Compare(ordering, order[i], order[j]) == 0, results);
            start = end;
        }
        return WithResults(batch, spec, results);
    }

    /// <summary>The input columns plus the window function's column built from one value per input row.</summary>
    public static ColumnBatch WithResults(ColumnBatch batch, WindowSpec spec, object?[] results)
    {
        var builder = ColumnBuilder.Create(spec.Output[^1].Type, results.Length);
        foreach (var v in results) builder.Append(v);
        return new ColumnBatch(spec.Output, [.. batch.Columns, builder.Build()], results.Length);
    }

    private static int Compare(Comparison<int>[] comparers, int a, int b)
    {
        foreach (var c in comparers)
        {
            int r = c(a, b);
            if (r != 0) return r;
        }
        return 0;
    }

    /// <summary>The one place for each window function's and frame's semantics: evaluates it over one partition, rows
    /// [start, end) of <paramref name="order"/> (sorted by the order keys, ties in input order), into
    /// <paramref name="results"/> at each row's input position. <paramref name="peer"/>(i, j) says whether sorted rows
    /// i and j tie on every order key.</summary>
    public static void EvaluatePartition(ColumnBatch batch, WindowSpec spec, int[] order, int start, int end, Func<int, int, bool> peer, object?[] results)
    {
        switch (spec.Function)
        {
            case WindowFunction.RowNumber:
                for (int i = start; i < end; i++) results[order[i]] = i - start + 1;
                return;
            case WindowFunction.Rank or WindowFunction.DenseRank:
            {
                int rank = 0, dense = 0;
                for (int i = start; i < end; i++)
                {
                    if (i == start || !peer(i - 1, i)) { rank = i - start + 1; dense++; }
                    results[order[i]] = spec.Function == WindowFunction.Rank ? rank : dense;
                }
                return;
            }
            case WindowFunction.Lag or WindowFunction.Lead:
            {
                var col = batch[spec.ArgOrdinal];
                int shift = spec.Function == WindowFunction.Lag ? -spec.Offset : spec.Offset;
                for (int i = start; i < end; i++)
                {
                    int j = i + shift;
                    results[order[i]] = j >= start && j < end ? col.GetValue(order[j]) : spec.Default;
                }
                return;
            }
            default:
                Aggregate(batch, spec, order, start, end, peer, results);
                return;
        }
    }

    private static void Aggregate(ColumnBatch batch, WindowSpec spec, int[] order, int start, int end, Func<int, int, bool> peer, object?[] results)
    {
        var call = spec.Aggregate!;
        void Add(AggregateState s, int row)
        {
            var v = call.InputOrdinal < 0 ? 1 : batch[call.InputOrdinal].GetValue(row);
            if (call.SecondInputOrdinal >= 0) s.AddPair(v, batch[call.SecondInputOrdinal].GetValue(row));
            else s.Add(v);
        }
        var f = spec.Frame;
        if (f.Start is null && f.End is null)
        {
            var all = new AggregateState(call);
            for (int i = start; i < end; i++) Add(all, order[i]);
            var r = all.Result();
            for (int i = start; i < end; i++) results[order[i]] = r;
            return;
        }
        if (f.Start is null && f.End == 0)
        {
            // Running frame; RANGE includes the current row's peers, so their rows are added first.
            var running = new AggregateState(call);
            for (int i = start; i < end;)
            {
                int last = i;
                if (!f.Rows) while (last + 1 < end && peer(i, last + 1)) last++;
                for (int k = i; k <= last; k++) Add(running, order[k]);
                var r = running.Result();
                for (int k = i; k <= last; k++) results[order[k]] = r;
                i = last + 1;
            }
            return;
        }
        if (!f.Rows)
            throw new AccelException($"window frame {f} is not supported: RANGE frames must run from UNBOUNDED PRECEDING to CURRENT ROW or cover the whole partition; use ROWS for offsets");
        for (int i = start; i < end; i++)
        {
            long lo = f.Start is null ? start : Math.Max(start, i + f.Start.Value);
            long hi = f.End is null ? end - 1 : Math.Min(end - 1, i + f.End.Value);
            var s = new AggregateState(call);
            for (long k = lo; k <= hi; k++) Add(s, order[k]);
            results[order[i]] = s.Result();
        }
    }
}
