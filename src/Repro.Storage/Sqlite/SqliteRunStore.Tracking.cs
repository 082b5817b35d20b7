using Repro.Core.Runs;
using Repro.Core.Search;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>The tracking server's part of the store: each call is one unit of work over the aggregate classes.</summary>
public sealed partial class SqliteRunStore
{
    private const string MetricHistoryScope = "metric-history";

    public ExperimentInfo CreateExperiment(string name, string? artifactLocation, IReadOnlyDictionary<string, string>? tags)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Database.Run(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            var created = ExperimentRows.Create(connection, name, artifactLocation, tags);
            transaction.Commit();
            return created;
        });
    }

    public ExperimentInfo? GetExperiment(string id) =>
        ExperimentRows.ParseId(id) is { } pk ? Database.Run(connection => ExperimentRows.Get(connection, pk)) : null;

    public ExperimentInfo? GetExperimentByName(string name)
    {
        ArgumentNullException.ThrowIfNull(name);
        return Database.Run(connection => ExperimentRows.GetByName(connection, name));
    }

    public SearchPage<ExperimentInfo> SearchExperiments(ExperimentSearchQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Database.Run(connection => ExperimentSearch.Find(connection, query));
    }

    public void SetExperimentStage(string id, LifecycleStage stage) =>
        WriteUnit(connection => ExperimentRows.SetStage(connection, id, stage));

    public void RenameExperiment(string id, string newName)
    {
        ArgumentNullException.ThrowIfNull(newName);
        WriteUnit(connection => ExperimentRows.Rename(connection, id, newName));
    }

    public void SetExperimentTag(string id, string key, string value) =>
        WriteUnit(connection => ExperimentRows.SetTag(connection, id, key, value));

    public TrackedRun? GetTrackedRun(RunId id) =>
        Database.Run(connection =>
            RunRows.FindPk(connection, id) is { } pk
                ? RunRecordReader.ReadTracked(connection, RunSelection.ByPk(pk), withDatasets: true).Select(t => t.Run).SingleOrDefault()
                : null);

    public SearchPage<TrackedRun> SearchRuns(RunSearchQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        return Database.Run(connection =>
        {
            // Runs are never removed, only marked deleted, so every pk found is still there to read.
            var (pks, offset, more) = RunSearch.Find(connection, query);
            var runs = pks.Count == 0
                ? []
                : RunRecordReader.ReadTracked(connection, RunSelection.ByPks(pks), withDatasets: true).ToDictionary(t => t.Pk, t => t.Run);
            return new SearchPage<TrackedRun>(
                [.. pks.Where(runs.ContainsKey).Select(pk => runs[pk])],
                more ? SearchPageToken.Encode(offset + pks.Count, RunSearch.TokenScope) : null);
        });
    }

    public void SetRunStage(RunId id, LifecycleStage stage) =>
        WriteUnit(connection => RunRows.SetStage(connection, RunRows.RequirePk(connection, id), stage));

    public void UpdateRun(RunId id, RunStatus? status, DateTimeOffset? endTime, string? name) =>
        WriteUnit(connection => RunRows.UpdateRun(connection, RunRows.RequirePk(connection, id), status, endTime, name));

    public void DeleteTag(RunId id, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        WriteUnit(connection => RunRows.DeleteTag(connection, RunRows.RequirePk(connection, id), id, key));
    }

    public void LogDatasets(RunId id, IReadOnlyList<DatasetInput> datasets)
    {
        ArgumentNullException.ThrowIfNull(datasets);
        WriteUnit(connection => DatasetRows.Log(connection, RunRows.RequirePk(connection, id), datasets));
    }

    public MetricSeries GetMetricSeries(RunId id, string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        return Database.Run(connection => MetricRows.Series(connection, RunRows.RequirePk(connection, id), key));
    }

    public SearchPage<MetricPoint> GetMetricHistoryPage(RunId id, string key, int maxResults, string? pageToken)
    {
        ArgumentNullException.ThrowIfNull(key);
        var offset = SearchSql.Offset(maxResults, pageToken, MetricHistoryScope);
        return Database.Run(connection =>
        {
            var points = MetricRows.Page(connection, RunRows.RequirePk(connection, id), key, offset, maxResults + 1);
            var more = points.Count > maxResults;
            if (more)
            {
                points.RemoveAt(points.Count - 1);
            }

            return new SearchPage<MetricPoint>(points, more ? SearchPageToken.Encode(offset + points.Count, MetricHistoryScope) : null);
        });
    }

    public void PutArtifactFile(string path, string sha256, long size) =>
        Database.Run(connection => ArtifactFileRows.Put(connection, path, sha256, size));

    public ArtifactFile? GetArtifactFile(string path) => Database.Run(connection => ArtifactFileRows.Get(connection, path));

    public IReadOnlyList<ArtifactFile> ListArtifactFiles(string directory) =>
        Database.Run(connection => ArtifactFileRows.List(connection, directory));

    private void WriteUnit(Action<Microsoft.Data.Sqlite.SqliteConnection> work) =>
        Database.Run(connection =>
        {
            using var transaction = connection.BeginTransaction(deferred: false);
            work(connection);
            transaction.Commit();
        });
}
