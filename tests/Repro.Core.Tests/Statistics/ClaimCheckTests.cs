using Repro.Core.Errors;
using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class ClaimCheckTests
{
    // Test error in percent over five seeds: mean 30.32, std 0.41472882706655345 (SciPy).
    private static readonly double[] Errors = [30.3, 30.9, 29.8, 30.5, 30.1];
    private const double Std = 0.41472882706655345;
    private const double T975Df4 = 2.7764451051977934898;

    [Fact]
    public void A_claim_near_the_mean_is_consistent()
    {
        var c = ClaimCheck.Of(Errors, 30.3);

        Assert.Equal((30.3 - 30.32) / Std, c.ZScore, 12);
        Assert.Equal(50.0, c.Percentile);   // 2 results below, 1 equal: (2 + 0.5) / 5
        Assert.True(c.InsidePredictionInterval);
        Assert.True(c.InsideMeanInterval);
        Assert.Equal(
            "The claimed 30.3 is consistent with 5 seeds (mean 30.32, std 0.41; z = -0.05, percentile 50): it lies inside the 95% "
            + "prediction interval for a new run (29.06 to 31.58) and the 95% CI of the mean (29.81 to 30.83)",
            c.Sentence);
    }

    [Fact]
    public void The_prediction_interval_is_the_mean_plus_or_minus_t_s_root_one_plus_one_over_n()
    {
        var c = ClaimCheck.Of(Errors, 30.3);
        var halfWidth = T975Df4 * Std * Math.Sqrt(1 + (1.0 / 5));

        Assert.Equal(30.32 - halfWidth, c.PredictionInterval.Lower, 12);
        Assert.Equal(30.32 + halfWidth, c.PredictionInterval.Upper, 12);
    }

    [Fact]
    public void A_claim_one_run_can_reach_but_the_mean_cannot_is_called_out()
    {
        var c = ClaimCheck.Of(Errors, 31.0);

        Assert.True(c.InsidePredictionInterval);
        Assert.False(c.InsideMeanInterval);
        Assert.Equal(100.0, c.Percentile);
        Assert.StartsWith("The claimed 31 is within reach of a single run of 5 seeds", c.Sentence, StringComparison.Ordinal);
        Assert.EndsWith("but outside the 95% CI of the mean (29.81 to 30.83), so the average run does not reach it", c.Sentence);
    }

    [Fact]
    public void A_claim_far_outside_the_results_is_not_consistent()
    {
        var c = ClaimCheck.Of(Errors, 28.0);

        Assert.False(c.InsidePredictionInterval);
        Assert.False(c.InsideMeanInterval);
        Assert.Equal(0.0, c.Percentile);
        Assert.True(c.ZScore < -5);
        Assert.Equal(
            "The claimed 28 is not consistent with 5 seeds (mean 30.32, std 0.41; z = -5.59, percentile 0): it lies outside the "
            + "95% prediction interval for a new run (29.06 to 31.58)",
            c.Sentence);
    }

    [Fact]
    public void NaN_results_are_left_out_and_mentioned()
    {
        var c = ClaimCheck.Of([.. Errors, double.NaN], 30.3);

        Assert.Equal(5, c.Summary.Count);
        Assert.Equal(1, c.Summary.NaNCount);
        Assert.Equal(50.0, c.Percentile);
        Assert.Contains("(mean 30.32, std 0.41, 1 NaN result left out;", c.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void Identical_results_accept_only_their_own_value()
    {
        var same = ClaimCheck.Of([0.25, 0.25, 0.25], 0.25);
        var other = ClaimCheck.Of([0.25, 0.25, 0.25], 0.26);

        Assert.Equal(0.0, same.ZScore);
        Assert.True(same.InsidePredictionInterval);
        Assert.True(same.InsideMeanInterval);
        Assert.Equal(double.PositiveInfinity, other.ZScore);
        Assert.False(other.InsidePredictionInterval);
    }

    [Fact]
    public void One_result_is_refused_with_how_many_more_runs_are_needed()
    {
        var error = Assert.Throws<ReproException>(() => ClaimCheck.Of([30.1, double.NaN], 30.3));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("there is 1 result besides 1 NaN", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run 1 more with new seeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_claim_that_is_not_a_number_is_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => ClaimCheck.Of(Errors, double.NaN));
    }
}
