using Microsoft.Data.Sqlite;
using Repro.Core.Errors;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Opens connections to one database file with the settings every connection needs (WAL, synchronous=NORMAL,
/// busy timeout, foreign keys) and retries units of work that lose a lock race.
/// Connections are pooled by the driver, so opening one per operation is cheap and keeps the store thread-safe.
/// </summary>
internal sealed class SqliteDatabase
{
    internal static readonly TimeSpan BusyTimeout = TimeSpan.FromSeconds(10);

    private const int SqliteBusy = 5;
    private const int SqliteLocked = 6;
    private const int SqliteCorrupt = 11;
    private const int SqliteNotADatabase = 26;
    private static readonly TimeSpan RetryDeadline = TimeSpan.FromSeconds(60);

    private readonly string _connectionString;

    public SqliteDatabase(string path)
    {
        Path = System.IO.Path.GetFullPath(path);
        _connectionString = new SqliteConnectionStringBuilder
        {
            DataSource = Path,
            Mode = SqliteOpenMode.ReadWriteCreate,
            Pooling = true,
            ForeignKeys = true,
            DefaultTimeout = (int)BusyTimeout.TotalSeconds,
        }.ToString();
    }

    public string Path { get; }

    private SqliteConnection Open()
    {
        var connection = new SqliteConnection(_connectionString);
        try
        {
            connection.Open();
            using var pragmas = connection.CreateCommand();
            pragmas.CommandText = FormattableString.Invariant(
                $"PRAGMA busy_timeout = {(int)BusyTimeout.TotalMilliseconds}; PRAGMA synchronous = NORMAL;");
            pragmas.ExecuteNonQuery();
            return connection;
        }
        catch
        {
            connection.Dispose();
            throw;
        }
    }

    /// <summary>Runs <paramref name="work"/> on a fresh connection, again from the start when it loses a lock race.</summary>
    public T Run<T>(Func<SqliteConnection, T> work)
    {
        var deadline = DateTime.UtcNow + RetryDeadline;
        for (var attempt = 1; ; attempt++)
        {
            try
            {
                using var connection = Open();
                return work(connection);
            }
            catch (SqliteException e) when (IsBusy(e) && DateTime.UtcNow < deadline)
            {
                Thread.Sleep(Backoff(attempt));
            }
            catch (SqliteException e) when (e.SqliteErrorCode is SqliteCorrupt or SqliteNotADatabase)
            {
                throw new ReproException(
                    ErrorCode.Corrupted,
                    $"{Path} is damaged or not a Repro database (SQLite: {e.Message}). Restore it from a backup "
                    + "(.repro/repro.db.bak-v*), or move it away and run `repro init` again.",
                    e);
            }
        }
    }

    public void Run(Action<SqliteConnection> work) =>
        Run(connection =>
        {
            work(connection);
            return true;
        });

    /// <summary>Releases pooled connections (and with them the file handles) of this database.</summary>
    public void ReleasePooledConnections()
    {
        using var connection = new SqliteConnection(_connectionString);
        SqliteConnection.ClearPool(connection);
    }

    private static bool IsBusy(SqliteException e) => e.SqliteErrorCode is SqliteBusy or SqliteLocked;

    private static TimeSpan Backoff(int attempt) =>
        TimeSpan.FromMilliseconds(Math.Min(200, 5 * attempt) + Random.Shared.Next(0, 10));
}
