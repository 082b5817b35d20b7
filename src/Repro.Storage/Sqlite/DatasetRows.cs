using System.Text.Json;
using Microsoft.Data.Sqlite;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>Datasets a run used (MLflow's log-inputs); one row per (run, name, digest), the first one logged kept.</summary>
internal static class DatasetRows
{
    /// <summary>The input tag MLflow uses for a dataset's role ("training", "eval", ...), searchable as datasets.context.</summary>
    public const string ContextTag = "mlflow.data.context";

    public static void Log(SqliteConnection connection, long pk, IReadOnlyList<DatasetInput> datasets)
    {
        if (datasets.Count == 0)
        {
            return;
        }

        using var command = connection.Prepared(
            """
            INSERT INTO run_datasets (run_pk, name, digest, source_type, source, schema, profile, tags_json, context)
            VALUES ($run, $name, $digest, $type, $source, $schema, $profile, $tags, $context)
            ON CONFLICT (run_pk, name, digest) DO NOTHING
            """,
            "$run", "$name", "$digest", "$type", "$source", "$schema", "$profile", "$tags", "$context");
        command.Set("$run", pk);
        foreach (var dataset in datasets)
        {
            command.Set("$name", dataset.Name);
            command.Set("$digest", dataset.Digest);
            command.Set("$type", dataset.SourceType);
            command.Set("$source", dataset.Source);
            command.Set("$schema", dataset.Schema);
            command.Set("$profile", dataset.Profile);
            command.Set("$tags", JsonSerializer.Serialize(new SortedDictionary<string, string>(
                dataset.Tags.ToDictionary(t => t.Key, t => t.Value), StringComparer.Ordinal)));
            command.Set("$context", dataset.Tags.TryGetValue(ContextTag, out var context) ? context : null);
            command.ExecuteNonQuery();
        }
    }

    /// <summary>Reads name, digest, source_type, source, schema, profile, tags_json starting at <paramref name="first"/>.</summary>
    public static DatasetInput ToDataset(SqliteDataReader r, int first) =>
        new(
            r.GetString(first),
            r.GetString(first + 1),
            r.GetString(first + 2),
            r.GetString(first + 3),
            r.GetNullableString(first + 4),
            r.GetNullableString(first + 5),
            new SortedDictionary<string, string>(
                JsonSerializer.Deserialize<Dictionary<string, string>>(r.GetString(first + 6)) ?? [], StringComparer.Ordinal));
}
