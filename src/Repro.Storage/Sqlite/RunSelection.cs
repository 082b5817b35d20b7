namespace Repro.Storage.Sqlite;

/// <summary>A SQL query yielding the <c>pk</c>s of the runs to read, with its parameters.</summary>
internal sealed record RunSelection(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters)
{
    public static RunSelection ByPk(long pk) => new("SELECT $pk", [("$pk", pk)]);

    public static RunSelection Newest(string? experiment, int limit) =>
        experiment is null
            ? new("SELECT pk FROM runs ORDER BY start_ms DESC, pk DESC LIMIT $limit", [("$limit", limit)])
            : new(
                """
                SELECT r.pk FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE e.name = $experiment ORDER BY r.start_ms DESC, r.pk DESC LIMIT $limit
                """,
                [("$experiment", experiment), ("$limit", limit)]);
}
