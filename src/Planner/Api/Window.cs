using Accel.Expressions;

namespace Accel.Sql;

/// <summary>Builds window specifications, as Spark's Window: Window.PartitionBy("k").OrderBy(Col("t").Desc()).</summary>
public static class Window
{
    /// <summary>Frame bound for the first row of the partition.</summary>
    public const long UnboundedPreceding = long.MinValue;
    /// <summary>Frame bound for the last row of the partition.</summary>
    public const long UnboundedFollowing = long.MaxValue;
    /// <summary>Frame bound for the current row.</summary>
    public const long CurrentRow = 0;

    /// <summary>A window partitioned by columns.</summary>
    public static WindowSpec PartitionBy(params Column[] columns) => new WindowSpec([], [], null).PartitionBy(columns);
    /// <summary>A window partitioned by column names.</summary>
    public static WindowSpec PartitionBy(params string[] columns) => PartitionBy(columns.Select(Functions.Col).ToArray());
    /// <summary>A window over the whole input, ordered.</summary>
    public static WindowSpec OrderBy(params Column[] columns) => new WindowSpec([], [], null).OrderBy(columns);
    /// <summary>A window over the whole input, ordered by column names.</summary>
    public static WindowSpec OrderBy(params string[] columns) => OrderBy(columns.Select(Functions.Col).ToArray());
}

/// <summary>A window: partitioning, ordering and frame. Immutable; each method returns a new spec.</summary>
public sealed class WindowSpec
{
    internal WindowSpec(IReadOnlyList<Expr> partition, IReadOnlyList<SortOrder> order, WindowFrame? frame)
    {
        Partition = partition;
        Order = order;
        Frame = frame;
    }

    internal IReadOnlyList<Expr> Partition { get; }
    internal IReadOnlyList<SortOrder> Order { get; }
    internal WindowFrame? Frame { get; }

    /// <summary>Partitions by columns.</summary>
    public WindowSpec PartitionBy(params Column[] columns) => new(columns.Select(c => c.Expr).ToArray(), Order, Frame);
    /// <summary>Orders each partition (columns ascending unless given as .Desc()).</summary>
    public WindowSpec OrderBy(params Column[] columns) => new(Partition, columns.Select(c => c.Expr as SortOrder ?? new SortOrder(c.Expr)).ToArray(), Frame);
    /// <summary>Orders each partition by column names, ascending.</summary>
    public WindowSpec OrderBy(params string[] columns) => OrderBy(columns.Select(Functions.Col).ToArray());
    /// <summary>A ROWS frame from <paramref name="start"/> to <paramref name="end"/> rows around the current one
    /// (negative: preceding; Window.UnboundedPreceding/UnboundedFollowing/CurrentRow).</summary>
    public WindowSpec RowsBetween(long start, long end) => new(Partition, Order, MakeFrame(true, start, end));
    /// <summary>A RANGE frame (only UNBOUNDED PRECEDING to CURRENT ROW, or unbounded on both sides).</summary>
    public WindowSpec RangeBetween(long start, long end) => new(Partition, Order, MakeFrame(false, start, end));

    private static WindowFrame MakeFrame(bool rows, long start, long end)
    {
        if (start > end) throw new AccelException($"window frame start {start} is after its end {end}");
        return new WindowFrame(rows, start == Window.UnboundedPreceding ? null : start, end == Window.UnboundedFollowing ? null : end);
    }
}
