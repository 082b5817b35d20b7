using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Tests.Support;

namespace Repro.Sdk.Tests;

public sealed class PythonClientTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string EventsPath => _dir.File("events.jsonl");

    public void Dispose() => _dir.Dispose();

    [PythonFact]
    public void The_python_helper_writes_lines_the_protocol_parser_reads_back()
    {
        var result = RunScript(
            """
            import repro_client as repro
            run = repro.current()
            lr = run.param("lr", 0.1)
            epochs = run.param("epochs", 3)
            shuffle = run.param("shuffle", True)
            name = run.param("name", "iris")
            for epoch in range(epochs):
                run.log("loss", lr * (epochs - epoch), step=epoch)
            run.log("loss", float("nan"), step=epochs)
            run.log("grad", float("-inf"))
            run.tag("model", "logistic")
            run.artifact("out/weights.json", name="weights")
            print(run.id, run.seed, type(lr).__name__, type(epochs).__name__, shuffle, name)
            """,
            TestRuns.Attached(EventsPath, """{"lr":"0.05","epochs":"2"}""", seed: "1234"));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal($"{TestRuns.RunId} 1234 float int True iris", result.Stdout.Trim());
        var events = EventsFile.Read(EventsPath);
        Assert.Equal(
            [
                new ParamEvent("lr", "0.05", ParamSource.Cli),
                new ParamEvent("epochs", "2", ParamSource.Cli),
                new ParamEvent("shuffle", "true", ParamSource.Default),
                new ParamEvent("name", "iris", ParamSource.Default),
            ],
            events.OfType<ParamEvent>().ToList());
        var metrics = events.OfType<MetricEvent>().ToList();
        Assert.Equal([0.1, 0.05], metrics.Take(2).Select(m => m.Value));
        Assert.Equal([0L, 1L, 2L], metrics.Take(3).Select(m => m.Step!.Value));
        Assert.True(double.IsNaN(metrics[2].Value));
        Assert.Equal(double.NegativeInfinity, metrics[3].Value);
        Assert.Null(metrics[3].Step);
        Assert.All(metrics, m => Assert.NotNull(m.TimestampMs));
        Assert.Equal(new TagEvent("model", "logistic"), Assert.Single(events.OfType<TagEvent>()));
        Assert.Equal(new ArtifactEvent("out/weights.json", "weights"), Assert.Single(events.OfType<ArtifactEvent>()));
    }

    [PythonFact]
    public void The_python_helper_takes_env_overrides_below_the_command_line_and_records_no_value_for_none()
    {
        var env = TestRuns.Attached(EventsPath, """{"lr":"0.2"}""");
        env["REPRO_PARAM_LR"] = "0.3";
        env["REPRO_PARAM_BATCH_SIZE"] = "16";

        var result = RunScript(
            """
            import repro_client as repro
            run = repro.current()
            print(run.param("lr", 0.1), run.param("batch-size", 32), run.param("resume", None))
            """,
            env);

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0.2 16 None", result.Stdout.Trim());
        Assert.Equal(
            [new ParamEvent("lr", "0.2", ParamSource.Cli), new ParamEvent("batch-size", "16", ParamSource.Env)],
            EventsFile.Read(EventsPath).OfType<ParamEvent>().ToList());
    }

    [PythonFact]
    public void The_python_helper_loses_no_line_when_threads_log_at_once()
    {
        var result = RunScript(
            """
            import threading
            import repro_client as repro
            run = repro.current()
            def work(t):
                for i in range(2000):
                    run.log("t%d" % t, i * 0.5, step=i)
            threads = [threading.Thread(target=work, args=(t,)) for t in range(4)]
            for th in threads: th.start()
            for th in threads: th.join()
            """,
            TestRuns.Attached(EventsPath));

        Assert.Equal(0, result.ExitCode);
        var metrics = EventsFile.Read(EventsPath).OfType<MetricEvent>().ToList();
        Assert.Equal(8000, metrics.Count);
        Assert.All(Enumerable.Range(0, 4), t => Assert.Equal(2000, metrics.Count(m => m.Key == $"t{t}")));
    }

    [PythonFact]
    public void A_python_override_that_does_not_parse_stops_the_script_with_a_clear_error()
    {
        var result = RunScript(
            """
            import repro_client as repro
            repro.current().param("epochs", 10)
            """,
            TestRuns.Attached(EventsPath, """{"epochs":"ten"}"""));

        Assert.NotEqual(0, result.ExitCode);
        Assert.Contains("ReproParamError: param 'epochs' is 'ten'", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("whole number", result.Stderr, StringComparison.Ordinal);
    }

    [PythonFact]
    public void Outside_repro_run_the_python_helper_records_nothing_and_warns_once()
    {
        var result = RunScript(
            """
            import repro_client as repro
            run = repro.current()
            print(run.param("lr", 0.1), run.id, 0 <= run.seed < 2**32)
            run.log("loss", 1.0)
            run.log("", 1.0)
            run.tag("k", "v")
            """,
            new Dictionary<string, string>(StringComparer.Ordinal));

        Assert.Equal(0, result.ExitCode);
        Assert.Equal("0.1 None True", result.Stdout.Trim());
        Assert.Single(result.Stderr.Split('\n'), l => l.Contains("not inside `repro run`", StringComparison.Ordinal));
        Assert.False(File.Exists(EventsPath));
    }

    [PythonFact]
    public void The_python_example_trains_on_iris_and_records_loss_and_its_weights()
    {
        var example = Path.Combine(AppContext.BaseDirectory, "examples", "python", "train_linear.py");
        var env = TestRuns.Attached(EventsPath, """{"epochs":"30"}""", seed: "7");

        var result = Python.Run(_dir.Path, env, example, "--out", _dir.File("out"));

        Assert.True(result.ExitCode == 0, result.Stderr);
        var events = EventsFile.Read(EventsPath);
        var loss = events.OfType<MetricEvent>().Where(m => m.Key == "train_loss").ToList();
        Assert.Equal(30, loss.Count);
        Assert.True(loss[^1].Value < loss[0].Value / 2, $"loss went from {loss[0].Value} to {loss[^1].Value}");
        var accuracy = events.OfType<MetricEvent>().Last(m => m.Key == "val_accuracy").Value;
        Assert.True(accuracy >= 0.85, $"validation accuracy {accuracy}");
        Assert.Contains(new ParamEvent("epochs", "30", ParamSource.Cli), events.OfType<ParamEvent>());
        var artifact = Assert.Single(events.OfType<ArtifactEvent>());
        Assert.True(File.Exists(artifact.Path), artifact.Path);

        var again = Python.Run(_dir.Path, TestRuns.Attached(_dir.File("again.jsonl"), """{"epochs":"30"}""", seed: "7"), example, "--out", _dir.File("out2"));
        Assert.Equal(0, again.ExitCode);
        Assert.Equal(
            loss.Select(m => m.Value),
            EventsFile.Read(_dir.File("again.jsonl")).OfType<MetricEvent>().Where(m => m.Key == "train_loss").Select(m => m.Value));
    }

    private ProcessResult RunScript(string script, IReadOnlyDictionary<string, string> environment)
    {
        var path = _dir.File("script.py");
        File.WriteAllText(path, script);
        return Python.Run(_dir.Path, environment, path);
    }
}
