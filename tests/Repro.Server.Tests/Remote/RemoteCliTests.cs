using System.Net.Http.Json;
using System.Text.Json;
using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Server.Tests.Remote;

/// <summary>`repro` itself (a child process) recording to and reading from a real server through REPRO_TRACKING_URI.</summary>
public sealed class RemoteCliTests : IDisposable
{
    private const string TrainScript = """
        import json, os, sys
        events = os.environ["REPRO_EVENTS"]
        params = json.loads(os.environ["REPRO_PARAMS"])
        with open(events, "a") as f:
            f.write(json.dumps({"type": "param", "key": "lr", "value": params.get("lr", "0.1"), "source": "cli" if "lr" in params else "default"}) + "\n")
            f.write(json.dumps({"type": "param", "key": "momentum", "value": "0.9", "source": "default"}) + "\n")
            for step in range(5):
                f.write(json.dumps({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("nan"), "step": 0}) + "\n")
            f.write(json.dumps({"type": "tag", "key": "model", "value": "tiny"}) + "\n")
            os.makedirs("out", exist_ok=True)
            with open("out/model.bin", "wb") as m:
                m.write(b"weights " + os.environ["REPRO_SEED"].encode())
            f.write(json.dumps({"type": "artifact", "path": "out/model.bin"}) + "\n")
        # One write per line: stdout and stderr reach the log through separate pipes, a line is never split.
        sys.stdout.write("seed is " + os.environ["REPRO_SEED"] + "\n")
        sys.stderr.write("to stderr\n")
        sys.exit(int(params.get("exit", "0")))
        """;

    private readonly TempDir _dir = new();
    private readonly TempDir _state = new("repro-remote-state-");
    private readonly RemoteCli _cli;

    public RemoteCliTests() => _cli = new RemoteCli(_state.Path);

    public void Dispose()
    {
        _dir.Dispose();
        _state.Dispose();
    }

    private static Dictionary<string, string?> Tracking(string url, string? token = null) =>
        new() { ["REPRO_TRACKING_URI"] = url, ["REPRO_TRACKING_TOKEN"] = token };

    private CliResult Ok(string directory, IDictionary<string, string?>? env, params string[] args)
    {
        var result = _cli.Run(directory, env, args);
        Assert.True(result.ExitCode == 0, $"repro {string.Join(' ', args)}: {result}");
        return result;
    }

    [Fact]
    public async Task A_run_recorded_through_the_server_has_the_record_a_local_run_has()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        _dir.Write("train.py", TrainScript);
        Ok(_dir.Path, null, "init");
        string[] run = ["--seed", "1234", "--param", "lr=0.05", "--tag", "team=vision", "--experiment", "mnist", "--", "python3", "train.py"];
        var local = Ok(_dir.Path, null, ["run", "--name", "here", .. run]);
        var remote = Ok(_dir.Path, env, ["run", "--name", "there", .. run]);
        Assert.Contains("seed is 1234", remote.Stdout, StringComparison.Ordinal);
        Assert.Contains("to stderr", remote.Stderr, StringComparison.Ordinal);
        Assert.DoesNotContain("warning", remote.Stderr, StringComparison.Ordinal);

        var here = Ok(_dir.Path, null, "show", "here", "--json").Json();
        var there = Ok(_dir.Path, env, "show", "there", "--json").Json();
        Assert.Equal(Names(here), Names(there));
        foreach (var field in new[]
        {
            "experiment", "status", "exitCode", "signal", "command", "workingDirectory", "seed", "seedSource", "code", "params", "tags",
            "artifacts", "warnings", "inputs", "deterministic", "threads", "lineage", "seedLedger", "verdict", "userId",
        })
        {
            Assert.True(
                here.TryGetProperty(field, out var h) == there.TryGetProperty(field, out var t) && h.ToString() == t.ToString(),
                $"{field}: local {h} but remote {t}");
        }

        Assert.Equal(Metrics(here), Metrics(there));
        Assert.Equal(Names(here.GetProperty("environment")), Names(there.GetProperty("environment")));
        Assert.NotNull(there.GetProperty("logSha256").GetString());

