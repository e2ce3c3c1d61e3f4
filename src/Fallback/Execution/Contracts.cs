using Accel.Data;
using Accel.Expressions;

namespace Accel.Execution;

/// <summary>Where an operator runs.</summary>
public enum ExecPath
{
    /// <summary>An ILGPU kernel on an NVIDIA GPU (or ILGPU's CPU accelerator in tests).</summary>
    Gpu,
    /// <summary>Vector512/256/128 loops, morsel-parallel over the cores.</summary>
    Simd,
    /// <summary>The scalar reference implementation; runs anything, anywhere.</summary>
    Scalar,
}

/// <summary>Whether an implementation can run an operator, and if not, a one-line reason a user can act on.</summary>
public readonly record struct Support(bool CanRun, string? Reason)
{
    /// <summary>It can run.</summary>
    public static Support Yes => new(true, null);
    /// <summary>It cannot, because of <paramref name="reason"/>.</summary>
    public static Support No(string reason) => new(false, reason);
}

/// <summary>An estimate of an implementation's time: compute plus bytes moved (host-device transfers included).</summary>
public readonly record struct CostEstimate(double ComputeMs, long BytesMoved, double TransferMs)
{
    /// <summary>Estimated total milliseconds.</summary>
    public double TotalMs => ComputeMs + TransferMs;
    /// <inheritdoc />
    public override string ToString() => TotalMs < 0.01 ? "<0.01 ms" : $"{TotalMs:0.##} ms";
}

/// <summary>What an implementation is told about the run it would join.</summary>
public sealed record ExecEnvironment(long EstimatedRows, bool InputOnDevice = false);

/// <summary>One implementation of some operator kind, as far as its path.</summary>
public interface IOperatorImpl
{
    /// <summary>The path this implementation runs on.</summary>
    ExecPath Path { get; }
}

/// <summary>One implementation (GPU, SIMD or scalar) of one operator kind, described by <typeparamref name="TSpec"/>.</summary>
public interface IOperatorImpl<in TSpec> : IOperatorImpl
{
    /// <summary>Whether it can run this concrete operator (types, expressions, size, memory); a reason when not.</summary>
    Support CanRun(TSpec spec, ExecEnvironment env);
    /// <summary>Estimated cost for this operator at the environment's estimated row count.</summary>
    CostEstimate Estimate(TSpec spec, ExecEnvironment env);
}

/// <summary>Filter: keep rows where the boolean predicate is TRUE (NULL and FALSE drop the row).</summary>
public sealed record FilterSpec(Schema Input, BoundExpr Predicate);

/// <summary>Filter implementation.</summary>
public interface IFilterImpl : IOperatorImpl<FilterSpec>
{
    /// <summary>Returns the batch with a selection vector holding the physical positions of the rows that pass
    /// (ascending; among the input's own selection if it has one). Columns are not copied.</summary>
    ColumnBatch Filter(ColumnBatch input, FilterSpec spec);
}

/// <summary>Projection: one output column per expression.</summary>
public sealed record ProjectSpec(Schema Input, IReadOnlyList<BoundExpr> Exprs, Schema Output);

/// <summary>Projection implementation.</summary>
public interface IProjectImpl : IOperatorImpl<ProjectSpec>
{
    /// <summary>Evaluates every expression over the live rows; the result is compact (no selection vector), or keeps the
    /// input's selection vector over columns as long as the input's physical rows (computing dropped rows is allowed:
    /// it must not fail or change the live rows).</summary>
    ColumnBatch Project(ColumnBatch input, ProjectSpec spec);
}

/// <summary>One aggregate over a plain input column (the planner projects computed arguments first).</summary>
/// <param name="Func">The function.</param>
/// <param name="InputOrdinal">Input column ordinal; -1 for count(*).</param>
/// <param name="Distinct">Aggregate over distinct non-null values only.</param>
/// <param name="ResultType">The output type, from <see cref="AggregateTypes.ResultType"/>.</param>
public sealed record AggregateCall(AggFunc Func, int InputOrdinal, bool Distinct, DataType ResultType, int SecondInputOrdinal = -1, double Fraction = 0.5);

/// <summary>Hash aggregate: group by key columns (none = one global group), output keys then aggregates.
/// NULL keys form one group. Over empty input, a global aggregate returns one row (count 0, others NULL).</summary>
public sealed record AggregateSpec(Schema Input, IReadOnlyList<int> KeyOrdinals, IReadOnlyList<AggregateCall> Aggregates, Schema Output);

/// <summary>Hash aggregate implementation.</summary>
public interface IHashAggregateImpl : IOperatorImpl<AggregateSpec>
{
    /// <summary>Consumes all input batches and returns the groups (order unspecified).</summary>
    ColumnBatch Aggregate(IEnumerable<ColumnBatch> input, AggregateSpec spec);

