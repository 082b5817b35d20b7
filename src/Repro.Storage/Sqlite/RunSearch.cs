using Microsoft.Data.Sqlite;
using Repro.Core.Errors;
using Repro.Core.Search;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// MLflow's search_runs over the SQLite schema: the filter becomes EXISTS conditions on latest_metrics / params / tags /
/// run_datasets (indexed by key and value), order_by becomes LEFT JOINs so that runs lacking the key sort last, and the
/// tie-breakers are start time (newest first) then run id. Paging is by offset in an opaque token.
/// </summary>
internal static class RunSearch
{
    public const string TokenScope = "runs";

    private const string ActiveRun = "r.lifecycle_stage = 'active' AND e.lifecycle_stage = 'active'";
    private const string EffectiveStage = "(CASE WHEN " + ActiveRun + " THEN 'active' ELSE 'deleted' END)";
    private const string ArtifactUri = "(COALESCE(e.artifact_location, 'mlflow-artifacts:/' || e.id) || '/' || r.id || '/artifacts')";

    /// <summary>The pks of the page, in order, and whether more runs follow.</summary>
    public static (List<long> Pks, long Offset, bool More) Find(SqliteConnection connection, RunSearchQuery query)
    {
        var offset = SearchSql.Offset(query.MaxResults, query.PageToken, TokenScope);
        var filter = SearchParser.ParseFilter(query.Filter, SearchSchema.Runs);
        var orders = query.OrderBy.Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => SearchParser.ParseOrderBy(o, SearchSchema.Runs)).ToList();

        var sql = new SearchSql();
        var where = new List<string>();
        if (query.ExperimentIds.Count > 0)
        {
            var ids = query.ExperimentIds.Select(id => ExperimentRows.ParseId(id) ?? throw new ReproException(
                ErrorCode.InvalidArgument, $"Experiment id '{id}' is not a decimal id like \"0\" or \"12\".")).Distinct().ToList();
            where.Add(ids.Count == 1 ? $"r.experiment_id = {sql.Add(ids[0])}" : $"r.experiment_id IN ({string.Join(", ", ids.Select(i => sql.Add(i)))})");
        }

        switch (query.ViewType)
        {
            case ViewType.ActiveOnly:
                where.Add(ActiveRun);
                break;
            case ViewType.DeletedOnly:
                where.Add("NOT (" + ActiveRun + ")");
                break;
        }

        where.AddRange(filter.Comparisons.Select(c => Condition(c, sql)));

        var joins = new List<string>();
        var orderTerms = new List<string>();
        var byStart = false;
        foreach (var order in orders)
        {
            var direction = order.Ascending ? "ASC" : "DESC";
            string expression;
            if (order.Key.Entity == SearchEntity.Attribute)
            {
                expression = AttributeColumn(order.Key.Name);
                byStart |= order.Key.Name == "start_time";
            }
            else
            {
                var alias = "o" + joins.Count.ToString(System.Globalization.CultureInfo.InvariantCulture);
                var (table, column) = order.Key.Entity switch
                {
                    SearchEntity.Metric => ("latest_metrics", "value"),
                    SearchEntity.Param => ("params", "value"),
                    _ => ("tags", "value"),
                };
                joins.Add($"LEFT JOIN {table} {alias} ON {alias}.run_pk = r.pk AND {alias}.key = {sql.Add(order.Key.Name)}");
                expression = $"{alias}.{column}";
            }

            orderTerms.Add($"({expression}) IS NULL");
            orderTerms.Add($"{expression} {direction}");
        }

        if (!byStart)
        {
            orderTerms.Add("r.start_ms DESC");
        }

        orderTerms.Add("r.id ASC");
        var limit = sql.Add(query.MaxResults + 1);
        var skip = sql.Add(offset);
        var text = $"""
            SELECT r.pk FROM runs r JOIN experiments e ON e.id = r.experiment_id
            {string.Join("\n", joins)}
            {(where.Count > 0 ? "WHERE " + string.Join("\n AND ", where) : "")}
            ORDER BY {string.Join(", ", orderTerms)}
            LIMIT {limit} OFFSET {skip}
            """;
        using var command = connection.Command(text, [.. sql.Parameters]);
        using var reader = command.ExecuteReader();
        var pks = new List<long>();
        while (reader.Read())
        {
            pks.Add(reader.GetInt64(0));
        }

        var more = pks.Count > query.MaxResults;
        if (more)
        {
            pks.RemoveAt(pks.Count - 1);
        }

        return (pks, offset, more);
    }

    private static string Condition(SearchComparison comparison, SearchSql sql)
    {
        var key = comparison.Key;
        switch (key.Entity)
        {
            case SearchEntity.Attribute:
                return sql.Compare(AttributeColumn(key.Name), comparison);
            case SearchEntity.Dataset:
                return $"EXISTS (SELECT 1 FROM run_datasets d WHERE d.run_pk = r.pk AND {sql.Compare("d." + key.Name, comparison)})";
            default:
                var table = key.Entity switch
                {
                    SearchEntity.Metric => "latest_metrics",
                    SearchEntity.Param => "params",
                    _ => "tags",
                };
                var keyParam = sql.Add(key.Name);
                var exists = $"SELECT 1 FROM {table} x WHERE x.run_pk = r.pk AND x.key = {keyParam}";
                return comparison.Operator switch
                {
                    SearchOperator.IsNull => $"NOT EXISTS ({exists})",
                    SearchOperator.IsNotNull => $"EXISTS ({exists})",
                    _ => $"EXISTS ({exists} AND {sql.Compare("x.value", comparison)})",
                };
        }
    }

    private static string AttributeColumn(string name) => name switch
    {
        "run_id" => "r.id",
        "run_name" => "r.name",
        "status" => "r.status",
        "user_id" => "r.user_id",
        "artifact_uri" => ArtifactUri,
        "lifecycle_stage" => EffectiveStage,
        "experiment_id" => "r.experiment_id",
        "start_time" => "r.start_ms",
        "end_time" => "r.end_ms",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not a run attribute."),
    };
}
