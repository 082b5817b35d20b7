using System.Net;
using System.Text;
using System.Text.Json;
using Repro.Core.Runs;
using Repro.Server.Api;
using Repro.Storage.Runs;

namespace Repro.Server.Tests.Api;

public sealed class RunApiTests
{
    [Fact]
    public async Task A_run_created_and_written_in_a_batch_reads_back_exactly()
    {
        await using var server = await RunningServer.StartAsync();
        var run = Api.NewRun("baseline", parameters: [new Param("lr", "0.1", ParamSource.Cli), new Param("layers", "3", ParamSource.Default)]) with
        {
            Tags = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["team"] = "vision" },
        };
        var created = await Api.PostJson(server.Client, "api/v1/runs", run);
        Assert.Equal(HttpStatusCode.Created, created.StatusCode);
        Assert.Equal($"/api/v1/runs/{run.Id}", created.Headers.Location?.OriginalString);
        Assert.Equal(run.Id, (await Api.Read<RunResponse>(created)).Run.Id);

        double[] values = [double.NaN, -0.0, 0.0, double.PositiveInfinity, double.NegativeInfinity, 1e-300, 0.1 + 0.2, double.Epsilon, -1.5e308];
        var points = values.Select((v, i) => Api.Point("loss", v, i)).Append(Api.Point("acc", 0.75, 9_000_000_000L)).ToList();
        var batch = new RunWriteBatch(run.Id)
        {
            Metrics = points,
            Params = [new Param("lr", "0.05", ParamSource.Sweep), new Param("data", "mnist.npz", ParamSource.File)],
            Tags = new Dictionary<string, string> { ["stage"] = "final" },
            Warnings = ["data changed"],
            SeedLedger = [new StreamUsage("init", "k0", 12)],
            Complete = new RunCompletion(RunStatus.Finished, run.StartTime.AddSeconds(90), 0, null, null),
        };
        var body = System.Text.Json.Nodes.JsonNode.Parse(JsonSerializer.Serialize(batch, Core.Serialization.ReproJson.Options))!.AsObject();
        Assert.True(body.Remove("runId"));    // the path names the run
        var written = await server.Client.PostAsync($"api/v1/runs/{run.Id}/batch", new StringContent(body.ToJsonString(), Encoding.UTF8, "application/json"));
        Assert.Equal(HttpStatusCode.NoContent, written.StatusCode);

        var metrics = await Api.Read<MetricList>(await server.Client.GetAsync($"api/v1/runs/{run.Id}/metrics?key=loss"));
        Assert.Equal(values.Length, metrics.Metrics.Count);
        for (var i = 0; i < values.Length; i++)
        {
            Assert.Equal(BitConverter.DoubleToInt64Bits(values[i]), BitConverter.DoubleToInt64Bits(metrics.Metrics[i].Value));
            Assert.Equal(i, metrics.Metrics[i].Step);
            Assert.Equal(1_700_000_000_000 + i, metrics.Metrics[i].TimestampMs);
        }

        var all = await Api.Read<MetricList>(await server.Client.GetAsync($"api/v1/runs/{run.Id.Value[..8]}/metrics"));
        Assert.Equal(["acc", .. Enumerable.Repeat("loss", values.Length)], all.Metrics.Select(m => m.Key));
        Assert.Equal(9_000_000_000L, all.Metrics[0].Step);

