using Repro.Core.Errors;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Tests.Support;

namespace Repro.Sdk.Tests;

public sealed class AttachedRunTests : IDisposable
{
    private readonly TempDirectory _dir = new();

    private string EventsPath => _dir.File("events.jsonl");

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Attached_run_takes_id_seed_and_settings_from_the_environment()
    {
        var env = TestRuns.Attached(EventsPath, seed: "4294967295");
        env["REPRO_DETERMINISTIC"] = "1";
        env["REPRO_THREADS"] = "3";

        using var run = TestRuns.Create(env);

        Assert.True(run.IsAttached);
        Assert.Equal(TestRuns.RunId, run.Id.Value);
        Assert.Equal(4294967295L, run.Seed);
        Assert.True(run.Deterministic);
        Assert.Equal(3, run.Threads);
    }

    [Fact]
    public void Threads_default_to_the_processor_count_and_deterministic_to_off()
    {
        using var run = TestRuns.Create(TestRuns.Attached(EventsPath));

        Assert.False(run.Deterministic);
        Assert.Equal(Environment.ProcessorCount, run.Threads);
    }

    [Fact]
    public void Every_event_is_written_as_a_line_the_protocol_parser_reads_back()
    {
        using (var run = TestRuns.Create(TestRuns.Attached(EventsPath)))
        {
            run.Log("loss", 0.25, step: 3);
            run.Log("loss", double.NaN, step: 4);
            run.Log("grad_norm", double.PositiveInfinity);
            run.Log("grad_norm", double.NegativeInfinity);
            run.Log("lr", 0.1 + 0.2, step: 0);
            run.Tag("model", "mlp \"small\"\nwith a newline");
            run.Artifact("out/model.bin");
            run.Artifact("out/log.txt", "training log");
        }

        var events = EventsFile.Read(EventsPath);

        var metrics = events.OfType<MetricEvent>().ToList();
        Assert.Equal(5, metrics.Count);
        Assert.Equal(("loss", 0.25, (long?)3), (metrics[0].Key, metrics[0].Value, metrics[0].Step));
        Assert.True(double.IsNaN(metrics[1].Value));
        Assert.Equal(4, metrics[1].Step);
        Assert.Equal(double.PositiveInfinity, metrics[2].Value);
        Assert.Null(metrics[2].Step);
        Assert.Equal(double.NegativeInfinity, metrics[3].Value);
        Assert.Equal(0.1 + 0.2, metrics[4].Value);
        Assert.All(metrics, m => Assert.InRange(m.TimestampMs!.Value, DateTimeOffset.UtcNow.AddMinutes(-5).ToUnixTimeMilliseconds(), long.MaxValue));
        Assert.Equal(new TagEvent("model", "mlp \"small\"\nwith a newline"), Assert.Single(events.OfType<TagEvent>()));
        Assert.Equal(
            [new ArtifactEvent("out/model.bin", null), new ArtifactEvent("out/log.txt", "training log")],
            events.OfType<ArtifactEvent>().ToList());
    }

    [Fact]
    public void Params_come_from_the_command_line_else_the_default_and_record_their_source()
    {
        var json = """{"lr":"0.05","hidden":"128","use_bias":"false","optimizer":"Adam","epochs":7}""";
        using (var run = TestRuns.Create(TestRuns.Attached(EventsPath, json)))
        {
            Assert.Equal(0.05, run.Param("lr", 0.1));
            Assert.Equal(128, run.Param("hidden", 64));
            Assert.False(run.Param("use_bias", true));
            Assert.Equal(Optimizer.Adam, run.Param("optimizer", Optimizer.Sgd));
            Assert.Equal(7L, run.Param("epochs", 10L));
            Assert.Equal(0.5f, run.Param("dropout", 0.5f));
            Assert.Equal("digits", run.Param("dataset", "digits"));
        }

        var recorded = EventsFile.Read(EventsPath).OfType<ParamEvent>().ToDictionary(p => p.Key);

        Assert.Equal(new ParamEvent("lr", "0.05", ParamSource.Cli), recorded["lr"]);
        Assert.Equal(new ParamEvent("hidden", "128", ParamSource.Cli), recorded["hidden"]);
        Assert.Equal(new ParamEvent("use_bias", "false", ParamSource.Cli), recorded["use_bias"]);
        Assert.Equal(new ParamEvent("optimizer", "Adam", ParamSource.Cli), recorded["optimizer"]);
        Assert.Equal(new ParamEvent("epochs", "7", ParamSource.Cli), recorded["epochs"]);
        Assert.Equal(new ParamEvent("dropout", "0.5", ParamSource.Default), recorded["dropout"]);
        Assert.Equal(new ParamEvent("dataset", "digits", ParamSource.Default), recorded["dataset"]);
    }

    [Fact]
    public void Recorded_param_text_parses_back_to_the_exact_value()
    {
        var awkward = 0.1 + 0.2;
        using (var run = TestRuns.Create(TestRuns.Attached(EventsPath)))
        {
            run.Param("a", awkward);
            run.Param("b", 1e-300);
            run.Param("c", double.NaN);
            run.Param("d", 1f / 3f);
        }

        var recorded = EventsFile.Read(EventsPath).OfType<ParamEvent>().ToDictionary(p => p.Key, p => p.Value);

        Assert.True(ProtocolParser.TryParseNumberText(recorded["a"], out var a));
        Assert.Equal(awkward, a);
        Assert.True(ProtocolParser.TryParseNumberText(recorded["b"], out var b));
        Assert.Equal(1e-300, b);
        Assert.Equal("NaN", recorded["c"]);
        Assert.Equal(1f / 3f, float.Parse(recorded["d"], System.Globalization.CultureInfo.InvariantCulture));
    }

