using Accel.Execution;
using Accel.Kernels;
using Accel.Operators;
using Accel.Vectorized;

namespace Accel.Planner.Physical;

/// <summary>The implementations of each operator kind, GPU first. An operator kind missing a path here
/// shows "no &lt;path&gt; implementation of XxxExec yet" in the plan.</summary>
public sealed class Implementations
{
    /// <summary>Filter: GPU, SIMD, scalar.</summary>
    public IReadOnlyList<IFilterImpl> Filter { get; } = [new FilterGpu(), new FilterSimd(), new FilterScalar()];
    /// <summary>Project: GPU, SIMD, scalar.</summary>
    public IReadOnlyList<IProjectImpl> Project { get; } = [new ProjectGpu(), new ProjectSimd(), new ProjectScalar()];
    /// <summary>Hash aggregate: GPU, SIMD, scalar.</summary>
    public IReadOnlyList<IHashAggregateImpl> Aggregate { get; } = [new HashAggregateGpu(), new HashAggregateSimd(), new HashAggregateScalar()];
    /// <summary>Hash join: GPU, SIMD, scalar.</summary>
    public IReadOnlyList<IHashJoinImpl> Join { get; } = [new HashJoinGpu(), new HashJoinSimd(), new HashJoinScalar()];
    /// <summary>Explode: SIMD and scalar.</summary>
    public IReadOnlyList<IExplodeImpl> Explode { get; } = [new ExplodeSimd(), new ExplodeScalar()];
    /// <summary>Window functions: SIMD (ranking functions), scalar.</summary>
    public IReadOnlyList<IWindowImpl> Window { get; } = [new WindowSimd(), new WindowScalar()];
    /// <summary>Window group limits (the rows a ranking window limited to k can number): SIMD, scalar.</summary>
    public IReadOnlyList<IWindowGroupLimitImpl> WindowGroupLimit { get; } = [new WindowGroupLimitSimd(), new WindowGroupLimitScalar()];
    /// <summary>Sort and top-N: GPU, SIMD, scalar.</summary>
    public IReadOnlyList<ISortImpl> Sort { get; } = [new SortGpu(), new SortSimd(), new SortScalar()];
}
