using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Sqlite;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Sqlite;

public sealed class SqliteRunStoreTests : IDisposable
{
    private readonly TempDir _directory = new();

    private string DatabasePath => _directory.Combine(SqliteRunStore.FileName);

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void The_database_is_in_wal_mode()
    {
        using var store = SqliteRunStore.Open(DatabasePath);

        Assert.Equal("wal", SqliteTestDatabase.Scalar(DatabasePath, "PRAGMA journal_mode"));
    }

    [Fact]
    public void A_new_database_gets_the_latest_schema_and_records_each_step()
    {
        using var store = SqliteRunStore.Open(DatabasePath);

        Assert.Equal((long)SqliteRunStore.SchemaVersion, SqliteTestDatabase.Scalar(DatabasePath, "PRAGMA user_version"));
        Assert.Equal(
            (long)SqliteRunStore.SchemaVersion,
            SqliteTestDatabase.Scalar(DatabasePath, "SELECT count(*) FROM schema_migrations"));
        Assert.True(SqliteRunStore.SchemaVersion >= 2);
    }

    [Fact]
    public void Opening_an_older_database_asks_for_repro_migrate()
    {
        SqliteRunStore.Open(DatabasePath, latestVersion: 1).Dispose();

        var error = Assert.Throws<ReproException>(() => SqliteRunStore.Open(DatabasePath, latestVersion: 2));

        Assert.Equal(ErrorCode.SchemaOutdated, error.Code);
        Assert.Contains("schema v1, this repro needs v2", error.Message, StringComparison.Ordinal);
        Assert.Contains("Run `repro migrate`", error.Message, StringComparison.Ordinal);
        Assert.Contains("repro.db.bak-v1", error.Message, StringComparison.Ordinal);
        Assert.Equal(1L, SqliteTestDatabase.Scalar(DatabasePath, "PRAGMA user_version"));
    }

    [Fact]
    public void Opening_a_newer_database_asks_for_a_newer_repro()
    {
        SqliteRunStore.Open(DatabasePath, latestVersion: 2).Dispose();

        var error = Assert.Throws<ReproException>(() => SqliteRunStore.Open(DatabasePath, latestVersion: 1));

        Assert.Equal(ErrorCode.SchemaTooNew, error.Code);
        Assert.Contains("schema v2", error.Message, StringComparison.Ordinal);
        Assert.Contains("(v1)", error.Message, StringComparison.Ordinal);
        Assert.Contains("git pull", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.SchemaTooNew, Assert.Throws<ReproException>(() => SqliteRunStore.Migrate(DatabasePath, 1)).Code);
    }

    [Fact]
    public void Migrate_backs_up_then_upgrades_keeping_the_data()
    {
        var id = RunId.New();
        WriteVersion1Run(id);

        var migration = SqliteRunStore.Migrate(DatabasePath, SqliteRunStore.SchemaVersion);

        Assert.Equal(new SchemaMigration(1, SqliteRunStore.SchemaVersion, DatabasePath + ".bak-v1"), migration);
        Assert.Equal(1L, SqliteTestDatabase.Scalar(migration.BackupPath!, "PRAGMA user_version"));
        Assert.Equal(5L, SqliteTestDatabase.Scalar(migration.BackupPath!, "SELECT count(*) FROM metrics"));
        using var store = SqliteRunStore.Open(DatabasePath);
        var run = store.GetRun(id)!;
        Assert.Equal("old", run.Name);
        Assert.Equal(RunStatus.Finished, run.Status);
        Assert.Equal(new MetricPoint("loss", 0.2, 2, 12), run.LatestMetrics["loss"]);
        Assert.True(double.IsNaN(run.LatestMetrics["acc"].Value));
        Assert.Equal(5, store.GetMetricHistory(id).Count);
        Assert.Equal((long)SqliteRunStore.SchemaVersion, SqliteTestDatabase.Scalar(DatabasePath, "SELECT count(*) FROM schema_migrations"));
    }

