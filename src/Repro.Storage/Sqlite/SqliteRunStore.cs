using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// The embedded run store: one SQLite file in WAL mode that several processes can read and write at once.
/// Each call takes a pooled connection of its own, so one instance may also be shared between threads.
/// Times are kept to the millisecond, in UTC. It is also the tracking server's store (<see cref="ITrackingStore"/>).
/// </summary>
/// <remarks>
/// Deleted runs (and runs of deleted experiments) are left out of <see cref="ListRuns"/> and <see cref="ResolveRun"/>;
/// <see cref="GetRun"/> still returns them. <see cref="ListExperiments"/> lists active experiments only; "Default" (id 0)
/// exists in every workspace.
/// </remarks>
public sealed partial class SqliteRunStore : ITrackingStore
{
    public const string FileName = "repro.db";

    private readonly SqliteDatabase _database;
    private bool _disposed;

    private SqliteRunStore(SqliteDatabase database) => _database = database;

    /// <summary>The schema version this build reads and writes.</summary>
    public static int SchemaVersion => SqliteMigrations.Latest;

    public string DatabasePath => _database.Path;

    /// <summary>
    /// Opens the database, creating the latest schema when the file is new or empty. A database made by an older
    /// build is a SchemaOutdated error (upgrade it with <c>repro migrate</c>); one made by a newer build is SchemaTooNew.
    /// </summary>
    public static SqliteRunStore Open(string databasePath) => Open(databasePath, SqliteMigrations.Latest);

    internal static SqliteRunStore Open(string databasePath, int latestVersion)
    {
        ArgumentException.ThrowIfNullOrEmpty(databasePath);
        var database = new SqliteDatabase(databasePath);
        try
        {
            SqliteSchema.EnsureCurrent(database, latestVersion);
        }
        catch
        {
            database.ReleasePooledConnections();
            throw;
        }

        return new SqliteRunStore(database);
    }

    internal static SchemaMigration Migrate(string databasePath, int latestVersion)
    {
        var database = new SqliteDatabase(databasePath);
        try
        {
            return SqliteSchema.Migrate(database, latestVersion);
        }
        finally
        {
            database.ReleasePooledConnections();
        }
    }

    public void Write(RunWriteBatch batch)
    {
        ArgumentNullException.ThrowIfNull(batch);
        if (batch.Create is { } created && created.Id != batch.RunId)
        {
            throw new ArgumentException($"The batch is for run {batch.RunId} but creates run {created.Id}.", nameof(batch));
        }

        Database.Run(connection => RunBatchWriter.Write(connection, batch));
    }

    public RunRecord? GetRun(RunId id) =>
        Database.Run(connection =>
            RunRows.FindPk(connection, id) is { } pk ? RunRecordReader.Read(connection, RunSelection.ByPk(pk)).SingleOrDefault() : null);

    public RunRecord ResolveRun(string reference) =>
        Database.Run(connection =>
            RunRecordReader.Read(connection, RunSelection.ByPk(RunReferenceResolver.Resolve(connection, reference))).Single());

    public IReadOnlyList<RunRecord> ListRuns(RunQuery query)
    {
        ArgumentNullException.ThrowIfNull(query);
        ArgumentOutOfRangeException.ThrowIfNegativeOrZero(query.Limit);
        return Database.Run(connection => RunRecordReader.Read(connection, RunSelection.Newest(query)));
    }

    public IReadOnlyList<MetricPoint> GetMetricHistory(RunId id, string? key = null) =>
        Database.Run(connection => MetricRows.History(connection, RunRows.RequirePk(connection, id), key));

    public IReadOnlyList<string> ListExperiments() => Database.Run(ExperimentRows.ListNames);

    public void Dispose()
    {
        if (!_disposed)
        {
            _disposed = true;
            _database.ReleasePooledConnections();
        }
    }

    private SqliteDatabase Database
    {
        get
        {
            ObjectDisposedException.ThrowIf(_disposed, this);
            return _database;
        }
    }
}
