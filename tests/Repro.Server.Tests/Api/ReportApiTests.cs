using System.Net;
using System.Text.Json.Nodes;
using Repro.Core.Runs;

namespace Repro.Server.Tests.Api;

/// <summary>The reports over HTTP are the CLI's --json for the same runs, byte for byte after parsing.</summary>
public sealed class ReportApiTests
{
    [Fact]
    public async Task Diff_is_the_json_of_repro_diff()
    {
        await using var server = await RunningServer.StartAsync();
        var a = Api.NewRun("a", parameters: [new Param("lr", "0.1", ParamSource.Cli), new Param("layers", "3", ParamSource.Default)]);
        var b = Api.NewRun("b", parameters: [new Param("lr", "0.01", ParamSource.Cli)]) with { Command = ["python", "train.py", "--fast"], Seed = 7 };
        await Api.Record(server.Client, a, [Api.Point("loss", 1.0, 0), Api.Point("loss", 0.5, 1), Api.Point("acc", double.NaN, 1)]);
        await Api.Record(server.Client, b, [Api.Point("loss", 1.0, 0), Api.Point("loss", 0.4, 1), Api.Point("acc", 0.9, 1)]);

        var api = await Json(server, $"api/v1/diff?a={a.Id}&b=b");
        var cli = Api.Cli(server.Root, "diff", a.Id.Value, "b", "--json");
        Assert.True(JsonNode.DeepEquals(cli, api), $"CLI:\n{cli}\nAPI:\n{api}");
        Assert.False(api["identical"]!.GetValue<bool>());
        Assert.Contains(api["differences"]!.AsArray(), d => d!["key"]!.GetValue<string>() == "lr");
    }

    [Fact]
    public async Task Stats_of_a_group_or_of_its_runs_is_the_json_of_repro_stats()
    {
        await using var server = await RunningServer.StartAsync();
        var ids = await Sweep(server);

        var api = await Json(server, "api/v1/stats?group=lr-sweep");
        Assert.True(JsonNode.DeepEquals(Api.Cli(server.Root, "stats", "lr-sweep", "--json"), api), api.ToJsonString());
        Assert.Equal(4, api.AsArray().Count);    // 2 configs x (acc, loss); system/ metrics left out

        var best = await Json(server, "api/v1/stats?group=lr-sweep&metric=loss&agg=best");
        Assert.True(JsonNode.DeepEquals(Api.Cli(server.Root, "stats", "lr-sweep", "--metric", "loss", "--agg", "best", "--json"), best));

        var byRuns = await Json(server, "api/v1/stats?runs=" + string.Join(",", ids));
        Assert.True(JsonNode.DeepEquals(api, byRuns), byRuns.ToJsonString());
    }

    [Fact]
    public async Task Compare_of_two_configs_is_the_json_of_repro_compare()
    {
        await using var server = await RunningServer.StartAsync();
        await Sweep(server);
        var (a, b) = ("lr-sweep:lr=0.1", "lr-sweep:lr=0.01");

        var api = await Json(server, $"api/v1/compare?a={Uri.EscapeDataString(a)}&b={Uri.EscapeDataString(b)}&metric=acc");
        Assert.True(JsonNode.DeepEquals(Api.Cli(server.Root, "compare", a, b, "--metric", "acc", "--json"), api), api.ToJsonString());
        Assert.Equal(3, api["a"]!["count"]!.GetValue<int>());

        var lower = await Json(server, $"api/v1/compare?a={Uri.EscapeDataString(a)}&b={Uri.EscapeDataString(b)}&metric=acc&higher_is_better=false&agg=max");
        var cliLower = Api.Cli(server.Root, "compare", a, b, "--metric", "acc", "--lower-is-better", "--agg", "max", "--json");
        Assert.True(JsonNode.DeepEquals(cliLower, lower), lower.ToJsonString());
        Assert.False(lower["options"]!["higherIsBetter"]!.GetValue<bool>());
    }

    [Fact]
    public async Task Report_parameters_are_checked()
    {
        await using var server = await RunningServer.StartAsync();
        await Sweep(server);
        Assert.Contains("'b'", await Api.Problem(await server.Client.GetAsync("api/v1/diff?a=last"), HttpStatusCode.BadRequest, "invalid_argument"),
            StringComparison.Ordinal);
        await Api.Problem(await server.Client.GetAsync("api/v1/stats"), HttpStatusCode.BadRequest, "invalid_argument");
        await Api.Problem(await server.Client.GetAsync("api/v1/stats?group=nope"), HttpStatusCode.NotFound, "not_found");
        Assert.Contains("agg", await Api.Problem(await server.Client.GetAsync("api/v1/stats?group=lr-sweep&agg=median"),
            HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);
        var tooFew = await server.Client.GetAsync("api/v1/compare?a=lr-sweep:lr=0.1&b=last&metric=acc");
        await Api.Problem(tooFew, HttpStatusCode.BadRequest, "invalid_argument");
        await Api.Problem(await server.Client.GetAsync("api/v1/compare?a=lr-sweep&b=ghost-run&metric=acc"), HttpStatusCode.NotFound, "not_found");
    }

    /// <summary>A sweep group: lr in {0.1, 0.01} x 3 seeds, one more run that failed; returns the ids of every run.</summary>
    private static async Task<List<string>> Sweep(RunningServer server)
    {
        var ids = new List<string>();
        var n = 0;
        foreach (var lr in new[] { "0.1", "0.01" })
        {
            foreach (var seed in new[] { 1L, 2L, 3L })
            {
                var run = Api.NewRun($"lr-sweep-{n}", group: "lr-sweep", parameters: [new Param("lr", lr, ParamSource.Sweep)]) with
                {
                    Seed = seed,
                    StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + (n * 1000)),
                };
                var acc = (lr == "0.1" ? 0.9 : 0.8) + (seed / 100.0);
                await Api.Record(server.Client, run, [Api.Point("acc", acc - 0.1, 0), Api.Point("acc", acc, 1),
                    Api.Point("loss", 1 - acc, 1), Api.Point("system/gpu_util", 0.5, 1)]);
                ids.Add(run.Id.Value);
                n++;
            }
        }

        var failed = Api.NewRun("lr-sweep-failed", group: "lr-sweep", parameters: [new Param("lr", "0.1", ParamSource.Sweep)]);
        await Api.Record(server.Client, failed, [Api.Point("acc", 0.1, 0)], RunStatus.Failed);
        ids.Add(failed.Id.Value);
        return ids;
    }

    private static async Task<JsonNode> Json(RunningServer server, string path)
    {
        var response = await server.Client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonNode.Parse(text)!;
    }
}