    /// <summary>The groups of <see cref="Aggregate"/> as any number of batches, for implementations that produce them in
    /// parts (so that no part is copied into one batch only to be split again).</summary>
    IReadOnlyList<ColumnBatch> AggregateParts(IEnumerable<ColumnBatch> input, AggregateSpec spec) => [Aggregate(input, spec)];
}

/// <summary>A hash aggregate that reads its input through the filter and the projection below it, evaluating the
/// predicate and the projection's computed columns morsel by morsel into reused arrays instead of materializing a
/// selection vector and the projected batches (Q6's filter and Q1's price * (1 - discount) never become arrays over the
/// whole input).</summary>
public interface IFusedAggregateImpl : IHashAggregateImpl
{
    /// <summary>Why this aggregate cannot evaluate <paramref name="filter"/> and then <paramref name="project"/> (either
    /// may be null: absent) below it; null when it can.</summary>
    string? CannotFuse(FilterSpec? filter, ProjectSpec? project, AggregateSpec spec);

    /// <summary>The groups of <see cref="IHashAggregateImpl.AggregateParts"/> over <paramref name="input"/> (batches of the
    /// raw input's schema) filtered by <paramref name="filter"/> and then projected by <paramref name="project"/>.</summary>
    FusedAggregate AggregateFused(IEnumerable<ColumnBatch> input, FilterSpec? filter, ProjectSpec? project, AggregateSpec spec);
}

/// <summary>The groups of a fused aggregate, and the rows its filter kept (all rows when there is no filter).</summary>
public sealed record FusedAggregate(IReadOnlyList<ColumnBatch> Parts, long RowsKept);

/// <summary>Join types, as Spark names them.</summary>
public enum JoinType { Inner, LeftOuter, RightOuter, FullOuter, LeftSemi, LeftAnti, Cross }

/// <summary>Which input the hash table is built on.</summary>
public enum BuildSide { Left, Right }

/// <summary>Equi-join on key ordinals (NULL keys never match), with an optional residual condition over
/// the concatenated left+right schema. Output: left columns then right columns (semi/anti: left only), or of those
/// only the ones at <paramref name="Emit"/>'s ordinals (ascending) when it is given.</summary>
public sealed record JoinSpec(Schema Left, Schema Right, JoinType Type, IReadOnlyList<int> LeftKeys, IReadOnlyList<int> RightKeys,
    BoundExpr? Residual, BuildSide Build, bool Broadcast, Schema Output, IReadOnlyList<int>? Emit = null)
{
    /// <summary>The left columns the output keeps, in order.</summary>
    public IReadOnlyList<int> EmittedLeft => Emit is null ? Enumerable.Range(0, Left.Count).ToArray() : Emit.Where(i => i < Left.Count).ToArray();

    /// <summary>The right columns the output keeps, in order (none for semi and anti joins).</summary>
    public IReadOnlyList<int> EmittedRight => Type is JoinType.LeftSemi or JoinType.LeftAnti ? []
        : Emit is null ? Enumerable.Range(0, Right.Count).ToArray() : Emit.Where(i => i >= Left.Count).Select(i => i - Left.Count).ToArray();

    /// <summary>The output columns: the emitted columns of each side, each produced by <paramref name="column"/> from its
    /// input column (gathered at the output's rows), left ones first.</summary>
    public ColumnVector[] EmitColumns(ColumnBatch left, ColumnBatch? right, Func<ColumnVector, bool, ColumnVector> column) =>
        [.. EmittedLeft.Select(i => column(left[i], true)), .. right is null ? [] : EmittedRight.Select(i => column(right[i], false))];

    /// <summary>True when every output row depends on one probe row and the whole build side, so the probe side
    /// can be joined batch by batch: keyed inner joins, outer joins that keep the probe side, and semi/anti joins
    /// that build on the right. Joins that must know every probe row before emitting a build row do not stream.</summary>
    public bool ProbeStreams => LeftKeys.Count > 0 && (Type == JoinType.Inner
        || (Build == BuildSide.Right && Type is JoinType.LeftOuter or JoinType.LeftSemi or JoinType.LeftAnti)
        || (Build == BuildSide.Left && Type == JoinType.RightOuter));

    /// <summary>True for a keyed semi or anti join that builds on the left: its probe (right) side streams past one build
    /// table that marks the left rows matched, and the output comes once every probe batch has been seen.</summary>
    public bool MarksBuildRows => LeftKeys.Count > 0 && Build == BuildSide.Left && Type is JoinType.LeftSemi or JoinType.LeftAnti;

    /// <summary>The schema of the side opposite the build side.</summary>
    public Schema ProbeSchema => Build == BuildSide.Right ? Left : Right;
    /// <summary>The schema of the build side.</summary>
    public Schema BuildSchema => Build == BuildSide.Right ? Right : Left;
}

