using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class StatMathTests
{
    private static void Close(double expected, double actual, double relative, string what) =>
        Assert.True(Math.Abs(actual - expected) <= relative * Math.Abs(expected), $"{what}: expected {expected:R}, got {actual:R}.");

    [Theory]
    // t quantiles computed with mpmath 1.3.0 at 40 significant digits (root of 1 - I_{df/(df+x^2)}(df/2, 1/2) / 2 = p).
    [InlineData(1, 0.9, 3.0776835371752541331)]
    [InlineData(1, 0.975, 12.706204736174693314)]
    [InlineData(1, 0.995, 63.656741162871524447)]
    [InlineData(2, 0.9, 1.8856180831641270225)]
    [InlineData(2, 0.975, 4.3026527297494617894)]
    [InlineData(2, 0.995, 9.9248432009182886403)]
    [InlineData(4, 0.9, 1.5332062740589440989)]
    [InlineData(4, 0.975, 2.7764451051977934898)]
    [InlineData(4, 0.995, 4.6040948713499920459)]
    [InlineData(9, 0.9, 1.3830287383966324587)]
    [InlineData(9, 0.975, 2.2621571627982049992)]
    [InlineData(9, 0.995, 3.2498355415921257205)]
    [InlineData(29, 0.9, 1.3114336473015511985)]
    [InlineData(29, 0.975, 2.0452296421327038745)]
    [InlineData(29, 0.995, 2.7563859036706051204)]
    [InlineData(1000, 0.9, 1.282398721460924564)]
    [InlineData(1000, 0.975, 1.9623390808264081039)]
    [InlineData(1000, 0.995, 2.5807546980659507706)]
    public void Student_t_quantiles_match_40_digit_values_to_1e_12(double df, double p, double expected)
    {
        Close(expected, StatMath.StudentTQuantile(p, df), 1e-12, $"t.ppf({p}, {df})");
        Close(-expected, StatMath.StudentTQuantile(1 - p, df), 1e-12, $"t.ppf({1 - p}, {df})");
    }

    [Fact]
    public void Quantiles_beyond_800_are_found_too()
    {
        // With one degree of freedom t is Cauchy: the quantile is tan(pi (p - 1/2)).
        Close(Math.Tan(Math.PI * 0.49995), StatMath.StudentTQuantile(0.99995, 1), 1e-9, "t.ppf(0.99995, 1)");
        Close(-Math.Tan(Math.PI * 0.4999995), StatMath.StudentTQuantile(0.0000005, 1), 1e-9, "t.ppf(5e-7, 1)");
    }

    [Fact]
    public void Quantiles_interpolate_linearly_between_order_statistics_as_NumPy_does()
    {
        double[] sorted = [1.0, 2.0, 4.0, 8.0];

        Assert.Equal(1.0, StatMath.QuantileOfSorted(sorted, 0));
        Assert.Equal(8.0, StatMath.QuantileOfSorted(sorted, 1));
        Assert.Equal(3.0, StatMath.QuantileOfSorted(sorted, 0.5));      // position 1.5
        Assert.Equal(1.075, StatMath.QuantileOfSorted(sorted, 0.025), 12);   // position 0.075
    }
}
