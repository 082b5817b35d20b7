using System.Globalization;
using Microsoft.Data.Sqlite;
using Repro.Core.Errors;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// The experiments aggregate: a named group of runs with a decimal id ("Default" is 0), a lifecycle stage, tags and an
/// artifact location. Runs written through <see cref="Runs.IRunStore.Write"/> create their experiment on first use.
/// </summary>
internal static class ExperimentRows
{
    public const long DefaultId = 0;

    /// <summary>Where an experiment's artifacts live when it was created without a location: the server's artifact proxy.</summary>
    public const string DefaultArtifactRoot = "mlflow-artifacts:/";

    private const string Columns =
        "e.id, e.name, COALESCE(e.artifact_location, '" + DefaultArtifactRoot + "' || e.id), "
        + "e.lifecycle_stage, e.created_ms, e.last_update_ms";

    public static long GetOrCreate(SqliteConnection connection, string name)
    {
        using (var find = connection.Command("SELECT id, lifecycle_stage FROM experiments WHERE name = $name", ("$name", name)))
        using (var reader = find.ExecuteReader())
        {
            if (reader.Read())
            {
                if (reader.GetString(1) != Stages.Active)
                {
                    throw new ReproException(
                        ErrorCode.Conflict,
                        $"Experiment '{name}' is deleted, so no run can be added to it. Restore it (MLflow's restore-experiment on the "
                        + "server), or use another experiment name.");
                }

                return reader.GetInt64(0);
            }
        }

        return Insert(connection, name, null);
    }

    public static ExperimentInfo Create(
        SqliteConnection connection, string name, string? artifactLocation, IReadOnlyDictionary<string, string>? tags)
    {
        ValidateName(name);
        if (Id(connection, name) is not null)
        {
            throw new ReproException(
                ErrorCode.AlreadyExists,
                $"Experiment '{name}' already exists (it may be deleted: deleted experiments keep their names). Choose another name, "
                + "or restore the deleted one.");
        }

        var id = Insert(connection, name, string.IsNullOrWhiteSpace(artifactLocation) ? null : artifactLocation);
        foreach (var (key, value) in tags ?? new Dictionary<string, string>())
        {
            SetTag(connection, id, key, value);
        }

        return Get(connection, id)!;
    }

    public static IReadOnlyList<string> ListNames(SqliteConnection connection)
    {
        using var command = connection.Command("SELECT name FROM experiments WHERE lifecycle_stage = 'active' ORDER BY name");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }

    public static ExperimentInfo? Get(SqliteConnection connection, long id) =>
        Read(connection, "e.id = $id", [("$id", id)]).SingleOrDefault();

    public static ExperimentInfo? GetByName(SqliteConnection connection, string name) =>
        Read(connection, "e.name = $name", [("$name", name)]).SingleOrDefault();

    public static long Require(SqliteConnection connection, string id) =>
        ParseId(id) is { } pk && Exists(connection, pk) ? pk : throw NotFound(id);

    public static ReproException NotFound(string id) =>
        new(ErrorCode.NotFound, $"No experiment with id '{id}'. List experiments with search-experiments (or `repro ls`).");

    /// <summary>A decimal experiment id, or null when the text is not one.</summary>
    public static long? ParseId(string? id) =>
        !string.IsNullOrEmpty(id) && id.Length <= 18 && id.All(char.IsAsciiDigit)
            ? long.Parse(id, NumberStyles.None, CultureInfo.InvariantCulture)
            : null;

    public static string FormatId(long id) => id.ToString(CultureInfo.InvariantCulture);

