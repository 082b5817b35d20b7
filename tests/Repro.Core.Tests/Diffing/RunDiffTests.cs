using Repro.Core.Diffing;
using Repro.Core.Runs;

namespace Repro.Core.Tests.Diffing;

public sealed class RunDiffTests
{
    private static RunRecord Record(string name, params MetricPoint[] latest) => new()
    {
        Id = RunId.New(),
        Name = name,
        StartTime = DateTimeOffset.UnixEpoch,
        Command = ["python3", "train.py"],
        WorkingDirectory = "/project",
        Seed = 42,
        Params = [new Param("lr", "0.1", ParamSource.Default), new Param("epochs", "10", ParamSource.Default)],
        LatestMetrics = latest.ToDictionary(m => m.Key),
    };

    [Fact]
    public void Two_equal_records_are_identical()
    {
        var a = Record("a", new MetricPoint("acc", 0.9, 9, 0));
        var b = a with { Id = RunId.New(), Name = "b" };
        var report = RunDiff.Compare(a, b);
        Assert.True(report.Identical);
        Assert.Empty(report.Items);
    }

    [Fact]
    public void A_param_default_overridden_on_the_command_line_is_shown_with_both_provenances()
    {
        var a = Record("a");
        var b = a with { Id = RunId.New(), Params = [new Param("lr", "0.05", ParamSource.Cli), new Param("epochs", "10", ParamSource.Default), new Param("wd", "0", ParamSource.Cli)] };
        var report = RunDiff.Compare(a, b);
        var lr = Assert.Single(report.Items, i => i.Key == "lr");
        Assert.Equal(DiffCategory.Params, lr.Category);
        Assert.Equal("0.1 (default)", lr.Left);
        Assert.Equal("0.05 (cli)", lr.Right);
        var wd = Assert.Single(report.Items, i => i.Key == "wd");
        Assert.Null(wd.Left);
        Assert.DoesNotContain(report.Items, i => i.Key == "epochs");
    }

    [Fact]
    public void Data_differences_come_first_and_results_last()
    {
        var a = Record("a", new MetricPoint("acc", 0.9, 9, 0)) with { Inputs = [new DataInput("data", "aaaa", 10, 100, "m1")] };
        var b = Record("b", new MetricPoint("acc", 0.8, 9, 0)) with
        {
            Inputs = [new DataInput("data", "bbbb", 12, 120, "m2")],
            Seed = 7,
            Params = [new Param("lr", "0.2", ParamSource.Cli), new Param("epochs", "10", ParamSource.Default)],
        };
        var material = new DiffMaterial { DataChanges = [new DataChange("data", 2, 0, 0, 20, 0, ["x.csv", "y.csv"])] };
        var report = RunDiff.Compare(a, b, material);
        Assert.False(report.Identical);
        Assert.Equal(DiffCategory.Data, report.Items[0].Category);
        Assert.Contains("+2 added", report.Items[0].Note, StringComparison.Ordinal);
        Assert.Contains("x.csv", report.Items[0].Note, StringComparison.Ordinal);
        var categories = report.Items.Select(i => (int)i.Category).ToList();
        Assert.Equal(categories.Order(), categories);
        var acc = Assert.Single(report.Metrics);
        Assert.Equal(0.9, acc.LeftFinal);
        Assert.Equal(0.8, acc.RightFinal);
    }

    [Fact]
    public void The_first_divergent_step_of_a_series_is_found_bitwise()
    {
        var left = new[] { new MetricPoint("loss", 1.0, 0, 0), new MetricPoint("loss", 0.5, 1, 0), new MetricPoint("loss", 0.25, 2, 0) };
        var right = new[] { new MetricPoint("loss", 1.0, 0, 0), new MetricPoint("loss", 0.5, 1, 0), new MetricPoint("loss", Math.BitIncrement(0.25), 2, 0) };
        var (step, l, r) = RunDiff.FirstDivergence(left, right);
        Assert.Equal(2, step);
        Assert.Equal(0.25, l);
        Assert.Equal(1, RunDiff.UlpDistance(l!.Value, r!.Value));
        Assert.Null(RunDiff.FirstDivergence(left, left).Step);
        Assert.Equal(2, RunDiff.FirstDivergence(left, right[..2]).Step);
    }

    [Fact]
    public void Ulp_distance_counts_representable_doubles_between_values()
    {
        Assert.Equal(0, RunDiff.UlpDistance(1.0, 1.0));
        Assert.Equal(0, RunDiff.UlpDistance(double.NaN, double.NaN));
        Assert.Equal(long.MaxValue, RunDiff.UlpDistance(double.NaN, 1.0));
        Assert.Equal(2, RunDiff.UlpDistance(-double.Epsilon, double.Epsilon));
        Assert.Equal(3, RunDiff.UlpDistance(1.0, Math.BitIncrement(Math.BitIncrement(Math.BitIncrement(1.0)))));
    }

    [Fact]
    public void Uncommitted_diffs_are_compared_per_file()
    {
        const string patchA = "diff --git a/train.py b/train.py\nindex 1..2 100644\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.1\n+lr = 0.2\n" +
            "diff --git a/util.py b/util.py\n--- a/util.py\n+++ b/util.py\n@@ -1 +1,2 @@\n x\n+y\n";
        const string patchB = "diff --git a/train.py b/train.py\nindex 1..3 100644\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.1\n+lr = 0.3\n" +
            "diff --git a/util.py b/util.py\n--- a/util.py\n+++ b/util.py\n@@ -1 +1,2 @@\n x\n+y\n";
        var code = new CodeSnapshot { IsGitRepository = true, Commit = "c1", Dirty = true, DiffSha256 = "a" };
        var a = Record("a") with { Code = code };
        var b = Record("b") with { Code = code with { DiffSha256 = "b" } };
        var report = RunDiff.Compare(a, b, new DiffMaterial { LeftPatch = patchA, RightPatch = patchB });
        var item = Assert.Single(report.Items);
        Assert.Equal("uncommitted: train.py", item.Key);
        Assert.Equal("edited differently", item.Note);
    }

    [Fact]
    public void Environment_differences_that_threaten_results_carry_a_risk_note()
    {
        var a = Record("a") with { Environment = new EnvironmentSnapshot { CpuFlags = ["avx2", "fma"], LogicalCores = 2 } };
        var b = Record("b") with { Environment = new EnvironmentSnapshot { CpuFlags = ["avx2", "avx512f", "fma"], LogicalCores = 2 } };
        var item = Assert.Single(RunDiff.Compare(a, b).Items);
        Assert.Equal("cpu flags", item.Key);
        Assert.Contains("instruction sets", item.Note, StringComparison.Ordinal);
    }
}
