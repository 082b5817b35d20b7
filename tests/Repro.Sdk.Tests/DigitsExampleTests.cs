using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.RegularExpressions;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Tests.Support;

namespace Repro.Sdk.Tests;

/// <summary>The digits example (examples/Digits) as <c>repro run</c> starts it: a child process with REPRO_* set.</summary>
public sealed partial class DigitsExampleTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void The_digits_example_learns_and_records_params_metrics_checkpoints_and_its_weights()
    {
        var run = RunDigits("run", """{"epochs":"5","checkpoint_every":"2"}""", seed: "11");

        var parameters = run.Events.OfType<ParamEvent>().ToDictionary(p => p.Key);
        Assert.Equal(new ParamEvent("epochs", "5", ParamSource.Cli), parameters["epochs"]);
        Assert.Equal(new ParamEvent("lr", "0.05", ParamSource.Default), parameters["lr"]);
        Assert.Equal(
            ["batch_size", "checkpoint_every", "dropout", "epochs", "hidden", "lr", "momentum", "weight_decay"],
            parameters.Keys.Order(StringComparer.Ordinal));
        var metrics = run.Events.OfType<MetricEvent>().ToList();
        foreach (var key in (string[])["train_loss", "val_accuracy", "val_error", "system/epoch_seconds"])
        {
            Assert.Equal([1L, 2L, 3L, 4L, 5L], metrics.Where(m => m.Key == key).Select(m => m.Step!.Value));
        }

        var accuracy = metrics.Last(m => m.Key == "val_accuracy").Value;
        Assert.True(accuracy >= 0.9, $"validation accuracy after 5 epochs: {accuracy}");
        Assert.Equal(1 - accuracy, metrics.Last(m => m.Key == "val_error").Value, 12);

        // Every checkpoint_every epochs and after the last, named by the cursor: the epochs done, batch 0.
        Assert.Equal(
            ["checkpoints/e000002-b000000.ckpt", "checkpoints/e000004-b000000.ckpt", "checkpoints/e000005-b000000.ckpt", "weights"],
            run.Events.OfType<ArtifactEvent>().Select(a => a.Name!));
        Assert.Equal(
            ["dropout", "init", "shuffle"],
            run.Events.OfType<StreamEvent>().Select(s => s.Name).Distinct().Order(StringComparer.Ordinal));

        Assert.Equal("RMLP", Encoding.ASCII.GetString(run.Weights, 0, 4));
        Assert.Equal([1, 64, 128, 10], Enumerable.Range(0, 4).Select(i => BitConverter.ToInt32(run.Weights, 4 + (4 * i))));
        Assert.Equal(20 + (4 * ((64 * 128) + 128 + (128 * 10) + 10)), run.Weights.Length);
    }

    [Fact]
    public void In_deterministic_mode_one_and_two_threads_give_identical_weights_and_metrics()
    {
        const string Params = """{"epochs":"3","checkpoint_every":"0"}""";
        var one = RunDigits("t1", Params, seed: "5", Deterministic(threads: 1));
        var two = RunDigits("t2", Params, seed: "5", Deterministic(threads: 2));

        Assert.Contains("1 threads, deterministic True", one.Process.Stdout, StringComparison.Ordinal);
        Assert.Contains("2 threads, deterministic True", two.Process.Stdout, StringComparison.Ordinal);
        Assert.Equal(Sha256(one.Weights), Sha256(two.Weights));
        Assert.Equal(9, MetricLines(one).Count);
        Assert.Equal(MetricLines(one), MetricLines(two));

        // checkpoint_every 0: no checkpoints.
        Assert.Equal(["weights"], two.Events.OfType<ArtifactEvent>().Select(a => a.Name!));
        Assert.False(Directory.Exists(Path.Combine(two.Directory, "checkpoints")));
    }

    [Theory]
    [InlineData("DOTNET_EnableAVX512F DOTNET_EnableAVX512", 256)] // .NET 10 reads the second; older runtimes the first
    [InlineData("DOTNET_EnableAVX2", 128)]
    [InlineData("DOTNET_EnableHWIntrinsic", 0)]
    public void In_deterministic_mode_narrower_vector_instructions_give_identical_weights(string switches, int maxSimdBits)
    {
        const string Params = """{"epochs":"2","checkpoint_every":"0"}""";
        var narrowed = Deterministic(threads: 2);
        foreach (var name in switches.Split(' '))
        {
            narrowed[name] = "0";
        }

        var reference = RunDigits("default", Params, seed: "8", Deterministic(threads: 2));
        var narrow = RunDigits("narrow", Params, seed: "8", narrowed);

        Assert.True(SimdBits(narrow) <= maxSimdBits, $"the child ignored {switches}=0: {narrow.Process.Stdout}");
        Assert.Equal(Sha256(reference.Weights), Sha256(narrow.Weights));
        Assert.Equal(MetricLines(reference), MetricLines(narrow));
    }

    [Fact]
    public void Without_deterministic_mode_the_defaults_still_reach_95_percent_validation_accuracy()
    {
        var run = RunDigits("fast", """{"checkpoint_every":"0"}""", seed: "3", new() { ["REPRO_THREADS"] = "2" });

        Assert.Contains("2 threads, deterministic False", run.Process.Stdout, StringComparison.Ordinal);
        var accuracy = run.Events.OfType<MetricEvent>().Where(m => m.Key == "val_accuracy").ToList();
        Assert.Equal(40, accuracy.Count);
        Assert.True(accuracy[^1].Value >= 0.95, $"validation accuracy after 40 epochs: {accuracy[^1].Value}");
    }

    [Fact]
    public void A_run_resumed_from_a_checkpoint_ends_with_the_same_bits_as_the_uninterrupted_run()
    {
        const string Params = """{"epochs":"4"}""";
        var whole = RunDigits("whole", Params, seed: "21", Deterministic(threads: 1));
        var checkpoint = Path.Combine(whole.Directory, "checkpoints", "e000002-b000000.ckpt");

        // Resumed after epoch 2, on another thread count.
        var resumed = RunDigits("resumed", Params, seed: "21", Resuming(checkpoint, Sha256(File.ReadAllBytes(checkpoint)), threads: 2));

        Assert.Contains("resuming after epoch 2", resumed.Process.Stdout, StringComparison.Ordinal);
        Assert.Equal(Sha256(whole.Weights), Sha256(resumed.Weights));
        Assert.Equal(MetricLines(whole).Where(line => !line.Contains(" step 1 ", StringComparison.Ordinal) &&
            !line.Contains(" step 2 ", StringComparison.Ordinal)), MetricLines(resumed));
        Assert.Equal(6, MetricLines(resumed).Count);
        Assert.Equal(
            ["checkpoints/e000003-b000000.ckpt", "checkpoints/e000004-b000000.ckpt", "weights"],
            resumed.Events.OfType<ArtifactEvent>().Select(a => a.Name!));

        // The last checkpoint holds the same weights, momentum and random stream positions (draws included).
        Assert.Equal(
            Sha256(File.ReadAllBytes(Path.Combine(whole.Directory, "checkpoints", "e000004-b000000.ckpt"))),
            Sha256(File.ReadAllBytes(Path.Combine(resumed.Directory, "checkpoints", "e000004-b000000.ckpt"))));
        Assert.Equal(LastStreams(whole), LastStreams(resumed));
    }

    [Fact]
    public void A_checkpoint_changed_after_it_was_recorded_is_refused_with_its_path()
    {
        var first = RunDigits("first", """{"epochs":"1"}""", seed: "2", Deterministic(threads: 1));
        var checkpoint = Path.Combine(first.Directory, "checkpoints", "e000001-b000000.ckpt");
        var recordedSha = Sha256(File.ReadAllBytes(checkpoint));
        var bytes = File.ReadAllBytes(checkpoint);
        bytes[bytes.Length / 2] ^= 0x01;
        File.WriteAllBytes(checkpoint, bytes);

        var env = Resuming(checkpoint, recordedSha, threads: 1);
        env["REPRO_RUN_ID"] = TestRuns.RunId;
        env["REPRO_EVENTS"] = _dir.File("refused-events.jsonl");
        env["REPRO_SEED"] = "2";
        env["REPRO_PARAMS"] = """{"epochs":"2"}""";
        var result = ChildProcess.Run(DotnetHost, [DigitsDll, "--out", "refused-out"], _dir.Path, env);

        Assert.Equal(1, result.ExitCode);
        Assert.Contains($"Checkpoint {checkpoint} has sha256", result.Stderr, StringComparison.Ordinal);
        Assert.Contains("Refusing to resume", result.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(_dir.File("refused-out/digits-mlp.bin")));
    }

    [Fact]
    public void A_param_the_digits_example_cannot_parse_stops_it_with_the_key_and_exit_code_2()
    {
        var result = ChildProcess.Run(
            DotnetHost, [DigitsDll, "--out", "out"], _dir.Path, TestRuns.Attached(_dir.File("events.jsonl"), """{"hidden":"many"}"""));

        Assert.Equal(2, result.ExitCode);
        Assert.Contains("Param 'hidden' is 'many'", result.Stderr, StringComparison.Ordinal);
    }

    /// <summary>The dotnet host running these tests, so the example runs on the same runtime.</summary>
    private static string DotnetHost =>
        Path.GetFileNameWithoutExtension(Environment.ProcessPath) == "dotnet" ? Environment.ProcessPath! : "dotnet";

    private static string DigitsDll => Path.Combine(AppContext.BaseDirectory, "digits.dll");

    private static Dictionary<string, string> Deterministic(int threads) => new(StringComparer.Ordinal)
    {
        ["REPRO_DETERMINISTIC"] = "1",
        ["REPRO_THREADS"] = threads.ToString(CultureInfo.InvariantCulture),
    };

    private static Dictionary<string, string> Resuming(string checkpoint, string sha256, int threads)
    {
        var env = Deterministic(threads);
        env["REPRO_RESUME_CHECKPOINT"] = checkpoint;
        env["REPRO_RESUME_CHECKPOINT_SHA256"] = sha256;
        return env;
    }

    /// <summary>Runs the example attached to a run whose events file and checkpoints live in their own folder; it must succeed.</summary>
    private DigitsRun RunDigits(string name, string paramsJson, string seed, Dictionary<string, string>? extra = null)
    {
        var directory = _dir.File(name);
        Directory.CreateDirectory(directory);
        var events = Path.Combine(directory, "events.jsonl");
        var env = TestRuns.Attached(events, paramsJson, seed);
        foreach (var (key, value) in extra ?? [])
        {
            env[key] = value;
        }

        var result = ChildProcess.Run(DotnetHost, [DigitsDll, "--out", "out"], directory, env);
        Assert.True(result.ExitCode == 0, $"digits exited {result.ExitCode}: {result.Stderr}");
        var weights = File.ReadAllBytes(Path.Combine(directory, "out", "digits-mlp.bin"));
        return new DigitsRun(result, EventsFile.Read(events), weights, directory);
    }

    /// <summary>Every metric point but the timings, with its exact bits.</summary>
    private static List<string> MetricLines(DigitsRun run) =>
        run.Events.OfType<MetricEvent>()
            .Where(m => m.Key != "system/epoch_seconds")
            .Select(m => string.Create(
                CultureInfo.InvariantCulture, $"{m.Key} step {m.Step} {m.Value:R} {BitConverter.DoubleToInt64Bits(m.Value):X16}"))
            .ToList();

    /// <summary>The seed ledger as last reported: each stream's name, key and draws.</summary>
    private static List<StreamEvent> LastStreams(DigitsRun run) =>
        run.Events.OfType<StreamEvent>().GroupBy(s => s.Name).Select(g => g.Last()).OrderBy(s => s.Name, StringComparer.Ordinal).ToList();

    private static int SimdBits(DigitsRun run) =>
        int.Parse(SimdPattern().Match(run.Process.Stdout).Groups[1].Value, CultureInfo.InvariantCulture);

    private static string Sha256(byte[] bytes) => Convert.ToHexStringLower(SHA256.HashData(bytes));

    [GeneratedRegex(@"simd (\d+) bits")]
    private static partial Regex SimdPattern();

    private sealed record DigitsRun(ProcessResult Process, IReadOnlyList<ProtocolEvent> Events, byte[] Weights, string Directory);
}
