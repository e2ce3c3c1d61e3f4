using Accel.Data;
using Accel.Execution;

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
        var mask = SimdEvaluator.TrueRows(spec.Predicate, columns, rows);
        return input.WithSelection(Bitmask.Positions(mask, input.Selection));
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
