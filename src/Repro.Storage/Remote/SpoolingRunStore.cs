using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Remote;

/// <summary>
/// The run store of a tracked run: writes go to the server, and when the server cannot be reached (or was lost earlier in
/// this process) they go to the spool instead, in order, without failing; from then on the run's later writes are spooled
/// too. Reads go to the server, except that a run with spooled writes reads back as this process last wrote it.
/// </summary>
public sealed class SpoolingRunStore : IRunStore
{
    private readonly TrackingConnection _connection;
    private readonly Lock _gate = new();
    private readonly Dictionary<RunId, RunRecord> _shadows = [];
    private readonly HashSet<RunId> _spooling = [];

    public SpoolingRunStore(TrackingConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    public void Write(RunWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        var requests = RemoteRunStore.Plan(batch);
        lock (_gate)
        {
            if (batch.Create is { } created)
            {
                _shadows[batch.RunId] = RunShadow.Apply(created, batch with { Create = null });
            }
            else if (_shadows.TryGetValue(batch.RunId, out var shadow))
            {
                _shadows[batch.RunId] = RunShadow.Apply(shadow, batch);
            }
        }

        for (var i = 0; i < requests.Count; i++)
        {
            if (!Spooling(batch.RunId))
            {
                try
                {
                    _connection.Runs.Send(requests[i]);
                    continue;
                }
                catch (ReproException e) when (e.Code == ErrorCode.Io)
                {
                    _connection.MarkLost(e);
                }
            }

            lock (_gate)
            {
                _spooling.Add(batch.RunId);
                _connection.Spool.Append(requests[i]);
            }
        }
    }

    /// <summary>A run with spooled writes reads back as written here; one written here reads back so too when the server is lost.</summary>
    public RunRecord? GetRun(RunId id)
    {
        if (SpooledShadow(id) is { } spooled)
        {
            return spooled;
        }

        try
        {
            return _connection.Runs.GetRun(id);
        }
        catch (ReproException e) when (e.Code == ErrorCode.Io && Shadow(id) is { } shadow)
        {
            return shadow;
        }
    }

    public RunRecord ResolveRun(string reference) => _connection.Runs.ResolveRun(reference);

    public IReadOnlyList<RunRecord> ListRuns(RunQuery query) => _connection.Runs.ListRuns(query);

    public IReadOnlyList<MetricPoint> GetMetricHistory(RunId id, string? key = null) => _connection.Runs.GetMetricHistory(id, key);

    public IReadOnlyList<string> ListExperiments() => _connection.Runs.ListExperiments();

    public void Dispose()
    {
        // The connection is the workspace's.
    }

    private bool Spooling(RunId id)
    {
        lock (_gate)
        {
            return _connection.IsLost || _spooling.Contains(id);
        }
    }

    private RunRecord? Shadow(RunId id)
    {
        lock (_gate)
        {
            return _shadows.TryGetValue(id, out var shadow) ? shadow : null;
        }
    }

    private RunRecord? SpooledShadow(RunId id)
    {
        lock (_gate)
        {
            return _spooling.Contains(id) && _shadows.TryGetValue(id, out var shadow) ? shadow : null;
        }
    }
}
