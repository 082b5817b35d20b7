using System.Text.Json;
using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class RunCommandTests : IDisposable
{
    private readonly TempDir _dir = new();

    public RunCommandTests()
    {
        var init = ReproCli.Run(_dir.Path, "init");
        Assert.True(init.ExitCode == 0, init.ToString());
    }

    public void Dispose() => _dir.Dispose();

    private const string ReportingScript = """
        import json, os, sys
        events = os.environ["REPRO_EVENTS"]
        params = json.loads(os.environ["REPRO_PARAMS"])
        with open(events, "a") as f:
            f.write(json.dumps({"type": "param", "key": "lr", "value": params.get("lr", "0.1"), "source": "cli" if "lr" in params else "default"}) + "\n")
            f.write(json.dumps({"type": "param", "key": "momentum", "value": "0.9", "source": "default"}) + "\n")
            for step in range(3):
                f.write(json.dumps({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("nan"), "step": 0}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("inf"), "step": 1}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "weird", "value": float("-inf"), "step": 2}) + "\n")
            f.write(json.dumps({"type": "tag", "key": "model", "value": "tiny"}) + "\n")
            os.makedirs("out", exist_ok=True)
            with open("out/model.bin", "wb") as m:
                m.write(b"weights")
            f.write(json.dumps({"type": "artifact", "path": "out/model.bin"}) + "\n")
        print("seed is", os.environ["REPRO_SEED"], "run", os.environ["REPRO_RUN_ID"])
        print("to stderr", file=sys.stderr)
        """;

    [Fact]
    public void Run_records_command_params_with_provenance_metrics_tags_artifacts_seed_and_logs()
    {
        _dir.Write("train.py", ReportingScript);
        var run = ReproCli.Run(_dir.Path, "run", "--name", "first", "--seed", "1234", "--param", "lr=0.05", "--tag", "team=vision", "--", "python3", "train.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("seed is 1234", run.Stdout, StringComparison.Ordinal);
        Assert.Contains("to stderr", run.Stderr, StringComparison.Ordinal);

        var show = ReproCli.Run(_dir.Path, "show", "first", "--json");
        Assert.True(show.ExitCode == 0, show.ToString());
        var record = show.Json();
        Assert.Equal("FINISHED", record.GetProperty("status").GetString());
        Assert.Equal(0, record.GetProperty("exitCode").GetInt32());
        Assert.Equal(1234, record.GetProperty("seed").GetInt64());
        Assert.Equal("cli", record.GetProperty("seedSource").GetString());
        Assert.Equal(["python3", "train.py"], record.GetProperty("command").EnumerateArray().Select(e => e.GetString()!).ToArray());
        Assert.Equal(Path.GetFullPath(_dir.Path), record.GetProperty("workingDirectory").GetString());

        var parameters = record.GetProperty("params").EnumerateArray()
            .ToDictionary(p => p.GetProperty("key").GetString()!, p => (p.GetProperty("value").GetString(), p.GetProperty("source").GetString()));
        Assert.Equal(("0.05", "cli"), parameters["lr"]);
        Assert.Equal(("0.9", "default"), parameters["momentum"]);
        Assert.Equal("vision", record.GetProperty("tags").GetProperty("team").GetString());
        Assert.Equal("tiny", record.GetProperty("tags").GetProperty("model").GetString());

        var artifact = Assert.Single(record.GetProperty("artifacts").EnumerateArray());
        Assert.Equal("out/model.bin", artifact.GetProperty("path").GetString());
        Assert.Equal(7, artifact.GetProperty("size").GetInt64());

        var loss = ReproCli.Run(_dir.Path, "metrics", "first", "loss", "--json").Json();
        Assert.Equal([1.0, 0.5, 1.0 / 3], loss.EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToArray());
        Assert.Equal([0L, 1L, 2L], loss.EnumerateArray().Select(p => p.GetProperty("step").GetInt64()).ToArray());

        var logs = ReproCli.Run(_dir.Path, "logs", "first");
        Assert.Contains("seed is 1234", logs.Stdout, StringComparison.Ordinal);
        Assert.Contains("to stderr", logs.Stdout, StringComparison.Ordinal);
        var logsJson = ReproCli.Run(_dir.Path, "logs", "first", "--json").Json();
        Assert.Contains("seed is 1234", logsJson.GetProperty("output").GetString(), StringComparison.Ordinal);
        Assert.True(logsJson.GetProperty("complete").GetBoolean());
    }

    [Fact]
    public void Non_finite_metric_values_are_stored_faithfully()
    {
        _dir.Write("train.py", ReportingScript);
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--", "python3", "train.py").ExitCode);
        var weird = ReproCli.Run(_dir.Path, "metrics", "last", "weird", "--json").Json();
        var values = weird.EnumerateArray().Select(p => p.GetProperty("value")).ToArray();
        Assert.Equal(3, values.Length);
        Assert.Equal("NaN", values[0].GetString());
        Assert.Equal("Infinity", values[1].GetString());
        Assert.Equal("-Infinity", values[2].GetString());

        var text = ReproCli.Run(_dir.Path, "metrics", "last", "weird");
        Assert.Contains("NaN", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("-Infinity", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_drawn_seed_is_recorded_and_passed_to_the_command()
    {
        _dir.Write("seed.py", "import os\nprint('SEED=' + os.environ['REPRO_SEED'])\n");
        var run = ReproCli.Run(_dir.Path, "run", "--", "python3", "seed.py");
        Assert.Equal(0, run.ExitCode);
        var printed = run.Stdout.Split('\n').Single(l => l.StartsWith("SEED=", StringComparison.Ordinal))[5..].Trim();
        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Equal(printed, record.GetProperty("seed").GetInt64().ToString(System.Globalization.CultureInfo.InvariantCulture));
        Assert.Equal("os", record.GetProperty("seedSource").GetString());
    }

    [Fact]
    public void A_failing_command_is_recorded_FAILED_and_repro_exits_with_its_code()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--", "sh", "-c", "echo partial; exit 7");
        Assert.Equal(7, run.ExitCode);
        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Equal("FAILED", record.GetProperty("status").GetString());
        Assert.Equal(7, record.GetProperty("exitCode").GetInt32());
    }

    [Fact]
    public void A_command_killed_by_a_signal_is_recorded_KILLED_with_the_signal()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--", "sh", "-c", "kill -9 $$");
        Assert.Equal(137, run.ExitCode);
        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Equal("KILLED", record.GetProperty("status").GetString());
        Assert.Equal("SIGKILL", record.GetProperty("signal").GetString());
    }

    [Fact]
    public void A_missing_command_gives_a_clear_error_and_records_nothing()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--", "definitely-not-a-command-xyz", "--flag");
        Assert.NotEqual(0, run.ExitCode);
        Assert.Contains("'definitely-not-a-command-xyz' was not found", run.Stderr, StringComparison.Ordinal);
        var ls = ReproCli.Run(_dir.Path, "ls", "--json").Json();
        Assert.Equal(0, ls.GetArrayLength());
    }

    [Theory]
    [InlineData("--param", "lr")]
    [InlineData("--param", "=3")]
    [InlineData("--tag", "novalue")]
    public void A_key_value_option_without_equals_is_a_usage_error(string option, string value)
    {
        var run = ReproCli.Run(_dir.Path, "run", option, value, "--", "true");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("key=value", run.Stderr, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("-1")]
    [InlineData("4294967296")]
    public void A_bad_seed_is_a_usage_error_naming_the_range(string seed)
    {
        var run = ReproCli.Run(_dir.Path, "run", "--seed", seed, "--", "true");
        Assert.Equal(2, run.ExitCode);
        Assert.Contains("4294967295", run.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Malformed_event_lines_are_skipped_counted_and_reported_with_line_numbers()
    {
        _dir.Write("bad.py", """
            import os
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write('{"type":"metric","key":"ok","value":1,"step":0}\n')
                f.write('this is garbage\n')
                f.write('{"type":"metric","key":"ok","value":"not a number"}\n')
                f.write('{"type":"unknown"}\n')
                f.write('{"type":"metric","key":"big","value":1,"pad":"' + 'x' * (10 * 1024 * 1024) + '"}\n')
                f.write('{"type":"metric","key":"ok","value":2,"step":1}\n')
                f.write('{"type":"metric","key":"ok","value":3,"st')
            """);
        var run = ReproCli.Run(_dir.Path, "run", "--", "python3", "bad.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("5 malformed line(s)", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 2:", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 5: longer than", run.Stderr, StringComparison.Ordinal);
        Assert.Contains("line 7: truncated", run.Stderr, StringComparison.Ordinal);

        var ok = ReproCli.Run(_dir.Path, "metrics", "last", "ok", "--json").Json();
        Assert.Equal([1.0, 2.0], ok.EnumerateArray().Select(p => p.GetProperty("value").GetDouble()).ToArray());
        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Contains(record.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("malformed", StringComparison.Ordinal));
    }

    [Fact]
    public void Secrets_are_never_recorded_but_determinism_variables_are()
    {
        var env = new Dictionary<string, string?>
        {
            ["OMP_NUM_THREADS"] = "3",
            ["PYTHONHASHSEED"] = "0",
            ["MKL_API_KEY"] = "hunter2",
            ["MY_SECRET_TOKEN"] = "hunter3",
        };
        var run = ReproCli.Run(_dir.Path, env, "run", "--", "true");
        Assert.Equal(0, run.ExitCode);
        var show = ReproCli.Run(_dir.Path, "show", "last", "--json");
        var variables = show.Json().GetProperty("environment").GetProperty("variables");
        Assert.Equal("3", variables.GetProperty("OMP_NUM_THREADS").GetString());
        Assert.Equal("0", variables.GetProperty("PYTHONHASHSEED").GetString());
        Assert.DoesNotContain("hunter", show.Stdout, StringComparison.Ordinal);
        var db = File.ReadAllBytes(Path.Combine(_dir.Path, ".repro", "repro.db"));
        Assert.DoesNotContain("hunter", System.Text.Encoding.UTF8.GetString(db), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_runs_at_once_on_one_workspace_are_both_recorded_completely()
    {
        _dir.Write("many.py", """
            import json, os
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                for step in range(2000):
                    f.write(json.dumps({"type": "metric", "key": "m", "value": step, "step": step}) + "\n")
                    if step % 100 == 0:
                        f.flush()
            """);
        var a = Task.Run(() => ReproCli.Run(_dir.Path, "run", "--name", "a", "--", "python3", "many.py"));
        var b = Task.Run(() => ReproCli.Run(_dir.Path, "run", "--name", "b", "--", "python3", "many.py"));
        Assert.True(a.Result.ExitCode == 0, a.Result.ToString());
        Assert.True(b.Result.ExitCode == 0, b.Result.ToString());
        foreach (var name in new[] { "a", "b" })
        {
            var points = ReproCli.Run(_dir.Path, "metrics", name, "m", "--json").Json();
            Assert.Equal(2000, points.GetArrayLength());
            Assert.Equal("FINISHED", ReproCli.Run(_dir.Path, "show", name, "--json").Json().GetProperty("status").GetString());
        }
    }

    [Fact]
    public void Commands_outside_a_workspace_say_to_run_repro_init()
    {
        using var elsewhere = new TempDir();
        foreach (var args in new[] { new[] { "ls" }, ["show", "last"], ["run", "--", "true"] })
        {
            var result = ReproCli.Run(elsewhere.Path, args);
            Assert.Equal(1, result.ExitCode);
            Assert.Contains("repro init", result.Stderr, StringComparison.Ordinal);
        }
    }

    [Fact]
    public void The_workspace_is_found_from_a_subdirectory_and_from_REPRO_HOME()
    {
        var sub = Path.Combine(_dir.Path, "a", "b");
        Directory.CreateDirectory(sub);
        Assert.Equal(0, ReproCli.Run(sub, "run", "--name", "from-sub", "--", "true").ExitCode);
        using var elsewhere = new TempDir();
        var ls = ReproCli.Run(elsewhere.Path, new Dictionary<string, string?> { ["REPRO_HOME"] = _dir.Path }, "ls", "--json");
        Assert.True(ls.ExitCode == 0, ls.ToString());
        Assert.Equal("from-sub", ls.Json()[0].GetProperty("name").GetString());
    }

    [Fact]
    public void Runs_are_found_by_id_prefix_name_and_last()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "alpha", "--", "true").ExitCode);
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "beta", "--", "true").ExitCode);
        var ls = ReproCli.Run(_dir.Path, "ls", "--json").Json();
        Assert.Equal(["beta", "alpha"], ls.EnumerateArray().Select(r => r.GetProperty("name").GetString()!).ToArray());
        var alphaId = ls[1].GetProperty("id").GetString()!;
        Assert.Equal("alpha", ReproCli.Run(_dir.Path, "show", alphaId[..8], "--json").Json().GetProperty("name").GetString());
        Assert.Equal("beta", ReproCli.Run(_dir.Path, "show", "last", "--json").Json().GetProperty("name").GetString());
        var missing = ReproCli.Run(_dir.Path, "show", "gamma");
        Assert.Equal(1, missing.ExitCode);
        Assert.Contains("repro ls", missing.Stderr, StringComparison.Ordinal);

        var text = ReproCli.Run(_dir.Path, "ls");
        Assert.Contains("alpha", text.Stdout, StringComparison.Ordinal);
        Assert.Contains("FINISHED", text.Stdout, StringComparison.Ordinal);
    }
}
