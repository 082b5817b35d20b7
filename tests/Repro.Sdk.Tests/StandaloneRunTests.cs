using Repro.Core.Runs;
using Repro.Sdk.Sinks;
using Repro.Sdk.Tests.Support;
using Repro.Storage.Workspace;

namespace Repro.Sdk.Tests;

public sealed class StandaloneRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    private Run Start(RunOptions options) =>
        TestRuns.Create(new Dictionary<string, string>(), options: options,
            standaloneFactory: info => StoreSink.Start(info with { WorkingDirectory = _dir.Path }));

    [Fact]
    public void A_run_started_in_process_is_recorded_in_the_workspace_with_capture()
    {
        ReproWorkspace.Init(_dir.Path).Dispose();
        RunId id;
        using (var run = Start(new RunOptions { Name = "in-process", Experiment = "sdk", Seed = 9, Params = new Dictionary<string, string> { ["lr"] = "0.5" } }))
        {
            Assert.False(run.IsAttached);
            Assert.Equal(9, run.Seed);
            Assert.Equal(0.5, run.Param("lr", 0.1));
            Assert.Equal(3, run.Param("epochs", 3));
            run.Log("loss", 1.0, 0);
            run.Log("loss", double.NaN, 1);
            run.Tag("kind", "test");
            Directory.CreateDirectory(Path.Combine(_dir.Path, "data"));
            File.WriteAllText(Path.Combine(_dir.Path, "data", "a.csv"), "1,2\n");
            File.WriteAllText(Path.Combine(_dir.Path, "data", "b.csv"), "3,4\n");
            var fingerprint = run.Input(Path.Combine(_dir.Path, "data"));
            Assert.Equal(2, fingerprint.FileCount);
            id = run.Id;
        }

        using var workspace = ReproWorkspace.Open(_dir.Path);
        var record = workspace.Runs.GetRun(id)!;
        Assert.Equal("in-process", record.Name);
        Assert.Equal("sdk", record.Experiment);
        Assert.Equal(RunStatus.Finished, record.Status);
        Assert.Equal(9, record.Seed);
        Assert.Equal("sdk", record.SeedSource);
        Assert.Contains(new Param("epochs", "3", ParamSource.Default), record.Params);
        Assert.Equal("test", record.Tags["kind"]);
        Assert.True(double.IsNaN(record.LatestMetrics["loss"].Value));
        Assert.Equal(2, workspace.Runs.GetMetricHistory(id, "loss").Count);
        Assert.NotEqual(EnvironmentSnapshot.Unknown, record.Environment.Kernel);
        var input = Assert.Single(record.Inputs);
        Assert.Equal(2, input.FileCount);
        Assert.True(workspace.Objects.Exists(input.ManifestSha256));
        Assert.Equal(Environment.ProcessorCount, record.Environment.LogicalCores);
    }

    [Fact]
    public void Without_a_workspace_an_in_process_run_records_nothing_and_keeps_training()
    {
        using var run = Start(new RunOptions { Seed = 1 });
        run.Log("loss", 1.0);
        Assert.Equal(1, run.Seed);
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".repro")));
    }
}
