using System.Diagnostics;
using Accel.Data;
using Accel.Execution;

namespace Accel.Planner.Physical;

/// <summary>Run-time figures of one operator (EXPLAIN ANALYZE).</summary>
public sealed class OperatorMetrics
{
    /// <summary>Rows produced.</summary>
    public long RowsOut;
    /// <summary>Batches produced.</summary>
    public long BatchesOut;
    /// <summary>Wall time spent in this operator and its inputs.</summary>
    public TimeSpan InclusiveTime;
    /// <summary>Bytes moved between host and device (0 on CPU paths).</summary>
    public long BytesMoved;
    /// <summary>Bytes of column data a scan produced (values, offsets and string bytes), for bandwidth figures.</summary>
    public long BytesScanned;
    /// <summary>The path that actually ran (differs from the planned one after a fail-over).</summary>
    public ExecPath? ActualPath;
    /// <summary>Why the planned path was abandoned at run time, if it was.</summary>
    public string? Failover;
    /// <summary>Batches the GPU path split in halves (recursively) because a piece did not fit device memory.</summary>
    public long GpuSplits;
    /// <summary>Extra operator-specific figures (row groups skipped, ...).</summary>
    public string? Extra;
}

/// <summary>The settings a query runs under.</summary>
public sealed record ExecContext(PathSetting Path, bool Strict, int BatchSize);

/// <summary>accel.path: let the planner choose, or force one path.</summary>
public enum PathSetting { Auto, Gpu, Simd, Scalar }

/// <summary>A physical operator: one node of the plan that runs, with its chosen path and the reasons
/// for the paths not taken.</summary>
public abstract class ExecNode
{
    /// <summary>Base constructor.</summary>
    protected ExecNode(Schema output, IReadOnlyList<ExecNode> children, PathDecision decision, long estimatedRows)
    {
        Output = output;
        Children = children;
        Decision = decision;
        EstimatedRows = estimatedRows;
    }

    /// <summary>Operator name as explain prints it (FilterExec, HashAggregateExec, ...).</summary>
    public abstract string Name { get; }
    /// <summary>The operator's arguments, rendered for explain.</summary>
    public abstract string Detail { get; }
    /// <summary>Output columns.</summary>
    public Schema Output { get; private set; }

    /// <summary>Gives the output columns new names and attribute ids (same types, same order), which is how
    /// a projection that only renames costs nothing: the planner relabels its input instead of running it.</summary>
    internal void Relabel(Schema output)
    {
        if (output.Count != Output.Count || output.Fields.Zip(Output.Fields).Any(x => x.First.Type != x.Second.Type))
            throw new AccelException("internal: a relabelled output must keep the column types");
        Output = output;
    }
    /// <summary>Inputs.</summary>
    public IReadOnlyList<ExecNode> Children { get; }
    /// <summary>The planner's path choice and reasons.</summary>
    public PathDecision Decision { get; }
    /// <summary>The planner's row estimate.</summary>
    public long EstimatedRows { get; }
    /// <summary>Figures from the last run.</summary>
    public OperatorMetrics Metrics { get; } = new();

    /// <summary>Whether the aggregate above evaluates this operator morsel by morsel (it never runs on its own).</summary>
    public bool FusedIntoAggregate { get; private set; }

    /// <summary>Hands this operator's evaluation to the aggregate above it.</summary>
    internal void FuseIntoAggregate() => FusedIntoAggregate = true;

    /// <summary>What explain appends to the detail of an operator fused into its aggregate.</summary>
    protected string FusedNote => FusedIntoAggregate ? " fused: evaluated per morsel by the aggregate above" : "";

    /// <summary>Runs the operator, recording rows, batches and time.</summary>
    public IEnumerable<ColumnBatch> Execute(ExecContext ctx)
    {
        var sw = new Stopwatch();
        Metrics.ActualPath ??= Decision.Chosen;
        using var e = ExecuteCore(ctx).GetEnumerator();
        while (true)
        {
            sw.Start();
            bool more = e.MoveNext();
            sw.Stop();
            Metrics.InclusiveTime = sw.Elapsed;
            if (!more) yield break;
            Metrics.RowsOut += e.Current.RowCount;
            Metrics.BatchesOut++;
            yield return e.Current;
        }
    }

    /// <summary>The operator's work.</summary>
    protected abstract IEnumerable<ColumnBatch> ExecuteCore(ExecContext ctx);

