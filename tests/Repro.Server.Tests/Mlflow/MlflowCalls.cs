using System.Net;
using System.Text;
using System.Text.Json;

namespace Repro.Server.Tests.Mlflow;

/// <summary>One answer of the MLflow API: status, raw text, and the JSON body when there is one.</summary>
internal sealed record MlflowAnswer(HttpStatusCode Status, string Text)
{
    public JsonElement Json => JsonDocument.Parse(Text).RootElement;

    public string? ErrorCode => Json.TryGetProperty("error_code", out var code) ? code.GetString() : null;

    public string Message => Json.GetProperty("message").GetString()!;

    public MlflowAnswer Ok()
    {
        Assert.True(Status == HttpStatusCode.OK, $"expected 200, got {(int)Status}: {Text}");
        return this;
    }

    public MlflowAnswer Fails(HttpStatusCode status, string errorCode)
    {
        Assert.True(Status == status, $"expected {(int)status}, got {(int)Status}: {Text}");
        Assert.Equal(errorCode, ErrorCode);
        return this;
    }
}

/// <summary>Raw HTTP calls to the MLflow API, as MLflow's REST client makes them (JSON bodies, query strings for GETs).</summary>
internal static class MlflowCalls
{
    public static async Task<MlflowAnswer> Post(this HttpClient client, string path, object body) =>
        await Send(client, HttpMethod.Post, path, body is string text ? text : JsonSerializer.Serialize(body));

    public static async Task<MlflowAnswer> Get(this HttpClient client, string path) => await Send(client, HttpMethod.Get, path, null);

    public static async Task<MlflowAnswer> Send(HttpClient client, HttpMethod method, string path, string? json)
    {
        using var request = new HttpRequestMessage(method, path.TrimStart('/'));
        if (json is not null)
        {
            request.Content = new StringContent(json, Encoding.UTF8, "application/json");
        }

        using var response = await client.SendAsync(request);
        return new MlflowAnswer(response.StatusCode, await response.Content.ReadAsStringAsync());
    }

    public static async Task<string> CreateExperiment(this HttpClient client, string name) =>
        (await client.Post("api/2.0/mlflow/experiments/create", new { name })).Ok().Json.GetProperty("experiment_id").GetString()!;

    public static async Task<string> CreateRun(this HttpClient client, string experimentId, string? name = null, long startTime = 1000)
    {
        var answer = await client.Post("api/2.0/mlflow/runs/create",
            new { experiment_id = experimentId, run_name = name, start_time = startTime, user_id = "tester" });
        return answer.Ok().Json.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
    }

    public static async Task<JsonElement> GetRun(this HttpClient client, string runId) =>
        (await client.Get($"api/2.0/mlflow/runs/get?run_id={runId}")).Ok().Json.GetProperty("run");

    /// <summary>A run's tags, params or latest metrics as a dictionary of key to the "value" element.</summary>
    public static Dictionary<string, JsonElement> Pairs(this JsonElement run, string field) =>
        run.GetProperty("data").TryGetProperty(field, out var list)
            ? list.EnumerateArray().ToDictionary(p => p.GetProperty("key").GetString()!, p => p.GetProperty("value"))
            : [];
}
