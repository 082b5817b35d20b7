using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class SummaryTests
{
    // t.ppf(0.975, df) to 20 digits (mpmath).
    private const double T975Df1 = 12.706204736174693314;
    private const double T975Df4 = 2.7764451051977934898;

    [Fact]
    public void No_values_give_a_count_of_zero_and_NaN_statistics()
    {
        var s = Summary.Of([]);

        Assert.Equal(0, s.Count);
        Assert.Equal(0, s.NaNCount);
        Assert.True(double.IsNaN(s.Mean));
        Assert.True(double.IsNaN(s.StandardDeviation));
        Assert.True(double.IsNaN(s.StandardError));
        Assert.True(double.IsNaN(s.Min) && double.IsNaN(s.Median) && double.IsNaN(s.Max));
        Assert.False(s.MeanInterval.IsDefined);
    }

    [Fact]
    public void One_value_has_a_mean_but_no_spread_or_interval()
    {
        var s = Summary.Of([0.42]);

        Assert.Equal(1, s.Count);
        Assert.Equal(0.42, s.Mean);
        Assert.Equal(0.42, s.Min);
        Assert.Equal(0.42, s.Median);
        Assert.Equal(0.42, s.Max);
        Assert.True(double.IsNaN(s.StandardDeviation));
        Assert.True(double.IsNaN(s.StandardError));
        Assert.Equal(Interval.Undefined, s.MeanInterval);
        Assert.False(s.MeanInterval.Contains(0.42));
    }

    [Fact]
    public void Two_values_use_the_t_quantile_with_one_degree_of_freedom()
    {
        var s = Summary.Of([1.0, 3.0]);

        Assert.Equal(2, s.Count);
        Assert.Equal(2.0, s.Mean);
        Assert.Equal(Math.Sqrt(2), s.StandardDeviation, 15);
        Assert.Equal(1.0, s.StandardError, 15);
        Assert.Equal(2 - T975Df1, s.MeanInterval.Lower, 12);
        Assert.Equal(2 + T975Df1, s.MeanInterval.Upper, 12);
        Assert.Equal(2.0, s.Median);
    }

    [Fact]
    public void Identical_values_have_zero_spread_and_an_interval_collapsed_to_the_mean()
    {
        // 0.1 + 0.1 + 0.1 is 0.30000000000000004 in binary; the mean must still be exactly 0.1 and the spread exactly 0.
        var s = Summary.Of([0.1, 0.1, 0.1]);

        Assert.Equal(0.1, s.Mean);
        Assert.Equal(0.0, s.StandardDeviation);
        Assert.Equal(0.0, s.StandardError);
        Assert.Equal(new Interval(0.1, 0.1), s.MeanInterval);
        Assert.True(s.MeanInterval.Contains(0.1));
    }

    [Fact]
    public void NaN_values_are_left_out_of_every_statistic_and_counted()
    {
        var s = Summary.Of([1.0, double.NaN, 3.0, double.NaN, 2.0]);

        Assert.Equal(3, s.Count);
        Assert.Equal(2, s.NaNCount);
        Assert.Equal(2.0, s.Mean);
        Assert.Equal(1.0, s.StandardDeviation, 15);
        Assert.Equal(1.0, s.Min);
        Assert.Equal(2.0, s.Median);
        Assert.Equal(3.0, s.Max);
    }

    [Fact]
    public void Only_NaN_values_give_an_empty_summary_that_still_counts_them()
    {
        var s = Summary.Of([double.NaN, double.NaN]);

        Assert.Equal(0, s.Count);
        Assert.Equal(2, s.NaNCount);
        Assert.True(double.IsNaN(s.Mean));
    }

    [Fact]
    public void Median_of_an_even_count_is_the_mean_of_the_two_middle_values()
    {
        Assert.Equal(2.5, Summary.Of([4.0, 1.0, 3.0, 2.0]).Median);
        Assert.Equal(3.0, Summary.Of([5.0, 1.0, 3.0, 2.0, 4.0]).Median);
    }

    [Fact]
    public void The_confidence_level_sets_the_width_of_the_interval()
    {
        double[] values = [30.3, 30.9, 29.8, 30.5, 30.1];
        var at95 = Summary.Of(values);
        var at99 = Summary.Of(values, 0.99);

        Assert.Equal(0.95, at95.ConfidenceLevel);
        Assert.Equal(0.99, at99.ConfidenceLevel);
        Assert.Equal(T975Df4 * at95.StandardError, at95.Mean - at95.MeanInterval.Lower, 12);
        Assert.Equal(4.6040948713499920459 * at99.StandardError, at99.MeanInterval.Upper - at99.Mean, 12);   // t.ppf(0.995, 4)
    }

    [Theory]
    [InlineData(0.0)]
    [InlineData(1.0)]
    [InlineData(95.0)]
    [InlineData(double.NaN)]
    public void A_confidence_level_outside_zero_to_one_is_rejected(double level)
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Summary.Of([1.0, 2.0], level));
    }

    [Fact]
    public void An_infinite_result_is_kept_as_a_result()
    {
        var s = Summary.Of([1.0, double.PositiveInfinity]);

        Assert.Equal(2, s.Count);
        Assert.Equal(0, s.NaNCount);
        Assert.Equal(double.PositiveInfinity, s.Mean);
        Assert.Equal(double.PositiveInfinity, s.Max);
    }
}
