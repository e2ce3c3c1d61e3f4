using Accel.Data;
using Accel.Execution;
using Accel.Expressions;
using Accel.IO;
using Accel.Planner.Logical;

namespace Accel.Planner.Physical;

/// <summary>Turns a logical plan into operators, choosing each operator's path and pruning the columns
/// each scan reads to those the plan needs.</summary>
public sealed class PhysicalPlanner(Implementations impls, PathSetting setting, bool runtimeFilters = true)
{
    private const long UnknownRows = 1_000_000;

    /// <summary>Plans the whole tree.</summary>
    public ExecNode Plan(LogicalPlan plan) => Plan(plan, null);

    // `required` holds the attribute ids the parent reads from this node (null: all of them).
    private ExecNode Plan(LogicalPlan plan, HashSet<long>? required) => plan switch
    {
        ScanNode s => PlanScan(s, required, []),
        FilterNode f => PlanFilter(f, required),
        ProjectNode p => PlanProjectNode(p, required),
        AggregateNode a => PlanAggregate(a),
        JoinNode j => PlanJoin(j, required, broadcastLeft: false),
        BroadcastHintNode b => Plan(b.Child, required),
        SortNode s => PlanSort(s, required, limit: null),
        LimitNode { Child: SortNode s } l => PlanSort(s, required, l.Count),
        LimitNode l => new LimitExec(Plan(l.Child, required), l.Count, Math.Min(l.Count, Estimate(l.Child))),
        UnionNode u => PlanUnion(u),
        DistinctNode d => PlanDistinct(d),
        GenerateNode g => PlanGenerate(g),
        WindowNode w => PlanWindow(w, required),
        WindowGroupLimitNode g => PlanWindowGroupLimit(g, required),
        _ => throw new AccelException($"no physical operator for {plan.GetType().Name}"),
    };

    private ExecNode PlanScan(ScanNode s, HashSet<long>? required, IReadOnlyList<ColumnPredicate> pushed)
    {
        var fields = required is null ? s.Output.Fields : s.Output.Fields.Where(f => required.Contains(f.Id)).ToArray();
        if (fields.Count == 0 && s.Output.Count > 0) fields = [s.Output[0]]; // count(*) still needs the row count
        var columns = fields.Count == s.Output.Count ? null : fields.Select(f => f.Name).ToArray();
        return new ScanExec(s.Source, new ScanRequest(columns, pushed), new Schema(fields), Estimate(s));
    }

    private ExecNode PlanFilter(FilterNode f, HashSet<long>? required)
    {
        var need = required is null ? null : new HashSet<long>(required.Concat(RefsOf([f.Condition], f.Child.Output)));
        var child = f.Child is ScanNode scan && scan.Source.SupportsPredicatePushdown
            ? PlanScan(scan, need, PushablePredicates(f.Condition, scan.Output))
            : Plan(f.Child, need);
        var spec = new FilterSpec(child.Output, Binder.Bind(f.Condition, child.Output));
        long rows = Math.Max(1, child.EstimatedRows / 2);
        var env = EnvironmentOf(child);
        var decision = PathChooser.Choose("FilterExec", spec, impls.Filter, env, setting);
        return new FilterExec(child, spec, impls.Filter, decision, rows);
    }

    // Only the expressions the parent reads are computed, so columns nobody uses are never scanned.
    private ExecNode PlanProjectNode(ProjectNode p, HashSet<long>? required)
    {
        var keep = Enumerable.Range(0, p.Exprs.Count).Where(i => required is null || required.Contains(p.Output[i].Id)).ToArray();
        if (keep.Length == 0) keep = [0];
        var exprs = keep.Select(i => p.Exprs[i]).ToArray();
        var output = new Schema(keep.Select(i => p.Output[i]));
        var child = Plan(p.Child, RefsOf(exprs, p.Child.Output));
        if (!IsIdentity(exprs, child.Output, checkNames: false)) return PlanProject(child, exprs, output);
        child.Relabel(output);
        return child;
    }

