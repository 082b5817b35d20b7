using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Logging;
using Repro.Sdk.Params;
using Repro.Sdk.Sinks;
using Repro.Sdk.Tests.Support;

namespace Repro.Sdk.Tests;

public sealed class LoggingTests : IDisposable
{
    private readonly TempDirectory _dir = new();
    private readonly StringWriter _warnings = new();

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Logging_from_four_threads_at_once_loses_no_point()
    {
        const int PerThread = 50_000;
        var path = _dir.File("events.jsonl");
        using (var run = TestRuns.Create(TestRuns.Attached(path)))
        {
            using var start = new Barrier(4);
            var threads = Enumerable.Range(0, 4).Select(t => new Thread(() =>
            {
                start.SignalAndWait();
                for (var i = 0; i < PerThread; i++)
                {
                    run.Log($"thread{t}", i, i);
                }
            })).ToList();
            threads.ForEach(t => t.Start());
            threads.ForEach(t => t.Join());
        }

        var metrics = EventsFile.Read(path).OfType<MetricEvent>().ToList();
        Assert.Equal(4 * PerThread, metrics.Count);
        for (var t = 0; t < 4; t++)
        {
            var steps = metrics.Where(m => m.Key == $"thread{t}").Select(m => m.Step!.Value).ToList();
            Assert.Equal(Enumerable.Range(0, PerThread).Select(i => (long)i), steps);
        }
    }

    [Fact]
    public void Logging_a_metric_allocates_nothing_per_call_on_the_callers_thread()
    {
        using var run = NewRun(new CollectingSink());
        var fewest = long.MaxValue;
        for (var round = 0; round < 5; round++)
        {
            run.Flush();
            var before = GC.GetAllocatedBytesForCurrentThread();
            for (var i = 0; i < 10_000; i++)
            {
                run.Log("loss", i, i);
                run.Log("accuracy", i);
            }

            fewest = Math.Min(fewest, GC.GetAllocatedBytesForCurrentThread() - before);
        }

        // The queue grows its buffer when the backlog outgrows it (rare, then reused), so the best round shows the
        // cost of the call itself: a boxed value or an event object would be 24 bytes or more per call.
        Assert.True(fewest < 20_000, $"{fewest} bytes allocated by 20000 calls");
    }

    [Fact]
    public void Logging_after_dispose_does_not_throw_and_is_counted_once_with_a_warning()
    {
        var sink = new CollectingSink();
        var run = NewRun(sink);
        run.Log("loss", 1, 0);
        run.Dispose();

        run.Log("loss", 2, 1);
        run.Tag("k", "v");
        run.Artifact("a.bin");
        run.Flush();
        run.Dispose();

        Assert.Single(sink.Events);
        Assert.True(sink.Completed);
        Assert.Equal(3, run.LateDropped);
        Assert.Single(Lines(_warnings), l => l.Contains("after run", StringComparison.Ordinal));
    }

    [Fact]
    public void A_sink_that_always_throws_never_reaches_the_caller()
    {
        var sink = new FailingSink(failures: -1);
        var run = NewRun(sink);

        for (var i = 0; i < 10_000; i++)
        {
            run.Log("loss", i, i);
        }

        run.Flush();
        run.Dispose();

        Assert.True(sink.Calls >= EventPipeline.MaxAttempts);
        Assert.Equal(10_000, run.Pipeline.SinkDropped);
        Assert.True(sink.Completed);
        var text = _warnings.ToString();
        Assert.Contains("could not record", text, StringComparison.Ordinal);
        Assert.Contains("disk on fire", text, StringComparison.Ordinal);
        Assert.Contains("10000 events of this run were not recorded", text, StringComparison.Ordinal);
    }

