using System.Globalization;
using Microsoft.Data.Sqlite;
using Repro.Core.Errors;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Schema versioning: the version lives in <c>PRAGMA user_version</c>, each applied step also in <c>schema_migrations</c>.
/// A fresh database gets the latest schema at once; an older one is only upgraded by an explicit <see cref="Migrate"/>,
/// which backs it up first.
/// </summary>
internal static class SqliteSchema
{
    /// <summary>Checks the version on open; creates the schema in an empty database.</summary>
    public static void EnsureCurrent(SqliteDatabase database, int latest) =>
        database.Run(connection =>
        {
            EnableWal(connection);
            var version = ReadVersion(connection);
            if (version == 0)
            {
                version = CreateIfEmpty(connection, database.Path, latest);
            }

            if (version < latest)
            {
                throw new ReproException(
                    ErrorCode.SchemaOutdated,
                    $"The workspace database {database.Path} was made by an older repro (schema v{version}, this repro needs "
                    + $"v{latest}). Run `repro migrate` to upgrade it (a backup is written to {BackupPath(database, version)} first).");
            }

            ThrowIfTooNew(database, version, latest);
        });

    public static SchemaMigration Migrate(SqliteDatabase database, int latest) =>
        database.Run(connection =>
        {
            EnableWal(connection);
            var version = ReadVersion(connection);
            ThrowIfTooNew(database, version, latest);
            if (version == latest)
            {
                return new SchemaMigration(version, version, null);
            }

            if (version == 0)
            {
                return new SchemaMigration(0, CreateIfEmpty(connection, database.Path, latest), null);
            }

            var backup = BackupPath(database, version);
            WriteBackup(connection, backup);
            using var transaction = connection.BeginTransaction(deferred: false);
            var current = ReadVersion(connection);
            ThrowIfTooNew(database, current, latest);
            Apply(connection, current, latest);
            transaction.Commit();
            return new SchemaMigration(version, latest, backup);
        });

    internal static int ReadVersion(SqliteConnection connection) =>
        Convert.ToInt32(Scalar(connection, "PRAGMA user_version"), CultureInfo.InvariantCulture);

    private static int CreateIfEmpty(SqliteConnection connection, string path, int latest)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var version = ReadVersion(connection);
        if (version != 0)
        {
            return version;    // another process created it first
        }

        if (Convert.ToInt64(Scalar(connection, "SELECT count(*) FROM sqlite_master"), CultureInfo.InvariantCulture) != 0)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"{path} holds tables but no Repro schema version. It is not a Repro database: move it away and run `repro init` again.");
        }

        Apply(connection, 0, latest);
        transaction.Commit();
        return latest;
    }

    private static void Apply(SqliteConnection connection, int from, int to)
    {
        Execute(connection, """
            CREATE TABLE IF NOT EXISTS schema_migrations (
                version INTEGER PRIMARY KEY,
                description TEXT NOT NULL,
                applied_ms INTEGER NOT NULL
            )
            """);
        foreach (var migration in SqliteMigrations.All.Where(m => m.Version > from && m.Version <= to))
        {
            Execute(connection, migration.Sql);
            migration.Code?.Invoke(connection);
            using var record = connection.CreateCommand();
            record.CommandText = "INSERT INTO schema_migrations (version, description, applied_ms) VALUES ($v, $d, $t)";
            record.Parameters.AddWithValue("$v", migration.Version);
            record.Parameters.AddWithValue("$d", migration.Description);
            record.Parameters.AddWithValue("$t", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds());
            record.ExecuteNonQuery();
        }

        Execute(connection, FormattableString.Invariant($"PRAGMA user_version = {to}"));
    }

    private static void ThrowIfTooNew(SqliteDatabase database, int version, int latest)
    {
        if (version > latest)
        {
            throw new ReproException(
                ErrorCode.SchemaTooNew,
                $"The workspace database {database.Path} has schema v{version}, which is newer than this repro understands "
                + $"(v{latest}). Update repro (`git pull` and re-run `./repro`), or use the newer repro that wrote it.");
        }
    }

    private static string BackupPath(SqliteDatabase database, int version) =>
        database.Path + ".bak-v" + version.ToString(CultureInfo.InvariantCulture);

    /// <summary>Uses SQLite's online backup, so pages still in the WAL file are included.</summary>
    private static void WriteBackup(SqliteConnection connection, string backupPath)
    {
        File.Delete(backupPath);
        var target = new SqliteConnectionStringBuilder { DataSource = backupPath, Pooling = false }.ToString();
        using var backup = new SqliteConnection(target);
        backup.Open();
        connection.BackupDatabase(backup);
    }

    private static void EnableWal(SqliteConnection connection) => Scalar(connection, "PRAGMA journal_mode = WAL");

    private static object? Scalar(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    private static void Execute(SqliteConnection connection, string sql)
    {
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }
}
