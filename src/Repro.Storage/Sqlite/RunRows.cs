using Microsoft.Data.Sqlite;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Verdicts;
using Repro.Core.Serialization;
using Repro.Storage.Runs;

namespace Repro.Storage.Sqlite;

/// <summary>The <c>runs</c> table: one row per run with its scalar fields and JSON snapshots. Times are Unix milliseconds.</summary>
internal static class RunRows
{
    public static long? FindPk(SqliteConnection connection, RunId id)
    {
        using var command = connection.Command("SELECT pk FROM runs WHERE id = $id", ("$id", id.Value));
        return command.ExecuteScalar() is long pk ? pk : null;
    }

    public static long RequirePk(SqliteConnection connection, RunId id) =>
        FindPk(connection, id) ?? throw NotFound(id);

    public static ReproException NotFound(RunId id) =>
        new(ErrorCode.NotFound, $"Run {id} not found in this workspace. List runs with `repro ls`.");

    public static long Insert(SqliteConnection connection, RunRecord run)
    {
        if (FindPk(connection, run.Id) is not null)
        {
            throw new ReproException(
                ErrorCode.Conflict,
                $"Run {run.Id} already exists; a run is created once. Write to it without creating it, or start a new run.");
        }

        var experimentId = ExperimentRows.GetOrCreate(connection, run.Experiment);
        using var command = connection.Command(
            """
            INSERT INTO runs (id, name, experiment_id, status, start_ms, end_ms, exit_code, signal, seed, seed_source,
                              command_json, cwd, code_json, env_json, log_sha256,
                              deterministic, threads, group_name, resumed_from, reproduction_of, inputs_json, ledger_json, user_id)
            VALUES ($id, $name, $experiment, $status, $start, $end, $exit, $signal, $seed, $seedSource,
                    $command, $cwd, $code, $env, $log,
                    $deterministic, $threads, $group, $resumedFrom, $reproductionOf, $inputs, $ledger, $user)
            RETURNING pk
            """,
            ("$id", run.Id.Value),
            ("$name", run.Name),
            ("$experiment", experimentId),
            ("$status", run.Status.ToWire()),
            ("$start", run.StartTime.ToUnixTimeMilliseconds()),
            ("$end", run.EndTime?.ToUnixTimeMilliseconds()),
            ("$exit", run.ExitCode),
            ("$signal", run.Signal),
            ("$seed", run.Seed),
            ("$seedSource", run.SeedSource),
            ("$command", ReproJson.Serialize(run.Command)),
            ("$cwd", run.WorkingDirectory),
            ("$code", ReproJson.Serialize(run.Code)),
            ("$env", ReproJson.Serialize(run.Environment)),
            ("$log", run.LogSha256),
            ("$deterministic", run.Deterministic ? 1 : 0),
            ("$threads", run.Threads),
            ("$group", run.Lineage.Group),
            ("$resumedFrom", run.Lineage.ResumedFrom?.Value),
            ("$reproductionOf", run.Lineage.ReproductionOf?.Value),
            ("$inputs", ReproJson.Serialize(run.Inputs)),
            ("$ledger", ReproJson.Serialize(run.SeedLedger)),
            ("$user", run.UserId));
        return (long)command.ExecuteScalar()!;
    }

    public static void SetCode(SqliteConnection connection, long pk, CodeSnapshot code) =>
        Update(connection, pk, "code_json = $code", ("$code", ReproJson.Serialize(code)));

    public static void SetEnvironment(SqliteConnection connection, long pk, EnvironmentSnapshot environment) =>
        Update(connection, pk, "env_json = $env", ("$env", ReproJson.Serialize(environment)));

    public static void SetSeedLedger(SqliteConnection connection, long pk, IReadOnlyList<StreamUsage> ledger) =>
        Update(connection, pk, "ledger_json = $ledger", ("$ledger", ReproJson.Serialize(ledger)));

    public static void SetVerdict(SqliteConnection connection, long pk, Verdict verdict) =>
        Update(connection, pk, "verdict_json = $verdict", ("$verdict", ReproJson.Serialize(verdict)));

    public static void SetInputs(SqliteConnection connection, long pk, IReadOnlyList<DataInput> inputs) =>
        Update(connection, pk, "inputs_json = $inputs", ("$inputs", ReproJson.Serialize(inputs)));

    public static void Complete(SqliteConnection connection, long pk, RunCompletion completion) =>
        Update(
            connection,
            pk,
            "status = $status, end_ms = $end, exit_code = $exit, signal = $signal, log_sha256 = $log",
            ("$status", completion.Status.ToWire()),
            ("$end", completion.EndTime.ToUnixTimeMilliseconds()),
            ("$exit", completion.ExitCode),
            ("$signal", completion.Signal),
            ("$log", completion.LogSha256));

    /// <summary>Changes what is given; null leaves a field as it is.</summary>
    public static void UpdateRun(SqliteConnection connection, long pk, RunStatus? status, DateTimeOffset? endTime, string? name)
    {
        if (status is { } s)
        {
            Update(connection, pk, "status = $status", ("$status", s.ToWire()));
        }

        if (endTime is { } end)
        {
            Update(connection, pk, "end_ms = $end", ("$end", end.ToUnixTimeMilliseconds()));
        }

        if (name is not null)
        {
            Update(connection, pk, "name = $name", ("$name", name));
        }
    }

    public static void SetStage(SqliteConnection connection, long pk, Tracking.LifecycleStage stage) =>
        Update(connection, pk, "lifecycle_stage = $stage", ("$stage", Stages.ToWire(stage)));

    public static void DeleteTag(SqliteConnection connection, long pk, RunId id, string key)
    {
        using var command = connection.Command("DELETE FROM tags WHERE run_pk = $pk AND key = $key", ("$pk", pk), ("$key", key));
        if (command.ExecuteNonQuery() == 0)
        {
            throw new ReproException(ErrorCode.NotFound, $"Run {id} has no tag '{key}', so there is nothing to delete.");
        }
    }

    private static void Update(SqliteConnection connection, long pk, string assignments, params (string, object?)[] values)
    {
        using var command = connection.Command($"UPDATE runs SET {assignments} WHERE pk = $pk", [("$pk", pk), .. values]);
        command.ExecuteNonQuery();
    }
}
