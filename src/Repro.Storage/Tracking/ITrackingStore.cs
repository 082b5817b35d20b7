using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Tracking;

/// <summary>Whether an experiment or run is live or in the trash (MLflow's lifecycle_stage).</summary>
public enum LifecycleStage
{
    Active,
    Deleted,
}

/// <summary>Which lifecycle stages a search returns (MLflow's ViewType).</summary>
public enum ViewType
{
    ActiveOnly,
    DeletedOnly,
    All,
}

/// <summary>
/// An experiment as the tracking server shows it. Ids are decimal strings; the experiment named "Default" has id "0",
/// as MLflow clients expect.
/// </summary>
public sealed record ExperimentInfo(
    string Id,
    string Name,
    string ArtifactLocation,
    LifecycleStage Stage,
    DateTimeOffset CreationTime,
    DateTimeOffset LastUpdateTime,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>A dataset a run used, as MLflow's log-inputs describes it (name + digest identify it within a run).</summary>
public sealed record DatasetInput(
    string Name,
    string Digest,
    string SourceType,
    string Source,
    string? Schema,
    string? Profile,
    IReadOnlyDictionary<string, string> Tags);

/// <summary>
/// A run with what the tracking server needs besides the record itself. <see cref="Stage"/> is Deleted when the run or its
/// experiment is deleted.
/// </summary>
public sealed record TrackedRun(RunRecord Record, string ExperimentId, LifecycleStage Stage, IReadOnlyList<DatasetInput> Datasets)
{
    /// <summary>Where the run's artifacts live: <c>&lt;experiment artifact location&gt;/&lt;run id&gt;/artifacts</c>.</summary>
    public string ArtifactUri { get; init; } = "";
}

/// <summary>One page of results. <see cref="NextPageToken"/> is null on the last page; tokens are opaque to callers.</summary>
public sealed record SearchPage<T>(IReadOnlyList<T> Items, string? NextPageToken);

/// <summary>
/// A runs search. <see cref="Filter"/> uses MLflow's search syntax (<c>metrics.acc &gt; 0.9 and params.lr = '0.01'</c>);
/// <see cref="OrderBy"/> holds clauses like <c>metrics.acc DESC</c> or <c>attributes.start_time</c>.
/// Empty <see cref="ExperimentIds"/> means every experiment.
/// </summary>
public sealed record RunSearchQuery
{
    public IReadOnlyList<string> ExperimentIds { get; init; } = [];

    /// <summary>When given, only the runs of this sweep group (<see cref="RunLineage.Group"/>, matched exactly).</summary>
    public string? Group { get; init; }

    public string? Filter { get; init; }
    public ViewType ViewType { get; init; } = ViewType.ActiveOnly;
    public int MaxResults { get; init; } = 1000;
    public IReadOnlyList<string> OrderBy { get; init; } = [];
    public string? PageToken { get; init; }
}

/// <summary>An experiments search: filter on <c>name</c>, <c>tags.x</c>, <c>creation_time</c>, <c>last_update_time</c>.</summary>
public sealed record ExperimentSearchQuery
{
    public string? Filter { get; init; }
    public ViewType ViewType { get; init; } = ViewType.ActiveOnly;
    public int MaxResults { get; init; } = 1000;
    public IReadOnlyList<string> OrderBy { get; init; } = [];
    public string? PageToken { get; init; }
}

/// <summary>A metric series in columns, ordered by step (insertion order among equal steps).</summary>
public sealed record MetricSeries(string Key, long[] Steps, double[] Values, long[] TimestampsMs)
{
    public int Count => Steps.Length;
}

/// <summary>A file under the artifact proxy's root (or a directory, when <see cref="IsDirectory"/>; then Sha256 is null).</summary>
public sealed record ArtifactFile(string Path, bool IsDirectory, string? Sha256, long Size);

/// <summary>
/// What a team tracking server needs of a store beyond <see cref="IRunStore"/>: experiments with ids and lifecycle,
/// run search with MLflow's filter syntax and paging, soft delete, columnar metric series, datasets, and the files of
/// the artifact proxy. Every "not found" is a <c>ReproException(ErrorCode.NotFound)</c>; a bad filter or order_by is
/// <c>ErrorCode.InvalidArgument</c> with the position of the problem in the message.
/// </summary>
public interface ITrackingStore : IRunStore
{
    /// <summary>
    /// AlreadyExists when an experiment (active or deleted) has the name. Without an artifact location, the experiment's is
    /// <c>mlflow-artifacts:/&lt;id&gt;</c> (served by the artifact proxy).
    /// </summary>
    ExperimentInfo CreateExperiment(string name, string? artifactLocation, IReadOnlyDictionary<string, string>? tags);

    ExperimentInfo? GetExperiment(string id);

    ExperimentInfo? GetExperimentByName(string name);

    SearchPage<ExperimentInfo> SearchExperiments(ExperimentSearchQuery query);

    /// <summary>Deleting an experiment also hides its runs from ActiveOnly searches; restoring brings them back.</summary>
    void SetExperimentStage(string id, LifecycleStage stage);

    void RenameExperiment(string id, string newName);

    void SetExperimentTag(string id, string key, string value);

    TrackedRun? GetTrackedRun(RunId id);

    /// <summary>
    /// Ordered by <see cref="RunSearchQuery.OrderBy"/>, then start time (newest first), then run id; runs lacking an ordered
    /// key come last. MaxResults must be 1 to 50,000. A tampered page token is InvalidArgument.
    /// </summary>
    SearchPage<TrackedRun> SearchRuns(RunSearchQuery query);

    void SetRunStage(RunId id, LifecycleStage stage);

    /// <summary>Changes what is given; null leaves a field as it is.</summary>
    void UpdateRun(RunId id, RunStatus? status, DateTimeOffset? endTime, string? name);

    /// <summary>NotFound when the run has no such tag.</summary>
    void DeleteTag(RunId id, string key);

    /// <summary>Adds datasets (a dataset already logged with the same name and digest is kept once).</summary>
    void LogDatasets(RunId id, IReadOnlyList<DatasetInput> datasets);

    /// <summary>Every point of one metric in columns; empty arrays when the run has no such metric.</summary>
    MetricSeries GetMetricSeries(RunId id, string key);

    SearchPage<MetricPoint> GetMetricHistoryPage(RunId id, string key, int maxResults, string? pageToken);

    /// <summary>
    /// Records (or replaces) the file at a relative path under the artifact root; its bytes are in the object store.
    /// Paths are checked by <see cref="ArtifactPaths"/>: absolute paths, '..' or '.' segments and backslashes are InvalidArgument.
    /// </summary>
    void PutArtifactFile(string path, string sha256, long size);

    ArtifactFile? GetArtifactFile(string path);

    /// <summary>The direct children of a directory ("" for the root), directories included, ordered by path.</summary>
    IReadOnlyList<ArtifactFile> ListArtifactFiles(string directory);

    /// <summary>Forgets the file at a path, or every file under it when it is a directory (the objects stay); no-op when absent.</summary>
    void DeleteArtifactFiles(string path);
}