    [Fact]
    public void An_override_in_the_environment_is_recorded_with_source_env_and_the_command_line_wins_over_it()
    {
        var env = TestRuns.Attached(EventsPath, """{"lr":"0.2"}""");
        env["REPRO_PARAM_LR"] = "0.3";
        env["REPRO_PARAM_BATCH_SIZE"] = "16";
        using (var run = TestRuns.Create(env))
        {
            Assert.Equal(0.2, run.Param("lr", 0.1));
            Assert.Equal(16, run.Param("batch-size", 32));
        }

        var recorded = EventsFile.Read(EventsPath).OfType<ParamEvent>().ToDictionary(p => p.Key);
        Assert.Equal(ParamSource.Cli, recorded["lr"].Source);
        Assert.Equal(new ParamEvent("batch-size", "16", ParamSource.Env), recorded["batch-size"]);
    }

    [Theory]
    [InlineData("hidden", "12.5", "int")]
    [InlineData("lr", "fast", "double")]
    [InlineData("shuffle", "maybe", "bool")]
    [InlineData("optimizer", "Rmsprop", "enum")]
    public void An_override_that_does_not_parse_names_the_key_the_value_and_the_expected_type(string key, string value, string type)
    {
        using var run = TestRuns.Create(TestRuns.Attached(EventsPath, $$"""{"{{key}}":"{{value}}"}"""));

        var e = Assert.Throws<ReproException>(() =>
        {
            _ = type switch
            {
                "int" => (object)run.Param(key, 64),
                "double" => run.Param(key, 0.1),
                "bool" => run.Param(key, true),
                _ => run.Param(key, Optimizer.Sgd),
            };
        });

        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Contains($"'{key}'", e.Message, StringComparison.Ordinal);
        Assert.Contains($"'{value}'", e.Message, StringComparison.Ordinal);
        var expected = type switch
        {
            "int" => "whole number (int)",
            "double" => "number (double)",
            "bool" => "true or false",
            _ => "one of Sgd, Adam",
        };
        Assert.Contains(expected, e.Message, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("REPRO_RUN_ID", "not-a-run-id")]
    [InlineData("REPRO_SEED", "-3")]
    [InlineData("REPRO_SEED", "4294967296")]
    [InlineData("REPRO_PARAMS", "{lr: 0.1")]
    [InlineData("REPRO_PARAMS", "[1, 2]")]
    public void A_malformed_variable_from_repro_run_is_a_clear_error(string variable, string value)
    {
        var env = TestRuns.Attached(EventsPath);
        env[variable] = value;

        var e = Assert.Throws<ReproException>(() => TestRuns.Create(env).Dispose());

        Assert.Contains(variable, e.Message, StringComparison.Ordinal);
        Assert.Contains("repro run", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_seed_is_drawn_and_recorded_as_a_tag()
    {
        var env = TestRuns.Attached(EventsPath);
        env.Remove("REPRO_SEED");
        var warnings = new StringWriter();
        long seed;
        using (var run = TestRuns.Create(env, warnings))
        {
            seed = run.Seed;
        }

        var tag = Assert.Single(EventsFile.Read(EventsPath).OfType<TagEvent>());
        Assert.Equal(new TagEvent(Run.DrawnSeedTag, seed.ToString(System.Globalization.CultureInfo.InvariantCulture)), tag);
        Assert.Contains("REPRO_SEED is not set", warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_line_param_the_program_never_reads_is_reported_when_the_run_ends()
    {
        var warnings = new StringWriter();
        using (var run = TestRuns.Create(TestRuns.Attached(EventsPath, """{"lr":"0.1","hiden":"32"}"""), warnings))
        {
            run.Param("lr", 0.5);
            run.Param("hidden", 64);
        }

        Assert.Contains("param 'hiden'", warnings.ToString(), StringComparison.Ordinal);
        Assert.DoesNotContain("param 'lr'", warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Options_that_contradict_repro_run_are_ignored_with_a_warning()
    {
        var warnings = new StringWriter();
        using var run = TestRuns.Create(TestRuns.Attached(EventsPath, seed: "42"), warnings, new RunOptions { Seed = 7, Name = "x" });

        Assert.Equal(42, run.Seed);
        Assert.Contains("RunOptions Name, Seed", warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Two_writers_on_one_events_file_never_overwrite_each_other()
    {
        using (var first = TestRuns.Create(TestRuns.Attached(EventsPath)))
        using (var second = TestRuns.Create(TestRuns.Attached(EventsPath)))
        {
            for (var i = 0; i < 20_000; i++)
            {
                first.Log("first", i, i);
                second.Log("second", i, i);
                if (i % 5000 == 0)
                {
                    first.Flush();
                    second.Flush();
                }
            }
        }

        var metrics = EventsFile.Read(EventsPath).OfType<MetricEvent>().ToList();
        Assert.Equal(20_000, metrics.Count(m => m.Key == "first"));
        Assert.Equal(20_000, metrics.Count(m => m.Key == "second"));
    }

    public enum Optimizer
    {
        Sgd,
        Adam,
    }
}