    [Fact]
    public void A_sink_that_fails_once_gets_the_batch_again_and_nothing_is_lost()
    {
        var sink = new FailingSink(failures: 1);
        using (var run = NewRun(sink))
        {
            for (var i = 0; i < 100; i++)
            {
                run.Log("loss", i, i);
            }
        }

        Assert.Equal(Enumerable.Range(0, 100).Select(i => (double)i), sink.Inner.Events.OfType<MetricEvent>().Select(m => m.Value));
        Assert.DoesNotContain("not recorded", _warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Invalid_events_are_dropped_counted_and_warned_about_once()
    {
        var sink = new CollectingSink();
        var run = NewRun(sink);

        run.Log("", 1);
        run.Log(null!, 1);
        run.Log(new string('k', ProtocolParser.MaxKeyLength + 1), 1);
        run.Log("loss", 1, step: -1);
        run.Tag("k", null!);
        run.Artifact("");
        run.Log(new string('k', ProtocolParser.MaxKeyLength), 1);
        run.Dispose();

        Assert.Equal(6, run.InvalidDropped);
        Assert.Single(sink.Events);
        var lines = Lines(_warnings);
        Assert.Single(lines, l => l.Contains("dropped a metric event", StringComparison.Ordinal));
        Assert.Single(lines, l => l.Contains("6 invalid events", StringComparison.Ordinal));
    }

    [Fact]
    public void A_stalled_sink_makes_the_caller_wait_briefly_then_drops_and_counts()
    {
        using var sink = new GatedSink();
        var pipeline = new EventPipeline(sink, new SdkWarnings(_warnings), capacity: 8, maxBlock: TimeSpan.FromMilliseconds(50));

        for (var i = 0; i < 100; i++)
        {
            Assert.True(pipeline.TryEnqueue(PendingEvent.Metric("loss", i, i, 0)));
        }

        sink.Release();
        pipeline.Close(success: true, TimeSpan.FromSeconds(30));

        var written = sink.Inner.Events.Count;
        Assert.Equal(100, written + pipeline.OverflowDropped);
        Assert.True(pipeline.OverflowDropped > 0);
        Assert.Contains("recording cannot keep up", _warnings.ToString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Flush_returns_once_everything_logged_before_it_is_written()
    {
        var sink = new CollectingSink();
        using var run = NewRun(sink);
        for (var i = 0; i < 10; i++)
        {
            run.Log("loss", i, i);
        }

        run.Flush();

        Assert.Equal(10, sink.Events.Count);
    }

    [Fact]
    public void Outside_repro_run_a_run_keeps_events_in_memory_and_warns_once()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);
        var warnings = new SdkWarnings(_warnings);
        var options = new RunOptions { Seed = 5, Params = new Dictionary<string, string> { ["lr"] = "0.3" } };
        using var run = Run.Create(options, env, warnings, standaloneFactory: null);
        using var again = Run.Create(new RunOptions(), env, warnings, standaloneFactory: null);

        Assert.False(run.IsAttached);
        Assert.Equal(5, run.Seed);
        Assert.InRange(again.Seed, 0, Seeds.Max);
        Assert.Equal(0.3, run.Param("lr", 0.1));
        Assert.Single(Lines(_warnings), l => l.Contains("not inside `repro run`; nothing is recorded", StringComparison.Ordinal));
    }

    [Fact]
    public void A_standalone_factory_supplies_the_sink_id_and_seed_of_an_in_process_run()
    {
        var sink = new CollectingSink();
        var id = RunId.New();
        RunStartInfo? seen = null;
        var options = new RunOptions { Name = "baseline", Experiment = "digits", Seed = 9 };
        using (var run = TestRuns.Create(
            new Dictionary<string, string>(StringComparer.Ordinal), _warnings, options, info =>
            {
                seen = info;
                return new StandaloneRun(sink, id, info.Seed ?? 1);
            }))
        {
            Assert.Equal(id, run.Id);
            Assert.Equal(9, run.Seed);
            run.Log("loss", 0.5, 0);
        }

        Assert.Equal(("baseline", "digits", (long?)9), (seen!.Name, seen.Experiment, seen.Seed));
        Assert.Single(sink.Events);
        Assert.True(sink.Completed);
        Assert.Empty(_warnings.ToString());
    }

    [Fact]
    public void A_seed_outside_the_accepted_range_is_refused()
    {
        var env = new Dictionary<string, string>(StringComparer.Ordinal);

        Assert.Throws<ArgumentOutOfRangeException>(() => TestRuns.Create(env, _warnings, new RunOptions { Seed = Seeds.Max + 1 }));
    }

    [Fact]
    public void Environment_variable_names_for_params_are_upper_case_with_underscores()
    {
        Assert.Equal("REPRO_PARAM_LR", ParamOverrides.EnvironmentVariableFor("lr"));
        Assert.Equal("REPRO_PARAM_OPTIMIZER_BETA1", ParamOverrides.EnvironmentVariableFor("optimizer.beta1"));
    }

    private Run NewRun(IRunSink sink) =>
        new(new RunContext(RunId.New(), 1, false, false, 1, ParamOverrides.None), sink, new SdkWarnings(_warnings));

    private static string[] Lines(StringWriter writer) => writer.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries);
}