    private ProjectExec PlanProject(ExecNode child, IReadOnlyList<Expr> exprs, Schema output)
    {
        var bound = exprs.Select(e => Binder.Bind(e, child.Output)).ToArray();
        // A projection over one of them that only picks columns (or that picks columns over any projection) is one
        // projection of the lower one's input: one operator fewer, and an aggregate above can then fuse what is below
        // both (Q6's pruned columns sat between its filter and its sum; a DataFrame's withColumn under groupBy().agg()
        // sits under the aggregate's renaming). A subexpression picked twice is still evaluated once per batch.
        if (child is ProjectExec lower && (lower.OnlyColumns || bound.All(b => b is BoundColumn)))
        {
            bound = bound.Select(b => b.MapColumns(c => lower.Spec.Exprs[c.Ordinal])).ToArray();
            child = lower.Children[0];
        }
        var spec = new ProjectSpec(child.Output, bound, output);
        var decision = PathChooser.Choose("ProjectExec", spec, impls.Project, EnvironmentOf(child), setting);
        return new ProjectExec(child, spec, impls.Project, decision, child.EstimatedRows);
    }

    private ExecNode PlanAggregate(AggregateNode a)
    {
        var ap = a.Plan;
        var child = Plan(a.Child, RefsOf(ap.PreProjection, a.Child.Output));
        var preNames = ap.PreProjection.Select((e, i) => (Expr)new AliasExpr(e, i < ap.KeyCount ? $"_k{i}" : $"_a{i}")).ToArray();
        var preSchema = Analyzer.ProjectSchema(preNames, child.Output);
        ExecNode input = IsIdentity(ap.PreProjection, child.Output) ? child : PlanProject(child, preNames, preSchema);
        var calls = ap.Calls.Select(c => new AggregateCall(c.Func, c.ArgOrdinal, c.Distinct, c.ResultType, c.Arg2Ordinal, c.Fraction)).ToArray();
        var aggSchema = ap.AggregateSchema;
        var spec = new AggregateSpec(input.Output, Enumerable.Range(0, ap.KeyCount).ToArray(), calls, aggSchema);
        long rows = ap.KeyCount == 0 ? 1 : Math.Max(1, Math.Min(input.EstimatedRows, 100_000));
        var decision = PathChooser.Choose("HashAggregateExec", spec, impls.Aggregate, EnvironmentOf(input), setting);
        ExecNode agg = new HashAggregateExec(input, spec, impls.Aggregate, decision, rows);
        FuseIntoAggregate(input, spec, decision.Chosen);
        if (!IsIdentity(ap.PostProjection, aggSchema)) return PlanProject(agg, ap.PostProjection, a.Output);
        agg.Relabel(a.Output);
        return agg;
    }

    // Hands the filter and the projection below an aggregate (those on its path) to the aggregate to evaluate per
    // morsel, when its implementation can: the filter too when it can take both, else the projection alone.
    private void FuseIntoAggregate(ExecNode input, AggregateSpec spec, ExecPath path)
    {
        if (impls.Aggregate.OfType<IFusedAggregateImpl>().FirstOrDefault(i => i.Path == path) is not { } fused) return;
        var project = input is ProjectExec p && p.Decision.Chosen == path ? p : null;
        if (input is ProjectExec && project is null) return;
        var filter = (project?.Children[0] ?? input) is FilterExec f && f.Decision.Chosen == path ? f : null;
        if (filter is not null && fused.CannotFuse(filter.Spec, project?.Spec, spec) is null) filter.FuseIntoAggregate();
        else if (project is null || fused.CannotFuse(null, project.Spec, spec) is not null) return;
        project?.FuseIntoAggregate();
    }

    private ExecNode PlanDistinct(DistinctNode d)
    {
        var child = Plan(d.Child, null);
        var spec = new AggregateSpec(child.Output, Enumerable.Range(0, child.Output.Count).ToArray(), [], child.Output);
        var decision = PathChooser.Choose("HashAggregateExec", spec, impls.Aggregate, EnvironmentOf(child), setting);
        return new HashAggregateExec(child, spec, impls.Aggregate, decision, child.EstimatedRows, label: "distinct");
    }

