using System.Net;
using Repro.Core.Runs;

namespace Repro.Server.Tests.Api;

public sealed class RunSearchApiTests
{
    [Fact]
    public async Task Runs_are_listed_with_summaries_filtered_ordered_and_paged()
    {
        await using var server = await RunningServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            var lr = i % 2 == 0 ? "0.1" : "0.01";
            var run = Api.NewRun($"run-{i}", parameters: [new Param("lr", lr, ParamSource.Cli)]) with
            {
                StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + (i * 1000)),
            };
            await Api.Record(server.Client, run, [Api.Point("acc", 0.5 + (i / 10.0), 1)]);
        }

        var all = await Api.Get(server.Client, "api/v1/runs");
        Assert.Equal(5, all.GetProperty("runs").GetArrayLength());
        var first = all.GetProperty("runs")[0];
        Assert.Equal("run-4", first.GetProperty("name").GetString());
        Assert.Equal("0", first.GetProperty("experimentId").GetString());
        Assert.Equal("Default", first.GetProperty("experiment").GetString());
        Assert.Equal("FINISHED", first.GetProperty("status").GetString());
        Assert.Equal("active", first.GetProperty("lifecycleStage").GetString());
        Assert.Equal(60_000, first.GetProperty("durationMs").GetInt64());
        Assert.Equal("0.1", first.GetProperty("params").GetProperty("lr").GetString());
        Assert.Equal(0.9, first.GetProperty("metrics").GetProperty("acc").GetDouble(), 12);
        Assert.Equal(JsonValueKindNull, first.GetProperty("verdict").ValueKind);

        var filtered = await Api.Get(server.Client, "api/v1/runs?filter=" + Uri.EscapeDataString("params.lr = '0.1' and metrics.acc > 0.6")
            + "&order_by=" + Uri.EscapeDataString("metrics.acc ASC"));
        Assert.Equal(["run-2", "run-4"], Names(filtered));

        var seen = new List<string>();
        string? token = null;
        var pages = 0;
        do
        {
            var page = await Api.Get(server.Client, "api/v1/runs?max_results=2&order_by=attributes.start_time%20ASC"
                + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            seen.AddRange(Names(page));
            token = page.GetProperty("nextPageToken").GetString();
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(["run-0", "run-1", "run-2", "run-3", "run-4"], seen);
    }

    [Fact]
    public async Task Runs_are_listed_per_experiment_by_name_or_id()
    {
        await using var server = await RunningServer.StartAsync();
        await Api.Record(server.Client, Api.NewRun("a", experiment: "vision"), []);
        await Api.Record(server.Client, Api.NewRun("b"), []);
        var vision = await Api.Get(server.Client, "api/v1/runs?experiment=vision");
        Assert.Equal(["a"], Names(vision));
        var id = vision.GetProperty("runs")[0].GetProperty("experimentId").GetString();
        Assert.Equal(["a"], Names(await Api.Get(server.Client, $"api/v1/runs?experiment_id={id}")));
        Assert.Equal(["b"], Names(await Api.Get(server.Client, "api/v1/runs?experiment_id=0")));

        var unknown = await server.Client.GetAsync("api/v1/runs?experiment=nope");
        Assert.Contains("'nope'", await Api.Problem(unknown, HttpStatusCode.NotFound, "not_found"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_of_a_sweep_group_are_listed_as_full_records_page_by_page()
    {
        await using var server = await RunningServer.StartAsync();
        for (var i = 0; i < 5; i++)
        {
            var run = Api.NewRun($"s{i}", experiment: i == 4 ? "vision" : "Default", group: "lr-sweep",
                parameters: [new Param("lr", i % 2 == 0 ? "0.1" : "0.01", ParamSource.Sweep)]) with
            {
                StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + (i * 1000)),
            };
            await Api.Record(server.Client, run, [Api.Point("acc", 0.5 + (i / 10.0), 1)]);
        }

        await Api.Record(server.Client, Api.NewRun("other", group: "lr-sweep-2"), []);
        await Api.Record(server.Client, Api.NewRun("loose"), []);
        var deleted = await Api.Record(server.Client, Api.NewRun("deleted", group: "lr-sweep"), []);
        (await server.Client.DeleteAsync($"api/v1/runs/{deleted.Id}")).EnsureSuccessStatusCode();

        Assert.Equal(["s4", "s3", "s2", "s1", "s0"], Names(await Api.Get(server.Client, "api/v1/runs?group=lr-sweep")));
        Assert.Equal(["s3", "s2", "s1", "s0"], Names(await Api.Get(server.Client, "api/v1/runs?group=lr-sweep&experiment=Default")));
        Assert.Equal(["s2", "s0"], Names(await Api.Get(server.Client,
            "api/v1/runs?group=lr-sweep&filter=" + Uri.EscapeDataString("params.lr = '0.1' and metrics.acc < 0.8"))));
        Assert.Equal(["deleted"], Names(await Api.Get(server.Client, "api/v1/runs?group=lr-sweep&view=deleted")));
        Assert.Empty(Names(await Api.Get(server.Client, "api/v1/runs?group=no-such-group")));

        var records = new List<RunRecord>();
        string? token = null;
        var pages = 0;
        do
        {
            var response = await server.Client.GetAsync("api/v1/runs?group=lr-sweep&full=true&max_results=2"
                + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token)));
            var page = await Api.Read<FullPage>(response);
            records.AddRange(page.Runs);
            token = page.NextPageToken;
            pages++;
        }
        while (token is not null);

        Assert.Equal(3, pages);
        Assert.Equal(["s4", "s3", "s2", "s1", "s0"], records.Select(r => r.Name));
        var newest = records[0];
        Assert.Equal("lr-sweep", newest.Lineage.Group);
        Assert.Equal("vision", newest.Experiment);
        Assert.Equal(RunStatus.Finished, newest.Status);
        Assert.Equal(0, newest.ExitCode);
        Assert.Equal(["python", "train.py"], newest.Command);
        Assert.Equal([new Param("lr", "0.1", ParamSource.Sweep)], newest.Params);
        Assert.Equal(0.9, newest.LatestMetrics["acc"].Value, 12);

        var single = await Api.Get(server.Client, $"api/v1/runs/{newest.Id}");
        var listed = await Api.Get(server.Client, "api/v1/runs?group=lr-sweep&full=true&max_results=1");
        Assert.Equal(single.GetProperty("run").GetRawText(), listed.GetProperty("runs")[0].GetRawText());
    }

    [Fact]
    public async Task Full_must_be_true_or_false()
    {
        await using var server = await RunningServer.StartAsync();
        var detail = await Api.Problem(await server.Client.GetAsync("api/v1/runs?full=all"), HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains("full 'all'", detail, StringComparison.Ordinal);
        Assert.Empty(Names(await Api.Get(server.Client, "api/v1/runs?full=false")));
    }

    [Theory]
    [InlineData("max_results=0")]
    [InlineData("max_results=10001")]
    [InlineData("max_results=ten")]
    [InlineData("view=trash")]
    public async Task Out_of_range_paging_and_views_are_400(string query)
    {
        await using var server = await RunningServer.StartAsync();
        var detail = await Api.Problem(await server.Client.GetAsync("api/v1/runs?" + query), HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains(query.Split('=')[0], detail, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_bad_filter_is_400_with_the_store_message()
    {
        await using var server = await RunningServer.StartAsync();
        await Api.Record(server.Client, Api.NewRun("a"), []);
        var response = await server.Client.GetAsync("api/v1/runs?filter=" + Uri.EscapeDataString("metrics.acc >> 0.5"));
        var detail = await Api.Problem(response, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains("position", detail, StringComparison.OrdinalIgnoreCase);
    }

    private const System.Text.Json.JsonValueKind JsonValueKindNull = System.Text.Json.JsonValueKind.Null;

    private sealed record FullPage(IReadOnlyList<RunRecord> Runs, string? NextPageToken);

    private static List<string> Names(System.Text.Json.JsonElement page) =>
        [.. page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];
}
