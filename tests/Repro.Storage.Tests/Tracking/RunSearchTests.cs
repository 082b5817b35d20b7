using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

public sealed class RunSearchTests : TrackingStoreTests
{
    private readonly RunRecord _a;
    private readonly RunRecord _b;
    private readonly RunRecord _c;
    private readonly RunRecord _d;
    private readonly string _vision;

    public RunSearchTests()
    {
        _vision = Store.CreateExperiment("vision", null, null).Id;
        _a = Add("alpha", "Default", 10, "0.01", 0.95, "cnn", "FINISHED", "ana");
        _b = Add("beta", "Default", 20, "0.1", 0.80, "CNN-large", "FAILED", "bob");
        _c = Add("gamma", "vision", 30, "0.01", 0.91, null, "RUNNING", null);
        _d = Add("delta", "vision", 40, null, null, "rnn", "FINISHED", "ana");
        Store.Log(_d.Id, new MetricPoint("loss", double.PositiveInfinity, 0, 0));
        Store.LogDatasets(_a.Id, [new DatasetInput("mnist", "abc", "local", "/d", null, null,
            new Dictionary<string, string> { ["mlflow.data.context"] = "training" })]);
    }

    private RunRecord Add(string name, string experiment, int start, string? lr, double? acc, string? model, string status, string? user)
    {
        var record = TestRuns.Record(name, experiment, start) with
        {
            UserId = user,
            Params = lr is null ? [] : [new Param("lr", lr, ParamSource.Cli)],
            Tags = model is null ? new Dictionary<string, string>() : new Dictionary<string, string> { ["model"] = model },
            LatestMetrics = acc is { } v ? new Dictionary<string, MetricPoint> { ["acc"] = new("acc", v, 1, 0) } : new Dictionary<string, MetricPoint>(),
        };
        Store.Create(record);
        Store.UpdateRun(record.Id, RunEnumNames.ParseStatus(status), null, null);
        return record;
    }

    private string[] Names(string? filter, params string[] orderBy) =>
        [.. Store.SearchRuns(new RunSearchQuery { Filter = filter, OrderBy = orderBy }).Items.Select(r => r.Record.Name)];

    [Fact]
    public void No_filter_returns_every_active_run_newest_first()
    {
        Assert.Equal(["delta", "gamma", "beta", "alpha"], Names(null));
    }

    [Fact]
    public void Params_and_metrics_filters_combine_with_and()
    {
        Assert.Equal(["gamma", "alpha"], Names("params.lr = '0.01'"));
        Assert.Equal(["gamma", "alpha"], Names("metrics.acc > 0.9"));
        Assert.Equal(["alpha"], Names("params.lr = '0.01' and metrics.acc > 0.92"));
        Assert.Equal(["beta"], Names("metrics.acc <= 0.8"));
        Assert.Equal(["alpha"], Names("metrics.acc = 0.95"));
        Assert.Equal(["gamma", "beta"], Names("metrics.acc != 0.95"));
    }

    [Fact]
    public void Not_equal_and_not_in_match_only_runs_that_have_the_key()
    {
        Assert.Equal(["beta"], Names("params.lr != '0.01'"));
        Assert.Equal(["delta", "beta"], Names("tags.model NOT IN ('cnn')"));
    }

    [Fact]
    public void Like_is_case_sensitive_and_ilike_is_not()
    {
        Assert.Equal(["alpha"], Names("tags.model LIKE 'cnn%'"));
        Assert.Equal(["beta", "alpha"], Names("tags.model ILIKE 'cnn%'"));
        Assert.Equal(["beta"], Names("tags.model LIKE '_NN-%'"));
        Assert.Empty(Names("tags.model LIKE 'cnn*'"));
    }

    [Fact]
    public void In_lists_and_null_checks_work_on_params_tags_and_metrics()
    {
        Assert.Equal(["beta", "alpha"], Names($"attributes.run_id IN ('{_a.Id}', '{_b.Id}')"));
        Assert.Equal(["gamma", "beta", "alpha"], Names("params.lr IN ('0.01', '0.1')"));
        Assert.Equal(["delta"], Names("params.lr IS NULL"));
        Assert.Equal(["gamma"], Names("tags.model IS NULL"));
        Assert.Equal(["delta"], Names("metrics.acc IS NULL"));
        Assert.Equal(["gamma", "beta", "alpha"], Names("metrics.acc IS NOT NULL"));
    }

