using Accel.Data;
using Accel.Kernels;
using Accel.Sql;

namespace Accel.Tests;

/// <summary>Sessions for the ML tests: "gpu" runs the kernels on ILGPU's CPU accelerator (CI has no GPU),
/// selected once for the whole test process.</summary>
public static class MlTestSession
{
    static MlTestSession() => GpuDevice.Use(GpuMode.Cpu);

    /// <summary>Every forced path.</summary>
    public static TheoryData<string> Paths => new() { "scalar", "simd", "gpu" };

    /// <summary>A new session with accel.path set.</summary>
    public static AccelSession Create(string path = "auto")
    {
        var s = AccelSession.Builder().AppName("ml-tests").Create();
        s.Conf().Set("accel.path", path);
        return s;
    }

    /// <summary>A DataFrame with a features (array&lt;double&gt;) and a label column.</summary>
    public static DataFrame Labeled(AccelSession s, double[][] x, double[] y, string features = "features", string label = "label")
    {
        var schema = new Schema([new Field(features, DataType.ArrayOf(DataType.Float64), false), new Field(label, DataType.Float64, false)]);
        return s.CreateDataFrame(x.Select((r, i) => new object?[] { r, y[i] }), schema);
    }

    /// <summary>A fresh temporary folder path (not created).</summary>
    public static string TempPath() => Path.Combine(Path.GetTempPath(), "accel-ml-" + Guid.NewGuid().ToString("N"));
}
