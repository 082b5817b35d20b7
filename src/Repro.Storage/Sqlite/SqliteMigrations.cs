using Microsoft.Data.Sqlite;

namespace Repro.Storage.Sqlite;

/// <summary>One step of the schema's history. Version n turns a version n-1 database into version n.</summary>
internal sealed record SqliteMigration(int Version, string Description, string Sql)
{
    /// <summary>A step SQL alone cannot express, run after <see cref="Sql"/> in the same transaction.</summary>
    public Action<SqliteConnection>? Code { get; init; }
}

/// <summary>
/// The ordered schema history. Append new steps; never edit a released one (databases in the wild ran it).
/// Doubles are stored as <c>value REAL</c> plus <c>value_text</c> for what REAL cannot hold (see <see cref="SqliteDoubles"/>).
/// </summary>
internal static class SqliteMigrations
{
    public static IReadOnlyList<SqliteMigration> All { get; } =
    [
        new(1, "runs, params, tags, metrics, artifacts, warnings", """
            CREATE TABLE experiments (
                id INTEGER PRIMARY KEY,
                name TEXT NOT NULL UNIQUE,
                created_ms INTEGER NOT NULL
            );
            CREATE TABLE runs (
                pk INTEGER PRIMARY KEY,
                id TEXT NOT NULL UNIQUE,
                name TEXT NOT NULL,
                experiment_id INTEGER NOT NULL REFERENCES experiments(id),
                status TEXT NOT NULL,
                start_ms INTEGER NOT NULL,
                end_ms INTEGER,
                exit_code INTEGER,
                signal TEXT,
                seed INTEGER NOT NULL,
                seed_source TEXT NOT NULL,
                command_json TEXT NOT NULL,
                cwd TEXT NOT NULL,
                code_json TEXT NOT NULL,
                env_json TEXT NOT NULL,
                log_sha256 TEXT
            );
            CREATE INDEX runs_by_start ON runs (start_ms, pk);
            CREATE INDEX runs_by_name ON runs (name, start_ms);
            CREATE INDEX runs_by_experiment ON runs (experiment_id, start_ms);
            CREATE TABLE params (
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                source TEXT NOT NULL,
                PRIMARY KEY (run_pk, key)
            ) WITHOUT ROWID;
            CREATE TABLE tags (
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (run_pk, key)
            ) WITHOUT ROWID;
            CREATE TABLE metrics (
                seq INTEGER PRIMARY KEY,
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                key TEXT NOT NULL,
                step INTEGER NOT NULL,
                value REAL,
                value_text TEXT,
                timestamp_ms INTEGER NOT NULL
            );
            CREATE INDEX metrics_by_run_key_step ON metrics (run_pk, key, step);
            CREATE TABLE artifacts (
                seq INTEGER PRIMARY KEY,
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                path TEXT NOT NULL,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL
            );
            CREATE INDEX artifacts_by_run ON artifacts (run_pk);
            CREATE TABLE warnings (
                seq INTEGER PRIMARY KEY,
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                message TEXT NOT NULL
            );
            CREATE INDEX warnings_by_run ON warnings (run_pk);
            """),
        new(2, "latest_metrics: the last point of each metric, kept on write", """
            CREATE TABLE latest_metrics (
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                key TEXT NOT NULL,
                step INTEGER NOT NULL,
                value REAL,
                value_text TEXT,
                timestamp_ms INTEGER NOT NULL,
                PRIMARY KEY (run_pk, key)
            ) WITHOUT ROWID;
            INSERT INTO latest_metrics (run_pk, key, step, value, value_text, timestamp_ms)
            SELECT run_pk, key, step, value, value_text, timestamp_ms
            FROM (
                SELECT m.*, row_number() OVER (PARTITION BY run_pk, key ORDER BY step DESC, seq DESC) AS rank
                FROM metrics m
            )
            WHERE rank = 1;
            """),
        new(3, "runs: determinism mode, threads, lineage, data inputs and seed ledger", """
            ALTER TABLE runs ADD COLUMN deterministic INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE runs ADD COLUMN threads INTEGER;
            ALTER TABLE runs ADD COLUMN group_name TEXT;
            ALTER TABLE runs ADD COLUMN resumed_from TEXT;
            ALTER TABLE runs ADD COLUMN reproduction_of TEXT;
            ALTER TABLE runs ADD COLUMN inputs_json TEXT NOT NULL DEFAULT '[]';
            ALTER TABLE runs ADD COLUMN ledger_json TEXT NOT NULL DEFAULT '[]';
            CREATE INDEX runs_by_group ON runs (group_name, start_ms);
            """),
        new(4, "runs: the verdict of a reproduction", """
            ALTER TABLE runs ADD COLUMN verdict_json TEXT;
            CREATE INDEX runs_by_reproduction ON runs (reproduction_of);
            """),
        new(5, "tracking server: experiment ids, lifecycle, tags; run lifecycle, user, datasets; artifact files; metric chunks", """
            ALTER TABLE experiments ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active';
            ALTER TABLE experiments ADD COLUMN last_update_ms INTEGER NOT NULL DEFAULT 0;
            ALTER TABLE experiments ADD COLUMN artifact_location TEXT;
            UPDATE experiments SET last_update_ms = created_ms;
            CREATE TABLE experiment_tags (
                experiment_id INTEGER NOT NULL REFERENCES experiments(id) ON DELETE CASCADE,
                key TEXT NOT NULL,
                value TEXT NOT NULL,
                PRIMARY KEY (experiment_id, key)
            ) WITHOUT ROWID;

            -- MLflow clients expect the experiment "Default" to have id 0: move an existing one there, or create it.
            UPDATE experiments SET name = char(1) || 'Default' WHERE name = 'Default' AND id <> 0;
            INSERT INTO experiments (id, name, created_ms, last_update_ms)
            SELECT 0, 'Default', now_ms, now_ms
            FROM (SELECT COALESCE((SELECT created_ms FROM experiments WHERE name = char(1) || 'Default'),
                                  CAST(strftime('%s', 'now') AS INTEGER) * 1000) AS now_ms)
            WHERE NOT EXISTS (SELECT 1 FROM experiments WHERE id = 0);
            UPDATE runs SET experiment_id = 0 WHERE experiment_id = (SELECT id FROM experiments WHERE name = char(1) || 'Default');
            DELETE FROM experiments WHERE name = char(1) || 'Default';

            ALTER TABLE runs ADD COLUMN lifecycle_stage TEXT NOT NULL DEFAULT 'active';
            ALTER TABLE runs ADD COLUMN user_id TEXT;
            DROP INDEX runs_by_experiment;
            CREATE INDEX runs_by_experiment ON runs (experiment_id, start_ms DESC, id);
            CREATE INDEX runs_by_start_and_id ON runs (start_ms DESC, id);
            CREATE INDEX params_by_key_value ON params (key, value, run_pk);
            CREATE INDEX tags_by_key_value ON tags (key, value, run_pk);

            -- Searchable latest values: ±Infinity and -0.0 now also sit in the REAL column (value_text keeps them exact);
            -- only NaN leaves it NULL.
            UPDATE latest_metrics
            SET value = CASE value_text WHEN 'Infinity' THEN 9e999 WHEN '-Infinity' THEN -9e999 ELSE 0.0 END
            WHERE value IS NULL AND value_text IN ('Infinity', '-Infinity', '-0');
            CREATE INDEX latest_metrics_by_key_value ON latest_metrics (key, value, run_pk);

            CREATE TABLE run_datasets (
                seq INTEGER PRIMARY KEY,
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                name TEXT NOT NULL,
                digest TEXT NOT NULL,
                source_type TEXT NOT NULL,
                source TEXT NOT NULL,
                schema TEXT,
                profile TEXT,
                tags_json TEXT NOT NULL,
                context TEXT,
                UNIQUE (run_pk, name, digest)
            );
            CREATE TABLE artifact_files (
                path TEXT PRIMARY KEY,
                sha256 TEXT NOT NULL,
                size INTEGER NOT NULL,
                updated_ms INTEGER NOT NULL
            ) WITHOUT ROWID;

            -- Metric points move from one row each to columnar chunks (filled from the old rows by the code step).
            CREATE TABLE metric_chunks (
                id INTEGER PRIMARY KEY,
                run_pk INTEGER NOT NULL REFERENCES runs(pk) ON DELETE CASCADE,
                key TEXT NOT NULL,
                chunk INTEGER NOT NULL,
                count INTEGER NOT NULL,
                data BLOB NOT NULL,
                UNIQUE (run_pk, key, chunk)
            );
            """)
        {
            Code = MetricChunkMigration.MoveRowsToChunks,
        },
    ];

    public static int Latest => All.Count;
}