    private ExecNode PlanSort(SortNode s, HashSet<long>? required, int? limit)
    {
        var need = required is null ? null : new HashSet<long>(required.Concat(RefsOf(s.Orders.Select(o => o.Child).ToArray(), s.Child.Output)));
        var child = Plan(s.Child, need);
        // Computed sort keys are projected as extra columns, then dropped after the sort.
        var keyExprs = new List<Expr>();
        var keys = new List<SortKey>();
        foreach (var o in s.Orders)
        {
            var b = Binder.Bind(o.Child, child.Output);
            int ord;
            if (b is BoundColumn c) ord = c.Ordinal;
            else { ord = child.Output.Count + keyExprs.Count; keyExprs.Add(new AliasExpr(o.Child, $"_sort{keyExprs.Count}")); }
            keys.Add(new SortKey(ord, o.Ascending, o.EffectiveNullsFirst));
        }
        ExecNode input = child;
        if (keyExprs.Count > 0)
        {
            var all = child.Output.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id)).Concat(keyExprs).ToArray();
            input = PlanProject(child, all, Analyzer.ProjectSchema(all, child.Output));
        }
        var spec = new SortSpec(input.Output, keys, limit);
        var env = EnvironmentOf(input);
        var decision = PathChooser.Choose(limit is null ? "SortExec" : "TopNExec", spec, impls.Sort, env, setting);
        ExecNode sort = new SortExec(input, spec, impls.Sort, decision, limit is null ? input.EstimatedRows : Math.Min(limit.Value, input.EstimatedRows));
        if (keyExprs.Count == 0) return sort;
        var back = child.Output.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id)).ToArray();
        return PlanProject(sort, back, child.Output);
    }

    private ExecNode PlanUnion(UnionNode u)
    {
        var sides = new[] { u.Left, u.Right }.Select(side =>
        {
            var c = Plan(side, null);
            if (c.Output.Fields.Select(f => f.Type).SequenceEqual(u.Output.Fields.Select(f => f.Type))) return c;
            var casts = c.Output.Fields.Select((f, i) => f.Type == u.Output[i].Type
                ? (Expr)new ColumnRef(f.Name, f.Id)
                : new AliasExpr(new CastExpr(new ColumnRef(f.Name, f.Id), u.Output[i].Type), f.Name)).ToArray();
            return PlanProject(c, casts, Analyzer.ProjectSchema(casts, c.Output));
        }).ToArray();
        return new UnionExec(u.Output, sides, sides.Sum(s => s.EstimatedRows));
    }

    private ExecNode PlanGenerate(GenerateNode g)
    {
        var child = Plan(g.Child, null);
        var spec = new ExplodeSpec(child.Output, g.ArrayOrdinal, g.Outer, g.Output);
        var decision = PathChooser.Choose("ExplodeExec", spec, impls.Explode, new ExecEnvironment(child.EstimatedRows), setting);
        return new ExplodeExec(child, spec, impls.Explode, decision, child.EstimatedRows * 2);
    }

    private ExecNode PlanWindow(WindowNode w, HashSet<long>? required)
    {
        var win = w.Window;
        var call = win.Function;
        var args = call switch
        {
            AggregateExpr a => new[] { a.Arg, a.Arg2 }.Where(x => x is not null && !(a.Func == AggFunc.CountStar || (a.Func == AggFunc.Count && x is Literal { Value: not null }))).Select(x => x!).ToArray(),
            FunctionCall { Name: "lag" or "lead" } f => [f.Args[0]],
            _ => [],
        };
        var used = win.PartitionBy.Concat(win.OrderBy.Select(o => o.Child)).Concat(args).ToArray();
        var need = required is null ? null : new HashSet<long>(required.Where(id => w.Child.Output.IndexOfId(id) >= 0).Concat(RefsOf(used, w.Child.Output)));
        var child = Plan(w.Child, need);

        // Partition keys, order keys and arguments that are not plain columns are computed into extra columns.
        var extra = new List<Expr>();
        int Column(Expr e)
        {
            if (Binder.Bind(e, child.Output) is BoundColumn c) return c.Ordinal;
            extra.Add(new AliasExpr(e, $"_w{extra.Count}"));
            return child.Output.Count + extra.Count - 1;
        }
        var partition = win.PartitionBy.Select(Column).ToArray();
        var order = win.OrderBy.Select(o => new SortKey(Column(o.Child), o.Ascending, o.EffectiveNullsFirst)).ToArray();
        var argOrds = args.Select(Column).ToArray();
        ExecNode input = child;
        if (extra.Count > 0)
        {
            var all = child.Output.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id)).Concat(extra).ToArray();
            input = PlanProject(child, all, Analyzer.ProjectSchema(all, child.Output));
        }
        var result = w.Output[^1];
        var output = new Schema([.. input.Output.Fields, result]);
        WindowSpec spec = call switch
        {
            AggregateExpr a => new WindowSpec(input.Output, partition, order, WindowFunction.Aggregate,
                new AggregateCall(argOrds.Length == 0 ? AggFunc.CountStar : a.Func, argOrds.Length == 0 ? -1 : argOrds[0], false, result.Type, argOrds.Length > 1 ? argOrds[1] : -1, a.Fraction),
                -1, 0, null, win.EffectiveFrame, output),
            FunctionCall { Name: "lag" or "lead" } f => new WindowSpec(input.Output, partition, order, f.Name == "lag" ? WindowFunction.Lag : WindowFunction.Lead, null, argOrds[0],
                f.Args.Count > 1 ? (int)((Literal)f.Args[1]).Value! : 1,
                f.Args.Count > 2 ? ScalarEvaluator.Evaluate(Binder.CastTo(Binder.Bind(f.Args[2], new Schema([])), result.Type), new ColumnBatch(new Schema([]), [], 1)).GetValue(0) : null,
                win.EffectiveFrame, output),
            FunctionCall f => new WindowSpec(input.Output, partition, order, Ranking(f), null, -1, 0, null, win.EffectiveFrame, output),
            _ => throw new AccelException($"not a window function: {call.DisplayName}"),
        };
        var decision = PathChooser.Choose("WindowExec", spec, impls.Window, new ExecEnvironment(input.EstimatedRows), setting);
        ExecNode node = new WindowExec(input, spec, impls.Window, decision, input.EstimatedRows);
        if (extra.Count == 0) return node;
        var keep = child.Output.Fields.Append(result).Select(f => (Expr)new ColumnRef(f.Name, f.Id)).ToArray();
        return PlanProject(node, keep, new Schema([.. child.Output.Fields, result]));
    }

    // Partition and order keys are plain columns here (the rule that places the limit requires it).
    private ExecNode PlanWindowGroupLimit(WindowGroupLimitNode g, HashSet<long>? required)
    {
        var win = g.Window;
        var used = win.PartitionBy.Concat(win.OrderBy.Select(o => o.Child)).ToArray();
        var need = required is null ? null : new HashSet<long>(required.Concat(RefsOf(used, g.Child.Output)));
        var child = Plan(g.Child, need);
        int Ordinal(Expr e) => ((BoundColumn)Binder.Bind(e, child.Output)).Ordinal;
        var f = (FunctionCall)win.Function;
        var spec = new WindowGroupLimitSpec(child.Output, win.PartitionBy.Select(Ordinal).ToArray(),
            win.OrderBy.Select(o => new SortKey(Ordinal(o.Child), o.Ascending, o.EffectiveNullsFirst)).ToArray(), Ranking(f), g.Limit);
        var decision = PathChooser.Choose("WindowGroupLimitExec", spec, impls.WindowGroupLimit, EnvironmentOf(child), setting);
        return new WindowGroupLimitExec(child, spec, impls.WindowGroupLimit, decision, child.EstimatedRows, win.DisplayName);
    }

    private static WindowFunction Ranking(FunctionCall f) => f.Name switch
    {
        "row_number" => WindowFunction.RowNumber,
        "rank" => WindowFunction.Rank,
        _ => WindowFunction.DenseRank,
    };

    private ExecNode PlanJoin(JoinNode j, HashSet<long>? required, bool broadcastLeft)
    {
        var condRefs = j.Condition is null ? new HashSet<long>() : RefsOf([j.Condition], new Schema(j.Left.Output.Fields.Concat(j.Right.Output.Fields)));
        HashSet<long>? Need(LogicalPlan side) => required is null ? null
            : new HashSet<long>(required.Concat(condRefs).Where(id => side.Output.IndexOfId(id) >= 0));
        var left = Plan(j.Left, Need(j.Left));
        // A semi or anti join outputs only left columns: the right side needs just the condition's columns.
        var right = Plan(j.Right, j.Type is JoinType.LeftSemi or JoinType.LeftAnti ? new HashSet<long>(condRefs.Where(id => j.Right.Output.IndexOfId(id) >= 0)) : Need(j.Right));

        // Split the condition into equi-keys (left expr = right expr) and a residual.
        var leftKeys = new List<Expr>();
        var rightKeys = new List<Expr>();
        var residual = new List<Expr>();
        foreach (var c in j.Condition is null ? [] : Conjuncts(j.Condition))
        {
            if (c is BinaryExpr { Op: BinaryOp.Equal } eq && j.Type != JoinType.Cross)
            {
                if (BindsTo(eq.Left, left.Output) && BindsTo(eq.Right, right.Output)) { leftKeys.Add(eq.Left); rightKeys.Add(eq.Right); continue; }
                if (BindsTo(eq.Right, left.Output) && BindsTo(eq.Left, right.Output)) { leftKeys.Add(eq.Right); rightKeys.Add(eq.Left); continue; }
            }
            residual.Add(c);
        }

        // Keys that are not plain columns of the same type are computed into extra columns first.
        var (lIn, lOrds) = KeyColumns(left, leftKeys, rightKeys, right.Output, "_lk");
        var (rIn, rOrds) = KeyColumns(right, rightKeys, leftKeys, left.Output, "_rk");
        var combined = new Schema(lIn.Output.Fields.Concat(rIn.Output.Fields));
        BoundExpr? boundResidual = residual.Count == 0 ? null : Binder.Bind(residual.Aggregate((a, b) => new BinaryExpr(BinaryOp.And, a, b)), combined);
        var type = leftKeys.Count == 0 && j.Type == JoinType.Inner && residual.Count == 0 ? JoinType.Cross : j.Type;

        bool hinted = j.Right is BroadcastHintNode || j.Left is BroadcastHintNode;
        // An inner join builds on the input the optimizer estimates smaller: its estimates know filter selectivities and
        // join key distinct counts, the operators' row estimates do not (TPC-H Q8 built on 455,000 orders to probe 40,000 rows).
        // A keyed semi or anti join builds on its left side when that is estimated several times smaller: the right side
        // then streams past a small table that marks the left rows it matches (TPC-H Q21 probes 18 million lineitems
        // against a few hundred thousand candidate rows instead of building a table of all of them).
        var build = type switch
        {
            JoinType.LeftSemi or JoinType.LeftAnti when leftKeys.Count > 0 && !hinted
                && Accel.Planner.Optimizer.JoinReorder.Estimate(j.Left) * SemiBuildLeftRatio <= Accel.Planner.Optimizer.JoinReorder.Estimate(j.Right) => BuildSide.Left,
            JoinType.LeftOuter or JoinType.LeftSemi or JoinType.LeftAnti => BuildSide.Right,
            JoinType.RightOuter => BuildSide.Left,
            JoinType.FullOuter => BuildSide.Right,
            _ => j.Left is BroadcastHintNode && j.Right is not BroadcastHintNode ? BuildSide.Left
                 : j.Right is BroadcastHintNode ? BuildSide.Right
                 : Accel.Planner.Optimizer.JoinReorder.Estimate(j.Left) < Accel.Planner.Optimizer.JoinReorder.Estimate(j.Right) ? BuildSide.Left : BuildSide.Right,
        };
        long buildRows = build == BuildSide.Left ? lIn.EstimatedRows : rIn.EstimatedRows;
        bool broadcast = hinted || buildRows <= BroadcastThresholdRows;
        var fullOutput = type is JoinType.LeftSemi or JoinType.LeftAnti ? lIn.Output : new Schema(combined.Fields.Select((f, i) =>
            (i < lIn.Output.Count && type is JoinType.RightOuter or JoinType.FullOuter) || (i >= lIn.Output.Count && type is JoinType.LeftOuter or JoinType.FullOuter)
                ? f with { Nullable = true } : f));
        var emit = Emitted(fullOutput, lIn.Output.Count, left.Output.Count, right.Output.Count, required);
        var outSchema = emit is null ? fullOutput : new Schema(emit.Select(i => fullOutput[i]));
        var spec = new JoinSpec(lIn.Output, rIn.Output, type, lOrds, rOrds, boundResidual, build, broadcast, outSchema, emit);
        var decision = PathChooser.Choose(broadcast ? "BroadcastHashJoinExec" : "HashJoinExec", spec, impls.Join, new ExecEnvironment(lIn.EstimatedRows + rIn.EstimatedRows, OnDevice(lIn) && OnDevice(rIn)), setting);
        long rows = type switch { JoinType.Cross => lIn.EstimatedRows * rIn.EstimatedRows, JoinType.LeftSemi or JoinType.LeftAnti => lIn.EstimatedRows, _ => Math.Max(lIn.EstimatedRows, rIn.EstimatedRows) };
        var join = new HashJoinExec(lIn, rIn, spec, impls.Join, impls.Filter, decision, rows);
        if (runtimeFilters && broadcast && (type == JoinType.Inner || (type == JoinType.LeftSemi && build == BuildSide.Right))
            && Filtered(build == BuildSide.Right ? rIn : lIn))
            AddRuntimeFilters(join, build == BuildSide.Right ? lIn : rIn, buildRows);
        return join;
    }

    // For each key whose probe column comes unchanged from a scan's integer column, that scan drops the rows whose key is
    // not among the build side's when the join runs; only where the build side is estimated smaller than the scan (a
    // filter of more keys than the scan has rows would drop nothing), the scan is not a device-resident table, and a
    // filter or another join lies between the two, whose work on the dropped rows the filter saves. With nothing between,
    // the join's own probe makes the same test on the same rows, so a filter at the scan is a second pass that saves
    // nothing (H2O join q1, 9 of 10 million rows kept: 81 -> 202 ms).
    private static void AddRuntimeFilters(HashJoinExec join, ExecNode probe, long buildRows)
    {
        var spec = join.Spec;
        bool buildRight = spec.Build == BuildSide.Right;
        var (probeKeys, buildKeys) = buildRight ? (spec.LeftKeys, spec.RightKeys) : (spec.RightKeys, spec.LeftKeys);
        for (int k = 0; k < probeKeys.Count; k++)
        {
            if (Origin(probe, probeKeys[k]) is not var (scan, ordinal, workBetween) || workBetween == 0
                || scan.Source is InMemorySource { Device.Released: false }) continue;
            if (scan.Output[ordinal].Type.Id is not (TypeId.Int32 or TypeId.Int64 or TypeId.Date32) || buildRows * 2 > scan.EstimatedRows) continue;
            var keys = string.Join(", ", spec.LeftKeys.Select((l, i) => $"{spec.Left[l].Name} = {spec.Right[spec.RightKeys[i]].Name}"));
            var filter = new RuntimeFilter(scan.Output[ordinal].Name, $"{join.Name} [{keys}]");
            scan.AddRuntimeFilter(ordinal, filter);
            join.PublishKeys(buildKeys[k], filter);
        }
    }

    // Whether a filter runs anywhere in the build side, which is what makes its keys a subset of the probe's worth
    // testing early (Spark's rule for its runtime filters too). An unfiltered build side holds every key of its table:
    // TPC-H Q9's orders, partsupp and supplier joins published 4.5, 2.4 and 0.03 million keys that kept every lineitem,
    // and building those key sets cost 60 ms of its 310.
    private static bool Filtered(ExecNode build) => build switch
    {
        FilterExec => true,
        ScanExec scan => scan.Request.Predicates.Count > 0,
        _ => build.Children.Any(Filtered),
    };

    // The scan and column an output column of `node` is, unchanged, through filters, column projections and the sides of
    // joins whose output rows carry that side's row as it is (so a row dropped there only loses output rows whose key it
    // gave), with the number of those filters and joins; null when the column is computed or comes through any other
    // operator.
    private static (ScanExec Scan, int Ordinal, int WorkBetween)? Origin(ExecNode node, int ordinal)
    {
        if (node.FusedIntoAggregate) return null;
        switch (node)
        {
            case ScanExec scan: return (scan, ordinal, 0);
            case FilterExec f: return Through(Origin(f.Children[0], ordinal));
            case ProjectExec p when p.Spec.Exprs[ordinal] is BoundColumn c: return Origin(p.Children[0], c.Ordinal);
            case HashJoinExec j:
            {
                var spec = j.Spec;
                int combined = spec.Emit?[ordinal] ?? ordinal;
                if (combined < spec.Left.Count)
                    return spec.Type is JoinType.Inner or JoinType.Cross or JoinType.LeftOuter or JoinType.LeftSemi or JoinType.LeftAnti
                        ? Through(Origin(j.Children[0], combined)) : null;
                return spec.Type is JoinType.Inner or JoinType.Cross or JoinType.RightOuter ? Through(Origin(j.Children[1], combined - spec.Left.Count)) : null;
            }
            default: return null;
        }

        static (ScanExec, int, int)? Through((ScanExec Scan, int Ordinal, int Work)? o) => o is var (scan, ord, work) ? (scan, ord, work + 1) : null;
    }

    // The join's output columns: those the parent reads (all when it reads all), never the computed key columns. A join
    // gathers every column it outputs at every output row, so a key column nobody reads above was a full copy for
    // nothing (TPC-H Q11: ps_suppkey and s_suppkey at each of 96,000 rows, out of 2.4 million probed). Null when it is
    // every column.
    private static int[]? Emitted(Schema output, int leftWithKeys, int leftColumns, int rightColumns, HashSet<long>? required)
    {
        bool Original(int i) => i < leftWithKeys ? i < leftColumns : i - leftWithKeys < rightColumns;
        var emit = Enumerable.Range(0, output.Count).Where(i => Original(i) && (required is null || required.Contains(output[i].Id))).ToArray();
        // A count(*) above still needs the row count, which a batch carries in a column.
        if (emit.Length == 0) emit = [0];
        return emit.Length == output.Count ? null : emit;
    }

    private static ExecEnvironment EnvironmentOf(ExecNode input) => new(input.EstimatedRows, OnDevice(input));

    // Whether the input's batches carry the device-resident columns of a cached table: a scan of one, through filters
    // (which only add selection vectors) and column-only projections, so a GPU operator over them moves only the selections across the bus.
    private static bool OnDevice(ExecNode input) => input switch
    {
        ScanExec { Source: InMemorySource { Device.Released: false } } => true,
        FilterExec f => OnDevice(f.Children[0]),
        ProjectExec { OnlyColumns: true } p => OnDevice(p.Children[0]),
        _ => false,
    };

    /// <summary>A semi or anti join builds on its left side when the right is estimated at least this many times larger.</summary>
    public const double SemiBuildLeftRatio = 4;

    /// <summary>Build sides at or under this many estimated rows are broadcast (shared by all probe work).</summary>
    public const long BroadcastThresholdRows = 10_000_000;

    private (ExecNode Input, int[] Ordinals) KeyColumns(ExecNode side, List<Expr> keys, List<Expr> otherKeys, Schema otherSchema, string prefix)
    {
        var ords = new int[keys.Count];
        var extra = new List<Expr>();
        for (int i = 0; i < keys.Count; i++)
        {
            var b = Binder.Bind(keys[i], side.Output);
            var other = Binder.Bind(otherKeys[i], otherSchema);
            var common = Coercion.CommonType(b.Type, other.Type);
            if (b is BoundColumn c && b.Type == common) { ords[i] = c.Ordinal; continue; }
            ords[i] = side.Output.Count + extra.Count;
            extra.Add(new AliasExpr(b.Type == common ? keys[i] : new CastExpr(keys[i], common), $"{prefix}{i}"));
        }
        if (extra.Count == 0) return (side, ords);
        var all = side.Output.Fields.Select(f => (Expr)new ColumnRef(f.Name, f.Id)).Concat(extra).ToArray();
        return (PlanProject(side, all, Analyzer.ProjectSchema(all, side.Output)), ords);
    }

    private static bool BindsTo(Expr e, Schema s)
    {
        try { Binder.Bind(e, s); return true; }
        catch (AccelException) { return false; }
    }

    /// <summary>The AND-ed parts of a condition.</summary>
    public static IEnumerable<Expr> Conjuncts(Expr e) => ExprTransform.StripAlias(e) is BinaryExpr { Op: BinaryOp.And } a
        ? Conjuncts(a.Left).Concat(Conjuncts(a.Right)) : [e];

    private static IReadOnlyList<ColumnPredicate> PushablePredicates(Expr condition, Schema schema)
    {
        var result = new List<ColumnPredicate>();
        foreach (var c in Conjuncts(condition))
        {
            if (c is BinaryExpr { Op: BinaryOp.Equal or BinaryOp.LessThan or BinaryOp.LessThanOrEqual or BinaryOp.GreaterThan or BinaryOp.GreaterThanOrEqual } b)
            {
                if (b.Left is ColumnRef col && b.Right is Literal lit && lit.Value is not null && Resolves(col, schema, out var f))
                    result.Add(new ColumnPredicate(f.Name, BinaryExpr.Symbol(b.Op), lit.Value));
                else if (b.Right is ColumnRef col2 && b.Left is Literal lit2 && lit2.Value is not null && Resolves(col2, schema, out var f2))
                    result.Add(new ColumnPredicate(f2.Name, BinaryExpr.Symbol(BinaryExpr.Mirrored(b.Op)), lit2.Value));
            }
            else if (c is UnaryExpr { Op: UnaryOp.IsNull or UnaryOp.IsNotNull, Child: ColumnRef cr } u && Resolves(cr, schema, out var f3))
                result.Add(new ColumnPredicate(f3.Name, u.Op == UnaryOp.IsNull ? "IS NULL" : "IS NOT NULL", null));
        }
        return result;
    }

    private static bool Resolves(ColumnRef c, Schema s, out Field field)
    {
        int i = c.Id != 0 ? s.IndexOfId(c.Id) : s.IndexOf(c.Name);
        field = i >= 0 ? s[i] : null!;
        return i >= 0;
    }


    private static bool IsIdentity(IReadOnlyList<Expr> exprs, Schema input, bool checkNames = true)
    {
        if (exprs.Count != input.Count) return false;
        for (int i = 0; i < exprs.Count; i++)
        {
            var e = ExprTransform.StripAlias(exprs[i]);
            if (e is not ColumnRef) return false;
            if (Binder.Bind(e, input) is not BoundColumn c || c.Ordinal != i) return false;
            if (checkNames && ExprTransform.OutputName(exprs[i]) != input[i].Name) return false;
        }
        return true;
    }

    private static HashSet<long> RefsOf(IReadOnlyList<Expr> exprs, Schema input)
    {
        var ids = new HashSet<long>();
        foreach (var e in exprs)
            foreach (var n in Binder.Bind(ExprTransform.StripAlias(e), input).Descendants())
                if (n is BoundColumn c) ids.Add(input[c.Ordinal].Id);
        return ids;
    }

    private static long Estimate(LogicalPlan p) => p switch
    {
        ScanNode s => s.Source.EstimatedRows >= 0 ? s.Source.EstimatedRows : UnknownRows,
        FilterNode f => Math.Max(1, Estimate(f.Child) / 2),
        LimitNode l => Math.Min(l.Count, Estimate(l.Child)),
        AggregateNode a => a.Keys.Count == 0 ? 1 : Math.Max(1, Math.Min(Estimate(a.Child), 100_000)),
        _ => p.Children.Count == 0 ? UnknownRows : p.Children.Max(Estimate),
    };
}
