using System.Net;

namespace Repro.Server.Tests.Mlflow;

/// <summary>The UI-side endpoints: bulk histories, sampled histories and dataset summaries.</summary>
public sealed class MlflowHistoryTests
{
    [Fact]
    public async Task Bulk_history_orders_points_by_run_then_time_step_and_value()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var run1 = await http.CreateRun("0");
        var run2 = await http.CreateRun("0");
        (long Ts, long Step, double Value)[] history = [(1, 2, 10.0), (1, 3, 11.0), (1, 3, 12.0), (2, 3, 12.0)];
        foreach (var (ts, step, value) in history)
        {
            (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_id = run1, key = "metricA", value, timestamp = ts, step })).Ok();
            (await http.Post("api/2.0/mlflow/runs/log-metric", new { run_id = run2, key = "metricA", value = value + 1, timestamp = ts, step })).Ok();
        }

        var one = (await http.Get($"ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id={run1}&metric_key=metricA")).Ok();
        Assert.Equal([10.0, 11.0, 12.0, 12.0], one.Json.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("value").GetDouble()));
        Assert.All(one.Json.GetProperty("metrics").EnumerateArray(), m => Assert.Equal(run1, m.GetProperty("run_id").GetString()));

        var both = (await http.Get($"ajax-api/2.0/mlflow/metrics/get-history-bulk?run_id={run1}&run_id={run2}&metric_key=metricA&max_results=5")).Ok();
        var runIds = both.Json.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("run_id").GetString()!).ToList();
        Assert.Equal(5, runIds.Count);
        Assert.Equal(runIds.Order(StringComparer.Ordinal), runIds);

        var none = await http.Get("ajax-api/2.0/mlflow/metrics/get-history-bulk?metric_key=key");
        Assert.Contains("must specify at least one run_id", none.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE").Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Bulk_interval_samples_steps_evenly_and_keeps_the_ends()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var runId = await http.CreateRun("0");
        var metrics = Enumerable.Range(0, 10).Select(i => new { key = "metricA", value = 10.0, timestamp = 1, step = i }).ToArray();
        (await http.Post("api/2.0/mlflow/runs/log-batch", new { run_id = runId, metrics })).Ok();
        var sampled = (await http.Get($"ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids={runId}&metric_key=metricA&max_results=5")).Ok();
        Assert.Equal([0L, 2, 4, 6, 8, 9], sampled.Json.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("step").GetInt64()));
        var ranged = (await http.Get(
            $"ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?run_ids={runId}&metric_key=metricA&start_step=0&end_step=4&max_results=5")).Ok();
        Assert.Equal([0L, 1, 2, 3, 4], ranged.Json.GetProperty("metrics").EnumerateArray().Select(m => m.GetProperty("step").GetInt64()));

        async Task Bad(string query, string message) =>
            Assert.Contains(message, (await http.Get("ajax-api/2.0/mlflow/metrics/get-history-bulk-interval?" + query))
                .Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE").Message, StringComparison.Ordinal);
        await Bad("metric_key=key", "Missing value for required parameter 'run_ids'.");
        await Bad("run_ids=123&metric_key=key&max_results=0", "max_results must be between 1 and 2500");
        await Bad("run_ids=123&metric_key=", "Missing value for required parameter 'metric_key'");
        await Bad("run_ids=123&metric_key=key&start_step=1&end_step=0&max_results=5", "end_step must be greater than start_step. ");
        await Bad("run_ids=123&metric_key=key&start_step=1&max_results=5", "If either start step or end step are specified, both must be specified.");
        await Bad(string.Join('&', Enumerable.Range(0, 101).Select(i => $"run_ids=id_{i}")) + "&metric_key=key",
            "GetMetricHistoryBulkInterval request must specify at most 100 run_ids.");
    }

    [Fact]
    public async Task Logged_datasets_are_read_back_and_summarized_per_experiment()
    {
        await using var server = await RunningServer.StartAsync();
        var http = server.Client;
        var experimentId = await http.CreateExperiment("log inputs test");
        var runId = await http.CreateRun(experimentId);
        var missing = await http.Post("api/2.0/mlflow/runs/log-inputs", new { run_id = runId });
        Assert.Contains("Missing value for required parameter 'datasets'", missing.Text, StringComparison.Ordinal);
        (await http.Post("api/2.0/mlflow/runs/log-inputs", new
        {
            run_id = runId,
            datasets = new[]
            {
                new
                {
                    tags = new[] { new { key = "mlflow.data.context", value = "training" } },
                    dataset = new { name = "name1", digest = "digest1", source_type = "source_type1", source = "source1" },
                },
            },
        })).Ok();

        var input = Assert.Single((await http.GetRun(runId)).GetProperty("inputs").GetProperty("dataset_inputs").EnumerateArray());
        Assert.Equal("digest1", input.GetProperty("dataset").GetProperty("digest").GetString());
        Assert.Equal("training", Assert.Single(input.GetProperty("tags").EnumerateArray()).GetProperty("value").GetString());

        var summaries = (await http.Post("ajax-api/2.0/mlflow/experiments/search-datasets", new { experiment_ids = new[] { experimentId } })).Ok();
        var summary = Assert.Single(summaries.Json.GetProperty("dataset_summaries").EnumerateArray());
        Assert.Equal(experimentId, summary.GetProperty("experiment_id").GetString());
        Assert.Equal("name1", summary.GetProperty("name").GetString());
        Assert.Equal("training", summary.GetProperty("context").GetString());
        var empty = await http.Post("ajax-api/2.0/mlflow/experiments/search-datasets", new { experiment_ids = Array.Empty<string>() });
        Assert.Contains("must specify at least one experiment_id", empty.Fails(HttpStatusCode.BadRequest, "INVALID_PARAMETER_VALUE").Message, StringComparison.Ordinal);
    }
}
