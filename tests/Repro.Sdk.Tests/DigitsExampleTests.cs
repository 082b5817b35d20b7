using System.Security.Cryptography;
using System.Text;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Tests.Support;

namespace Repro.Sdk.Tests;

/// <summary>The digits example (examples/Digits) as <c>repro run</c> starts it: a child process with REPRO_* set.</summary>
public sealed class DigitsExampleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_digits_example_learns_and_records_params_metrics_and_its_weights()
    {
        var events = _dir.File("events.jsonl");

        var result = RunDigits(TestRuns.Attached(events, """{"epochs":"5"}""", seed: "11"), "out");

        Assert.True(result.ExitCode == 0, result.Stderr);
        var recorded = EventsFile.Read(events);
        var parameters = recorded.OfType<ParamEvent>().ToDictionary(p => p.Key);
        Assert.Equal(new ParamEvent("epochs", "5", ParamSource.Cli), parameters["epochs"]);
        Assert.Equal(new ParamEvent("lr", "0.05", ParamSource.Default), parameters["lr"]);
        Assert.Equal(["batch_size", "dropout", "epochs", "hidden", "lr", "momentum", "weight_decay"], parameters.Keys.Order());
        var metrics = recorded.OfType<MetricEvent>().ToList();
        foreach (var key in (string[])["train_loss", "val_accuracy", "val_error", "epoch_seconds"])
        {
            Assert.Equal([1L, 2L, 3L, 4L, 5L], metrics.Where(m => m.Key == key).Select(m => m.Step!.Value));
        }

        var accuracy = metrics.Last(m => m.Key == "val_accuracy").Value;
        Assert.True(accuracy >= 0.9, $"validation accuracy after 5 epochs: {accuracy}");
        Assert.Equal(1 - accuracy, metrics.Last(m => m.Key == "val_error").Value, 12);

        var artifact = Assert.Single(recorded.OfType<ArtifactEvent>());
        var weights = File.ReadAllBytes(Path.Combine(_dir.Path, artifact.Path));
        Assert.Equal("RMLP", Encoding.ASCII.GetString(weights, 0, 4));
        Assert.Equal([1, 64, 128, 10], Enumerable.Range(0, 4).Select(i => BitConverter.ToInt32(weights, 4 + (4 * i))));
        Assert.Equal(20 + (4 * ((64 * 128) + 128 + (128 * 10) + 10)), weights.Length);
    }

    [Fact]
    public void In_deterministic_mode_the_weights_are_bit_identical_for_any_thread_count()
    {
        string WeightsHash(string threads, string deterministic)
        {
            var env = TestRuns.Attached(_dir.File($"events-{threads}.jsonl"), """{"epochs":"3"}""", seed: "5");
            env["REPRO_THREADS"] = threads;
            env["REPRO_DETERMINISTIC"] = deterministic;
            var result = RunDigits(env, $"out-{threads}-{deterministic}");
            Assert.True(result.ExitCode == 0, result.Stderr);
            return Convert.ToHexString(SHA256.HashData(File.ReadAllBytes(_dir.File($"out-{threads}-{deterministic}/digits-mlp.bin"))));
        }

        Assert.Equal(WeightsHash("1", "1"), WeightsHash("3", "1"));
    }

    [Fact]
    public void A_param_the_digits_example_cannot_parse_stops_it_with_the_key_and_exit_code_2()
    {
        var result = RunDigits(TestRuns.Attached(_dir.File("events.jsonl"), """{"hidden":"many"}"""), "out");

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Param 'hidden' is 'many'", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The dotnet host running these tests, so the example runs on the same runtime.</summary>
    private static string DotnetHost =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private ProcessResult RunDigits(IReadOnlyDictionary<string, string> environment, string output) =>
        ChildProcess.Run(
            DotnetHost,
            [Path.Combine(AppContext.BaseDirectory, "digits.dll"), "--out", output],
            _dir.Path,
            environment);
}
