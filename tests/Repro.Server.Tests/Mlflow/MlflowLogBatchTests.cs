using System.Net;

namespace Repro.Server.Tests.Mlflow;

public sealed class MlflowLogBatchTests
{
    [Fact]
    public async Task A_batch_logs_metrics_params_and_tags_together()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        (await http.Post("api/2.0/mlflow/runs/log-batch", new
        {
            run_id = runId,
            metrics = new[] { new { key = "metric", value = 123.456, timestamp = 789, step = 3 } },
            @params = new[] { new { key = "param", value = "value" }, new { key = "empty", value = "" } },
            tags = new[] { new { key = "taggity", value = "do-dah" } },
        })).Ok();
        var run = await http.GetRun(runId);
        Assert.Equal(123.456, run.Pairs("metrics")["metric"].GetDouble());
        Assert.Equal("value", run.Pairs("params")["param"].GetString());
        Assert.Equal("", run.Pairs("params")["empty"].GetString());
        Assert.Equal("do-dah", run.Pairs("tags")["taggity"].GetString());
        var history = (await http.Get($"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=metric")).Ok();
        var point = Assert.Single(history.Json.GetProperty("metrics").EnumerateArray());
        Assert.Equal(3, point.GetProperty("step").GetInt64());
        Assert.Equal(789, point.GetProperty("timestamp").GetInt64());
    }

    [Fact]
    public async Task Wrong_types_and_missing_timestamps_are_refused_in_both_of_MLflows_wordings()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        foreach (var field in new[] { "metrics", "params", "tags" })
        {
            var answer = await http.Post("api/2.0/mlflow/runs/log-batch", $$"""{"run_id": "{{runId}}", "{{field}}": "foo"}""");
            answer.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
            Assert.Contains($"Invalid value \\\"foo\\\" for parameter '{field}' supplied", answer.Text, StringComparison.Ordinal);
        }

        var missing = await http.Post("api/2.0/mlflow/runs/log-batch", $$"""{"run_id": "{{runId}}", "metrics": [{"key": "mae", "value": 2.5}]}""");
        missing.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Contains("""Invalid value [{\"key\":\"mae\",\"value\":2.5}] for parameter 'metrics' supplied""", missing.Text, StringComparison.Ordinal);
        Assert.Contains("Missing value for required parameter 'metrics[0].timestamp'", missing.Message, StringComparison.Ordinal);

        (await http.Post("api/2.0/mlflow/runs/log-batch",
            $$"""{"run_id": "{{runId}}", "metrics": [{"key": "mae", "value": 2.5, "timestamp": 123456789}]}""")).Ok();
        var history = (await http.Get($"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=mae")).Ok();
        Assert.Equal(0, Assert.Single(history.Json.GetProperty("metrics").EnumerateArray()).GetProperty("step").GetInt64());
    }

    [Fact]
    public async Task MLflows_batch_limits_are_enforced_and_nothing_of_a_refused_batch_is_written()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        var metrics = Enumerable.Range(0, 1001).Select(i => new { key = "m", value = 1.0, timestamp = 1, step = i }).ToArray();
        var tooMany = await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, metrics });
        tooMany.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        Assert.Contains("A batch logging request can contain at most 1000 metrics. Got 1001 metrics.", tooMany.Message, StringComparison.Ordinal);

        var @params = Enumerable.Range(0, 101).Select(i => new { key = $"p{i}", value = "v" }).ToArray();
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, @params }))
            .Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var tags = Enumerable.Range(0, 101).Select(i => new { key = $"t{i}", value = "v" }).ToArray();
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, tags }))
            .Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        var total = await http.Post("api/2.0/mlflow/runs/log-batch", new
        {
            run_id = runId,
            metrics = metrics.Take(1000).ToArray(),
            tags = tags.Take(1).ToArray(),
        });
        Assert.Contains("at most 1000 metrics, params, and tags", total.Message, StringComparison.Ordinal);

        var duplicate = await http.Post("api/2.0/mlflow/runs/log-batch",
            new { run_id = runId, @params = new[] { new { key = "a", value = "1" }, new { key = "a", value = "2" } } });
        Assert.Contains("Duplicate parameter keys have been submitted: ['a']", duplicate.Message, StringComparison.Ordinal);

        var longTag = await http.Post("api/2.0/mlflow/runs/log-batch",
            new { run_id = runId, tags = new[] { new { key = "t", value = new string('x', 8001) } } });
        Assert.Contains("exceeded length limit of 8000", longTag.Message, StringComparison.Ordinal);

        var badName = await http.Post("api/2.0/mlflow/runs/log-batch",
            new { run_id = runId, metrics = new[] { new { key = "ok", value = 1.0, timestamp = 1, step = 0 }, new { key = "bad\\name", value = 1.0, timestamp = 1, step = 0 } } });
        Assert.Contains("Invalid metric name: 'bad\\name'", badName.Message, StringComparison.Ordinal);

        var run = await http.GetRun(runId);
        Assert.Empty(run.Pairs("metrics"));
        Assert.Empty(run.Pairs("params"));
    }

    [Fact]
    public async Task Concurrent_batches_to_one_run_lose_no_point()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        const int Writers = 4;
        const int BatchesEach = 5;
        await Task.WhenAll(Enumerable.Range(0, Writers).Select(w => Task.Run(async () =>
        {
            for (var b = 0; b < BatchesEach; b++)
            {
                var metrics = Enumerable.Range(0, 1000)
                    .Select(i => new { key = "m" + (i % 10), value = (double)i, timestamp = 1 + w, step = (w * 100_000) + (b * 1000) + i })
                    .ToArray();
                (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, metrics })).Ok();
            }
        })));

        var history = (await http.Get($"api/2.0/mlflow/metrics/get-history?run_id={runId}&metric_key=m3")).Ok();
        Assert.Equal(Writers * BatchesEach * 100, history.Json.GetProperty("metrics").GetArrayLength());
    }

    [Fact]
    public async Task A_mlflow_runName_tag_renames_the_run()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0", "before");
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, tags = new[] { new { key = "mlflow.runName", value = "after" } } })).Ok();
        Assert.Equal("after", (await http.GetRun(runId)).GetProperty("info").GetProperty("run_name").GetString());
        (await http.Post("api/2.0/mlflow/runs/set-tag", new { run_id = runId, key = "mlflow.runName", value = "again" })).Ok();
        var run = await http.GetRun(runId);
        Assert.Equal("again", run.GetProperty("info").GetProperty("run_name").GetString());
        Assert.Equal("again", run.Pairs("tags")["mlflow.runName"].GetString());
    }

    [Fact]
    public async Task A_run_deleted_after_a_batch_refuses_the_next_batch_at_once()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("cached");
        var runId = await http.CreateRun(experimentId);
        var batch = new { run_id = runId, metrics = new[] { new { key = "m", value = 1.0, timestamp = 1, step = 0 } } };
        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Ok();
        (await http.Post("api/2.0/mlflow/runs/delete", new { run_id = runId })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        (await http.Post("api/2.0/mlflow/runs/restore", new { run_id = runId })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Ok();
        (await http.Post("api/2.0/mlflow/experiments/delete", new { experiment_id = experimentId })).Ok();
        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
    }

    [Fact]
    public async Task A_run_deleted_through_the_repro_api_refuses_the_next_mlflow_batch_at_once()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("both-apis");
        var runId = await http.CreateRun(experimentId);
        var batch = new { run_id = runId, metrics = new[] { new { key = "m", value = 1.0, timestamp = 1, step = 0 } } };
        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Ok();
        using (var deleted = await http.DeleteAsync(new Uri($"api/v1/runs/{runId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, deleted.StatusCode);
        }

        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
        using (var restored = await http.PostAsync(new Uri($"api/v1/runs/{runId}/restore", UriKind.Relative), null))
        {
            Assert.Equal(HttpStatusCode.NoContent, restored.StatusCode);
        }

        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Ok();
        using (var gone = await http.DeleteAsync(new Uri($"api/v1/experiments/{experimentId}", UriKind.Relative)))
        {
            Assert.Equal(HttpStatusCode.NoContent, gone.StatusCode);
        }

        (await http.Post("api/2.0/mlflow/runs/log-batch", batch)).Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE");
    }
}
