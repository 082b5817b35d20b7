using Repro.Core.Protocol;
using Repro.Sdk.Sinks;

namespace Repro.Sdk.Tests.Support;

/// <summary>Keeps every batch it is given.</summary>
internal sealed class CollectingSink : IRunSink
{
    private readonly Lock _lock = new();
    private readonly List<ProtocolEvent> _events = [];

    public bool? Completed { get; private set; }

    public IReadOnlyList<ProtocolEvent> Events
    {
        get
        {
            lock (_lock)
            {
                return [.. _events];
            }
        }
    }

    public void Write(IReadOnlyList<ProtocolEvent> batch)
    {
        lock (_lock)
        {
            _events.AddRange(batch);
        }
    }

    public void Complete(bool success) => Completed = success;
}

/// <summary>Throws on the first <c>failures</c> writes (all of them when negative), then collects.</summary>
internal sealed class FailingSink(int failures) : IRunSink
{
    private int _calls;

    public CollectingSink Inner { get; } = new();

    public int Calls => Volatile.Read(ref _calls);

    public bool? Completed { get; private set; }

    public void Write(IReadOnlyList<ProtocolEvent> batch)
    {
        var call = Interlocked.Increment(ref _calls);
        if (failures < 0 || call <= failures)
        {
            throw new IOException("disk on fire");
        }

        Inner.Write(batch);
    }

    public void Complete(bool success) => Completed = success;
}

/// <summary>Blocks every write until released: a stalled store.</summary>
internal sealed class GatedSink : IRunSink, IDisposable
{
    private readonly ManualResetEventSlim _gate = new(false);

    public CollectingSink Inner { get; } = new();

    public void Release() => _gate.Set();

    public void Write(IReadOnlyList<ProtocolEvent> batch)
    {
        _gate.Wait();
        Inner.Write(batch);
    }

    public void Complete(bool success)
    {
    }

    public void Dispose() => _gate.Dispose();
}
