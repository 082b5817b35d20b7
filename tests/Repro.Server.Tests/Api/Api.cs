using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using System.Text.Json.Nodes;
using Repro.Core.Runs;
using Repro.Core.Serialization;

namespace Repro.Server.Tests.Api;

/// <summary>Calling /api/v1 the way a client does: JSON with the record serialization, problem details on errors.</summary>
internal static class Api
{
    public static async Task<HttpResponseMessage> PostJson<T>(HttpClient client, string path, T body) =>
        await client.PostAsync(path, Content(body));

    public static StringContent Content<T>(T body) =>
        new(JsonSerializer.Serialize(body, ReproJson.Options), Encoding.UTF8, "application/json");

    public static async Task<T> Read<T>(HttpResponseMessage response)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{(int)response.StatusCode} {text}");
        return JsonSerializer.Deserialize<T>(text, ReproJson.Options)!;
    }

    public static async Task<JsonElement> Get(HttpClient client, string path)
    {
        var response = await client.GetAsync(path);
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"GET {path}: {(int)response.StatusCode} {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>Asserts an RFC 7807 problem with the given status and code; returns its detail.</summary>
    public static async Task<string> Problem(HttpResponseMessage response, HttpStatusCode status, string code)
    {
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(status == response.StatusCode, $"expected {(int)status}, got {(int)response.StatusCode}: {text}");
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        using var problem = JsonDocument.Parse(text);
        var root = problem.RootElement;
        Assert.Equal(code, root.GetProperty("code").GetString());
        Assert.Equal((int)status, root.GetProperty("status").GetInt32());
        Assert.Equal("urn:repro:problem:" + code.Replace('_', '-'), root.GetProperty("type").GetString());
        Assert.False(string.IsNullOrWhiteSpace(root.GetProperty("title").GetString()));
        var detail = root.GetProperty("detail").GetString()!;
        Assert.False(string.IsNullOrWhiteSpace(detail));
        return detail;
    }

    public static RunRecord NewRun(string name, string experiment = "Default", string? group = null, IReadOnlyList<Param>? parameters = null) => new()
    {
        Id = RunId.New(),
        Name = name,
        Experiment = experiment,
        StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000),
        Command = ["python", "train.py"],
        WorkingDirectory = "/work",
        Seed = 42,
        SeedSource = "cli",
        Params = parameters ?? [],
        Lineage = new RunLineage { Group = group },
    };

    /// <summary>Creates a run, writes metrics in one batch, and finishes it.</summary>
    public static async Task<RunRecord> Record(HttpClient client, RunRecord run, IReadOnlyList<MetricPoint> metrics, RunStatus status = RunStatus.Finished)
    {
        (await PostJson(client, "api/v1/runs", run)).EnsureSuccessStatusCode();
        var batch = new Storage.Runs.RunWriteBatch(run.Id)
        {
            Metrics = metrics,
            Complete = new Storage.Runs.RunCompletion(status, run.StartTime.AddMinutes(1), status == RunStatus.Finished ? 0 : 1, null, null),
        };
        var written = await PostJson(client, $"api/v1/runs/{run.Id}/batch", batch);
        Assert.True(written.StatusCode == HttpStatusCode.NoContent, await written.Content.ReadAsStringAsync());
        return run;
    }

    public static MetricPoint Point(string key, double value, long step) => new(key, value, step, 1_700_000_000_000 + step);

    /// <summary>Runs the real CLI over the server's workspace and returns its stdout as JSON.</summary>
    public static JsonNode Cli(string workspace, params string[] args)
    {
        var env = new Dictionary<string, string?> { ["REPRO_HOME"] = workspace, ["REPRO_TRACKING_URI"] = null };
        var result = CliProcess.Run(CliProcess.StartInfo(workspace, args, env), string.Join(' ', args));
        Assert.True(result.ExitCode is 0 or 3, $"repro {string.Join(' ', args)}: {result}");
        return JsonNode.Parse(result.Stdout)!;
    }

    public static AuthenticationHeaderValue Bearer(string token) => new("Bearer", token);
}
