namespace Repro.Storage.Sqlite;

/// <summary>A SQL query yielding the <c>pk</c>s of the runs to read, with its parameters.</summary>
internal sealed record RunSelection(string Sql, IReadOnlyList<(string Name, object? Value)> Parameters)
{
    /// <summary>The condition on <c>runs r</c> for a run that is not deleted and whose experiment is not deleted.</summary>
    public const string Visible =
        "r.lifecycle_stage = 'active' AND r.experiment_id IN (SELECT id FROM experiments WHERE lifecycle_stage = 'active')";

    public static RunSelection ByPk(long pk) => new("SELECT $pk", [("$pk", pk)]);

    public static RunSelection ByPks(IReadOnlyList<long> pks) =>
        new("SELECT value FROM json_each($pks)", [("$pks", "[" + string.Join(",", pks.Select(ExperimentRows.FormatId)) + "]")]);

    public static RunSelection Newest(string? experiment, int limit) =>
        experiment is null
            ? new($"SELECT r.pk FROM runs r WHERE {Visible} ORDER BY r.start_ms DESC, r.pk DESC LIMIT $limit", [("$limit", limit)])
            : new(
                $"""
                SELECT r.pk FROM runs r JOIN experiments e ON e.id = r.experiment_id
                WHERE e.name = $experiment AND {Visible} ORDER BY r.start_ms DESC, r.pk DESC LIMIT $limit
                """,
                [("$experiment", experiment), ("$limit", limit)]);
}
