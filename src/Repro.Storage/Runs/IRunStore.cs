using Repro.Core.Runs;

namespace Repro.Storage.Runs;

/// <summary>
/// The run store port. <see cref="Write"/> is the one write primitive; everything else that writes is a helper over it.
/// Safe for concurrent use by several processes on one workspace (SQLite WAL + busy timeout).
/// </summary>
public interface IRunStore : IDisposable
{
    /// <summary>Applies a batch atomically (one transaction). Creating a run that exists is a Conflict.</summary>
    void Write(RunWriteBatch batch);

    /// <summary>The run with this id, deleted or not; null when there is none.</summary>
    RunRecord? GetRun(RunId id);

    /// <summary>
    /// A unique id prefix (at least 4 characters), an exact run name (the newest if several), or "last". Deleted runs, and
    /// runs of deleted experiments, are not resolved.
    /// </summary>
    RunRecord ResolveRun(string reference);

    /// <summary>
    /// Newest first; deleted runs, and runs of deleted experiments, are left out. One query however many runs match
    /// (a tracking server answers it a page at a time, never a request per run).
    /// </summary>
    IReadOnlyList<RunRecord> ListRuns(RunQuery query);

    /// <summary>All points of one metric (or of all metrics when key is null), ordered by key, step, then insertion.</summary>
    IReadOnlyList<MetricPoint> GetMetricHistory(RunId id, string? key = null);

    /// <summary>The names of the active (not deleted) experiments, "Default" included, in ordinal order.</summary>
    IReadOnlyList<string> ListExperiments();
}

/// <summary>
/// Which runs <see cref="IRunStore.ListRuns"/> returns: those of an experiment (by name) and of a sweep group
/// (<see cref="RunLineage.Group"/>, matched exactly), each when given, at most <see cref="Limit"/> of them.
/// </summary>
public sealed record RunQuery(string? Experiment = null, int Limit = 50, string? Group = null);

/// <summary>The end of a run.</summary>
public sealed record RunCompletion(RunStatus Status, DateTimeOffset EndTime, int? ExitCode, string? Signal, string? LogSha256);

/// <summary>
/// Everything one write may carry for one run. Params are upserts by key (a later write of the same key replaces it);
/// tags are upserts; metrics, artifacts and warnings append.
/// </summary>
public sealed record RunWriteBatch(RunId RunId)
{
    /// <summary>When set, the run is created from this record (its metrics/params/... are written as part of the batch too).</summary>
    public RunRecord? Create { get; init; }

    public IReadOnlyList<MetricPoint> Metrics { get; init; } = [];
    public IReadOnlyList<Param> Params { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Replaces the stored code snapshot (captured after the run row was created).</summary>
    public CodeSnapshot? Code { get; init; }

    /// <summary>Replaces the stored environment snapshot.</summary>
    public EnvironmentSnapshot? Environment { get; init; }

    /// <summary>Replaces the stored seed ledger (which named random streams were used, and how much).</summary>
    public IReadOnlyList<StreamUsage>? SeedLedger { get; init; }

    /// <summary>Replaces the stored data inputs.</summary>
    public IReadOnlyList<DataInput>? Inputs { get; init; }

    /// <summary>Sets the verdict of a reproduction.</summary>
    public Repro.Core.Verdicts.Verdict? Verdict { get; init; }

    public RunCompletion? Complete { get; init; }
}
