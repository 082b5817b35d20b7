using Repro.Core.Diffing;
using Repro.Core.Runs;
using Repro.Core.Verdicts;

namespace Repro.Core.Tests.Verdicts;

public sealed class VerdictJudgeTests
{
    private static RunRecord Run(double acc, string weights = "aaaa", long seed = 1) => new()
    {
        Id = RunId.New(),
        Name = "r",
        StartTime = DateTimeOffset.UnixEpoch,
        Status = RunStatus.Finished,
        Seed = seed,
        LatestMetrics = new Dictionary<string, MetricPoint> { ["acc"] = new("acc", acc, 9, 0) },
        Artifacts = [new Artifact("weights.bin", weights, 10)],
    };

    [Fact]
    public void Bit_equal_metrics_and_artifacts_are_IDENTICAL()
    {
        var v = VerdictJudge.Judge(Run(0.9), Run(0.9), new DiffMaterial(), ToleranceSpec.Standard);
        Assert.Equal(VerdictKind.Identical, v.Kind);
        Assert.StartsWith("IDENTICAL", v.Summary, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_within_tolerance_are_EQUIVALENT_and_name_what_is_not_bit_equal()
    {
        var spec = new ToleranceSpec(Tolerance.Default, new Dictionary<string, Tolerance> { ["acc"] = new(0, 0.01) });
        var v = VerdictJudge.Judge(Run(0.90), Run(0.905, "bbbb"), new DiffMaterial(), spec);
        Assert.Equal(VerdictKind.Equivalent, v.Kind);
        Assert.Contains("not bit-equal: acc", v.Summary, StringComparison.Ordinal);
        Assert.Single(v.ArtifactDifferences);
    }

    [Fact]
    public void Values_outside_tolerance_are_DIVERGED_with_the_first_divergent_step_and_possible_causes()
    {
        var original = Run(0.90);
        var reproduction = Run(0.80, seed: 2);
        var material = new DiffMaterial
        {
            LeftSeries = new Dictionary<string, IReadOnlyList<MetricPoint>> { ["acc"] = [new("acc", 0.5, 0, 0), new("acc", 0.9, 9, 0)] },
            RightSeries = new Dictionary<string, IReadOnlyList<MetricPoint>> { ["acc"] = [new("acc", 0.5, 0, 0), new("acc", 0.8, 9, 0)] },
        };
        var v = VerdictJudge.Judge(original, reproduction, material, ToleranceSpec.Standard);
        Assert.Equal(VerdictKind.Diverged, v.Kind);
        Assert.Contains("acc 0.9 → 0.8 (series first differs at step 9: 0.9 vs 0.8)", v.Summary, StringComparison.Ordinal);
        Assert.Contains(v.PossibleCauses, c => c.StartsWith("randomness: seed", StringComparison.Ordinal));
    }

    [Fact]
    public void A_missing_metric_or_a_different_status_is_DIVERGED()
    {
        var reproduction = Run(0.9) with { LatestMetrics = new Dictionary<string, MetricPoint>() };
        Assert.Equal(VerdictKind.Diverged, VerdictJudge.Judge(Run(0.9), reproduction, new DiffMaterial(), ToleranceSpec.Standard).Kind);
        var failed = Run(0.9) with { Status = RunStatus.Failed };
        var v = VerdictJudge.Judge(Run(0.9), failed, new DiffMaterial(), ToleranceSpec.Standard);
        Assert.Equal(VerdictKind.Diverged, v.Kind);
        Assert.Contains("status FINISHED → FAILED", v.Summary, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData(1.0, 1.0 + 1e-6, true)]
    [InlineData(1.0, 1.0 + 1e-4, false)]
    [InlineData(double.NaN, double.NaN, true)]
    [InlineData(double.NaN, 1.0, false)]
    [InlineData(double.PositiveInfinity, double.PositiveInfinity, true)]
    [InlineData(0.0, 1e-9, true)]
    public void The_default_tolerance_follows_numpy_isclose(double a, double b, bool accepted)
    {
        Assert.Equal(accepted, Tolerance.Default.Accepts(a, b));
    }
}