/// <summary>Hash join implementation.</summary>
public interface IHashJoinImpl : IOperatorImpl<JoinSpec>
{
    /// <summary>Joins the two inputs (each fully materialized by the caller; either may carry a selection).</summary>
    ColumnBatch Join(ColumnBatch left, ColumnBatch right, JoinSpec spec);

    /// <summary>Joins each probe batch against one build side, for a spec that <see cref="JoinSpec.ProbeStreams"/>:
    /// the results, in probe batch order, are the rows <see cref="Join"/> gives for the concatenated probe side. This
    /// default concatenates the probe batches and joins once; a path that can reuse one build table overrides it.</summary>
    IReadOnlyList<ColumnBatch> JoinProbeBatches(ColumnBatch build, IReadOnlyList<ColumnBatch> probe, JoinSpec spec)
    {
        var all = ColumnBatch.Combine(spec.ProbeSchema, probe);
        return [spec.Build == BuildSide.Right ? Join(all, build, spec) : Join(build, all, spec)];
    }

    /// <summary>For a spec that <see cref="JoinSpec.MarksBuildRows"/>: the left (build) rows with a match among the probe
    /// batches (semi) or without one (anti), as <see cref="Join"/> gives them for the concatenated probe side. This
    /// default concatenates the probe batches and joins once; a path that can mark across batches overrides it.</summary>
    ColumnBatch SemiJoinProbeBatches(ColumnBatch build, IReadOnlyList<ColumnBatch> probe, JoinSpec spec) =>
        Join(build, ColumnBatch.Combine(spec.ProbeSchema, probe), spec);
}

/// <summary>A sort key over an input ordinal.</summary>
public sealed record SortKey(int Ordinal, bool Ascending, bool NullsFirst);

/// <summary>Sort (stable) by keys; with <see cref="Limit"/> set it is a top-N.</summary>
public sealed record SortSpec(Schema Input, IReadOnlyList<SortKey> Keys, int? Limit = null);

/// <summary>Sort implementation.</summary>
public interface ISortImpl : IOperatorImpl<SortSpec>
{
    /// <summary>Sorts the (materialized) input.</summary>
    ColumnBatch Sort(ColumnBatch input, SortSpec spec);
}

/// <summary>Explode: one output row per element of an array column (rows with NULL or empty arrays are
/// dropped unless <see cref="Outer"/>). Output: the input columns, with the array column replaced by its element.</summary>
public sealed record ExplodeSpec(Schema Input, int ArrayOrdinal, bool Outer, Schema Output);

/// <summary>Explode implementation.</summary>
public interface IExplodeImpl : IOperatorImpl<ExplodeSpec>
{
    /// <summary>Explodes the array column of the live rows.</summary>
    ColumnBatch Explode(ColumnBatch input, ExplodeSpec spec);
}

/// <summary>The kind of a window function.</summary>
public enum WindowFunction { RowNumber, Rank, DenseRank, Lag, Lead, Aggregate }

/// <summary>One window function over partitions (rows with equal partition keys) ordered by the order keys.
/// Output: the input columns, then the function's result. <see cref="ArgOrdinal"/> is lag/lead's value column;
/// <see cref="Offset"/> and <see cref="Default"/> are their offset and the value when it leaves the partition.</summary>
public sealed record WindowSpec(Schema Input, IReadOnlyList<int> PartitionKeys, IReadOnlyList<SortKey> OrderKeys, WindowFunction Function,
    AggregateCall? Aggregate, int ArgOrdinal, int Offset, object? Default, WindowFrame Frame, Schema Output);

/// <summary>Window implementation.</summary>
public interface IWindowImpl : IOperatorImpl<WindowSpec>
{
    /// <summary>Computes the function for every row of the (materialized) input.</summary>
    ColumnBatch Window(ColumnBatch input, WindowSpec spec);
}

/// <summary>The rows a ranking function (row_number, rank, dense_rank) over these partitions and order keys could number
/// at most <see cref="Limit"/>: a filter `rank &lt;= k` above the window needs no other row (Spark's window group limit).
/// Output: the input columns. An implementation may keep more rows than that (a superset closed under "orders before" within
/// a partition), never fewer; the window above numbers the rows it keeps exactly as it would have numbered them among all.</summary>
public sealed record WindowGroupLimitSpec(Schema Input, IReadOnlyList<int> PartitionKeys, IReadOnlyList<SortKey> OrderKeys, WindowFunction Function, int Limit);

/// <summary>Window group limit implementation.</summary>
public interface IWindowGroupLimitImpl : IOperatorImpl<WindowGroupLimitSpec>
{
    /// <summary>The rows of the whole input (all its batches form the partitions) that can rank within the limit, as batches.</summary>
    IReadOnlyList<ColumnBatch> Limit(IReadOnlyList<ColumnBatch> input, WindowGroupLimitSpec spec);
}
