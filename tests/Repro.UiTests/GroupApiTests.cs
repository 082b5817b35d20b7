using System.Net;
using System.Text.Json;
using Repro.UiTests.Support;

namespace Repro.UiTests;

/// <summary>A server over <see cref="Seed.Many"/>, grouping at most one run more than experiment "many" holds.</summary>
public sealed class ManyRunsFixture : IAsyncLifetime
{
    public const int Limit = Seed.ManyCount + 1;

    private UiServer? _server;

    public UiServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await UiServer.StartAsync(seed: Seed.Many, maxGroupedRuns: Limit);

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}

public sealed class GroupApiTests(ManyRunsFixture fixture) : IClassFixture<ManyRunsFixture>
{
    private UiServer Server => fixture.Server;

    /// <summary>The statistics the test expects of some values, computed here: NaN left out, sample std (n − 1).</summary>
    private sealed record Expected(int N, int NaNCount, double Mean, double Std, double Min, double Max)
    {
        public static Expected Of(IEnumerable<double> values)
        {
            var all = values.ToList();
            var xs = all.Where(v => !double.IsNaN(v)).ToList();
            var mean = xs.Sum() / xs.Count;
            var std = Math.Sqrt(xs.Sum(x => (x - mean) * (x - mean)) / (xs.Count - 1));
            return new Expected(xs.Count, all.Count - xs.Count, mean, std, xs.Min(), xs.Max());
        }
    }

    private Task<JsonElement> Get(string path) => Server.GetJsonAsync(path);

    private Task<(HttpStatusCode Status, JsonElement Problem)> Fail(string path) => Server.GetProblemAsync(path);

    private async Task<string> ManyId()
    {
        var experiments = await Get("api/v1/experiments");
        return experiments.GetProperty("experiments").EnumerateArray()
            .Single(e => e.GetProperty("name").GetString() == Seed.ManyExperiment).GetProperty("id").GetString()!;
    }

    private static void AssertStatistics(Expected expected, JsonElement actual)
    {
        Assert.Equal(expected.N, actual.GetProperty("n").GetInt32());
        Assert.Equal(expected.NaNCount, actual.GetProperty("nanCount").GetInt32());
        Assert.Equal(expected.Mean, actual.GetProperty("mean").GetDouble(), 12);
        Assert.Equal(expected.Std, actual.GetProperty("std").GetDouble(), 12);
        Assert.Equal(expected.Min, actual.GetProperty("min").GetDouble());
        Assert.Equal(expected.Max, actual.GetProperty("max").GetDouble());
    }

    private static string?[] Key(JsonElement group) =>
        [.. group.GetProperty("key").EnumerateArray().Select(v => v.ValueKind == JsonValueKind.Null ? null : v.GetString())];

    [Fact]
    public async Task Groups_summarise_every_matching_run_not_only_the_first_thousand()
    {
        var answer = await Get($"api/v1/groups?experiment_id={await ManyId()}&by=params.lr&metrics=acc,loss");

        Assert.Equal(Seed.ManyCount, answer.GetProperty("runCount").GetInt32());
        Assert.Equal(["params.lr"], answer.GetProperty("by").EnumerateArray().Select(v => v.GetString()));
        Assert.Equal(["acc", "loss"], answer.GetProperty("metrics").EnumerateArray().Select(v => v.GetString()));
        var groups = answer.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(["0.001", "0.01", "0.1"], groups.Select(g => Key(g)[0]));
        foreach (var group in groups)
        {
            var lr = Key(group)[0];
            var runs = Seed.ManyRuns.Where(r => r.Lr == lr).ToList();
            Assert.Equal(runs.Count, group.GetProperty("runs").GetInt32());
            AssertStatistics(Expected.Of(runs.Select(r => r.Acc)), group.GetProperty("metrics").GetProperty("acc"));
            AssertStatistics(Expected.Of(runs.Where(r => r.Loss is not null).Select(r => r.Loss!.Value)), group.GetProperty("metrics").GetProperty("loss"));
        }

        // Run 600 (lr 0.1) logged acc = NaN: left out of n and counted.
        Assert.Equal(1, groups[2].GetProperty("metrics").GetProperty("acc").GetProperty("nanCount").GetInt32());
        Assert.Equal(399, groups[2].GetProperty("metrics").GetProperty("acc").GetProperty("n").GetInt32());
    }

    [Fact]
    public async Task Runs_lacking_a_metric_do_not_count_toward_its_n_and_an_unlogged_metric_has_no_statistics()
    {
        var answer = await Get($"api/v1/groups?experiment_id={await ManyId()}&by=params.lr&metrics=loss&metrics=never_logged");

        var group = answer.GetProperty("groups")[0];
        var loss = group.GetProperty("metrics").GetProperty("loss");
        Assert.Equal(400, group.GetProperty("runs").GetInt32());
        Assert.Equal(Seed.ManyRuns.Count(r => r.Lr == "0.001" && r.Loss is not null), loss.GetProperty("n").GetInt32());
        Assert.Equal(300, loss.GetProperty("n").GetInt32());
        var never = group.GetProperty("metrics").GetProperty("never_logged");
        Assert.Equal(0, never.GetProperty("n").GetInt32());
        Assert.Equal(JsonValueKind.Null, never.GetProperty("mean").ValueKind);
        Assert.Equal(JsonValueKind.Null, never.GetProperty("std").ValueKind);
        Assert.False(group.GetProperty("metrics").TryGetProperty("acc", out _));
    }