        // The series, the log and the artifact's bytes came through too.
        Assert.Equal(
            Ok(_dir.Path, null, "metrics", "here", "loss", "--json").Json().EnumerateArray().Select(p => (p.GetProperty("step").GetInt64(), p.GetProperty("value").GetDouble())),
            Ok(_dir.Path, env, "metrics", "there", "loss", "--json").Json().EnumerateArray().Select(p => (p.GetProperty("step").GetInt64(), p.GetProperty("value").GetDouble())));
        // stdout and stderr are pumped separately, so only the lines (not their interleaving) are the same.
        Assert.Equal(Lines(Ok(_dir.Path, null, "logs", "here").Stdout), Lines(Ok(_dir.Path, env, "logs", "there").Stdout));
        var artifact = there.GetProperty("artifacts")[0].GetProperty("sha256").GetString()!;
        using (var direct = server.OpenWorkspace())
        {
            Assert.True(direct.Objects.Verify(artifact));
            Assert.Equal("there", direct.Runs.ResolveRun("there").Name);
            Assert.Throws<Repro.Core.Errors.ReproException>(() => direct.Runs.ResolveRun("here"));
        }

        // The local store never saw the remote run, and its scratch files are gone.
        Assert.Equal(1, _cli.Run(_dir.Path, null, "show", "there").ExitCode);
        Assert.Equal(["here"], Ok(_dir.Path, null, "ls", "--json").Json().EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".repro", "runs", there.GetProperty("id").GetString()!)));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".repro", "pending")));
    }

    [Fact]
    public async Task Ls_and_show_through_the_server_print_what_the_server_holds_without_a_local_workspace()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        _dir.Write("train.py", TrainScript);
        Ok(_dir.Path, env, "run", "--name", "first", "--seed", "1", "--", "python3", "train.py");
        var failed = _cli.Run(_dir.Path, env, "run", "--name", "second", "--seed", "2", "--param", "exit=4", "--", "python3", "train.py");
        Assert.True(failed.ExitCode == 4, failed.ToString());
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".repro")));

        var list = Ok(_dir.Path, env, "ls", "--json").Json();
        Assert.Equal(["second", "first"], list.EnumerateArray().Select(r => r.GetProperty("name").GetString()));
        Assert.Equal("FAILED", list[0].GetProperty("status").GetString());
        Assert.Equal(4, list[0].GetProperty("exitCode").GetInt32());
        Assert.Equal(0.2, list[0].GetProperty("metrics").GetProperty("loss").GetDouble());
        Assert.Contains("second", Ok(_dir.Path, env, "ls").Stdout, StringComparison.Ordinal);

        var shown = Ok(_dir.Path, env, "show", "first", "--json").Json();
        using var http = new HttpClient();
        var served = (await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/v1/runs/first")).GetProperty("run");
        Assert.Equal(JsonSerializer.Serialize(served), JsonSerializer.Serialize(shown));
        Assert.Contains("first", Ok(_dir.Path, env, "show", "last").Stdout + Ok(_dir.Path, env, "show", "first").Stdout, StringComparison.Ordinal);

        // Nothing was left behind in the per-user state directory.
        Assert.False(Directory.Exists(Path.Combine(_state.Path, "repro", "pending")));
        Assert.Empty(Directory.Exists(Path.Combine(_state.Path, "repro", "runs")) ? Directory.GetDirectories(Path.Combine(_state.Path, "repro", "runs")) : []);
    }

    [Theory]
    [InlineData("file:///srv/repro")]
    [InlineData("/srv/repro")]
    [InlineData("localhost:5005")]
    public void A_tracking_uri_that_is_not_http_is_a_usage_error_and_nothing_runs(string value)
    {
        var env = Tracking(value);
        var marker = Path.Combine(_dir.Path, "ran");
        var run = _cli.Run(_dir.Path, env, "run", "--", "touch", marker);
        Assert.True(run.ExitCode == 2, run.ToString());
        Assert.Contains("REPRO_TRACKING_URI", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("http://host:port", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));

        var ls = _cli.Run(_dir.Path, env, "ls");
        Assert.Equal(2, ls.ExitCode);
        Assert.Contains("REPRO_TRACKING_URI", ls.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Reading_from_a_server_that_is_not_running_says_so()
    {
        var server = await TrackingServer.StartAsync();
        var url = server.Url;
        await server.DisposeAsync();
        var ls = _cli.Run(_dir.Path, Tracking(url), "ls");
        Assert.True(ls.ExitCode == 1, ls.ToString());
        Assert.Contains(url, ls.Stderr, StringComparison.Ordinal);
        Assert.Contains("`repro server` running", ls.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_server_with_a_token_refuses_a_run_without_it_before_the_command_starts()
    {
        await using var server = await TrackingServer.StartAsync(token: "s3cret");
        var marker = Path.Combine(_dir.Path, "ran");
        var refused = _cli.Run(_dir.Path, Tracking(server.Url), "run", "--", "touch", marker);
        Assert.True(refused.ExitCode == 2, refused.ToString());
        Assert.Contains("REPRO_TRACKING_TOKEN", refused.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(marker));

        var wrong = _cli.Run(_dir.Path, Tracking(server.Url, "guess"), "run", "--", "touch", marker);
        Assert.Equal(2, wrong.ExitCode);
        Assert.Contains("did not accept the token", wrong.Stderr, StringComparison.Ordinal);

        Ok(_dir.Path, Tracking(server.Url, "s3cret"), "run", "--name", "allowed", "--", "touch", marker);
        Assert.True(File.Exists(marker));
        // Reads are open on this server.
        Assert.Contains("allowed", Ok(_dir.Path, Tracking(server.Url), "ls").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task When_the_server_stops_mid_run_the_command_finishes_with_its_own_code_and_sync_delivers_everything_once()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        Ok(_dir.Path, null, "init");
        var go = Path.Combine(_dir.Path, "go");
        _dir.Write("slow.py", $$"""
            import json, os, sys, time
            events = os.environ["REPRO_EVENTS"]
            def emit(event):
                with open(events, "a") as f:
                    f.write(json.dumps(event) + "\n")
            for step in range(3):
                emit({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step})
            print("first half", flush=True)
            while not os.path.exists({{JsonSerializer.Serialize(go)}}):
                time.sleep(0.05)
            for step in range(3, 6):
                emit({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step})
            with open("model.bin", "wb") as m:
                m.write(b"trained while the server was away")
            emit({"type": "artifact", "path": "model.bin"})
            emit({"type": "tag", "key": "phase", "value": "second"})
            print("second half")
            sys.exit(3)
            """);

        var running = _cli.Start(_dir.Path, env, "run", "--name", "orphan", "--seed", "5", "--", "python3", "slow.py");
        using var http = new HttpClient { BaseAddress = new Uri(server.Url + "/") };
        await WaitUntil(async () =>
        {
            var response = await http.GetAsync("api/v1/runs/orphan/metrics?key=loss");
            return response.IsSuccessStatusCode
                && (await response.Content.ReadFromJsonAsync<JsonElement>()).GetProperty("metrics").GetArrayLength() == 3;
        }, running);

        await server.StopAsync();
        File.WriteAllText(go, "");
        var result = CliProcess.Wait(running, "run");
        Assert.True(result.ExitCode == 3, result.ToString());
        Assert.Contains("second half", result.Stdout, StringComparison.Ordinal);
        Assert.Equal(1, Count(result.Stderr, "warning"));
        Assert.Contains("repro sync", result.Stderr, StringComparison.Ordinal);
        var pending = Path.Combine(_dir.Path, ".repro", "pending");
        Assert.NotEmpty(Directory.EnumerateFiles(pending, "0*.json", SearchOption.AllDirectories));

        // Nothing to send to while it is still down: a clear error, and nothing is lost.
        var early = _cli.Run(_dir.Path, env, "sync");
        Assert.True(early.ExitCode == 1, early.ToString());
        Assert.Contains("`repro server` running", early.Stderr, StringComparison.Ordinal);

        await server.StartAgainAsync();
        var sync = Ok(_dir.Path, env, "sync");
        Assert.Contains("sent", sync.Stdout, StringComparison.Ordinal);
        var again = Ok(_dir.Path, env, "sync");
        Assert.Contains("nothing was waiting", again.Stdout, StringComparison.Ordinal);
        Assert.Empty(Directory.EnumerateFiles(pending, "*", SearchOption.AllDirectories));

        using var direct = server.OpenWorkspace();
        var record = direct.Runs.ResolveRun("orphan");
        Assert.Equal(RunStatus.Failed, record.Status);
        Assert.Equal(3, record.ExitCode);
        Assert.Equal("second", record.Tags["phase"]);
        Assert.Equal([0L, 1, 2, 3, 4, 5], direct.Runs.GetMetricHistory(record.Id, "loss").Select(p => p.Step));
        var artifact = Assert.Single(record.Artifacts);
        Assert.True(direct.Objects.Verify(artifact.Sha256));
        using (var log = new StreamReader(direct.Objects.Open(record.LogSha256!)))
        {
            var text = log.ReadToEnd();
            Assert.Contains("first half", text, StringComparison.Ordinal);
            Assert.Contains("second half", text, StringComparison.Ordinal);
        }

        Assert.NotEqual(EnvironmentSnapshot.Unknown, record.Environment.Kernel);
        Assert.Contains("orphan", Ok(_dir.Path, env, "ls").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_sweep_records_every_run_on_the_server_and_stats_read_them_back()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        _dir.Write("train.py", TrainScript);
        var sweep = Ok(_dir.Path, env, "sweep", "--name", "grid", "--seed-list", "1,2", "--param", "lr=0.1,0.2", "--parallel", "2", "--", "python3", "train.py");
        Assert.Contains("4 finished", sweep.Stdout, StringComparison.Ordinal);
        using (var direct = server.OpenWorkspace())
        {
            var runs = direct.Runs.ListRuns(new RunQuery(Limit: 100));
            Assert.Equal(4, runs.Count(r => r.Lineage.Group == "grid" && r.Status == RunStatus.Finished));
        }

        var stats = Ok(_dir.Path, env, "stats", "grid", "--metric", "loss", "--json").Json();
        Assert.Equal(2, stats.GetArrayLength());
        var resumed = Ok(_dir.Path, env, "sweep", "--resume", "grid");
        Assert.Contains("4 already finished", resumed.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_reproduction_through_the_server_reads_the_original_there_and_stores_its_verdict_there()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        _dir.Write("train.py", TrainScript);
        Ok(_dir.Path, env, "run", "--name", "orig", "--seed", "9", "--", "python3", "train.py");
        var reproduce = Ok(_dir.Path, env, "reproduce", "orig");
        Assert.Contains("IDENTICAL", reproduce.Stdout, StringComparison.Ordinal);
        using var direct = server.OpenWorkspace();
        var reproduction = direct.Runs.ResolveRun("orig-repro");
        Assert.Equal(Repro.Core.Verdicts.VerdictKind.Identical, reproduction.Verdict!.Kind);
        Assert.Equal(direct.Runs.ResolveRun("orig").Id, reproduction.Lineage.ReproductionOf);
    }

    [Fact]
    public async Task Diff_and_export_read_runs_and_their_objects_from_the_server()
    {
        await using var server = await TrackingServer.StartAsync();
        var env = Tracking(server.Url);
        _dir.Write("train.py", TrainScript);
        _dir.Write("data/a.csv", "1,2\n");
        Ok(_dir.Path, env, "run", "--name", "a", "--seed", "1", "--data", "data", "--", "python3", "train.py");
        _dir.Write("data/a.csv", "1,3\n");
        Ok(_dir.Path, env, "run", "--name", "b", "--seed", "2", "--param", "lr=0.5", "--data", "data", "--", "python3", "train.py");

        var diff = Ok(_dir.Path, env, "diff", "a", "b", "--json").Json();
        using var http = new HttpClient();
        var served = await http.GetFromJsonAsync<JsonElement>($"{server.Url}/api/v1/diff?a=a&b=b");
        Assert.Equal(JsonSerializer.Serialize(served), JsonSerializer.Serialize(diff));
        Assert.Contains("a.csv", diff.ToString(), StringComparison.Ordinal);
        Assert.Contains("a.csv", Ok(_dir.Path, env, "diff", "a", "b").Stdout, StringComparison.Ordinal);

        var exported = Path.Combine(_dir.Path, "a.json");
        Ok(_dir.Path, env, "export", "a", "-o", exported, "--with-artifacts");
        using var elsewhere = new TempDir();
        Ok(elsewhere.Path, null, "init");
        Ok(elsewhere.Path, null, "import", exported);
        var imported = Ok(elsewhere.Path, null, "show", "a", "--json").Json();
        var original = Ok(_dir.Path, env, "show", "a", "--json").Json();
        Assert.Equal(original.GetProperty("id").GetString(), imported.GetProperty("id").GetString());
        Assert.Equal(original.GetProperty("inputs").ToString(), imported.GetProperty("inputs").ToString());
        Assert.Equal(0, _cli.Run(elsewhere.Path, null, "verify", "a").ExitCode);
    }

    [Fact]
    public async Task An_sdk_program_started_outside_repro_run_records_to_the_server()
    {
        await using var server = await TrackingServer.StartAsync();
        var psi = new System.Diagnostics.ProcessStartInfo("dotnet")
        {
            WorkingDirectory = _dir.Path,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        psi.ArgumentList.Add(RemoteCli.Digits);
        psi.ArgumentList.Add("--out");
        psi.ArgumentList.Add("out");
        _cli.Sandbox(psi, new Dictionary<string, string?>
        {
            ["REPRO_TRACKING_URI"] = server.Url,
            ["REPRO_PARAM_EPOCHS"] = "1",
            ["REPRO_PARAM_HIDDEN"] = "16",
            ["REPRO_RUN_ID"] = null,
            ["REPRO_EVENTS"] = null,
        });
        using var process = System.Diagnostics.Process.Start(psi)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        Assert.True(process.WaitForExit(TimeSpan.FromMinutes(3)), "digits did not finish");
        process.WaitForExit();
        Assert.True(process.ExitCode == 0, $"digits exit {process.ExitCode}\n{await stdout}\n{await stderr}");

        using var direct = server.OpenWorkspace();
        var record = Assert.Single(direct.Runs.ListRuns(new RunQuery()));
        Assert.Equal(RunStatus.Finished, record.Status);
        Assert.Contains(record.Params, p => p.Key == "epochs" && p.Value == "1");
        Assert.Contains("val_accuracy", record.LatestMetrics.Keys);
        Assert.NotEmpty(record.Artifacts);
        Assert.All(record.Artifacts, a => Assert.True(direct.Objects.Exists(a.Sha256), a.Path));
        Assert.False(Directory.Exists(Path.Combine(_dir.Path, ".repro")));
    }

    private static async Task WaitUntil(Func<Task<bool>> condition, RunningCli running)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (!await condition())
        {
            if (running.Process.HasExited)
            {
                throw new InvalidOperationException($"repro exited early ({running.Process.ExitCode}): {await running.Stderr}");
            }

            if (DateTime.UtcNow > deadline)
            {
                throw new TimeoutException("the run's first metrics never reached the server");
            }

            await Task.Delay(50);
        }
    }

    private static int Count(string text, string word)
    {
        var n = 0;
        for (var at = text.IndexOf(word, StringComparison.Ordinal); at >= 0; at = text.IndexOf(word, at + word.Length, StringComparison.Ordinal))
        {
            n++;
        }

        return n;
    }

    private static string[] Lines(string text) => [.. text.Split('\n').Order(StringComparer.Ordinal)];

    private static string[] Names(JsonElement e) => [.. e.EnumerateObject().Select(p => p.Name).Order(StringComparer.Ordinal)];

    private static string[] Metrics(JsonElement record) =>
        [.. record.GetProperty("latestMetrics").EnumerateObject()
            .Select(m => $"{m.Name}:{m.Value.GetProperty("step")}:{m.Value.GetProperty("value")}")
            .Order(StringComparer.Ordinal)];
}
