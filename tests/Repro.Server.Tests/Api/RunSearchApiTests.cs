using System.Net;
using Repro.Core.Runs;
using Repro.Server.Tests.Support;

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

    private static List<string> Names(System.Text.Json.JsonElement page) =>
        [.. page.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("name").GetString()!)];
}
