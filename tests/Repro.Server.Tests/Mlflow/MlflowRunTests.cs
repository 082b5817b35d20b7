using System.Net;
using System.Text.Json;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Server.Tests.Mlflow;

public sealed class MlflowRunTests
{
    [Fact]
    public async Task A_run_is_created_with_its_fields_fetched_ended_deleted_and_restored()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("Run A Lot");
        var created = (await http.Post("api/2.0/mlflow/runs/create", new
        {
            experiment_id = experimentId,
            user_id = "username",
            start_time = 456,
            run_name = "my name",
            tags = new[] { new { key = "mlflow.user", value = "username" }, new { key = "my", value = "tag" } },
        })).Ok().Json.GetProperty("run");
        var runId = created.GetProperty("info").GetProperty("run_id").GetString()!;

        var run = await http.GetRun(runId);
        var info = run.GetProperty("info");
        Assert.Equal(runId, info.GetProperty("run_uuid").GetString());
        Assert.Equal(experimentId, info.GetProperty("experiment_id").GetString());
        Assert.Equal("username", info.GetProperty("user_id").GetString());
        Assert.Equal(456, info.GetProperty("start_time").GetInt64());
        Assert.Equal("my name", info.GetProperty("run_name").GetString());
        Assert.Equal("RUNNING", info.GetProperty("status").GetString());
        Assert.Equal("active", info.GetProperty("lifecycle_stage").GetString());
        Assert.Equal($"mlflow-artifacts:/{experimentId}/{runId}/artifacts", info.GetProperty("artifact_uri").GetString());
        Assert.False(info.TryGetProperty("end_time", out _));
        var tags = run.Pairs("tags");
        Assert.Equal("tag", tags["my"].GetString());
        Assert.Equal("my name", tags["mlflow.runName"].GetString());

        var ended = (await http.Post("api/2.0/mlflow/runs/update", new { run_id = runId, status = "FAILED", end_time = 999 })).Ok();
        Assert.Equal("FAILED", ended.Json.GetProperty("run_info").GetProperty("status").GetString());
        Assert.Equal(999, ended.Json.GetProperty("run_info").GetProperty("end_time").GetInt64());

        (await http.Post("api/2.0/mlflow/runs/update", new { run_id = runId, run_name = "name_abc" })).Ok();
        info = (await http.GetRun(runId)).GetProperty("info");
        Assert.Equal("name_abc", info.GetProperty("run_name").GetString());
        Assert.Equal("FAILED", info.GetProperty("status").GetString());

        (await http.Post("api/2.0/mlflow/runs/delete", new { run_id = runId })).Ok();
        Assert.Equal("deleted", (await http.GetRun(runId)).GetProperty("info").GetProperty("lifecycle_stage").GetString());
        var refused = await http.Post("api/2.0/mlflow/runs/set-tag", new { run_id = runId, key = "k", value = "v" });
        refused.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Contains($"The run {runId} must be in", refused.Message, StringComparison.Ordinal);

