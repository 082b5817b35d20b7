using System.Text.Json;
using Microsoft.Data.Sqlite;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Verdicts;
using Repro.Core.Serialization;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Assembles full <see cref="RunRecord"/>s for a selection of runs with one query per table (not one per run),
/// inside one read transaction so a concurrent writer cannot tear a record.
/// </summary>
internal static class RunRecordReader
{
    public static IReadOnlyList<RunRecord> Read(SqliteConnection connection, RunSelection selection) =>
        [.. ReadTracked(connection, selection, withDatasets: false).Select(t => t.Run.Record)];

    /// <summary>
    /// The selected runs with their experiment id, effective lifecycle stage (deleted when the run or its experiment is),
    /// artifact URI and, when asked, datasets; newest first.
    /// </summary>
    public static List<(long Pk, TrackedRun Run)> ReadTracked(SqliteConnection connection, RunSelection selection, bool withDatasets)
    {
        using var transaction = connection.BeginTransaction(deferred: true);
        var parts = new Dictionary<long, Parts>();
        Parts PartsOf(long pk) => parts.TryGetValue(pk, out var p) ? p : parts[pk] = new Parts();

        ForEach(connection, selection, "SELECT run_pk, key, value, source FROM params WHERE run_pk IN ({0}) ORDER BY run_pk, key", r =>
            PartsOf(r.GetInt64(0)).Params.Add(new Param(r.GetString(1), r.GetString(2), ParseSource(r.GetString(3)))));
        ForEach(connection, selection, "SELECT run_pk, key, value FROM tags WHERE run_pk IN ({0})", r =>
            PartsOf(r.GetInt64(0)).Tags[r.GetString(1)] = r.GetString(2));
        ForEach(connection, selection, "SELECT run_pk, path, sha256, size FROM artifacts WHERE run_pk IN ({0}) ORDER BY seq", r =>
            PartsOf(r.GetInt64(0)).Artifacts.Add(new Artifact(r.GetString(1), r.GetString(2), r.GetInt64(3))));
        ForEach(connection, selection, "SELECT run_pk, message FROM warnings WHERE run_pk IN ({0}) ORDER BY seq", r =>
            PartsOf(r.GetInt64(0)).Warnings.Add(r.GetString(1)));
        ForEach(
            connection,
            selection,
            "SELECT run_pk, key, step, value, value_text, timestamp_ms FROM latest_metrics WHERE run_pk IN ({0})",
            r => PartsOf(r.GetInt64(0)).Latest[r.GetString(1)] =
                new MetricPoint(r.GetString(1), SqliteDoubles.Read(r, 3, 4), r.GetInt64(2), r.GetInt64(5)));
        if (withDatasets)
        {
            ForEach(
                connection,
                selection,
                """
                SELECT run_pk, name, digest, source_type, source, schema, profile, tags_json
                FROM run_datasets WHERE run_pk IN ({0}) ORDER BY seq
                """,
                r => PartsOf(r.GetInt64(0)).Datasets.Add(DatasetRows.ToDataset(r, 1)));
        }

        var runs = new List<(long, TrackedRun)>();
        ForEach(
            connection,
            selection,
            """
            SELECT r.pk, r.id, r.name, e.name, r.status, r.start_ms, r.end_ms, r.exit_code, r.signal, r.seed, r.seed_source,
                   r.command_json, r.cwd, r.code_json, r.env_json, r.log_sha256,
                   r.deterministic, r.threads, r.group_name, r.resumed_from, r.reproduction_of, r.inputs_json, r.ledger_json,
                   r.verdict_json, r.user_id, r.experiment_id,
                   CASE WHEN r.lifecycle_stage = 'active' AND e.lifecycle_stage = 'active' THEN 'active' ELSE 'deleted' END,
                   COALESCE(e.artifact_location, 'mlflow-artifacts:/' || e.id) || '/' || r.id || '/artifacts'
            FROM runs r JOIN experiments e ON e.id = r.experiment_id
            WHERE r.pk IN ({0})
            ORDER BY r.start_ms DESC, r.pk DESC
            """,
            r =>
            {
                var part = PartsOf(r.GetInt64(0));
                var tracked = new TrackedRun(
                    ToRecord(r, part),
                    ExperimentRows.FormatId(r.GetInt64(25)),
                    Stages.Parse(r.GetString(26)),
                    part.Datasets) { ArtifactUri = r.GetString(27) };
                runs.Add((r.GetInt64(0), tracked));
            });
        return runs;
    }

