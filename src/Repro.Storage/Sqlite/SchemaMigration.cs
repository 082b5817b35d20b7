namespace Repro.Storage.Sqlite;

/// <summary>
/// What <c>repro migrate</c> did: the schema versions before and after, and the backup it wrote (null when none was needed).
/// </summary>
public sealed record SchemaMigration(int FromVersion, int ToVersion, string? BackupPath)
{
    public bool Changed => FromVersion != ToVersion;
}
