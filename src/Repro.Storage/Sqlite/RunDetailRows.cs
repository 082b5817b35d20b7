using Microsoft.Data.Sqlite;
using Repro.Core.Runs;

namespace Repro.Storage.Sqlite;

/// <summary>What hangs off a run besides metrics: params and tags (upserts by key), artifacts and warnings (appends).</summary>
internal static class RunDetailRows
{
    public static void UpsertParams(SqliteConnection connection, long pk, IReadOnlyCollection<Param> parameters)
    {
        if (parameters.Count == 0)
        {
            return;
        }

        using var command = connection.Prepared(
            """
            INSERT INTO params (run_pk, key, value, source) VALUES ($run, $key, $value, $source)
            ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value, source = excluded.source
            """,
            "$run", "$key", "$value", "$source");
        command.Set("$run", pk);
        foreach (var param in parameters)
        {
            command.Set("$key", param.Key);
            command.Set("$value", param.Value);
            command.Set("$source", param.Source.ToWire());
            command.ExecuteNonQuery();
        }
    }

    public static void UpsertTags(SqliteConnection connection, long pk, IReadOnlyCollection<KeyValuePair<string, string>> tags)
    {
        if (tags.Count == 0)
        {
            return;
        }

        using var command = connection.Prepared(
            """
            INSERT INTO tags (run_pk, key, value) VALUES ($run, $key, $value)
            ON CONFLICT (run_pk, key) DO UPDATE SET value = excluded.value
            """,
            "$run", "$key", "$value");
        command.Set("$run", pk);
        foreach (var (key, value) in tags)
        {
            command.Set("$key", key);
            command.Set("$value", value);
            command.ExecuteNonQuery();
        }
    }

    public static void AppendArtifacts(SqliteConnection connection, long pk, IReadOnlyCollection<Artifact> artifacts)
    {
        if (artifacts.Count == 0)
        {
            return;
        }

        using var command = connection.Prepared(
            "INSERT INTO artifacts (run_pk, path, sha256, size) VALUES ($run, $path, $sha, $size)",
            "$run", "$path", "$sha", "$size");
        command.Set("$run", pk);
        foreach (var artifact in artifacts)
        {
            command.Set("$path", artifact.Path);
            command.Set("$sha", artifact.Sha256);
            command.Set("$size", artifact.Size);
            command.ExecuteNonQuery();
        }
    }

    public static void AppendWarnings(SqliteConnection connection, long pk, IReadOnlyCollection<string> warnings)
    {
        if (warnings.Count == 0)
        {
            return;
        }

        using var command = connection.Prepared("INSERT INTO warnings (run_pk, message) VALUES ($run, $message)", "$run", "$message");
        command.Set("$run", pk);
        foreach (var warning in warnings)
        {
            command.Set("$message", warning);
            command.ExecuteNonQuery();
        }
    }
}