    [Fact]
    public void Migrating_a_version_4_workspace_keeps_runs_and_metrics_and_moves_default_to_id_0()
    {
        var first = RunId.New();
        var second = RunId.New();
        SqliteRunStore.Open(DatabasePath, latestVersion: 4).Dispose();
        SqliteTestDatabase.Execute(DatabasePath, $$"""
            INSERT INTO experiments (id, name, created_ms) VALUES (1, 'vision', 5), (2, 'Default', 7);
            INSERT INTO runs (pk, id, name, experiment_id, status, start_ms, seed, seed_source, command_json, cwd, code_json, env_json)
            VALUES (1, '{{first}}', 'old', 2, 'FINISHED', 1714564800000, 7, 'os', '["python"]', '', '{"isGitRepository":false}', '{}'),
                   (2, '{{second}}', 'cv', 1, 'FAILED', 1714564900000, 8, 'os', '["python"]', '', '{"isGitRepository":false}', '{}');
            INSERT INTO params (run_pk, key, value, source) VALUES (1, 'lr', '0.01', 'cli');
            INSERT INTO metrics (run_pk, key, step, value, value_text, timestamp_ms) VALUES
                (1, 'loss', 0, 0.9, NULL, 10), (1, 'loss', 1, NULL, '-0', 11), (1, 'acc', 0, NULL, 'NaN', 12),
                (2, 'loss', 0, NULL, 'Infinity', 13);
            INSERT INTO latest_metrics (run_pk, key, step, value, value_text, timestamp_ms) VALUES
                (1, 'loss', 1, NULL, '-0', 11), (1, 'acc', 0, NULL, 'NaN', 12), (2, 'loss', 0, NULL, 'Infinity', 13);
            """);

        var migration = SqliteRunStore.Migrate(DatabasePath, SqliteRunStore.SchemaVersion);

        Assert.Equal(new SchemaMigration(4, SqliteRunStore.SchemaVersion, DatabasePath + ".bak-v4"), migration);
        using var store = SqliteRunStore.Open(DatabasePath);
        Assert.Equal("Default", store.GetExperiment("0")!.Name);
        Assert.Equal(DateTimeOffset.FromUnixTimeMilliseconds(7), store.GetExperiment("0")!.CreationTime);
        Assert.Equal("vision", store.GetExperiment("1")!.Name);
        Assert.Null(store.GetExperiment("2"));
        Assert.Equal(["Default", "vision"], store.ListExperiments());
        var old = store.GetTrackedRun(first)!;
        Assert.Equal("0", old.ExperimentId);
        Assert.Equal("Default", old.Record.Experiment);
        Assert.Equal(LifecycleStage.Active, old.Stage);
        Assert.Equal("0.01", Assert.Single(old.Record.Params).Value);
        Assert.Equal(TestRuns.Bits(-0.0), TestRuns.Bits(old.Record.LatestMetrics["loss"].Value));
        Assert.True(double.IsNaN(old.Record.LatestMetrics["acc"].Value));
        Assert.Equal([0.9, -0.0], store.GetMetricHistory(first, "loss").Select(p => p.Value));
        Assert.Equal(TestRuns.Bits(-0.0), TestRuns.Bits(store.GetMetricSeries(first, "loss").Values[1]));
        Assert.Equal("1", store.GetTrackedRun(second)!.ExperimentId);
        Assert.Equal(double.PositiveInfinity, store.GetRun(second)!.LatestMetrics["loss"].Value);
        Assert.Equal([second], store.SearchRuns(new RunSearchQuery { Filter = "metrics.loss > 1e300" }).Items.Select(r => r.Record.Id));
        Assert.Equal([first], store.SearchRuns(new RunSearchQuery { Filter = "metrics.loss = 0 and params.lr = '0.01'" }).Items.Select(r => r.Record.Id));
        Assert.Equal(2, store.ListRuns(new RunQuery()).Count);
    }

    [Fact]
    public void A_sweep_group_recorded_by_a_version_4_workspace_is_listed_by_group_after_migrate()
    {
        var first = RunId.New();
        var second = RunId.New();
        var loose = RunId.New();
        SqliteRunStore.Open(DatabasePath, latestVersion: 4).Dispose();
        SqliteTestDatabase.Execute(DatabasePath, $$"""
            INSERT INTO experiments (id, name, created_ms) VALUES (1, 'Default', 5);
            INSERT INTO runs (pk, id, name, experiment_id, status, start_ms, seed, seed_source, command_json, cwd, code_json, env_json,
                              group_name)
            VALUES (1, '{{first}}', 'sweep-1', 1, 'FINISHED', 1714564800000, 1, 'sweep', '[]', '', '{}', '{}', 'lr-sweep'),
                   (2, '{{loose}}', 'alone', 1, 'FINISHED', 1714564850000, 2, 'os', '[]', '', '{}', '{}', NULL),
                   (3, '{{second}}', 'sweep-2', 1, 'FINISHED', 1714564900000, 3, 'sweep', '[]', '', '{}', '{}', 'lr-sweep');
            """);
        Assert.Equal(ErrorCode.SchemaOutdated, Assert.Throws<ReproException>(() => SqliteRunStore.Open(DatabasePath)).Code);

        var migration = SqliteRunStore.Migrate(DatabasePath, SqliteRunStore.SchemaVersion);

        Assert.Equal(DatabasePath + ".bak-v4", migration.BackupPath);
        using var store = SqliteRunStore.Open(DatabasePath);
        Assert.Equal([second, first], store.ListRuns(new RunQuery(Group: "lr-sweep")).Select(r => r.Id));
        Assert.Equal([second, first], store.SearchRuns(new RunSearchQuery { Group = "lr-sweep" }).Items.Select(r => r.Record.Id));
        Assert.Equal("lr-sweep", store.GetRun(first)!.Lineage.Group);
        Assert.Null(store.GetRun(loose)!.Lineage.Group);
    }

