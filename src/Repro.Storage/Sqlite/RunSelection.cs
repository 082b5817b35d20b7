using Repro.Storage.Runs;

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

    /// <summary>
    /// The newest visible runs of the query's experiment and sweep group (each when given). A group is an indexed lookup
    /// (<c>runs_by_group</c>), so listing one sweep's runs does not walk the others.
    /// </summary>
    public static RunSelection Newest(RunQuery query)
    {
        var where = new List<string> { Visible };
        var parameters = new List<(string Name, object? Value)> { ("$limit", query.Limit) };
        if (query.Experiment is { } experiment)
        {
            where.Add("r.experiment_id = (SELECT id FROM experiments WHERE name = $experiment)");
            parameters.Add(("$experiment", experiment));
        }

        if (query.Group is { } group)
        {
            where.Add("r.group_name = $group");
            parameters.Add(("$group", group));
        }

        return new(
            $"SELECT r.pk FROM runs r WHERE {string.Join(" AND ", where)} ORDER BY r.start_ms DESC, r.pk DESC LIMIT $limit",
            parameters);
    }
}
