using Repro.Core.Errors;
using Repro.Core.Serialization;
using Repro.Core.Statistics;

namespace Repro.Core.Tests.Statistics;

public sealed class ComparisonTests
{
    // Test error rates in percent (lower is better) of two configurations, five seeds each.
    private static readonly double[] Tuned = [30.3, 30.9, 29.8, 30.5, 30.1];
    private static readonly double[] Baseline = [37.3, 36.8, 38.1, 37.0, 37.6];

    // Accuracies that differ only by noise.
    private static readonly double[] NoiseA = [87.8, 88.5, 87.1, 88.9, 87.6];
    private static readonly double[] NoiseB = [88.2, 87.9, 88.6, 87.4, 88.8];

    private static readonly ComparisonOptions LowerIsBetter = new() { HigherIsBetter = false };

    [Fact]
    public void A_clear_improvement_holds_and_says_so_with_its_numbers()
    {
        var c = Comparison.Of(Tuned, Baseline, LowerIsBetter);

        Assert.Equal(ComparisonVerdict.Holds, c.Verdict);
        Assert.Equal(30.32 - 37.36, c.Difference, 12);
        Assert.Equal("A is better than B by 7.0 (95% CI 6.4 to 7.7), p = 2e-8, 5 seeds each: the conclusion holds", c.Sentence);
    }

    [Fact]
    public void The_same_results_reverse_the_claim_when_higher_is_better()
    {
        var c = Comparison.Of(Tuned, Baseline, new ComparisonOptions { HigherIsBetter = true, NameA = "tuned", NameB = "baseline" });

        Assert.Equal(ComparisonVerdict.Reversed, c.Verdict);
        Assert.Equal(
            "baseline is better than tuned by 7.0 (95% CI 6.4 to 7.7), p = 2e-8, 5 seeds each: the claim that tuned is better is reversed",
            c.Sentence);
    }

    [Fact]
    public void Results_within_noise_are_inconclusive_and_estimate_the_seeds_needed_for_a_target_difference()
    {
        var c = Comparison.Of(NoiseA, NoiseB, new ComparisonOptions { TargetDifference = 0.5 });

        Assert.Equal(ComparisonVerdict.Inconclusive, c.Verdict);
        Assert.Equal(0.5, c.TargetDifference);
        Assert.Equal(28, c.RequiredSeedsPerSide);
        Assert.Equal(
            "A and B cannot be told apart with 5 seeds each (difference -0.2, 95% CI -1.1 to 0.7, p = 0.64); "
            + "about 28 seeds per side would detect a difference of 0.5",
            c.Sentence);
    }

    [Fact]
    public void Without_a_target_the_estimate_is_for_the_observed_difference()
    {
        var c = Comparison.Of(NoiseA, NoiseB);

        Assert.Equal(0.2, c.TargetDifference, 12);
        Assert.True(c.RequiredSeedsPerSide > 150, $"got {c.RequiredSeedsPerSide}");
        Assert.EndsWith($"about {c.RequiredSeedsPerSide} seeds per side would detect a difference of 0.2", c.Sentence);
    }

    [Theory]
    // Per-group sizes for a two-sided test at alpha 0.05 with power 0.8 from the noncentral t distribution (G*Power):
    // Cohen's small, medium and large effects. The plain normal approximation would say 393, 63 and 25.
    [InlineData(0.2, 394)]
    [InlineData(0.5, 64)]
    [InlineData(0.8, 26)]
    public void Seeds_per_side_match_the_exact_power_calculation_for_Cohens_effect_sizes(double effect, int expected)
    {
        // Pooled standard deviation 1, so the target difference is the effect size.
        var c = Comparison.Of([0.0, Math.Sqrt(2)], [5.0, 5.0 + Math.Sqrt(2)], new ComparisonOptions { TargetDifference = effect });

        Assert.Equal(1.0, c.PooledStandardDeviation, 14);
        Assert.Equal(expected, c.RequiredSeedsPerSide);
    }