    /// <summary>
    /// Reads experiments matching a WHERE condition on alias <c>e</c>, with their tags, in the order of <paramref name="orderBy"/>.
    /// </summary>
    public static List<ExperimentInfo> Read(
        SqliteConnection connection, string where, IReadOnlyList<(string Name, object? Value)> parameters, string orderBy = "e.id")
    {
        var experiments = new List<(long Id, ExperimentInfo Info)>();
        using (var command = connection.Command($"SELECT {Columns} FROM experiments e WHERE {where} ORDER BY {orderBy}", [.. parameters]))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                experiments.Add((reader.GetInt64(0), new ExperimentInfo(
                    FormatId(reader.GetInt64(0)),
                    reader.GetString(1),
                    reader.GetString(2),
                    Stages.Parse(reader.GetString(3)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(4)),
                    DateTimeOffset.FromUnixTimeMilliseconds(reader.GetInt64(5)),
                    new SortedDictionary<string, string>(StringComparer.Ordinal))));
            }
        }

        if (experiments.Count == 0)
        {
            return [];
        }

        var byId = experiments.ToDictionary(e => e.Id, e => (SortedDictionary<string, string>)e.Info.Tags);
        using (var tags = connection.Command(
            "SELECT experiment_id, key, value FROM experiment_tags WHERE experiment_id IN (SELECT value FROM json_each($ids))",
            ("$ids", "[" + string.Join(",", byId.Keys.Select(FormatId)) + "]")))
        using (var reader = tags.ExecuteReader())
        {
            while (reader.Read())
            {
                byId[reader.GetInt64(0)][reader.GetString(1)] = reader.GetString(2);
            }
        }

        return [.. experiments.Select(e => e.Info)];
    }

    public static void SetStage(SqliteConnection connection, string id, LifecycleStage stage)
    {
        var pk = Require(connection, id);
        Update(connection, pk, "lifecycle_stage = $stage", ("$stage", Stages.ToWire(stage)));
    }

    public static void Rename(SqliteConnection connection, string id, string newName)
    {
        ValidateName(newName);
        var pk = Require(connection, id);
        if (Id(connection, newName) is { } other && other != pk)
        {
            throw new ReproException(
                ErrorCode.AlreadyExists,
                $"Experiment '{newName}' already exists (it may be deleted: deleted experiments keep their names). Choose another name.");
        }

        Update(connection, pk, "name = $name", ("$name", newName));
    }

    public static void SetTag(SqliteConnection connection, string id, string key, string value) =>
        SetTag(connection, Require(connection, id), key, value);

    private static void SetTag(SqliteConnection connection, long pk, string key, string value)
    {
        ArgumentException.ThrowIfNullOrEmpty(key);
        ArgumentNullException.ThrowIfNull(value);
        using var command = connection.Command(
            """
            INSERT INTO experiment_tags (experiment_id, key, value) VALUES ($id, $key, $value)
            ON CONFLICT (experiment_id, key) DO UPDATE SET value = excluded.value
            """,
            ("$id", pk),
            ("$key", key),
            ("$value", value));
        command.ExecuteNonQuery();
        Update(connection, pk, "");
    }

    private static long Insert(SqliteConnection connection, string name, string? artifactLocation)
    {
        var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        using var command = connection.Command(
            """
            INSERT INTO experiments (id, name, created_ms, last_update_ms, artifact_location)
            VALUES (CASE WHEN $name = 'Default' AND NOT EXISTS (SELECT 1 FROM experiments WHERE id = 0) THEN 0 END,
                    $name, $now, $now, $location)
            RETURNING id
            """,
            ("$name", name),
            ("$now", now),
            ("$location", artifactLocation));
        return (long)command.ExecuteScalar()!;
    }

    private static long? Id(SqliteConnection connection, string name)
    {
        using var command = connection.Command("SELECT id FROM experiments WHERE name = $name", ("$name", name));
        return command.ExecuteScalar() is long id ? id : null;
    }

    private static bool Exists(SqliteConnection connection, long id)
    {
        using var command = connection.Command("SELECT 1 FROM experiments WHERE id = $id", ("$id", id));
        return command.ExecuteScalar() is not null;
    }

    private static void Update(SqliteConnection connection, long pk, string assignments, params (string, object?)[] values)
    {
        using var command = connection.Command(
            $"UPDATE experiments SET last_update_ms = $now{(assignments.Length > 0 ? ", " + assignments : "")} WHERE id = $pk",
            [("$pk", pk), ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()), .. values]);
        command.ExecuteNonQuery();
    }

    private static void ValidateName(string name)
    {
        if (string.IsNullOrWhiteSpace(name))
        {
            throw new ReproException(ErrorCode.InvalidArgument, "An experiment needs a non-empty name.");
        }
    }
}

/// <summary>Lifecycle stages as stored ("active", "deleted", as MLflow spells them).</summary>
internal static class Stages
{
    public const string Active = "active";
    public const string Deleted = "deleted";

    public static string ToWire(LifecycleStage stage) => stage == LifecycleStage.Deleted ? Deleted : Active;

    public static LifecycleStage Parse(string text) => text == Deleted ? LifecycleStage.Deleted : LifecycleStage.Active;
}
