using Accel.Execution;
using Accel.ML.Regression;

namespace Accel.Tests;

/// <summary>NIST StRD "Longley" (higher difficulty): 16 observations, 6 predictors, certified to 15 digits.</summary>
public class LongleyTests
{
    // y, x1 (GNP deflator), x2 (GNP), x3 (unemployed), x4 (armed forces), x5 (population), x6 (year).
    internal static readonly double[][] Rows =
    [
        [60323, 83.0, 234289, 2356, 1590, 107608, 1947],
        [61122, 88.5, 259426, 2325, 1456, 108632, 1948],
        [60171, 88.2, 258054, 3682, 1616, 109773, 1949],
        [61187, 89.5, 284599, 3351, 1650, 110929, 1950],
        [63221, 96.2, 328975, 2099, 3099, 112075, 1951],
        [63639, 98.1, 346999, 1932, 3594, 113270, 1952],
        [64989, 99.0, 365385, 1870, 3547, 115094, 1953],
        [63761, 100.0, 363112, 3578, 3350, 116219, 1954],
        [66019, 101.2, 397469, 2904, 3048, 117388, 1955],
        [67857, 104.6, 419180, 2822, 2857, 118734, 1956],
        [68169, 108.4, 442769, 2936, 2798, 120445, 1957],
        [66513, 110.8, 444546, 4681, 2637, 121950, 1958],
        [68655, 112.6, 482704, 3813, 2552, 123366, 1959],
        [69564, 114.2, 502601, 3931, 2514, 125368, 1960],
        [69331, 115.7, 518173, 4806, 2572, 127852, 1961],
        [70551, 116.9, 554894, 4007, 2827, 130081, 1962],
    ];

    // Certified coefficients b1..b6 and intercept b0, and their standard deviations.
    private static readonly double[] Coef = [15.0618722713733, -0.358191792925910E-01, -2.02022980381683, -1.03322686717359, -0.511041056535807E-01, 1829.15146461355];
    private const double Intercept = -3482258.63459582;
    private static readonly double[] Se = [84.9149257747669, 0.334910077722432E-01, 0.488399681651699, 0.214274163161675, 0.226073200069370, 455.478499142212, 890420.383607373];
    private const double ResidualSd = 304.854073561965;
    private const double R2 = 0.995479004577296;

    private static void AssertDigits(double expected, double actual, int digits, string what)
    {
        double rel = Math.Abs(actual - expected) / Math.Abs(expected);
        Assert.True(rel <= Math.Pow(10, -digits), $"{what}: expected {expected:R}, got {actual:R} (relative error {rel:E2})");
    }

    [Theory]
    [MemberData(nameof(MlTestSession.Paths), MemberType = typeof(MlTestSession))]
    public void NormalSolverReproducesCertifiedValues(string path)
    {
        using var s = MlTestSession.Create(path);
        var df = MlTestSession.Labeled(s, Rows.Select(r => r[1..]).ToArray(), Rows.Select(r => r[0]).ToArray());
        var model = new LinearRegression().SetSolver("normal").Fit(df);
        for (int j = 0; j < 6; j++) AssertDigits(Coef[j], model.Coefficients[j], 9, $"b{j + 1}");
        AssertDigits(Intercept, model.Intercept, 9, "b0");
        var se = model.Summary.CoefficientStandardErrors;
        Assert.Equal(7, se.Length);
        for (int j = 0; j < 7; j++) AssertDigits(Se[j], se[j], 9, $"se{j}");
        AssertDigits(ResidualSd, Math.Sqrt(model.Summary.MeanSquaredError * 16 / 9), 9, "residual sd");
        AssertDigits(R2, model.Summary.R2, 9, "R2");
        var stage = Assert.Single(model.Summary.Stages);
        Assert.Equal("gram", stage.Name);
        Assert.Equal(Enum.Parse<ExecPath>(path, true), stage.Path);
        Assert.Contains($"path={path}", stage.ToString());
        Assert.Equal(9, model.Summary.DegreesOfFreedom);
        // t = b/se; the p-value of b4 (t ≈ -4.82 on 9 dof) is about 0.00094.
        var t = model.Summary.TValues;
        Assert.Equal(Coef[3] / Se[3], t[3], 6);
        var pv = model.Summary.PValues;
        Assert.InRange(pv[3], 0.0009, 0.001);
        Assert.InRange(pv[1], 0.3, 0.32);
    }
}