        (await http.Post("api/2.0/mlflow/runs/restore", new { run_id = runId })).Ok();
        (await http.Post("api/2.0/mlflow/runs/set-tag", new { run_id = runId, key = "k", value = "v" })).Ok();
    }

    [Fact]
    public async Task Unknown_runs_are_404_with_the_id_in_the_message()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var get = await http.Get("api/2.0/mlflow/runs/get?run_id=fake_run_id");
        get.Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        Assert.Matches("Run .+ not found", get.Message);
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = new string('a', 32), metrics = Array.Empty<object>() }))
            .Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        (await http.Post("api/2.0/mlflow/runs/create", new { experiment_id = "999" })).Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
    }

    [Fact]
    public async Task Metrics_params_and_tags_are_logged_and_read_back_including_NaN_and_infinities()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_id = runId, key = "metric", value = 123.456, timestamp = 789, step = 2 })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_id = runId, key = "nan_metric", value = "NaN", timestamp = 1 })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_id = runId, key = "inf_metric", value = "Infinity", timestamp = 1 })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_uuid = runId, key = "stepless-metric", value = 987.654, timestamp = 321 })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-parameter", new { run_id = runId, key = "param", value = "value" })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-parameter", new { run_id = runId, key = "empty", value = "" })).Ok();
        (await http.Post("api/2.0/mlflow/runs/set-tag", new { run_id = runId, key = "taggity", value = "do-dah" })).Ok();

        var run = await http.GetRun(runId);
        var metrics = run.Pairs("metrics");
        Assert.Equal(123.456, metrics["metric"].GetDouble());
        Assert.Equal("NaN", metrics["nan_metric"].GetString());
        Assert.Equal("Infinity", metrics["inf_metric"].GetString());
        Assert.Equal("value", run.Pairs("params")["param"].GetString());
        Assert.Equal("", run.Pairs("params")["empty"].GetString());
        Assert.Equal("do-dah", run.Pairs("tags")["taggity"].GetString());

        var history = (await http.Get($"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=stepless-metric")).Ok();
        var point = Assert.Single(history.Json.GetProperty("metrics").EnumerateArray());
        Assert.Equal(321, point.GetProperty("timestamp").GetInt64());
        Assert.Equal(0, point.GetProperty("step").GetInt64());
        var none = (await http.Get($"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=a_test_accuracy")).Ok();
        Assert.Equal("{}", none.Text);
    }

    [Fact]
    public async Task Params_are_immutable_but_the_same_value_may_be_logged_again()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        (await http.Post("api/2.0/mlflow/runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-parameter", new { run_id = runId, key = "lr", value = "0.1" })).Ok();
        var changed = await http.Post("api/2.0/mlflow/runs/log-parameter", new { run_id = runId, key = "lr", value = "0.2" });
        changed.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Contains("Changing param values is not allowed", changed.Message, StringComparison.Ordinal);
        var batch = await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, @params = new[] { new { key = "lr", value = "0.3" } } });
        batch.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Equal("0.1", (await http.GetRun(runId)).Pairs("params")["lr"].GetString());
    }

    [Fact]
    public async Task Field_validation_names_the_parameter_and_the_bad_value()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        async Task Bad(string path, string json, string expected)
        {
            var answer = await http.Post(path, json);
            answer.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
            Assert.Contains(expected, answer.Text, StringComparison.Ordinal);
        }

        await Bad("api/2.0/mlflow/runs/log-metric", """{"run_id": 31, "key": "metric", "value": 41, "timestamp": 59, "step": 26}""",
            "Invalid value 31 for parameter 'run_id' supplied");
        await Bad("api/2.0/mlflow/runs/log-metric", $$"""{"run_id": "{{runId}}", "key": 31, "value": 41, "timestamp": 59}""",
            "Invalid value 31 for parameter 'key' supplied");
        await Bad("api/2.0/mlflow/runs/log-metric", $$"""{"run_id": "{{runId}}", "key": "foo", "value": 31, "timestamp": 59, "step": "foo"}""",
            "Invalid value \\\"foo\\\" for parameter 'step' supplied");
        await Bad("api/2.0/mlflow/runs/log-metric", """{"run_id": null, "key": "foo", "value": 31, "timestamp": 59}""",
            "Missing value for required parameter 'run_id'");
        await Bad("api/2.0/mlflow/runs/log-metric", $$"""{"run_id": "{{runId}}", "value": 31, "timestamp": 59}""",
            "Missing value for required parameter 'key'");
        await Bad("api/2.0/mlflow/runs/set-tag", $$"""{"run_id": "{{runId}}", "key": "param", "value": 41}""",
            "Invalid value 41 for parameter 'value' supplied");
        await Bad("api/2.0/mlflow/runs/log-metric", $$"""{"run_id": "{{runId}}", "key": "../up", "value": 1, "timestamp": 1}""",
            "Invalid metric name");
        await Bad("api/2.0/mlflow/runs/log-parameter", $$"""{"run_id": "{{runId}}", "key": "p", "value": "{{new string('x', 6001)}}"}""",
            "which exceeded length limit of 6000");
        await Bad("api/2.0/mlflow/runs/search", """{"experiment_ids": ["0"], "max_results": 123456789}""",
            "Invalid value 123456789 for parameter 'max_results' supplied");
    }

    [Fact]
    public async Task Delete_tag_removes_it_and_a_missing_tag_is_404()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        (await http.Post("api/2.0/mlflow/runs/set-tag", new { run_id = runId, key = "taggity", value = "do-dah" })).Ok();
        (await http.Post("api/2.0/mlflow/runs/delete-tag", new { run_id = runId, key = "taggity" })).Ok();
        Assert.False((await http.GetRun(runId)).Pairs("tags").ContainsKey("taggity"));
        var missing = await http.Post("api/2.0/mlflow/runs/delete-tag", new { run_id = runId, key = "fakeTag" });
        missing.Fails(HttpStatusCode.NotFound, "RESOURCE_DOES_NOT_EXIST");
        Assert.Contains("No tag with name: fakeTag", missing.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Runs_logged_over_MLflow_are_Repro_runs_with_api_params_and_metric_series()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("digits");
        var runId = await http.CreateRun(experimentId, "mlflow-run");
        (await http.Post("api/2.0/mlflow/runs/log-batch", new
        {
            run_id = runId,
            metrics = new[] { new { key = "loss", value = 0.5, timestamp = 10, step = 1 }, new { key = "loss", value = 0.25, timestamp = 20, step = 2 } },
            @params = new[] { new { key = "lr", value = "0.01" } },
        })).Ok();
        (await http.Post("api/2.0/mlflow/runs/update", new { run_id = runId, status = "FINISHED", end_time = 5000 })).Ok();

        using var workspace = ReproWorkspace.Open(server.Root);
        var record = Assert.Single(workspace.Runs.ListRuns(new RunQuery()));
        Assert.Equal("mlflow-run", record.Name);
        Assert.Equal("digits", record.Experiment);
        Assert.Equal(RunStatus.Finished, record.Status);
        Assert.Equal("tester", record.UserId);
        var param = Assert.Single(record.Params);
        Assert.Equal(new Param("lr", "0.01", ParamSource.Api), param);
        var loss = workspace.Runs.GetMetricHistory(record.Id, "loss");
        Assert.Equal([1L, 2L], loss.Select(p => p.Step));
        Assert.Equal([10L, 20L], loss.Select(p => p.TimestampMs));
    }

    [Fact]
    public async Task Runs_search_filters_orders_and_pages()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("search");
        var ids = new List<string>();
        for (var i = 0; i < 10; i++)
        {
            var runId = await http.CreateRun(experimentId, $"run-{i}", startTime: 1);
            ids.Add(runId);
            (await http.Post("api/2.0/mlflow/runs/log-batch", new
            {
                run_id = runId,
                metrics = new[] { new { key = "acc", value = i / 10.0, timestamp = 1, step = 0 } },
                @params = new[] { new { key = "lr", value = i % 2 == 0 ? "0.1" : "0.01" } },
            })).Ok();
        }

        var filtered = (await http.Post("api/2.0/mlflow/runs/search", new
        {
            experiment_ids = new[] { experimentId },
            filter = "params.lr = '0.1' and metrics.acc > 0.3",
            order_by = new[] { "metrics.acc DESC" },
        })).Ok();
        Assert.Equal(["run-8", "run-6", "run-4"], RunNames(filtered));

        var sorted = ids.Order(StringComparer.Ordinal).ToList();
        var seen = new List<string>();
        string? token = null;
        do
        {
            var page = (await http.Post("api/2.0/mlflow/runs/search", new { experiment_ids = new[] { experimentId }, max_results = 4, page_token = token })).Ok();
            seen.AddRange(page.Json.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_id").GetString()!));
            token = page.Json.TryGetProperty("next_page_token", out var next) ? next.GetString() : null;
        }
        while (token is not null);
        Assert.Equal(sorted, seen);

        var bad = await http.Post("api/2.0/mlflow/runs/search", new { experiment_ids = new[] { experimentId }, filter = "metrics.acc >>> 1" });
        bad.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task Metric_history_pages_with_max_results_and_page_token()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        var metrics = Enumerable.Range(0, 25).Select(i => new { key = "loss", value = 1.0 / (i + 1), timestamp = 100 + i, step = i }).ToArray();
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, metrics })).Ok();
        var steps = new List<long>();
        string? token = null;
        var pages = 0;
        do
        {
            var query = $"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=loss&max_results=10"
                + (token is null ? "" : "&page_token=" + Uri.EscapeDataString(token));
            var page = (await http.Get(query)).Ok();
            steps.AddRange(page.Json.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("step").GetInt64()));
            token = page.Json.TryGetProperty("next_page_token", out var next) ? next.GetString() : null;
            pages++;
        }
        while (token is not null);
        Assert.Equal(3, pages);
        Assert.Equal(Enumerable.Range(0, 25).Select(i => (long)i), steps);
    }

    private static string[] RunNames(MlflowAnswer answer) =>
        [.. answer.Json.GetProperty("runs").EnumerateArray().Select(r => r.GetProperty("info").GetProperty("run_name").GetString()!)];

    internal static JsonElement Info(JsonElement run) => run.GetProperty("info");
}