    [Fact]
    public void Attributes_are_searchable()
    {
        Assert.Equal(["beta"], Names("attributes.status = 'FAILED'"));
        Assert.Equal(["gamma"], Names("status = 'RUNNING'"));
        Assert.Equal(["alpha"], Names("attributes.run_name = 'alpha'"));
        Assert.Equal(["delta", "gamma"], Names("run.start_time >= " + TestRuns.Epoch.AddSeconds(30).ToUnixTimeMilliseconds()));
        Assert.Equal(["delta", "alpha"], Names("attributes.user_id = 'ana'"));
        Assert.Equal(["alpha"], Names($"attributes.artifact_uri LIKE '%{_a.Id}%'"));
        Assert.Equal(["delta", "gamma", "beta", "alpha"], Names("attributes.lifecycle_stage = 'active'"));
        Assert.Empty(Names("attributes.end_time > 0"));
    }

    [Fact]
    public void Infinite_metrics_compare_as_numbers()
    {
        Assert.Equal(["delta"], Names("metrics.loss > 1e300"));
        Assert.Empty(Names("metrics.loss < 0"));
    }

    [Fact]
    public void Datasets_are_searchable_by_name_digest_and_context()
    {
        Assert.Equal(["alpha"], Names("datasets.name = 'mnist'"));
        Assert.Equal(["alpha"], Names("datasets.digest IN ('abc', 'def')"));
        Assert.Equal(["alpha"], Names("datasets.context = 'training'"));
        Assert.Empty(Names("datasets.context = 'eval'"));
    }