    [Fact]
    public async Task Runs_lacking_a_grouping_param_form_a_null_group_after_the_values_in_numeric_order()
    {
        var answer = await Get($"api/v1/groups?experiment_id={await ManyId()}&by=params.lr,params.batch_size");

        var groups = answer.GetProperty("groups").EnumerateArray().ToList();
        string?[][] keys = [.. groups.Select(Key)];
        string?[][] expected =
        [
            ["0.001", "32"], ["0.001", "128"], ["0.001", null],
            ["0.01", "32"], ["0.01", "128"], ["0.01", null],
            ["0.1", "32"], ["0.1", "128"], ["0.1", null],
        ];
        Assert.Equal(expected, keys);
        Assert.Equal(["acc", "loss"], answer.GetProperty("metrics").EnumerateArray().Select(v => v.GetString()));
        foreach (var group in groups)
        {
            var key = Key(group);
            var runs = Seed.ManyRuns.Where(r => r.Lr == key[0] && r.BatchSize == key[1]).ToList();
            Assert.Equal(runs.Count, group.GetProperty("runs").GetInt32());
            AssertStatistics(Expected.Of(runs.Select(r => r.Acc)), group.GetProperty("metrics").GetProperty("acc"));
        }

        Assert.Equal(Seed.ManyCount, groups.Sum(g => g.GetProperty("runs").GetInt32()));
    }

    [Fact]
    public async Task A_filter_narrows_the_runs_that_are_grouped()
    {
        var filter = Uri.EscapeDataString("params.batch_size = '128' and metrics.acc > 0.75");

        var answer = await Get($"api/v1/groups?experiment_id={await ManyId()}&by=params.lr&metrics=acc&filter={filter}");

        var groups = answer.GetProperty("groups").EnumerateArray().ToList();
        Assert.Equal(3, groups.Count);
        foreach (var group in groups)
        {
            var runs = Seed.ManyRuns.Where(r => r.Lr == Key(group)[0] && r.BatchSize == "128" && r.Acc > 0.75).ToList();
            AssertStatistics(Expected.Of(runs.Select(r => r.Acc)), group.GetProperty("metrics").GetProperty("acc"));
        }

        Assert.Equal(Seed.ManyRuns.Count(r => r.BatchSize == "128" && r.Acc > 0.75), answer.GetProperty("runCount").GetInt32());
    }

    [Fact]
    public async Task A_group_of_one_run_has_no_std()
    {
        var answer = await Get($"api/v1/groups?by=params.seed&metrics=acc&filter={Uri.EscapeDataString("params.seed = '7'")}");

        var acc = answer.GetProperty("groups")[0].GetProperty("metrics").GetProperty("acc");
        Assert.Equal(1, acc.GetProperty("n").GetInt32());
        Assert.Equal(Seed.ManyRuns[7].Acc, acc.GetProperty("mean").GetDouble());
        Assert.Equal(JsonValueKind.Null, acc.GetProperty("std").ValueKind);
    }

    [Fact]
    public async Task A_bad_filter_is_a_400_that_points_at_the_position()
    {
        var (status, problem) = await Fail($"api/v1/groups?by=params.lr&filter={Uri.EscapeDataString("params.lr = 0.1")}");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
        Assert.Contains("position", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task More_matching_runs_than_the_limit_are_refused_with_the_limit_in_the_message()
    {
        var (status, problem) = await Fail("api/v1/groups?by=params.lr&metrics=acc");

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
        var detail = problem.GetProperty("detail").GetString()!;
        Assert.Contains($"More than {ManyRunsFixture.Limit} runs match", detail, StringComparison.Ordinal);
        Assert.Contains("filter", detail, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("api/v1/groups?metrics=acc", "by=params.NAME")]
    [InlineData("api/v1/groups?by=lr", "by 'lr' is not a param or tag")]
    [InlineData("api/v1/groups?by=metrics.acc", "by 'metrics.acc' is not a param or tag")]
    [InlineData("api/v1/groups?by=params.lr&view=gone", "view 'gone'")]
    public async Task Bad_parameters_are_400_with_what_to_send(string path, string message)
    {
        var (status, problem) = await Fail(path);

        Assert.Equal(HttpStatusCode.BadRequest, status);
        Assert.Equal("invalid_argument", problem.GetProperty("code").GetString());
        Assert.Contains(message, problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_experiment_is_404()
    {
        var (status, problem) = await Fail("api/v1/groups?by=params.lr&experiment_id=999");

        Assert.Equal(HttpStatusCode.NotFound, status);
        Assert.Contains("999", problem.GetProperty("detail").GetString(), StringComparison.Ordinal);
    }
}
