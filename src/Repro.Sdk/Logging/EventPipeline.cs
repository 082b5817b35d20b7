using System.Collections.Concurrent;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Repro.Core.Protocol;
using Repro.Sdk.Sinks;

namespace Repro.Sdk.Logging;

/// <summary>
/// The queue between the training code and a sink. Producers enqueue structs into a lock-free queue and return;
/// one background thread drains it to the sink every <see cref="DrainInterval"/>, or as soon as
/// <see cref="BatchSize"/> events have arrived.
/// <para>
/// Backpressure: when more than the capacity of events wait (the sink cannot keep up), a producer blocks for up to
/// <c>maxBlock</c> while the writer catches up. If the writer still has not made room, the queue switches to dropping:
/// new events are counted and discarded (one warning) until the backlog has fallen to half the capacity. A stalled
/// sink therefore slows training by at most <c>maxBlock</c>, and every lost event is counted and reported when the
/// run ends.
/// </para>
/// <para>
/// A sink that throws gets the same batch again on the next drain, up to <see cref="MaxAttempts"/> times; then the
/// batch is dropped, counted and reported. The first failure is reported at once. Nothing is thrown to producers.
/// </para>
/// </summary>
internal sealed class EventPipeline
{
    public const int BatchSize = 4096;
    public const int DefaultCapacity = 1 << 18;
    public const int MaxAttempts = 3;
    public static readonly TimeSpan DrainInterval = TimeSpan.FromMilliseconds(100);
    public static readonly TimeSpan DefaultMaxBlock = TimeSpan.FromSeconds(1);

    private readonly ConcurrentQueue<PendingEvent> _queue = new();
    private readonly IRunSink _sink;
    private readonly SdkWarnings _warnings;
    private readonly int _capacity;
    private readonly TimeSpan _maxBlock;
    private readonly Thread _thread;
    private readonly object _wakeLock = new();
    private readonly object _progressLock = new();

    // Written by producers and by the writer thread respectively: kept on separate cache lines.
    private PaddedCounter _accepted;
    private PaddedCounter _settled;
    private long _overflowDropped;
    private long _sinkDropped;
    private long _sinkFailures;
    private volatile bool _closing;
    private volatile bool _overflowing;
    private volatile bool _finished;
    private bool _wakeRequested;
    private List<ProtocolEvent>? _unwritten;
    private int _attempts;

    public EventPipeline(IRunSink sink, SdkWarnings warnings, int capacity = DefaultCapacity, TimeSpan? maxBlock = null)
    {
        ArgumentOutOfRangeException.ThrowIfLessThan(capacity, 2);
        _sink = sink;
        _warnings = warnings;
        _capacity = capacity;
        _maxBlock = maxBlock ?? DefaultMaxBlock;
        _thread = new Thread(Pump) { IsBackground = true, Name = "repro-events" };
        _thread.Start();
    }

    public bool IsClosed => _closing;

    /// <summary>Events discarded because the queue stayed full.</summary>
    public long OverflowDropped => Interlocked.Read(ref _overflowDropped);

    /// <summary>Events discarded because the sink failed <see cref="MaxAttempts"/> times.</summary>
    public long SinkDropped => Interlocked.Read(ref _sinkDropped);

    /// <summary>Calls to the sink that threw.</summary>
    public long SinkFailures => Interlocked.Read(ref _sinkFailures);

    /// <summary>Queues an event. False only once the pipeline is closed. Never blocks longer than maxBlock; never throws.</summary>
    public bool TryEnqueue(in PendingEvent ev)
    {
        if (_closing)
        {
            return false;
        }

        var sequence = Interlocked.Increment(ref _accepted.Value);
        if ((sequence - Volatile.Read(ref _settled.Value) > _capacity || _overflowing) && !MakeRoom(sequence))
        {
            Interlocked.Increment(ref _overflowDropped);
            Interlocked.Increment(ref _settled.Value);
            return true;
        }

        _queue.Enqueue(ev);
        if ((sequence & (BatchSize - 1)) == 0)
        {
            Wake();
        }

        return true;
    }

    /// <summary>Waits until every event queued before the call has been handed to the sink (or dropped). False on timeout.</summary>
    public bool Flush(TimeSpan timeout)
    {
        var target = Volatile.Read(ref _accepted.Value);
        if (Volatile.Read(ref _settled.Value) >= target)
        {
            return true;
        }

        Wake();
        var start = Stopwatch.GetTimestamp();
        lock (_progressLock)
        {
            while (Volatile.Read(ref _settled.Value) < target)
            {
                var left = timeout - Stopwatch.GetElapsedTime(start);
                if (_finished || left <= TimeSpan.Zero)
                {
                    return false;
                }

                Monitor.Wait(_progressLock, left < DrainInterval ? left : DrainInterval);
            }
        }

        return true;
    }

