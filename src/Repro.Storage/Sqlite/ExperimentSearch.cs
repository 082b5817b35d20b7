using Microsoft.Data.Sqlite;
using Repro.Core.Search;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>MLflow's search_experiments: filter on name, tags, creation and last update time; newest first by default.</summary>
internal static class ExperimentSearch
{
    public const string TokenScope = "experiments";

    public static SearchPage<ExperimentInfo> Find(SqliteConnection connection, ExperimentSearchQuery query)
    {
        var offset = SearchSql.Offset(query.MaxResults, query.PageToken, TokenScope);
        var filter = SearchParser.ParseFilter(query.Filter, SearchSchema.Experiments);
        var orders = query.OrderBy.Where(o => !string.IsNullOrWhiteSpace(o))
            .Select(o => SearchParser.ParseOrderBy(o, SearchSchema.Experiments)).ToList();

        var sql = new SearchSql();
        var where = new List<string>();
        switch (query.ViewType)
        {
            case ViewType.ActiveOnly:
                where.Add("e.lifecycle_stage = 'active'");
                break;
            case ViewType.DeletedOnly:
                where.Add("e.lifecycle_stage = 'deleted'");
                break;
        }

        foreach (var comparison in filter.Comparisons)
        {
            if (comparison.Key.Entity == SearchEntity.Tag)
            {
                var exists = $"SELECT 1 FROM experiment_tags t WHERE t.experiment_id = e.id AND t.key = {sql.Add(comparison.Key.Name)}";
                where.Add(comparison.Operator switch
                {
                    SearchOperator.IsNull => $"NOT EXISTS ({exists})",
                    SearchOperator.IsNotNull => $"EXISTS ({exists})",
                    _ => $"EXISTS ({exists} AND {sql.Compare("t.value", comparison)})",
                });
            }
            else
            {
                where.Add(sql.Compare(Column(comparison.Key.Name), comparison));
            }
        }

        var terms = new List<string>();
        foreach (var order in orders)
        {
            terms.Add($"{Column(order.Key.Name)} {(order.Ascending ? "ASC" : "DESC")}");
        }

        if (orders.Count == 0)
        {
            terms.Add("e.created_ms DESC");
        }

        if (!orders.Any(o => o.Key.Name == "experiment_id"))
        {
            terms.Add("e.id ASC");
        }

        var limit = sql.Add(query.MaxResults + 1);
        var skip = sql.Add(offset);
        var items = ExperimentRows.Read(
            connection,
            where.Count > 0 ? string.Join(" AND ", where) : "1 = 1",
            sql.Parameters,
            string.Join(", ", terms) + $" LIMIT {limit} OFFSET {skip}");
        var more = items.Count > query.MaxResults;
        if (more)
        {
            items.RemoveAt(items.Count - 1);
        }

        return new SearchPage<ExperimentInfo>(items, more ? SearchPageToken.Encode(offset + items.Count, TokenScope) : null);
    }

    private static string Column(string name) => name switch
    {
        "name" => "e.name",
        "experiment_id" => "e.id",
        "creation_time" => "e.created_ms",
        "last_update_time" => "e.last_update_ms",
        _ => throw new ArgumentOutOfRangeException(nameof(name), name, "Not an experiment attribute."),
    };
}
