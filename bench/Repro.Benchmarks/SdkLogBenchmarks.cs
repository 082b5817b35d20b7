using BenchmarkDotNet.Attributes;
using Repro.Sdk;

namespace Repro.Benchmarks;

/// <summary>
/// The cost of <see cref="Run.Log"/> for the training loop, sustained: a run attached as under <c>repro run</c>, with its
/// events file on /dev/null so the background writer formats and writes every line but the disk does not fill up.
/// If the writer could not keep up, the queue's backpressure would show here as a higher cost per call.
/// </summary>
[MemoryDiagnoser]
public class SdkLogBenchmarks
{
    private const int Calls = 10_000;
    private Run _run = null!;
    private long _step;

    [GlobalSetup]
    public void Setup()
    {
        Environment.SetEnvironmentVariable("REPRO_RUN_ID", "0123456789abcdef0123456789abcdef");
        Environment.SetEnvironmentVariable("REPRO_SEED", "42");
        Environment.SetEnvironmentVariable("REPRO_EVENTS", OperatingSystem.IsWindows() ? "NUL" : "/dev/null");
        _run = Run.Start(new RunOptions());
    }

    [GlobalCleanup]
    public void Cleanup() => _run.Dispose();

    [Benchmark(OperationsPerInvoke = Calls)]
    public void Log_with_step()
    {
        for (var i = 0; i < Calls; i++)
        {
            _run.Log("train_loss", 0.25, _step++);
        }
    }

    [Benchmark(OperationsPerInvoke = Calls)]
    public void Log_without_step()
    {
        for (var i = 0; i < Calls; i++)
        {
            _run.Log("train_loss", 0.25);
        }
    }
}
