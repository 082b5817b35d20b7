using Repro.Core.Errors;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

public sealed class ExperimentTests : TrackingStoreTests
{
    [Fact]
    public void A_new_workspace_has_the_default_experiment_with_id_0()
    {
        var experiment = Store.GetExperiment("0")!;

        Assert.Equal("Default", experiment.Name);
        Assert.Equal(LifecycleStage.Active, experiment.Stage);
        Assert.Equal("mlflow-artifacts:/0", experiment.ArtifactLocation);
        AssertSame(experiment, Store.GetExperimentByName("Default"));
    }

    [Fact]
    public void Runs_written_with_the_default_name_land_in_experiment_0()
    {
        var run = Store.Create(TestRuns.Record());

        Assert.Equal("0", Store.GetTrackedRun(run.Id)!.ExperimentId);
    }

    [Fact]
    public void Created_experiments_get_decimal_ids_tags_times_and_a_default_artifact_location()
    {
        var before = DateTimeOffset.UtcNow.AddSeconds(-1);
        var created = Store.CreateExperiment("vision", null, new Dictionary<string, string> { ["team"] = "cv" });

        Assert.True(long.Parse(created.Id, System.Globalization.CultureInfo.InvariantCulture) > 0);
        Assert.Equal("vision", created.Name);
        Assert.Equal("mlflow-artifacts:/" + created.Id, created.ArtifactLocation);
        Assert.Equal("cv", created.Tags["team"]);
        Assert.True(created.CreationTime >= before);
        AssertSame(created, Store.GetExperiment(created.Id));
        Assert.Equal("s3://bucket/x", Store.CreateExperiment("audio", "s3://bucket/x", null).ArtifactLocation);
    }

    [Fact]
    public void A_taken_name_is_already_exists_even_when_deleted()
    {
        var created = Store.CreateExperiment("vision", null, null);
        Assert.Equal(ErrorCode.AlreadyExists, Assert.Throws<ReproException>(() => Store.CreateExperiment("vision", null, null)).Code);

        Store.SetExperimentStage(created.Id, LifecycleStage.Deleted);

        var error = Assert.Throws<ReproException>(() => Store.CreateExperiment("vision", null, null));
        Assert.Equal(ErrorCode.AlreadyExists, error.Code);
        Assert.Contains("'vision'", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.AlreadyExists, Assert.Throws<ReproException>(() => Store.CreateExperiment("Default", null, null)).Code);
    }