    /// <summary>Stops accepting events, writes what is queued, completes the sink and reports anything lost.</summary>
    public void Close(bool success, TimeSpan timeout)
    {
        if (_closing)
        {
            return;
        }

        _closing = true;
        Wake();
        if (!_thread.Join(timeout))
        {
            var waiting = Volatile.Read(ref _accepted.Value) - Volatile.Read(ref _settled.Value);
            _warnings.Warn(
                $"recording did not finish within {timeout.TotalSeconds.ToString(CultureInfo.InvariantCulture)} s; " +
                $"up to {waiting} events of this run may be missing from its record.");
            return;
        }

        // Producers that passed the closed check just before Close may have queued after the last drain.
        var raced = Volatile.Read(ref _accepted.Value) - Volatile.Read(ref _settled.Value);
        try
        {
            _sink.Complete(success);
        }
        catch (Exception e)
        {
            _warnings.Warn($"could not complete the run's record: {e.Message}");
        }

        var lost = OverflowDropped + SinkDropped + Math.Max(0, raced);
        if (lost > 0)
        {
            _warnings.Warn(
                $"{lost} events of this run were not recorded ({OverflowDropped} because recording could not keep up, " +
                $"{SinkDropped} because writing them failed, {Math.Max(0, raced)} logged while the run was ending).");
        }
    }

    private bool MakeRoom(long sequence)
    {
        if (_overflowing)
        {
            if (sequence - Volatile.Read(ref _settled.Value) > _capacity / 2)
            {
                return false;
            }

            _overflowing = false;
            return true;
        }

        Wake();
        var start = Stopwatch.GetTimestamp();
        var spin = default(SpinWait);
        while (sequence - Volatile.Read(ref _settled.Value) > _capacity)
        {
            if (Stopwatch.GetElapsedTime(start) > _maxBlock || _finished)
            {
                _overflowing = true;
                _warnings.WarnOnce(
                    "queue-full:" + RuntimeHelpers.GetHashCode(this).ToString(CultureInfo.InvariantCulture),
                    $"recording cannot keep up: {_capacity} events are waiting. New events are dropped (and counted) " +
                    "until it catches up; log less often (e.g. every N steps) to keep every point.");
                return false;
            }

            spin.SpinOnce(sleep1Threshold: 20);
        }

        return true;
    }

    private void Wake()
    {
        lock (_wakeLock)
        {
            _wakeRequested = true;
            Monitor.Pulse(_wakeLock);
        }
    }

    private void Pump()
    {
        while (true)
        {
            var closing = _closing;
            var failed = !DrainAvailable();
            if (closing && _queue.IsEmpty && _unwritten is null)
            {
                break;
            }

            lock (_wakeLock)
            {
                // While closing, pause only to let a failing sink recover between attempts.
                if (!_wakeRequested || failed)
                {
                    Monitor.Wait(_wakeLock, closing ? TimeSpan.FromMilliseconds(20) : DrainInterval);
                }

                _wakeRequested = false;
            }
        }

        _finished = true;
        lock (_progressLock)
        {
            Monitor.PulseAll(_progressLock);
        }
    }

    /// <summary>Writes batches until the queue is empty (true) or the sink failed (false).</summary>
    private bool DrainAvailable()
    {
        while (true)
        {
            if (_unwritten is null)
            {
                var batch = new List<ProtocolEvent>(Math.Min(BatchSize, Math.Max(16, _queue.Count)));
                while (batch.Count < BatchSize && _queue.TryDequeue(out var ev))
                {
                    batch.Add(ev.ToProtocolEvent());
                }

                if (batch.Count == 0)
                {
                    return true;
                }

                _unwritten = batch;
                _attempts = 0;
            }

            try
            {
                _sink.Write(_unwritten);
            }
            catch (Exception e)
            {
                Interlocked.Increment(ref _sinkFailures);
                _attempts++;
                if (_attempts == 1)
                {
                    _warnings.WarnOnce(
                        "sink-failed:" + RuntimeHelpers.GetHashCode(this).ToString(CultureInfo.InvariantCulture),
                        $"could not record {_unwritten.Count} events ({e.GetType().Name}: {e.Message}); " +
                        "retrying. Training continues.");
                }

                if (_attempts >= MaxAttempts)
                {
                    Interlocked.Add(ref _sinkDropped, _unwritten.Count);
                    Settle(_unwritten.Count);
                    _unwritten = null;
                }

                return false;
            }

            Settle(_unwritten.Count);
            _unwritten = null;
        }
    }

    private void Settle(int count)
    {
        Interlocked.Add(ref _settled.Value, count);
        lock (_progressLock)
        {
            Monitor.PulseAll(_progressLock);
        }
    }

    [StructLayout(LayoutKind.Explicit, Size = 128)]
    private struct PaddedCounter
    {
        [FieldOffset(64)]
        public long Value;
    }
}
