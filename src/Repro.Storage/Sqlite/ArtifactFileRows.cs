using Microsoft.Data.Sqlite;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>The artifact proxy's files: one row per path (bytes in the object store by sha256); directories are implied by paths.</summary>
internal static class ArtifactFileRows
{
    public static void Put(SqliteConnection connection, string path, string sha256, long size)
    {
        var file = ArtifactPaths.File(path);
        ArgumentException.ThrowIfNullOrEmpty(sha256);
        ArgumentOutOfRangeException.ThrowIfNegative(size);
        using var command = connection.Command(
            """
            INSERT INTO artifact_files (path, sha256, size, updated_ms) VALUES ($path, $sha, $size, $now)
            ON CONFLICT (path) DO UPDATE SET sha256 = excluded.sha256, size = excluded.size, updated_ms = excluded.updated_ms
            """,
            ("$path", file),
            ("$sha", sha256),
            ("$size", size),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        command.ExecuteNonQuery();
    }

    /// <summary>The file at the path, or the directory when files lie under it, or null.</summary>
    public static ArtifactFile? Get(SqliteConnection connection, string path)
    {
        var file = ArtifactPaths.File(path);
        using (var command = connection.Command("SELECT sha256, size FROM artifact_files WHERE path = $path", ("$path", file)))
        using (var reader = command.ExecuteReader())
        {
            if (reader.Read())
            {
                return new ArtifactFile(file, false, reader.GetString(0), reader.GetInt64(1));
            }
        }

        using var under = connection.Command(
            "SELECT 1 FROM artifact_files WHERE path >= $low AND path < $high LIMIT 1", ("$low", file + "/"), ("$high", file + "0"));
        return under.ExecuteScalar() is null ? null : new ArtifactFile(file, true, null, 0);
    }

    public static IReadOnlyList<ArtifactFile> List(SqliteConnection connection, string directory)
    {
        var root = ArtifactPaths.Directory(directory);
        var prefix = root.Length == 0 ? "" : root + "/";

        // '0' follows '/' in every collation SQLite uses here (binary), so [prefix, dir + "0") is exactly the paths under dir.
        using var command = root.Length == 0
            ? connection.Command("SELECT path, sha256, size FROM artifact_files ORDER BY path")
            : connection.Command(
                "SELECT path, sha256, size FROM artifact_files WHERE path >= $low AND path < $high ORDER BY path",
                ("$low", prefix),
                ("$high", root + "0"));
        using var reader = command.ExecuteReader();
        var children = new SortedDictionary<string, ArtifactFile>(StringComparer.Ordinal);
        while (reader.Read())
        {
            var path = reader.GetString(0);
            var rest = path[prefix.Length..];
            var slash = rest.IndexOf('/', StringComparison.Ordinal);
            if (slash < 0)
            {
                children[path] = new ArtifactFile(path, false, reader.GetString(1), reader.GetInt64(2));
            }
            else
            {
                var child = prefix + rest[..slash];
                children.TryAdd(child, new ArtifactFile(child, true, null, 0));
            }
        }

        return [.. children.Values];
    }
}