    [Fact]
    public void An_empty_name_is_invalid()
    {
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.CreateExperiment(" ", null, null)).Code);
    }

    [Fact]
    public void Unknown_or_malformed_ids_read_as_null_and_changing_them_is_not_found()
    {
        Assert.Null(Store.GetExperiment("12345"));
        Assert.Null(Store.GetExperiment("abc"));
        Assert.Null(Store.GetExperimentByName("nope"));
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.SetExperimentStage("999", LifecycleStage.Deleted)).Code);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.RenameExperiment("x", "y")).Code);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.SetExperimentTag("999", "k", "v")).Code);
    }

    [Fact]
    public void Deleting_hides_an_experiment_and_its_runs_and_restoring_brings_them_back()
    {
        var experiment = Store.CreateExperiment("vision", null, null);
        var run = Store.Create("r1", "vision");

        Store.SetExperimentStage(experiment.Id, LifecycleStage.Deleted);

        Assert.Equal(LifecycleStage.Deleted, Store.GetExperiment(experiment.Id)!.Stage);
        Assert.DoesNotContain("vision", Store.ListExperiments());
        Assert.Empty(Store.ListRuns(new Runs.RunQuery("vision")));
        Assert.Equal(LifecycleStage.Deleted, Store.GetTrackedRun(run.Id)!.Stage);
        Assert.Empty(Store.SearchRuns(new RunSearchQuery { ExperimentIds = [experiment.Id] }).Items);
        Assert.Single(Store.SearchRuns(new RunSearchQuery { ExperimentIds = [experiment.Id], ViewType = ViewType.DeletedOnly }).Items);
        Assert.Equal(ErrorCode.Conflict, Assert.Throws<ReproException>(() => Store.Create("r2", "vision")).Code);

        Store.SetExperimentStage(experiment.Id, LifecycleStage.Active);

        Assert.Equal([run.Id], Store.ListRuns(new Runs.RunQuery("vision")).Select(r => r.Id));
        Assert.Equal(LifecycleStage.Active, Store.GetTrackedRun(run.Id)!.Stage);
    }

    [Fact]
    public void Renaming_keeps_the_runs_and_refuses_a_taken_name()
    {
        var experiment = Store.CreateExperiment("vision", null, null);
        var run = Store.Create("r1", "vision");
        Store.CreateExperiment("audio", null, null);

        Store.RenameExperiment(experiment.Id, "images");

        Assert.Equal("images", Store.GetExperiment(experiment.Id)!.Name);
        Assert.Equal("images", Store.GetRun(run.Id)!.Experiment);
        Assert.Null(Store.GetExperimentByName("vision"));
        Assert.Equal(ErrorCode.AlreadyExists, Assert.Throws<ReproException>(() => Store.RenameExperiment(experiment.Id, "audio")).Code);
    }

    [Fact]
    public void Tags_are_upserts_and_touch_the_last_update_time()
    {
        var experiment = Store.CreateExperiment("vision", null, null);

        Store.SetExperimentTag(experiment.Id, "team", "cv");
        Store.SetExperimentTag(experiment.Id, "team", "ml");

        var back = Store.GetExperiment(experiment.Id)!;
        Assert.Equal("ml", Assert.Single(back.Tags).Value);
        Assert.True(back.LastUpdateTime >= experiment.LastUpdateTime);
    }

    [Fact]
    public void Search_filters_by_name_tags_and_stage_and_orders()
    {
        var a = Store.CreateExperiment("vision-a", null, new Dictionary<string, string> { ["team"] = "cv" });
        var b = Store.CreateExperiment("vision-b", null, new Dictionary<string, string> { ["team"] = "nlp" });
        var c = Store.CreateExperiment("Audio", null, null);
        Store.SetExperimentStage(b.Id, LifecycleStage.Deleted);

        string[] Names(ExperimentSearchQuery q) => [.. Store.SearchExperiments(q).Items.Select(e => e.Name)];

        Assert.Equal(["Audio", "Default", "vision-a"], Names(new() { OrderBy = ["name"] }));
        Assert.Equal(["vision-a"], Names(new() { Filter = "name LIKE 'vision%'" }));
        Assert.Equal(["vision-a", "vision-b"], Names(new() { Filter = "name LIKE 'vision%'", ViewType = ViewType.All, OrderBy = ["name ASC"] }));
        Assert.Empty(Names(new() { Filter = "name LIKE 'VISION%'" }));
        Assert.Equal(["vision-a"], Names(new() { Filter = "name ILIKE 'VISION%'" }));
        Assert.Equal(["vision-b"], Names(new() { Filter = "tags.team = 'nlp'", ViewType = ViewType.DeletedOnly }));
        Assert.Equal(["Audio", "Default"], Names(new() { Filter = "name != 'vision-a'", OrderBy = ["name"] }));
        Assert.Equal(["Default"], Names(new() { Filter = "tags.team IS NULL and name != 'Audio'" }));
        Assert.Equal(["vision-a", "Default", "Audio"], Names(new() { OrderBy = ["name DESC"] }));
        Assert.Equal([c.Id, a.Id, "0"], Store.SearchExperiments(new() { OrderBy = ["experiment_id DESC"] }).Items.Select(e => e.Id));
        Assert.Equal(3, Store.SearchExperiments(new() { Filter = "creation_time >= 0" }).Items.Count);
    }

    [Fact]
    public void Search_pages_through_every_experiment_once()
    {
        for (var i = 0; i < 7; i++)
        {
            Store.CreateExperiment($"e{i}", null, null);
        }

        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = Store.SearchExperiments(new() { MaxResults = 3, PageToken = token, OrderBy = ["name"] });
            seen.AddRange(page.Items.Select(e => e.Name));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(["Default", "e0", "e1", "e2", "e3", "e4", "e5", "e6"], seen);
    }

    private static void AssertSame(ExperimentInfo expected, ExperimentInfo? actual)
    {
        Assert.NotNull(actual);
        Assert.Equal(expected.Tags, actual.Tags);
        Assert.Equal(expected with { Tags = actual.Tags }, actual);
    }

    [Fact]
    public void Search_refuses_bad_filters_tokens_and_sizes()
    {
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchExperiments(new() { Filter = "name = " })).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchExperiments(new() { PageToken = "xyz" })).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchExperiments(new() { MaxResults = 0 })).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchExperiments(new() { OrderBy = ["size"] })).Code);
    }
}