    [Fact]
    public void Listing_a_sweep_group_is_an_index_lookup_not_a_walk_of_every_run()
    {
        using var store = SqliteRunStore.Open(DatabasePath);
        store.Create(TestRuns.Record("s") with { Lineage = new RunLineage { Group = "sweep" } });

        foreach (var query in new[] { new RunQuery(Group: "sweep"), new RunQuery("Default", Group: "sweep") })
        {
            var plan = SqliteTestDatabase.QueryPlan(DatabasePath, RunSelection.Newest(query));

            Assert.Contains(plan, step => step.Contains("USING INDEX runs_by_group (group_name=?)", StringComparison.Ordinal));
            Assert.DoesNotContain(plan, step => step.StartsWith("SCAN r", StringComparison.Ordinal));
        }
    }

    [Fact]
    public void Migrate_on_a_current_database_changes_nothing()
    {
        SqliteRunStore.Open(DatabasePath).Dispose();

        var migration = SqliteRunStore.Migrate(DatabasePath, SqliteRunStore.SchemaVersion);

        Assert.False(migration.Changed);
        Assert.Null(migration.BackupPath);
        Assert.False(File.Exists(DatabasePath + ".bak-v" + SqliteRunStore.SchemaVersion));
    }

    [Fact]
    public void A_file_that_is_not_a_database_is_reported_as_corrupted()
    {
        File.WriteAllText(DatabasePath, "this is not a database, just some text long enough to fill a header page........");

        var error = Assert.Throws<ReproException>(() => SqliteRunStore.Open(DatabasePath));

        Assert.Equal(ErrorCode.Corrupted, error.Code);
    }

    [Fact]
    public void A_database_of_another_program_is_not_taken_over()
    {
        SqliteTestDatabase.Execute(DatabasePath, "CREATE TABLE notes (text TEXT)");

        Assert.Equal(ErrorCode.Corrupted, Assert.Throws<ReproException>(() => SqliteRunStore.Open(DatabasePath)).Code);
    }

    [Fact]
    public void Stores_opening_a_new_database_at_once_all_succeed()
    {
        var stores = Enumerable.Range(0, 4).AsParallel().Select(_ => SqliteRunStore.Open(DatabasePath)).ToList();

        foreach (var store in stores)
        {
            store.Create();
        }

        Assert.Equal(4, stores[0].ListRuns(new RunQuery()).Count);
        stores.ForEach(s => s.Dispose());
    }

    [Fact]
    public async Task Two_writers_with_their_own_connections_lose_nothing()
    {
        const int Batches = 2000;
        using var first = SqliteRunStore.Open(DatabasePath);
        using var second = SqliteRunStore.Open(DatabasePath);
        var shared = first.Create("shared");

        void Write(IRunStore store, string writer) =>
            Enumerable.Range(0, Batches).ToList().ForEach(i => store.Write(new RunWriteBatch(shared.Id)
            {
                Metrics = [new MetricPoint(writer, i, i, i)],
                Params = [new Param(writer, i.ToString(System.Globalization.CultureInfo.InvariantCulture), ParamSource.Default)],
                Warnings = i % 100 == 0 ? [writer] : [],
            }));

        await Task.WhenAll(Task.Run(() => Write(first, "a")), Task.Run(() => Write(second, "b")));

        var run = first.GetRun(shared.Id)!;
        Assert.Equal(Enumerable.Range(0, Batches).Select(i => (long)i), first.GetMetricHistory(shared.Id, "a").Select(p => p.Step));
        Assert.Equal(Enumerable.Range(0, Batches).Select(i => (long)i), first.GetMetricHistory(shared.Id, "b").Select(p => p.Step));
        Assert.Equal(Batches - 1, run.LatestMetrics["a"].Step);
        Assert.Equal(Batches - 1, run.LatestMetrics["b"].Step);
        Assert.Equal("1999", run.Params.Single(p => p.Key == "b").Value);
        Assert.Equal(2 * Batches / 100, run.Warnings.Count);
    }

    [Fact]
    public void A_disposed_store_refuses_work()
    {
        var store = SqliteRunStore.Open(DatabasePath);
        store.Dispose();

        Assert.Throws<ObjectDisposedException>(() => store.ListExperiments());
    }

    /// <summary>A database as the first schema version left it, written with SQL of that version.</summary>
    private void WriteVersion1Run(RunId id)
    {
        SqliteRunStore.Open(DatabasePath, latestVersion: 1).Dispose();
        SqliteTestDatabase.Execute(DatabasePath, $$"""
            INSERT INTO experiments (id, name, created_ms) VALUES (1, 'Default', 0);
            INSERT INTO runs (pk, id, name, experiment_id, status, start_ms, seed, seed_source, command_json, cwd, code_json, env_json)
            VALUES (1, '{{id}}', 'old', 1, 'FINISHED', 1714564800000, 7, 'os', '["python"]', '', '{"isGitRepository":false}', '{}');
            INSERT INTO metrics (run_pk, key, step, value, value_text, timestamp_ms) VALUES
                (1, 'loss', 1, 0.5, NULL, 10), (1, 'loss', 2, 0.3, NULL, 11), (1, 'loss', 2, 0.2, NULL, 12),
                (1, 'loss', 0, 0.9, NULL, 13), (1, 'acc', 0, NULL, 'NaN', 14);
            """);
    }
}
