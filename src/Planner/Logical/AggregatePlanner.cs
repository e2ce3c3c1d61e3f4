using Accel.Data;
using Accel.Execution;
using Accel.Expressions;

namespace Accel.Planner.Logical;

/// <summary>An aggregation decomposed the way the physical operators need it: a pre-projection that
/// computes grouping keys and aggregate arguments into plain columns, the aggregate calls over those
/// columns, and a post-projection that evaluates the output expressions over keys and aggregate results.</summary>
public sealed record AggregatePlan(
    IReadOnlyList<Expr> PreProjection,
    int KeyCount,
    IReadOnlyList<(AggFunc Func, int ArgOrdinal, bool Distinct, DataType ResultType, string Name, int Arg2Ordinal, double Fraction)> Calls,
    Schema AggregateSchema,
    IReadOnlyList<Expr> PostProjection,
    Schema OutputSchema);

/// <summary>Builds <see cref="AggregatePlan"/>s.</summary>
public static class AggregatePlanner
{
    /// <summary>Decomposes keys and output expressions over <paramref name="input"/>.</summary>
    public static AggregatePlan Analyze(IReadOnlyList<Expr> keys, IReadOnlyList<Expr> outputs, Schema input)
    {
        var pre = new List<Expr>();
        var preNames = new List<string>();
        foreach (var k in keys)
        {
            var stripped = ExprTransform.StripAlias(k);
            if (ExprTransform.Nodes(stripped).Any(n => n is AggregateExpr))
                throw new AccelException($"aggregate functions are not allowed in GROUP BY: {k.DisplayName}");
            pre.Add(stripped);
            preNames.Add($"_k{pre.Count - 1}");
        }

        // Distinct aggregate calls, in first-seen order (deduplicated by their rendering).
        var calls = new List<AggregateExpr>();
        foreach (var o in outputs)
            foreach (var a in ExprTransform.Nodes(o).OfType<AggregateExpr>())
                if (!calls.Any(c => c.DisplayName == a.DisplayName)) calls.Add(a);

        var argOrdinal = new Dictionary<string, int>();
        foreach (var c in calls)
        {
            if (c.Arg is null || IsCountStar(c)) continue;
            foreach (var arg in c.Arg2 is null ? [c.Arg] : new[] { c.Arg, c.Arg2 })
            {
                if (argOrdinal.ContainsKey(arg.DisplayName)) continue;
                if (ExprTransform.Nodes(arg).Any(n => n is AggregateExpr))
                    throw new AccelException($"it is not allowed to use an aggregate function in the argument of another aggregate function: {c.DisplayName}");
                argOrdinal[arg.DisplayName] = pre.Count;
                pre.Add(arg);
                preNames.Add($"_a{pre.Count - 1}");
            }
        }
        var preSchema = Analyzer.ProjectSchema(pre.Select((e, i) => (Expr)new AliasExpr(e, preNames[i])).ToArray(), input);

        var aggFields = new List<Field>();
        for (int i = 0; i < keys.Count; i++)
            aggFields.Add(preSchema[i] with { Name = ExprTransform.OutputName(keys[i]), Id = Field.NewId() });
        var callInfos = new List<(AggFunc, int, bool, DataType, string, int, double)>();
        foreach (var c in calls)
        {
            var func = IsCountStar(c) ? AggFunc.CountStar : c.Func;
            int ord = c.Arg is null || func == AggFunc.CountStar ? -1 : argOrdinal[c.Arg.DisplayName];
            var argType = ord < 0 ? null : preSchema[ord].Type;
            var rt = AggregateTypes.ResultType(func, argType);
            int ord2 = c.Arg2 is null ? -1 : argOrdinal[c.Arg2.DisplayName];
            if (ord2 >= 0) AggregateTypes.ResultType(func, preSchema[ord2].Type);
            callInfos.Add((func, ord, c.Distinct, rt, c.DisplayName, ord2, c.Fraction));
            aggFields.Add(new Field(c.DisplayName, rt, func is not (AggFunc.Count or AggFunc.CountStar), Field.NewId()));
        }
        var aggSchema = new Schema(aggFields);

        // Post-projection: replace grouping expressions and aggregate calls by references to their columns.
        var post = new List<Expr>();
        foreach (var o in outputs)
        {
            var rewritten = ExprTransform.Transform(ExprTransform.StripAlias(o), e =>
            {
                if (e is AggregateExpr a)
                {
                    int i = calls.FindIndex(c => c.DisplayName == a.DisplayName);
                    return new ColumnRef(aggSchema[keys.Count + i].Name, aggSchema[keys.Count + i].Id);
                }
                for (int k = 0; k < keys.Count; k++)
                    if (SameExpr(e, ExprTransform.StripAlias(keys[k]), input))
                        return new ColumnRef(aggSchema[k].Name, aggSchema[k].Id);
                return null;
            });
            try
            {
                Binder.Bind(rewritten, aggSchema);
            }
            catch (AccelException)
            {
                throw new AccelException($"expression '{o.DisplayName}' is neither present in the group by, nor is it an aggregate function; add it to GroupBy or wrap it in an aggregate such as first() or max()");
            }
            post.Add(o is AliasExpr al ? new AliasExpr(rewritten, al.Name) : new AliasExpr(rewritten, ExprTransform.OutputName(o)));
        }
        var outSchema = Analyzer.ProjectSchema(post, aggSchema);
        // A grouping column passed through keeps the input attribute id, so df["k"] resolves after GroupBy.
        var outFields = outSchema.Fields.Select((f, i) =>
        {
            var o = ExprTransform.StripAlias(outputs[i]);
            if (o is ColumnRef cr && outputs[i] is not AliasExpr)
            {
                int ix = cr.Id != 0 ? input.IndexOfId(cr.Id) : input.IndexOf(cr.Name);
                if (ix >= 0) return f with { Id = input[ix].Id };
            }
            return f;
        }).ToArray();
        return new AggregatePlan(pre, keys.Count, callInfos, aggSchema, post, new Schema(outFields));
    }

    // count(1), count('x'): a non-null literal counts rows.
    private static bool IsCountStar(AggregateExpr c) => c.Func == AggFunc.CountStar || (c.Func == AggFunc.Count && !c.Distinct && c.Arg is Literal { Value: not null });

    private static bool SameExpr(Expr a, Expr b, Schema input)
    {
        if (a.DisplayName != b.DisplayName) return false;
        if (a is ColumnRef ca && b is ColumnRef cb)
        {
            int ia = ca.Id != 0 ? input.IndexOfId(ca.Id) : input.IndexOf(ca.Name);
            int ib = cb.Id != 0 ? input.IndexOfId(cb.Id) : input.IndexOf(cb.Name);
            return ia == ib && ia >= 0;
        }
        return true;
    }
}
