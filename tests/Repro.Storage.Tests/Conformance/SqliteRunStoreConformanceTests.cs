using Repro.Storage.Sqlite;
using Repro.Storage.Tests.Support;

namespace Repro.Storage.Tests.Conformance;

public sealed class SqliteRunStoreConformanceTests : RunStoreConformanceTests
{
    private readonly TempDir _directory;

    public SqliteRunStoreConformanceTests()
        : this(new TempDir())
    {
    }

    private SqliteRunStoreConformanceTests(TempDir directory)
        : base(() => SqliteRunStore.Open(directory.Combine(SqliteRunStore.FileName))) => _directory = directory;

    public override void Dispose()
    {
        base.Dispose();
        _directory.Dispose();
    }
}
