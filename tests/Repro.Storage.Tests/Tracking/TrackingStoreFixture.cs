using Repro.Storage.Sqlite;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

/// <summary>A fresh SQLite store in a temp directory, as the tracking server sees it.</summary>
public abstract class TrackingStoreTests : IDisposable
{
    private readonly TempDir _directory = new();

    protected TrackingStoreTests()
    {
        Sqlite = SqliteRunStore.Open(_directory.Combine(SqliteRunStore.FileName));
    }

    protected SqliteRunStore Sqlite { get; }

    protected ITrackingStore Store => Sqlite;

    protected string DatabasePath => Sqlite.DatabasePath;

    public virtual void Dispose()
    {
        Sqlite.Dispose();
        _directory.Dispose();
    }
}
