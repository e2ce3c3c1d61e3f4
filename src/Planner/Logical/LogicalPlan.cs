using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>A node of the logical plan the DataFrame API (and later SQL) builds. Output schemas are
/// resolved eagerly, so an unknown column fails where the user wrote it, as Spark's analyzer does.</summary>
public abstract class LogicalPlan
{
    /// <summary>The columns this node produces.</summary>
    public abstract Schema Output { get; }
    /// <summary>Inputs of this node.</summary>
    public abstract IReadOnlyList<LogicalPlan> Children { get; }

    /// <summary>The same node over new inputs (with the same output columns), keeping the attribute ids of
    /// the columns this node creates, so references from above still resolve.</summary>
    public abstract LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children);

    /// <summary>This node itself when every child is unchanged (by reference), else the node over the new children.</summary>
    public LogicalPlan WithChildrenIfChanged(IReadOnlyList<LogicalPlan> children) =>
        children.Count == 0 || children.Zip(Children).All(x => ReferenceEquals(x.First, x.Second)) ? this : WithChildren(children);

    /// <summary>The ordinal of a column reference in this node's output (by attribute id when it has one, else by
    /// name), or -1.</summary>
    public int IndexOf(ColumnRef column) => column.Id != 0 ? Output.IndexOfId(column.Id) : Output.IndexOf(column.Name);

    /// <summary>The reference as this node's output names and identifies the column (unchanged when absent).</summary>
    public ColumnRef Resolve(ColumnRef column) => IndexOf(column) is var i and >= 0 ? new ColumnRef(Output[i].Name, Output[i].Id) : column;

    /// <summary>Output fields computed for a rebuilt node, renamed and re-identified as the original's.</summary>
    protected static Schema KeepIds(Schema computed, Schema original)
    {
        if (computed.Count != original.Count) throw new AccelException($"internal: rebuilt node has {computed.Count} columns, expected {original.Count}");
        return new Schema(computed.Fields.Select((f, i) => f with { Name = original[i].Name, Id = original[i].Id }));
    }
}

/// <summary>Rows read from a table source (a file, a directory of files, or in-memory batches).</summary>
public sealed class ScanNode(ITableSource source) : LogicalPlan
{
    /// <summary>The source.</summary>
    public ITableSource Source { get; } = source;
    /// <inheritdoc />
    public override Schema Output => Source.Schema;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => this;
}

/// <summary>Rows where the condition is TRUE.</summary>
public sealed class FilterNode(LogicalPlan child, Expr condition) : LogicalPlan
{
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; } = child;
    /// <summary>The predicate.</summary>
    public Expr Condition { get; } = Analyzer.CheckBoolean(condition, child.Output);
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new FilterNode(children[0], Condition);
}

/// <summary>One output column per named expression.</summary>
public sealed class ProjectNode : LogicalPlan
{
    /// <summary>Creates the projection, resolving names and types against the child.</summary>
    public ProjectNode(LogicalPlan child, IReadOnlyList<Expr> exprs)
    {
        Child = child;
        Exprs = exprs;
        Output = Analyzer.ProjectSchema(exprs, child.Output);
    }
    /// <summary>A projection whose output keeps the names and attribute ids of <paramref name="output"/>.</summary>
    public ProjectNode(LogicalPlan child, IReadOnlyList<Expr> exprs, Schema output)
    {
        Child = child;
        Exprs = exprs;
        Output = KeepIds(Analyzer.ProjectSchema(exprs, child.Output), output);
    }
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; }
    /// <summary>The expressions (possibly aliased).</summary>
    public IReadOnlyList<Expr> Exprs { get; }
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new ProjectNode(children[0], Exprs, Output);
}

/// <summary>Grouping with aggregate output expressions (each may combine aggregates and grouping keys).</summary>
public sealed class AggregateNode : LogicalPlan
{
    /// <summary>Creates the aggregation; output expressions must only use grouping keys outside aggregates.</summary>
    public AggregateNode(LogicalPlan child, IReadOnlyList<Expr> keys, IReadOnlyList<Expr> outputs)
    {
        Child = child;
        Keys = keys;
        Outputs = outputs;
        Plan = AggregatePlanner.Analyze(keys, outputs, child.Output);
        Output = Plan.OutputSchema;
    }
    /// <summary>An aggregation whose output keeps the names and attribute ids of <paramref name="output"/>.</summary>
    public AggregateNode(LogicalPlan child, IReadOnlyList<Expr> keys, IReadOnlyList<Expr> outputs, Schema output) : this(child, keys, outputs)
    {
        Output = KeepIds(Output, output);
    }
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; }
    /// <summary>Grouping expressions.</summary>
    public IReadOnlyList<Expr> Keys { get; }
    /// <summary>Output expressions.</summary>
    public IReadOnlyList<Expr> Outputs { get; }
    /// <summary>The decomposition into pre-projection, aggregate calls and post-projection.</summary>
    public AggregatePlan Plan { get; }
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new AggregateNode(children[0], Keys, Outputs, Output);
}