    [Fact]
    public void Experiment_ids_restrict_the_search()
    {
        string[] In(params string[] ids) =>
            [.. Store.SearchRuns(new RunSearchQuery { ExperimentIds = ids }).Items.Select(r => r.Record.Name)];

        Assert.Equal(["delta", "gamma"], In(_vision));
        Assert.Equal(["beta", "alpha"], In("0"));
        Assert.Equal(["delta", "gamma", "beta", "alpha"], In("0", _vision));
        Assert.Empty(In("424242"));
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => In("abc")).Code);
    }

    [Fact]
    public void View_type_selects_active_deleted_or_all_runs()
    {
        Store.SetRunStage(_b.Id, LifecycleStage.Deleted);

        string[] View(ViewType view) => [.. Store.SearchRuns(new RunSearchQuery { ViewType = view }).Items.Select(r => r.Record.Name)];

        Assert.Equal(["delta", "gamma", "alpha"], View(ViewType.ActiveOnly));
        Assert.Equal(["beta"], View(ViewType.DeletedOnly));
        Assert.Equal(["delta", "gamma", "beta", "alpha"], View(ViewType.All));
        Assert.Equal(LifecycleStage.Deleted, Store.SearchRuns(new RunSearchQuery { ViewType = ViewType.DeletedOnly }).Items[0].Stage);
    }

    [Fact]
    public void Ordering_by_a_metric_puts_runs_lacking_it_last_either_way()
    {
        Assert.Equal(["alpha", "gamma", "beta", "delta"], Names(null, "metrics.acc DESC"));
        Assert.Equal(["beta", "gamma", "alpha", "delta"], Names(null, "metrics.acc ASC"));
        Assert.Equal(["beta", "gamma", "alpha", "delta"], Names(null, "metrics.acc"));
    }

    [Fact]
    public void Ordering_by_params_tags_and_attributes_uses_the_start_time_and_id_as_tie_breakers()
    {
        Assert.Equal(["gamma", "alpha", "beta", "delta"], Names(null, "params.lr ASC"));
        Assert.Equal(["beta", "gamma", "alpha", "delta"], Names(null, "params.lr DESC"));
        Assert.Equal(["beta", "alpha", "delta", "gamma"], Names(null, "tags.model"));
        Assert.Equal(["alpha", "beta", "gamma", "delta"], Names(null, "attributes.start_time"));
        Assert.Equal(["alpha", "beta", "delta", "gamma"], Names(null, "attributes.run_name ASC"));
        Assert.Equal(["gamma", "alpha", "beta", "delta"], Names(null, "params.lr ASC", "metrics.acc ASC"));
        Assert.Equal(["alpha", "gamma", "beta", "delta"], Names(null, "params.lr ASC", "metrics.acc DESC"));
    }

    [Fact]
    public void Runs_with_the_same_start_time_order_by_id()
    {
        var ids = Enumerable.Range(0, 5).Select(_ => Store.Create(TestRuns.Record("same", "vision", 99)).Id.Value).ToList();

        var found = Store.SearchRuns(new RunSearchQuery { Filter = "attributes.run_name = 'same'" }).Items.Select(r => r.Record.Id.Value);

        Assert.Equal(ids.Order(StringComparer.Ordinal), found);
    }

    [Fact]
    public void Pages_cover_every_run_exactly_once_in_order()
    {
        for (var i = 0; i < 23; i++)
        {
            var run = Store.Create(TestRuns.Record("p" + i, "vision", 100 + (i % 4)));
            Store.Log(run.Id, new MetricPoint("score", i % 5, 0, 0));
        }

        var all = Store.SearchRuns(new RunSearchQuery { Filter = "metrics.score >= 0", OrderBy = ["metrics.score DESC"] }).Items;
        var paged = new List<TrackedRun>();
        string? token = null;
        do
        {
            var page = Store.SearchRuns(new RunSearchQuery
            {
                Filter = "metrics.score >= 0",
                OrderBy = ["metrics.score DESC"],
                MaxResults = 5,
                PageToken = token,
            });
            Assert.True(page.Items.Count <= 5);
            paged.AddRange(page.Items);
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(23, all.Count);
        Assert.Equal(all.Select(r => r.Record.Id), paged.Select(r => r.Record.Id));
        Assert.Equal(all.Select(r => r.Record.LatestMetrics["score"].Value).OrderDescending(), all.Select(r => r.Record.LatestMetrics["score"].Value));
    }

    [Fact]
    public void The_last_page_has_no_token()
    {
        var page = Store.SearchRuns(new RunSearchQuery { MaxResults = 4 });

        Assert.Equal(4, page.Items.Count);
        Assert.Null(page.NextPageToken);
    }

    [Fact]
    public void Found_runs_are_full_records()
    {
        var found = Assert.Single(Store.SearchRuns(new RunSearchQuery { Filter = "attributes.run_name = 'alpha'" }).Items);

        Assert.Equal("0.01", Assert.Single(found.Record.Params).Value);
        Assert.Equal(0.95, found.Record.LatestMetrics["acc"].Value);
        Assert.Equal("cnn", found.Record.Tags["model"]);
        Assert.Equal("mnist", Assert.Single(found.Datasets).Name);
        Assert.Equal("0", found.ExperimentId);
    }

    [Theory]
    [InlineData("metrics.acc >> 1")]
    [InlineData("params.lr = 0.01")]
    [InlineData("metrics.acc > 1 or params.x = 'y'")]
    public void A_bad_filter_is_invalid_argument_with_a_position(string filter)
    {
        var error = Assert.Throws<ReproException>(() => Store.SearchRuns(new RunSearchQuery { Filter = filter }));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("at position", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Bad_order_by_page_token_and_size_are_invalid_argument()
    {
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchRuns(new RunSearchQuery { OrderBy = ["metrics.acc UP"] })).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchRuns(new RunSearchQuery { PageToken = "eyJvIjo" })).Code);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.SearchRuns(new RunSearchQuery { MaxResults = 50_001 })).Code);
    }

    [Fact]
    public void Values_are_parameters_not_sql()
    {
        Assert.Empty(Names("params.lr = ''' OR 1=1 --'"));
        Assert.Equal(4, Names(null).Length);
    }
}