    private static RunRecord ToRecord(SqliteDataReader r, Parts parts)
    {
        var id = new RunId(r.GetString(1));
        return new RunRecord
        {
            Id = id,
            Name = r.GetString(2),
            Experiment = r.GetString(3),
            Status = RunEnumNames.ParseStatus(r.GetString(4)),
            StartTime = DateTimeOffset.FromUnixTimeMilliseconds(r.GetInt64(5)),
            EndTime = r.GetNullableInt64(6) is { } end ? DateTimeOffset.FromUnixTimeMilliseconds(end) : null,
            ExitCode = r.GetNullableInt64(7) is { } exit ? (int)exit : null,
            Signal = r.GetNullableString(8),
            Seed = r.GetInt64(9),
            SeedSource = r.GetString(10),
            Command = Json<List<string>>(r.GetString(11), id, "command"),
            WorkingDirectory = r.GetString(12),
            Code = Json<CodeSnapshot>(r.GetString(13), id, "code snapshot"),
            Environment = Json<EnvironmentSnapshot>(r.GetString(14), id, "environment snapshot"),
            LogSha256 = r.GetNullableString(15),
            Deterministic = r.GetInt64(16) != 0,
            Threads = r.GetNullableInt64(17) is { } threads ? (int)threads : null,
            Lineage = new RunLineage
            {
                Group = r.GetNullableString(18),
                ResumedFrom = r.GetNullableString(19) is { } resumed ? new RunId(resumed) : null,
                ReproductionOf = r.GetNullableString(20) is { } original ? new RunId(original) : null,
            },
            Inputs = Json<List<DataInput>>(r.GetString(21), id, "data inputs"),
            SeedLedger = Json<List<StreamUsage>>(r.GetString(22), id, "seed ledger"),
            Verdict = r.GetNullableString(23) is { } verdict ? Json<Verdict>(verdict, id, "verdict") : null,
            Params = parts.Params,
            Tags = parts.Tags,
            Artifacts = parts.Artifacts,
            Warnings = parts.Warnings,
            LatestMetrics = parts.Latest,
            UserId = r.GetNullableString(24),
        };
    }

    private static void ForEach(SqliteConnection connection, RunSelection selection, string sqlFormat, Action<SqliteDataReader> row)
    {
        using var command = connection.Command(string.Format(System.Globalization.CultureInfo.InvariantCulture, sqlFormat, selection.Sql));
        foreach (var (name, value) in selection.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        while (reader.Read())
        {
            row(reader);
        }
    }

    private static ParamSource ParseSource(string text) =>
        RunEnumNames.TryParseSource(text, out var source)
            ? source
            : throw new ReproException(ErrorCode.Corrupted, $"The workspace database holds an unknown parameter source '{text}'. "
                + "It was probably written by a newer repro: update repro (`git pull` and re-run `./repro`).");

    private static T Json<T>(string json, RunId id, string what)
    {
        try
        {
            return ReproJson.Deserialize<T>(json);
        }
        catch (JsonException e)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"The stored {what} of run {id} cannot be read ({e.Message}). The database was edited or damaged; "
                + "restore .repro/repro.db from a backup.",
                e);
        }
    }

    private sealed class Parts
    {
        public List<Param> Params { get; } = [];
        public SortedDictionary<string, string> Tags { get; } = new(StringComparer.Ordinal);
        public List<Artifact> Artifacts { get; } = [];
        public List<string> Warnings { get; } = [];
        public SortedDictionary<string, MetricPoint> Latest { get; } = new(StringComparer.Ordinal);
        public List<DatasetInput> Datasets { get; } = [];
    }
}
