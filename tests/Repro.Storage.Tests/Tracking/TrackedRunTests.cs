using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

public sealed class TrackedRunTests : TrackingStoreTests
{
    [Fact]
    public void A_tracked_run_has_its_experiment_stage_artifact_uri_and_user()
    {
        var run = Store.Create(TestRuns.Record() with { UserId = "ana" });

        var tracked = Store.GetTrackedRun(run.Id)!;

        Assert.Equal("0", tracked.ExperimentId);
        Assert.Equal(LifecycleStage.Active, tracked.Stage);
        Assert.Equal($"mlflow-artifacts:/0/{run.Id}/artifacts", tracked.ArtifactUri);
        Assert.Equal("ana", tracked.Record.UserId);
        Assert.Empty(tracked.Datasets);
        Assert.Null(Store.GetTrackedRun(RunId.New()));
    }

    [Fact]
    public void Update_run_changes_only_what_is_given()
    {
        var run = Store.Create(TestRuns.Record("first"));
        var end = TestRuns.Epoch.AddMinutes(3);

        Store.UpdateRun(run.Id, RunStatus.Finished, end, null);
        Store.UpdateRun(run.Id, null, null, "renamed");

        var back = Store.GetRun(run.Id)!;
        Assert.Equal(RunStatus.Finished, back.Status);
        Assert.Equal(end, back.EndTime);
        Assert.Equal("renamed", back.Name);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.UpdateRun(RunId.New(), RunStatus.Failed, null, null)).Code);
    }

    [Fact]
    public void A_sweep_groups_list_and_search_leave_out_deleted_runs_and_runs_of_deleted_experiments()
    {
        RunRecord InGroup(string name, string experiment, int start) =>
            Store.Create(TestRuns.Record(name, experiment, start) with { Lineage = new RunLineage { Group = "sweep" } });
        var kept = InGroup("kept", "Default", 1);
        var deleted = InGroup("deleted", "Default", 2);
        var elsewhere = InGroup("elsewhere", "vision", 3);
        Store.Create("not-in-group", startOffsetSeconds: 4);
        Store.SetRunStage(deleted.Id, LifecycleStage.Deleted);
        Store.SetExperimentStage(Store.GetExperimentByName("vision")!.Id, LifecycleStage.Deleted);

        Assert.Equal([kept.Id], Store.ListRuns(new RunQuery(Group: "sweep")).Select(r => r.Id));
        Assert.Equal([kept.Id], Store.SearchRuns(new RunSearchQuery { Group = "sweep" }).Items.Select(r => r.Record.Id));
        Assert.Equal(
            [elsewhere.Id, deleted.Id],
            Store.SearchRuns(new RunSearchQuery { Group = "sweep", ViewType = ViewType.DeletedOnly }).Items.Select(r => r.Record.Id));
        Assert.Equal(3, Store.SearchRuns(new RunSearchQuery { Group = "sweep", ViewType = ViewType.All }).Items.Count);

        Store.SetRunStage(deleted.Id, LifecycleStage.Active);

        Assert.Equal([deleted.Id, kept.Id], Store.ListRuns(new RunQuery(Group: "sweep")).Select(r => r.Id));
    }

    [Fact]
    public void A_deleted_run_is_hidden_from_lists_and_references_but_still_readable_and_restorable()
    {
        var kept = Store.Create("kept", startOffsetSeconds: 1);
        var deleted = Store.Create("gone", startOffsetSeconds: 2);

        Store.SetRunStage(deleted.Id, LifecycleStage.Deleted);

        Assert.Equal([kept.Id], Store.ListRuns(new RunQuery()).Select(r => r.Id));
        Assert.Equal(kept.Id, Store.ResolveRun("last").Id);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.ResolveRun("gone")).Code);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.ResolveRun(deleted.Id.Value)).Code);
        Assert.NotNull(Store.GetRun(deleted.Id));
        Assert.Equal(LifecycleStage.Deleted, Store.GetTrackedRun(deleted.Id)!.Stage);

        Store.SetRunStage(deleted.Id, LifecycleStage.Active);

        Assert.Equal(deleted.Id, Store.ResolveRun("last").Id);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.SetRunStage(RunId.New(), LifecycleStage.Deleted)).Code);
    }

    [Fact]
    public void Deleting_a_tag_removes_it_and_a_missing_tag_is_not_found()
    {
        var run = Store.Create(TestRuns.Record() with { Tags = new Dictionary<string, string> { ["a"] = "1", ["b"] = "2" } });

        Store.DeleteTag(run.Id, "a");

        Assert.Equal(["b"], Store.GetRun(run.Id)!.Tags.Keys);
        var error = Assert.Throws<ReproException>(() => Store.DeleteTag(run.Id, "a"));
        Assert.Equal(ErrorCode.NotFound, error.Code);
        Assert.Contains("'a'", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Datasets_are_kept_once_per_name_and_digest()
    {
        var run = Store.Create();
        var train = new DatasetInput("mnist", "d1", "local", "/data/mnist", "{}", null,
            new Dictionary<string, string> { ["mlflow.data.context"] = "training" });

        Store.LogDatasets(run.Id, [train]);
        Store.LogDatasets(run.Id, [train with { Source = "elsewhere" }, train with { Digest = "d2" }]);

        var datasets = Store.GetTrackedRun(run.Id)!.Datasets;
        Assert.Equal([("mnist", "d1", "/data/mnist"), ("mnist", "d2", "/data/mnist")], datasets.Select(d => (d.Name, d.Digest, d.Source)));
        Assert.Equal("training", datasets[0].Tags["mlflow.data.context"]);
        Assert.Equal("{}", datasets[0].Schema);
        Assert.Null(datasets[0].Profile);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.LogDatasets(RunId.New(), [train])).Code);
    }

    [Fact]
    public void A_metric_series_comes_in_columns_ordered_by_step_then_insertion()
    {
        var run = Store.Create();
        Store.Log(run.Id, new("loss", 3, 2, 100), new("acc", 0.5, 1, 101), new("loss", 1, 0, 102));
        Store.Log(run.Id, new("loss", 2, 1, 103), new("loss", -0.0, 2, 104), new("loss", double.NaN, 5, 105));

        var series = Store.GetMetricSeries(run.Id, "loss");

        Assert.Equal("loss", series.Key);
        Assert.Equal([0L, 1, 2, 2, 5], series.Steps);
        Assert.Equal([1.0, 2, 3], series.Values[..3]);
        Assert.Equal(TestRuns.Bits(-0.0), TestRuns.Bits(series.Values[3]));
        Assert.True(double.IsNaN(series.Values[4]));
        Assert.Equal([102L, 103, 100, 104, 105], series.TimestampsMs);
        Assert.Equal(0, Store.GetMetricSeries(run.Id, "missing").Count);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.GetMetricSeries(RunId.New(), "loss")).Code);
    }

    [Fact]
    public void Metric_history_pages_cover_every_point_once_in_order()
    {
        var run = Store.Create();
        Store.Log(run.Id, [.. Enumerable.Range(0, 25).Select(i => new MetricPoint("x", i, 24 - i, i))]);

        var seen = new List<MetricPoint>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = Store.GetMetricHistoryPage(run.Id, "x", 10, token);
            seen.AddRange(page.Items);
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(Store.GetMetricHistory(run.Id, "x"), seen);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.GetMetricHistoryPage(run.Id, "x", 10, "garbage")).Code);
        Assert.Equal(
            ErrorCode.InvalidArgument,
            Assert.Throws<ReproException>(() => Store.GetMetricHistoryPage(run.Id, "x", 10, Core.Search.SearchPageToken.Encode(5, "runs"))).Code);
    }

    [Fact]
    public async Task Threads_writing_metrics_to_one_run_lose_nothing()
    {
        const int Writers = 4;
        const int Batches = 200;
        const int PerBatch = 50;
        var run = Store.Create();

        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(() =>
        {
            for (var b = 0; b < Batches; b++)
            {
                Store.Log(run.Id, [.. Enumerable.Range(0, PerBatch).Select(i => new MetricPoint("m", w, (b * PerBatch) + i, w))]);
            }
        })));

        var series = Store.GetMetricSeries(run.Id, "m");
        Assert.Equal(Writers * Batches * PerBatch, series.Count);
        for (var w = 0; w < Writers; w++)
        {
            Assert.Equal(Batches * PerBatch, series.Values.Count(v => v == w));
        }

        Assert.Equal(Batches * PerBatch - 1, Store.GetRun(run.Id)!.LatestMetrics["m"].Step);
    }
}
