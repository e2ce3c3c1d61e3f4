using Accel.Execution;
using Accel.Planner.Physical;
using Accel.Kernels;
using Accel.ML.Recommendation;

namespace Accel.Tests.Recommendation;

/// <summary>The GPU kernels on ILGPU's CPU accelerator (small inputs only: it emulates every thread).</summary>
[Collection("gpu")]
public sealed class AlsGpuTests
{
    static AlsGpuTests() => GpuDevice.Use(GpuMode.Cpu);

    private static RatingMatrix Small(int seed)
    {
        var d = RatingsGenerator.Generate(new RatingsGeneratorOptions(40, 25, 300, seed));
        var users = d.UserIds.Distinct().Order().Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        var items = d.ItemIds.Distinct().Order().Select((id, i) => (id, i)).ToDictionary(x => x.id, x => x.i);
        return new RatingMatrix(users.Count, items.Count, d.UserIds.Select(u => users[u]).ToArray(), d.ItemIds.Select(i => items[i]).ToArray(), d.Ratings);
    }

    [Theory]
    [InlineData(false, false)]
    [InlineData(true, false)]
    [InlineData(false, true)]
    [InlineData(true, true)]
    public void GpuFactorsEqualScalarFactors(bool implicitPrefs, bool nonnegative)
    {
        var m = Small(3);
        var p = new AlsProblem(4, 0.1, implicitPrefs, Alpha: 2, nonnegative);
        var scalar = AlsTrainer.Train(m, p, 2, seed: 8, PathSetting.Scalar);
        var gpu = AlsTrainer.Train(m, p, 2, seed: 8, PathSetting.Gpu);
        Assert.Equal(ExecPath.Gpu, gpu.Stages[0].Path);
        Assert.Contains("simulator", gpu.Stages[0].Detail);
        Assert.Equal(scalar.UserFactors.Length, gpu.UserFactors.Length);
        for (int i = 0; i < scalar.UserFactors.Length; i++) Assert.Equal(scalar.UserFactors[i], gpu.UserFactors[i], 1e-8);
        for (int i = 0; i < scalar.ItemFactors.Length; i++) Assert.Equal(scalar.ItemFactors[i], gpu.ItemFactors[i], 1e-8);
        if (nonnegative) Assert.All(gpu.UserFactors.Concat(gpu.ItemFactors), v => Assert.True(v >= 0));
    }

    [Fact]
    public void AutoNeverPicksTheSimulator()
    {
        var m = Small(4);
        var r = AlsTrainer.Train(m, new AlsProblem(3, 0.1, false, 1, false), 1, seed: 1, PathSetting.Auto);
        Assert.NotEqual(ExecPath.Gpu, r.Stages[0].Path);
        Assert.Contains("gpu: ILGPU CPU accelerator is for tests only", r.Stages[0].Decision.ReasonsNotTaken());
    }
}
