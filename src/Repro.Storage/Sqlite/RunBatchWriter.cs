using Microsoft.Data.Sqlite;
using Repro.Storage.Runs;

namespace Repro.Storage.Sqlite;

/// <summary>Applies one <see cref="RunWriteBatch"/> in one immediate transaction: all of it or none of it.</summary>
internal static class RunBatchWriter
{
    public static void Write(SqliteConnection connection, RunWriteBatch batch)
    {
        using var transaction = connection.BeginTransaction(deferred: false);
        var created = batch.Create;
        var pk = created is null ? RunRows.RequirePk(connection, batch.RunId) : RunRows.Insert(connection, created);

        if (created is not null)
        {
            RunDetailRows.UpsertParams(connection, pk, created.Params);
            RunDetailRows.UpsertTags(connection, pk, created.Tags);
            RunDetailRows.AppendArtifacts(connection, pk, created.Artifacts);
            RunDetailRows.AppendWarnings(connection, pk, created.Warnings);
            MetricRows.Append(connection, pk, [.. created.LatestMetrics.Values]);
        }

        RunDetailRows.UpsertParams(connection, pk, batch.Params);
        RunDetailRows.UpsertTags(connection, pk, batch.Tags);
        RunDetailRows.AppendArtifacts(connection, pk, batch.Artifacts);
        RunDetailRows.AppendWarnings(connection, pk, batch.Warnings);
        MetricRows.Append(connection, pk, batch.Metrics);

        if (batch.Code is { } code)
        {
            RunRows.SetCode(connection, pk, code);
        }

        if (batch.Environment is { } environment)
        {
            RunRows.SetEnvironment(connection, pk, environment);
        }

        if (batch.SeedLedger is { } ledger)
        {
            RunRows.SetSeedLedger(connection, pk, ledger);
        }

        if (batch.Inputs is { } inputs)
        {
            RunRows.SetInputs(connection, pk, inputs);
        }

        if (batch.Verdict is { } verdict)
        {
            RunRows.SetVerdict(connection, pk, verdict);
        }

        if (batch.Complete is { } completion)
        {
            RunRows.Complete(connection, pk, completion);
        }

        transaction.Commit();
    }
}
