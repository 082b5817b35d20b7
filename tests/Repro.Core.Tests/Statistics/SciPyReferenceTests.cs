using System.Text.Json;
using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

/// <summary>Every case of TestFiles/stats_reference.json (SciPy 1.10.1, NumPy 1.24) to 1e-9 relative, p-values to 1e-6.</summary>
public sealed class SciPyReferenceTests
{
    private const double Tolerance = 1e-9;
    private const double PTolerance = 1e-6;

    private static JsonElement Reference()
    {
        var path = Path.Combine(AppContext.BaseDirectory, "TestFiles", "stats_reference.json");
        using var document = JsonDocument.Parse(File.ReadAllText(path));
        return document.RootElement.Clone();
    }

    private static double[] Numbers(JsonElement element) => [.. element.EnumerateArray().Select(e => e.GetDouble())];

    private static void Close(double expected, double actual, double relative, string what)
    {
        var error = Math.Abs(actual - expected);
        Assert.True(
            error <= relative * Math.Abs(expected) || (expected == 0 && error == 0),
            $"{what}: expected {expected:R}, got {actual:R} (relative error {error / Math.Abs(expected):E2}).");
    }

    [Fact]
    public void Summaries_match_SciPy_in_every_case()
    {
        var checkedCases = 0;
        foreach (var c in Reference().GetProperty("cases").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString();
            var a = Summary.Of(Numbers(c.GetProperty("a")));
            var b = Summary.Of(Numbers(c.GetProperty("b")));
            var ci = Numbers(c.GetProperty("ci95_a"));

            Close(c.GetProperty("mean_a").GetDouble(), a.Mean, Tolerance, $"{name} mean_a");
            Close(c.GetProperty("mean_b").GetDouble(), b.Mean, Tolerance, $"{name} mean_b");
            Close(c.GetProperty("std_a").GetDouble(), a.StandardDeviation, Tolerance, $"{name} std_a");
            Close(c.GetProperty("std_b").GetDouble(), b.StandardDeviation, Tolerance, $"{name} std_b");
            Close(ci[0], a.MeanInterval.Lower, Tolerance, $"{name} ci95_a lower");
            Close(ci[1], a.MeanInterval.Upper, Tolerance, $"{name} ci95_a upper");
            checkedCases++;
        }

        Assert.Equal(5, checkedCases);
    }

    [Fact]
    public void Two_sample_tests_match_SciPy_in_every_case()
    {
        var checkedCases = 0;
        var exactMannWhitney = 0;
        foreach (var c in Reference().GetProperty("cases").EnumerateArray())
        {
            var name = c.GetProperty("name").GetString();
            var result = Comparison.Of(
                Numbers(c.GetProperty("a")), Numbers(c.GetProperty("b")), new ComparisonOptions { BootstrapResamples = 1 });
            var ci = Numbers(c.GetProperty("welch_diff_ci95"));

            Close(c.GetProperty("welch_t").GetDouble(), result.Welch.T, Tolerance, $"{name} welch_t");
            Close(c.GetProperty("welch_df").GetDouble(), result.Welch.DegreesOfFreedom, Tolerance, $"{name} welch_df");
            Close(c.GetProperty("welch_p_two_sided").GetDouble(), result.Welch.PValue, PTolerance, $"{name} welch_p");
            Close(ci[0], result.DifferenceInterval.Lower, Tolerance, $"{name} welch_diff_ci95 lower");
            Close(ci[1], result.DifferenceInterval.Upper, Tolerance, $"{name} welch_diff_ci95 upper");
            Close(c.GetProperty("student_t").GetDouble(), result.Student.T, Tolerance, $"{name} student_t");
            Close(c.GetProperty("student_p_two_sided").GetDouble(), result.Student.PValue, PTolerance, $"{name} student_p");
            Close(c.GetProperty("mannwhitney_u_of_a").GetDouble(), result.MannWhitney.U, Tolerance, $"{name} mannwhitney_u_of_a");
            Close(c.GetProperty("mannwhitney_p_two_sided").GetDouble(), result.MannWhitney.PValue, PTolerance, $"{name} mannwhitney_p");
            checkedCases++;
            exactMannWhitney += result.MannWhitney.Exact ? 1 : 0;
        }

        Assert.Equal(5, checkedCases);
        Assert.Equal(3, exactMannWhitney);   // both 5-vs-5 cases and 3-vs-8; 10-vs-12 and the tied case are asymptotic
    }

    [Fact]
    public void Student_t_quantiles_match_SciPy()
    {
        // SciPy 1.10 computes t.ppf with cdflib's stdtrit, which is itself accurate only to a few 1e-9: for df = 29, p = 0.9 it
        // gives 1.311433643950529 where the 40-digit value is 1.3114336473015512, 2.6e-9 relative (StatMathTests checks all 18
        // against 40-digit values to 1e-12). That one entry is held to the reference's own error; every other entry to 1e-9.
        var checkedQuantiles = 0;
        var looser = 0;
        foreach (var q in Reference().GetProperty("t_quantiles").EnumerateArray())
        {
            var df = q.GetProperty("df").GetDouble();
            var p = q.GetProperty("p").GetDouble();
            var knownOff = df == 29 && p == 0.9;
            Close(q.GetProperty("t_ppf").GetDouble(), StatMath.StudentTQuantile(p, df), knownOff ? 3e-9 : Tolerance, $"t.ppf({p}, {df})");
            checkedQuantiles++;
            looser += knownOff ? 1 : 0;
        }

        Assert.Equal(18, checkedQuantiles);
        Assert.Equal(1, looser);
    }
}