    /// <summary>Applies <paramref name="work"/> to every input batch, in input order. On the CPU paths each batch is a
    /// morsel: up to one batch per thread is in flight at once (a bounded window, so memory stays bounded);
    /// the GPU path keeps one stream of batches.</summary>
    protected IEnumerable<ColumnBatch> MapBatches(IEnumerable<ColumnBatch> input, Func<ColumnBatch, ColumnBatch> work)
    {
        int threads = (Metrics.ActualPath ?? Decision.Chosen) == ExecPath.Gpu ? 1 : Accel.Vectorized.SimdCapabilities.EffectiveThreads;
        if (threads <= 1)
        {
            foreach (var b in input) yield return work(b);
            yield break;
        }
        var window = new List<ColumnBatch>(threads);
        using var e = input.GetEnumerator();
        while (true)
        {
            window.Clear();
            while (window.Count < threads && e.MoveNext()) window.Add(e.Current);
            if (window.Count == 0) yield break;
            var results = new ColumnBatch[window.Count];
            if (window.Count == 1) results[0] = work(window[0]);
            else
            {
                try
                {
                    Parallel.For(0, window.Count, new ParallelOptions { MaxDegreeOfParallelism = threads }, i => results[i] = work(window[i]));
                }
                catch (AggregateException ex) when (ex.InnerExceptions.Count >= 1)
                {
                    // The caller sees the first operator error itself (an AccelException stays one).
                    System.Runtime.ExceptionServices.ExceptionDispatchInfo.Throw(ex.InnerExceptions[0]);
                }
            }
            foreach (var r in results) yield return r;
        }
    }

    /// <summary>The fewest live rows the GPU path splits a batch down to after running out of device memory;
    /// a piece this small that still does not fit fails the operator over to the next path.</summary>
    public const int MinGpuSplitRows = 1024;

    /// <summary>Runs <paramref name="work"/> on the chosen implementation; when the GPU path fails at run time
    /// (out of memory, device lost) it reruns on the next runnable path and records the fail-over, unless
    /// accel.strict=true, which makes any fail-over an error. The input is unchanged by a failed attempt, so no row
    /// is lost or duplicated. Host/device traffic of the GPU attempt is added to <see cref="OperatorMetrics.BytesMoved"/>.</summary>
    protected TResult RunWithFailover<TImpl, TResult>(ExecContext ctx, IReadOnlyList<TImpl> impls, Func<TImpl, TResult> work)
        where TImpl : class
    {
        var path = Metrics.ActualPath ?? Decision.Chosen;
        var impl = impls.First(i => PathOf(i) == path);
        if (path != ExecPath.Gpu) return work(impl);
        long before = Accel.Kernels.GpuDevice.TransferredBytes;
        try
        {
            return work(impl);
        }
        catch (Exception ex) when (ex is not AccelException)
        {
            if (ctx.Strict)
                throw new AccelException($"{Name} failed on the gpu path and accel.strict=true forbids a fail-over: {ex.Message}", ex);
            var next = Decision.Options.FirstOrDefault(o => o.Path != ExecPath.Gpu && o.CanRun)
                       ?? throw new AccelException($"{Name} failed on the gpu path and no other path can run it: {ex.Message}", ex);
            Metrics.Failover = $"gpu failed ({ex.GetType().Name}: {ex.Message}); reran on {PathDecision.Name(next.Path)}";
            Metrics.ActualPath = next.Path;
            return work(impls.First(i => PathOf(i) == next.Path));
        }
        finally
        {
            Interlocked.Add(ref Metrics.BytesMoved, Accel.Kernels.GpuDevice.TransferredBytes - before);
        }
    }

    /// <summary>Per-batch work with the GPU's out-of-memory rule: a batch whose GPU run does not fit device memory is
    /// split in two halves of its live rows, recursively down to <see cref="MinGpuSplitRows"/>, and the pieces'
    /// results are combined in row order; past that size the operator fails over (<see cref="RunWithFailover"/>).</summary>
    protected ColumnBatch RunBatchWithFailover<TImpl>(ExecContext ctx, IReadOnlyList<TImpl> impls, ColumnBatch batch, Func<TImpl, ColumnBatch, ColumnBatch> work)
        where TImpl : class =>
        RunWithFailover(ctx, impls, impl => PathOf(impl) == ExecPath.Gpu ? RunSplitting(impl, batch, work) : work(impl, batch));

    private ColumnBatch RunSplitting<TImpl>(TImpl gpu, ColumnBatch batch, Func<TImpl, ColumnBatch, ColumnBatch> work)
    {
        try
        {
            return work(gpu, batch);
        }
        catch (Accel.Kernels.DeviceOutOfMemoryException) when (batch.RowCount >= 2 * MinGpuSplitRows)
        {
            Interlocked.Increment(ref Metrics.GpuSplits);
            int n = batch.RowCount, half = n / 2;
            var live = batch.Selection ?? Enumerable.Range(0, batch.PhysicalRows).ToArray();
            var first = RunSplitting(gpu, batch.WithSelection(live[..half]), work);
            var second = RunSplitting(gpu, batch.WithSelection(live[half..]), work);
            return ColumnBatch.Combine(first.Schema, [first, second]);
        }
    }

    private static ExecPath PathOf(object impl) => impl is IOperatorImpl op ? op.Path
        : throw new ArgumentException($"{impl.GetType().Name} is not an operator implementation");
}
