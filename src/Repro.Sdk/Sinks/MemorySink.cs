using Repro.Core.Protocol;

namespace Repro.Sdk.Sinks;

/// <summary>Keeps events in memory (up to a bound) when no recorder is available: nothing is written anywhere.</summary>
internal sealed class MemorySink : IRunSink
{
    public const int DefaultLimit = 100_000;

    private readonly List<ProtocolEvent> _events = [];
    private readonly Lock _lock = new();
    private readonly int _limit;

    public MemorySink(int limit = DefaultLimit) => _limit = limit;

    /// <summary>Events beyond the bound, counted but not kept.</summary>
    public long Discarded { get; private set; }

    public bool? Success { get; private set; }

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
            var room = Math.Max(0, _limit - _events.Count);
            var kept = Math.Min(room, batch.Count);
            for (var i = 0; i < kept; i++)
            {
                _events.Add(batch[i]);
            }

            Discarded += batch.Count - kept;
        }
    }

    public void Complete(bool success)
    {
        lock (_lock)
        {
            Success = success;
        }
    }
}
