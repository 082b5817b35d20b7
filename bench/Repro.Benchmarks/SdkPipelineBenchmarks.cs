using BenchmarkDotNet.Attributes;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk;
using Repro.Sdk.Logging;
using Repro.Sdk.Params;
using Repro.Sdk.Sinks;

namespace Repro.Benchmarks;

/// <summary>The parts behind <see cref="Run.Log"/>: the caller's side alone, and the background writer's formatting.</summary>
[MemoryDiagnoser]
public class SdkPipelineBenchmarks
{
    private const int Burst = 100_000;
    private readonly List<ProtocolEvent> _batch = [];
    private Run _run = null!;
    private EventLineFormatter _formatter = null!;
    private long _step;

    [GlobalSetup]
    public void Setup()
    {
        var context = new RunContext(RunId.New(), 1, true, false, 1, ParamOverrides.None);
        _run = new Run(context, new NullSink(), new SdkWarnings(TextWriter.Null), queueCapacity: 4 * Burst);
        _formatter = new EventLineFormatter();
        for (var i = 0; i < 4096; i++)
        {
            _batch.Add(new MetricEvent("train_loss", 1.0 / (i + 3), i, 1_760_000_000_000 + i));
        }
    }

    [GlobalCleanup]
    public void Cleanup()
    {
        _run.Dispose();
        _formatter.Dispose();
    }

    [IterationSetup(Target = nameof(Log_burst))]
    public void WaitForWriter() => _run.Flush();

    /// <summary>What the training loop pays while the queue has room: a burst of points, written later.</summary>
    [Benchmark(OperationsPerInvoke = Burst)]
    [InvocationCount(1)]
    public void Log_burst()
    {
        for (var i = 0; i < Burst; i++)
        {
            _run.Log("train_loss", 0.25, _step++);
        }
    }

    /// <summary>The background writer's cost per line: protocol JSON for a metric point.</summary>
    [Benchmark(OperationsPerInvoke = 4096)]
    public int Format_metric_line()
    {
        _formatter.Clear();
        foreach (var ev in _batch)
        {
            _formatter.Append(ev);
        }

        return _formatter.Written.Length;
    }

    private sealed class NullSink : IRunSink
    {
        public void Write(IReadOnlyList<ProtocolEvent> batch)
        {
        }

        public void Complete(bool success)
        {
        }
    }
}