    [Fact]
    public void Unequal_group_sizes_are_named_in_the_sentence()
    {
        var c = Comparison.Of([0.912, 0.905, 0.921], [0.899, 0.915, 0.887, 0.902, 0.908, 0.893, 0.911, 0.896]);

        Assert.Equal(ComparisonVerdict.Inconclusive, c.Verdict);
        Assert.Contains("with 3 seeds of A and 8 of B (", c.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void NaN_results_are_left_out_and_the_sentence_says_how_many()
    {
        var c = Comparison.Of([.. Tuned, double.NaN], [.. Baseline, double.NaN, double.NaN], LowerIsBetter);

        Assert.Equal(1, c.A.NaNCount);
        Assert.Equal(2, c.B.NaNCount);
        Assert.Equal(Comparison.Of(Tuned, Baseline, LowerIsBetter).Welch, c.Welch);
        Assert.Contains(
            "5 seeds each (1 NaN result of A and 2 NaN results of B left out): the conclusion holds", c.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void One_result_on_a_side_is_refused_with_how_many_more_runs_that_side_needs()
    {
        var error = Assert.Throws<ReproException>(() => Comparison.Of([0.5], [0.4, 0.6, 0.5]));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("A has 1 result and B has 3 results", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run 1 more of A with new seeds", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("more of B", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Missing_results_on_both_sides_name_both_and_count_NaN_results()
    {
        var error = Assert.Throws<ReproException>(
            () => Comparison.Of([double.NaN, double.NaN], [1.0], new ComparisonOptions { NameA = "lr=0.1", NameB = "lr=0.01" }));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("lr=0.1 has 0 results besides 2 NaN and lr=0.01 has 1 result", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run 2 more of lr=0.1 and 1 more of lr=0.01 with new seeds", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void The_bootstrap_interval_reproduces_for_a_fixed_seed_and_changes_with_the_seed()
    {
        var options = new ComparisonOptions { BootstrapSeed = 7 };
        var first = Comparison.Of(NoiseA, NoiseB, options).BootstrapInterval;
        var again = Comparison.Of(NoiseA, NoiseB, options).BootstrapInterval;
        var otherSeed = Comparison.Of(NoiseA, NoiseB, options with { BootstrapSeed = 8 }).BootstrapInterval;

        Assert.Equal(first, again);
        Assert.NotEqual(first, otherSeed);
    }

    [Fact]
    public void The_bootstrap_interval_is_pinned_for_seed_zero()
    {
        // Drawn from RandomStreams(0).Get("bootstrap"); this changes only if the stream's numbers or the resampling order change.
        var c = Comparison.Of(Tuned, Baseline);

        Assert.Equal(-7.56, c.BootstrapInterval.Lower, 12);
        Assert.Equal(-6.54, c.BootstrapInterval.Upper, 12);
    }

    [Fact]
    public void The_bootstrap_interval_brackets_the_observed_difference_near_the_Welch_interval()
    {
        var c = Comparison.Of(Tuned, Baseline);

        Assert.True(c.BootstrapInterval.Contains(c.Difference));
        // The percentile bootstrap is narrower than the t interval with five seeds, but of the same size.
        Assert.InRange(c.BootstrapInterval.Upper - c.BootstrapInterval.Lower, 0.5, 1.5);
    }

    [Fact]
    public void Hedges_g_is_the_standardised_difference_with_the_small_sample_correction()
    {
        var c = Comparison.Of(NoiseA, NoiseB);
        var cohensD = c.Difference / c.PooledStandardDeviation;

        // J(8) = Γ(4) / (sqrt(4) Γ(7/2)) with Γ(7/2) = 15 sqrt(pi) / 8.
        var correction = 6 / (2 * 15 * Math.Sqrt(Math.PI) / 8);

        Assert.Equal(cohensD * correction, c.HedgesG, 12);
        Assert.InRange(c.HedgesG / (cohensD * (1 - (3.0 / ((4 * 8) - 1)))), 0.999, 1.001);   // the usual approximation
        Assert.True(c.HedgesG < 0);
    }

    [Fact]
    public void Constant_groups_with_different_values_are_a_certain_difference()
    {
        var c = Comparison.Of([2.0, 2.0, 2.0], [3.0, 3.0, 3.0], LowerIsBetter);

        Assert.Equal(double.NegativeInfinity, c.Welch.T);
        Assert.Equal(0.0, c.Welch.PValue);
        Assert.Equal(new Interval(-1, -1), c.DifferenceInterval);
        Assert.Equal(ComparisonVerdict.Holds, c.Verdict);
        Assert.Equal("A is better than B by 1 (95% CI 1 to 1), p = 0, 3 seeds each: the conclusion holds", c.Sentence);
    }

    [Fact]
    public void Identical_constant_groups_cannot_be_told_apart_and_need_a_target_difference()
    {
        var c = Comparison.Of([2.0, 2.0], [2.0, 2.0, 2.0]);

        Assert.Equal(0.0, c.Welch.T);
        Assert.Equal(1.0, c.Welch.PValue);
        Assert.Equal(1.0, c.Student.PValue);
        Assert.Equal(0.0, c.HedgesG);
        Assert.Null(c.RequiredSeedsPerSide);
        Assert.Equal(ComparisonVerdict.Inconclusive, c.Verdict);
        Assert.EndsWith("the means are equal, so give a target difference to estimate how many seeds would detect it", c.Sentence);
    }

    [Fact]
    public void Two_values_per_side_are_enough_to_compare()
    {
        var c = Comparison.Of([1.0, 2.0], [10.0, 11.0]);

        Assert.Equal(2.0, c.Welch.DegreesOfFreedom, 12);
        Assert.Equal(-9.0, c.Difference);
        Assert.Equal(ComparisonVerdict.Reversed, c.Verdict);
    }

    [Fact]
    public void Out_of_range_options_are_rejected()
    {
        Assert.Throws<ArgumentOutOfRangeException>(() => Comparison.Of(Tuned, Baseline, new ComparisonOptions { ConfidenceLevel = 1.5 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Comparison.Of(Tuned, Baseline, new ComparisonOptions { BootstrapResamples = 0 }));
        Assert.Throws<ArgumentOutOfRangeException>(() => Comparison.Of(Tuned, Baseline, new ComparisonOptions { TargetDifference = -1 }));
    }

    [Fact]
    public void A_lower_confidence_level_narrows_the_interval_and_is_named_in_the_sentence()
    {
        var at95 = Comparison.Of(Tuned, Baseline, LowerIsBetter);
        var at90 = Comparison.Of(Tuned, Baseline, LowerIsBetter with { ConfidenceLevel = 0.9 });

        static double Width(Interval i) => i.Upper - i.Lower;

        Assert.True(Width(at90.DifferenceInterval) < Width(at95.DifferenceInterval));
        Assert.Contains("(90% CI ", at90.Sentence, StringComparison.Ordinal);
    }

    [Fact]
    public void A_comparison_round_trips_through_the_project_json_shape()
    {
        var c = Comparison.Of([.. Tuned, double.NaN], [1.0, 1.0], new ComparisonOptions { NameA = "tuned", BootstrapResamples = 100 });

        var json = ReproJson.Serialize(c);
        var back = ReproJson.Deserialize<Comparison>(json);

        Assert.Equal(c, back);
        Assert.Contains("\"verdict\":\"holds\"", json, StringComparison.Ordinal);
        Assert.Contains("\"nanCount\":1", json, StringComparison.Ordinal);
        Assert.DoesNotContain("isDefined", json, StringComparison.Ordinal);
    }

    [Fact]
    public void Infinite_results_give_an_inconclusive_verdict_without_a_seed_estimate()
    {
        var c = Comparison.Of([1.0, double.PositiveInfinity], [1.0, 2.0]);

        Assert.Equal(ComparisonVerdict.Inconclusive, c.Verdict);
        Assert.Null(c.RequiredSeedsPerSide);
        Assert.EndsWith("how many seeds would tell them apart cannot be estimated from these results", c.Sentence);
    }
}
