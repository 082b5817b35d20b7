using System.Collections.Concurrent;
using System.Diagnostics;
using Repro.Core.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

/// <summary>
/// Remembers, briefly, which runs are known to exist and be active, so that a stream of log-batch requests to one run does not
/// read the run back before every write. Only "active" is remembered; anything else is asked of the store every time.
/// Entries expire after <see cref="Lifetime"/> so a change made outside this server (another process on the workspace,
/// another API) is seen within that time; changes made through this server call <see cref="Forget"/> or <see cref="Clear"/>
/// at once.
/// </summary>
public sealed class ActiveRunCache
{
    public static readonly TimeSpan Lifetime = TimeSpan.FromSeconds(2);

    private readonly ConcurrentDictionary<RunId, long> _expiry = new();

    /// <summary>Returns when the run exists and is active; else throws RESOURCE_DOES_NOT_EXIST or INVALID_PARAMETER_VALUE.</summary>
    public void EnsureActive(ITrackingStore store, RunId id)
    {
        ArgumentNullException.ThrowIfNull(store);
        var now = Stopwatch.GetTimestamp();
        if (_expiry.TryGetValue(id, out var until) && until > now)
        {
            return;
        }

        var run = store.GetTrackedRun(id) ?? throw MlflowRuns.RunNotFound(id.Value);
        Check(run);
    }

    /// <summary>Takes in a fresh read of the run: remembers it when active, else forgets it and throws MLflow's error.</summary>
    public void Check(TrackedRun run)
    {
        ArgumentNullException.ThrowIfNull(run);
        if (run.Stage != LifecycleStage.Active)
        {
            _expiry.TryRemove(run.Record.Id, out _);
            throw MlflowRuns.RunNotActive(run.Record.Id.Value);
        }

        _expiry[run.Record.Id] = Stopwatch.GetTimestamp() + (long)(Lifetime.TotalSeconds * Stopwatch.Frequency);
    }

    /// <summary>Call when a run is deleted, restored or otherwise changes lifecycle.</summary>
    public void Forget(RunId id) => _expiry.TryRemove(id, out _);

    /// <summary>Call when an experiment is deleted or restored (its runs' state follows it).</summary>
    public void Clear() => _expiry.Clear();
}