        var envelope = await Api.Read<RunEnvelope>(await server.Client.GetAsync("api/v1/runs/baseline"));
        var back = envelope.Run;
        Assert.Equal("0", envelope.ExperimentId);
        Assert.Equal(Storage.Tracking.LifecycleStage.Active, envelope.LifecycleStage);
        Assert.Equal(run.Id, back.Id);
        Assert.Equal(RunStatus.Finished, back.Status);
        Assert.Equal(run.StartTime.AddSeconds(90), back.EndTime);
        Assert.Equal(0, back.ExitCode);
        Assert.Equal(["python", "train.py"], back.Command);
        Assert.Equal(42, back.Seed);
        Assert.Equal("cli", back.SeedSource);
        Assert.Equal(
            [new Param("data", "mnist.npz", ParamSource.File), new Param("layers", "3", ParamSource.Default), new Param("lr", "0.05", ParamSource.Sweep)],
            back.Params.OrderBy(p => p.Key, StringComparer.Ordinal));
        Assert.Equal("vision", back.Tags["team"]);
        Assert.Equal("final", back.Tags["stage"]);
        Assert.Contains("data changed", back.Warnings);
        Assert.Equal([new StreamUsage("init", "k0", 12)], back.SeedLedger);
        Assert.Equal(BitConverter.DoubleToInt64Bits(-1.5e308), BitConverter.DoubleToInt64Bits(back.LatestMetrics["loss"].Value));
        Assert.Equal(0.75, back.LatestMetrics["acc"].Value);
    }

    [Fact]
    public async Task The_json_of_a_run_spells_NaN_and_negative_zero_so_they_survive()
    {
        await using var server = await RunningServer.StartAsync();
        var run = Api.NewRun("nan");
        await Api.Record(server.Client, run, [Api.Point("x", double.NaN, 0), Api.Point("x", -0.0, 1)]);
        var text = await server.Client.GetStringAsync($"api/v1/runs/{run.Id}/metrics");
        Assert.Contains("\"value\":\"NaN\"", text, StringComparison.Ordinal);
        Assert.Contains("\"value\":-0", text, StringComparison.Ordinal);
    }

    [Fact]
    public async Task An_unknown_run_is_a_404_problem_naming_it_and_pointing_at_the_runs_list()
    {
        await using var server = await RunningServer.StartAsync();
        foreach (var path in new[] { "api/v1/runs/no-such-run", "api/v1/runs/no-such-run/metrics", "api/v1/runs/no-such-run/logs",
            "api/v1/runs/no-such-run/artifacts", "api/v1/diff?a=no-such-run&b=no-such-run" })
        {
            var detail = await Api.Problem(await server.Client.GetAsync(path), HttpStatusCode.NotFound, "not_found");
            Assert.Contains("'no-such-run'", detail, StringComparison.Ordinal);
            Assert.Contains("GET /api/v1/runs", detail, StringComparison.Ordinal);
        }

        var last = await Api.Problem(await server.Client.GetAsync("api/v1/runs/last"), HttpStatusCode.NotFound, "not_found");
        Assert.Contains("no runs yet", last, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Writes_to_an_unknown_run_are_404_and_a_malformed_id_is_400()
    {
        await using var server = await RunningServer.StartAsync();
        var id = RunId.New();
        var batch = await Api.PostJson(server.Client, $"api/v1/runs/{id}/batch", new RunWriteBatch(id) { Metrics = [Api.Point("loss", 1, 0)] });
        var detail = await Api.Problem(batch, HttpStatusCode.NotFound, "not_found");
        Assert.Contains(id.Value, detail, StringComparison.Ordinal);
        Assert.Contains("POST /api/v1/runs", detail, StringComparison.Ordinal);

        Assert.Contains(id.Value, await Api.Problem(await server.Client.DeleteAsync($"api/v1/runs/{id}"), HttpStatusCode.NotFound, "not_found"),
            StringComparison.Ordinal);

        var notAnId = await Api.PostJson(server.Client, "api/v1/runs/last/batch", new RunWriteBatch(id));
        Assert.Contains("full id", await Api.Problem(notAnId, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task Creating_a_run_twice_is_a_conflict_and_bad_bodies_are_400()
    {
        await using var server = await RunningServer.StartAsync();
        var run = Api.NewRun("once");
        Assert.Equal(HttpStatusCode.Created, (await Api.PostJson(server.Client, "api/v1/runs", run)).StatusCode);
        await Api.Problem(await Api.PostJson(server.Client, "api/v1/runs", run), HttpStatusCode.Conflict, "conflict");

        var malformed = await server.Client.PostAsync("api/v1/runs", new StringContent("{\"id\": ", Encoding.UTF8, "application/json"));
        await Api.Problem(malformed, HttpStatusCode.BadRequest, "malformed_request");

        var noName = await server.Client.PostAsync("api/v1/runs", new StringContent(
            $"{{\"id\":\"{RunId.New()}\",\"name\":\" \",\"startTime\":\"2024-01-01T00:00:00Z\"}}", Encoding.UTF8, "application/json"));
        Assert.Contains("no name", await Api.Problem(noName, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);

        var keyless = await server.Client.PostAsync($"api/v1/runs/{run.Id}/batch", new StringContent(
            "{\"metrics\":[{\"value\":1,\"step\":0,\"timestampMs\":0}]}", Encoding.UTF8, "application/json"));
        Assert.Contains("metrics[0]", await Api.Problem(keyless, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);

        var otherRun = Api.NewRun("other");
        var mismatched = await Api.PostJson(server.Client, $"api/v1/runs/{run.Id}/batch", new RunWriteBatch(run.Id) { Create = otherRun });
        Assert.Contains(otherRun.Id.Value, await Api.Problem(mismatched, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_batch_larger_than_the_json_limit_is_413_and_writes_nothing()
    {
        await using var server = await RunningServer.StartAsync(maxJsonBodyBytes: 64 * 1024);
        var run = await Api.Record(server.Client, Api.NewRun("big"), [], RunStatus.Running);
        var points = Enumerable.Range(0, 5000).Select(i => Api.Point("loss", i, i)).ToList();
        var response = await Api.PostJson(server.Client, $"api/v1/runs/{run.Id}/batch", new RunWriteBatch(run.Id) { Metrics = points });
        await Api.Problem(response, HttpStatusCode.RequestEntityTooLarge, "request_too_large");
        var metrics = await Api.Read<MetricList>(await server.Client.GetAsync($"api/v1/runs/{run.Id}/metrics"));
        Assert.Empty(metrics.Metrics);
    }

    [Fact]
    public async Task Writes_need_the_token_and_reads_do_not()
    {
        await using var server = await RunningServer.StartAsync(token: "s3cret");
        var run = Api.NewRun("guarded");
        var refused = await Api.PostJson(server.Client, "api/v1/runs", run);
        Assert.Contains("Bearer", await Api.Problem(refused, HttpStatusCode.Unauthorized, "unauthenticated"), StringComparison.Ordinal);
        await Api.Problem(await server.Client.PutAsync($"api/v1/objects/{new string('a', 64)}", new ByteArrayContent([1])),
            HttpStatusCode.Unauthorized, "unauthenticated");

        using var writer = server.ClientWithToken("s3cret");
        await Api.Record(writer, run, [Api.Point("acc", 0.5, 1)]);
        var read = await server.Client.GetAsync($"api/v1/runs/{run.Id}/metrics");
        Assert.Equal(HttpStatusCode.OK, read.StatusCode);
        Assert.Equal(HttpStatusCode.OK, (await server.Client.GetAsync("api/v1/runs")).StatusCode);
        await Api.Problem(await server.Client.DeleteAsync($"api/v1/runs/{run.Id}"), HttpStatusCode.Unauthorized, "unauthenticated");
    }

    [Fact]
    public async Task A_run_can_be_renamed_finished_deleted_and_restored()
    {
        await using var server = await RunningServer.StartAsync();
        var run = await Api.Record(server.Client, Api.NewRun("draft"), [Api.Point("acc", 0.5, 1)], RunStatus.Running);
        var end = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_500_000);
        var patched = await server.Client.PatchAsync($"api/v1/runs/{run.Id}", Api.Content(new RunUpdate(RunStatus.Finished, end, "final")));
        var updated = (await Api.Read<RunResponse>(patched)).Run;
        Assert.Equal(("final", RunStatus.Finished, (DateTimeOffset?)end), (updated.Name, updated.Status, updated.EndTime));

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.DeleteAsync($"api/v1/runs/{run.Id}")).StatusCode);
        Assert.Equal(0, (await Api.Get(server.Client, "api/v1/runs")).GetProperty("runs").GetArrayLength());
        var deleted = await Api.Get(server.Client, "api/v1/runs?view=deleted");
        Assert.Equal("deleted", deleted.GetProperty("runs")[0].GetProperty("lifecycleStage").GetString());
        Assert.Equal("deleted", (await Api.Get(server.Client, $"api/v1/runs/{run.Id}")).GetProperty("lifecycleStage").GetString());

        Assert.Equal(HttpStatusCode.NoContent, (await server.Client.PostAsync($"api/v1/runs/{run.Id}/restore", null)).StatusCode);
        Assert.Equal(1, (await Api.Get(server.Client, "api/v1/runs")).GetProperty("runs").GetArrayLength());
    }

    [Fact]
    public async Task Logs_are_served_as_text_once_their_object_is_uploaded()
    {
        await using var server = await RunningServer.StartAsync();
        var run = await Api.Record(server.Client, Api.NewRun("logged"), [], RunStatus.Running);
        await Api.Problem(await server.Client.GetAsync($"api/v1/runs/{run.Id}/logs"), HttpStatusCode.NotFound, "not_found");

        var log = Encoding.UTF8.GetBytes("epoch 1 loss 0.5\nepoch 2 loss 0.25\n");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(log));
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PutAsync($"api/v1/objects/{sha}", new ByteArrayContent(log))).StatusCode);
        var complete = new RunWriteBatch(run.Id) { Complete = new RunCompletion(RunStatus.Finished, run.StartTime.AddMinutes(1), 0, null, sha) };
        Assert.Equal(HttpStatusCode.NoContent, (await Api.PostJson(server.Client, $"api/v1/runs/{run.Id}/batch", complete)).StatusCode);

        var response = await server.Client.GetAsync("api/v1/runs/logged/logs");
        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/plain", response.Content.Headers.ContentType?.MediaType);
        Assert.Equal(log, await response.Content.ReadAsByteArrayAsync());
    }

    [Fact]
    public async Task Artifacts_are_listed_and_downloaded_and_paths_that_climb_out_are_refused()
    {
        await using var server = await RunningServer.StartAsync();
        var run = await Api.Record(server.Client, Api.NewRun("with-artifacts"), [], RunStatus.Running);
        var bytes = Encoding.UTF8.GetBytes("{\"weights\": [1, 2, 3]}");
        var sha = Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes));
        (await server.Client.PutAsync($"api/v1/objects/{sha}", new ByteArrayContent(bytes))).EnsureSuccessStatusCode();
        var batch = new RunWriteBatch(run.Id) { Artifacts = [new Artifact("model/weights.json", sha, bytes.Length)] };
        Assert.Equal(HttpStatusCode.NoContent, (await Api.PostJson(server.Client, $"api/v1/runs/{run.Id}/batch", batch)).StatusCode);

        var list = await Api.Read<ArtifactList>(await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts"));
        Assert.Equal([new Artifact("model/weights.json", sha, bytes.Length)], list.Artifacts);
        var download = await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts/model/weights.json");
        Assert.Equal(HttpStatusCode.OK, download.StatusCode);
        Assert.Equal("application/json", download.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await download.Content.ReadAsByteArrayAsync());

        var missing = await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts/model/other.bin");
        Assert.Contains($"GET /api/v1/runs/{run.Id}/artifacts", await Api.Problem(missing, HttpStatusCode.NotFound, "not_found"), StringComparison.Ordinal);

        var climbing = await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts/model%2F..%2F..%2F..%2Frepro.db");
        Assert.Contains("'..'", await Api.Problem(climbing, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);
        var absolute = await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts/%2Fetc%2Fpasswd");
        Assert.Contains("absolute", await Api.Problem(absolute, HttpStatusCode.BadRequest, "invalid_argument"), StringComparison.Ordinal);

        foreach (var bad in new[] { "../outside.txt", "/etc/passwd", "a/../../b" })
        {
            var refused = await Api.PostJson(server.Client, $"api/v1/runs/{run.Id}/batch",
                new RunWriteBatch(run.Id) { Artifacts = [new Artifact(bad, sha, bytes.Length)] });
            await Api.Problem(refused, HttpStatusCode.BadRequest, "invalid_argument");
        }

        var after = await Api.Read<ArtifactList>(await server.Client.GetAsync($"api/v1/runs/{run.Id}/artifacts"));
        Assert.Single(after.Artifacts);
    }

    [Fact]
    public async Task Problem_details_have_type_title_status_detail_code_and_instance()
    {
        await using var server = await RunningServer.StartAsync();
        var response = await server.Client.GetAsync("api/v1/runs/missing-run");
        await Api.Problem(response, HttpStatusCode.NotFound, "not_found");
        using var problem = JsonDocument.Parse(await response.Content.ReadAsStringAsync());
        Assert.Equal("urn:repro:problem:not-found", problem.RootElement.GetProperty("type").GetString());
        Assert.Equal("Not found", problem.RootElement.GetProperty("title").GetString());
        Assert.Equal("/api/v1/runs/missing-run", problem.RootElement.GetProperty("instance").GetString());
    }
}