/// <summary>A join of two inputs.</summary>
public sealed class JoinNode : LogicalPlan
{
    /// <summary>Creates the join; the condition is resolved against left+right.</summary>
    public JoinNode(LogicalPlan left, LogicalPlan right, JoinType type, Expr? condition)
    {
        Left = left;
        Right = right;
        Type = type;
        var combined = new Schema(left.Output.Fields.Concat(right.Output.Fields));
        Condition = condition is null ? null : Analyzer.CheckBoolean(condition, combined);
        Output = type is JoinType.LeftSemi or JoinType.LeftAnti
            ? left.Output
            : new Schema(left.Output.Fields.Select(f => type is JoinType.RightOuter or JoinType.FullOuter ? f with { Nullable = true } : f)
                .Concat(right.Output.Fields.Select(f => type is JoinType.LeftOuter or JoinType.FullOuter ? f with { Nullable = true } : f)));
    }
    /// <summary>Left input.</summary>
    public LogicalPlan Left { get; }
    /// <summary>Right input.</summary>
    public LogicalPlan Right { get; }
    /// <summary>Join type.</summary>
    public JoinType Type { get; }
    /// <summary>Join condition over left+right (null: cross join).</summary>
    public Expr? Condition { get; }
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new JoinNode(children[0], children[1], Type, Condition);
}

/// <summary>Marks its child as small enough to broadcast to every join (Spark's broadcast() hint).</summary>
public sealed class BroadcastHintNode(LogicalPlan child) : LogicalPlan
{
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; } = child;
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new BroadcastHintNode(children[0]);
}

/// <summary>Total order by sort keys.</summary>
public sealed class SortNode : LogicalPlan
{
    /// <summary>Creates the sort, checking the keys resolve.</summary>
    public SortNode(LogicalPlan child, IReadOnlyList<SortOrder> orders)
    {
        Child = child;
        Orders = orders;
        foreach (var o in orders) Binder.Bind(o.Child, child.Output);
    }
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; }
    /// <summary>Keys.</summary>
    public IReadOnlyList<SortOrder> Orders { get; }
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new SortNode(children[0], Orders);
}

/// <summary>The first n rows.</summary>
public sealed class LimitNode(LogicalPlan child, int count) : LogicalPlan
{
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; } = child;
    /// <summary>Maximum rows.</summary>
    public int Count { get; } = count >= 0 ? count : throw new AccelException($"LIMIT must be >= 0, got {count}");
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new LimitNode(children[0], Count);
}

/// <summary>UNION ALL by column position (Spark's union): types are widened to a common type.</summary>
public sealed class UnionNode : LogicalPlan
{
    /// <summary>Creates the union; both sides need the same number of columns.</summary>
    public UnionNode(LogicalPlan left, LogicalPlan right)
    {
        if (left.Output.Count != right.Output.Count)
            throw new AccelException($"Union can only be performed on inputs with the same number of columns, but the first has {left.Output.Count} and the second has {right.Output.Count}");
        Left = left;
        Right = right;
        Output = new Schema(left.Output.Fields.Select((f, i) =>
            new Field(f.Name, Coercion.CommonType(f.Type, right.Output[i].Type), f.Nullable || right.Output[i].Nullable)));
    }
    private UnionNode(LogicalPlan left, LogicalPlan right, Schema output) : this(left, right) => Output = KeepIds(Output, output);
    /// <summary>First input.</summary>
    public LogicalPlan Left { get; }
    /// <summary>Second input.</summary>
    public LogicalPlan Right { get; }
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Left, Right];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new UnionNode(children[0], children[1], Output);
}

/// <summary>Distinct rows.</summary>
public sealed class DistinctNode(LogicalPlan child) : LogicalPlan
{
    /// <summary>Input.</summary>
    public LogicalPlan Child { get; } = child;
    /// <inheritdoc />
    public override Schema Output => Child.Output;
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new DistinctNode(children[0]);
}

/// <summary>explode(array) in a select list: other expressions are projected alongside each element.</summary>
public sealed class GenerateNode : LogicalPlan
{
    /// <summary>Creates the generator node: the input projected by <paramref name="projection"/>, whose
    /// column <paramref name="arrayOrdinal"/> is exploded.</summary>
    public GenerateNode(LogicalPlan projection, int arrayOrdinal, bool outer)
    {
        Child = projection;
        ArrayOrdinal = arrayOrdinal;
        Outer = outer;
        var f = projection.Output[arrayOrdinal];
        if (f.Type.Id != TypeId.Array) throw new AccelException($"explode needs an array column, but '{f.Name}' is {f.Type}");
        Output = new Schema(projection.Output.Fields.Select((x, i) => i == arrayOrdinal ? new Field(x.Name, f.Type.Element!, true, x.Id) : x));
    }
    /// <summary>Input (a projection holding the array column).</summary>
    public LogicalPlan Child { get; }
    /// <summary>The array column.</summary>
    public int ArrayOrdinal { get; }
    /// <summary>explode_outer: keep rows with NULL/empty arrays.</summary>
    public bool Outer { get; }
    /// <inheritdoc />
    public override Schema Output { get; }
    /// <inheritdoc />
    public override IReadOnlyList<LogicalPlan> Children => [Child];
    /// <inheritdoc />
    public override LogicalPlan WithChildren(IReadOnlyList<LogicalPlan> children) => new GenerateNode(children[0], ArrayOrdinal, Outer);
}
