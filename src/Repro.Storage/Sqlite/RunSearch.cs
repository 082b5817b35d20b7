using System.Globalization;
using Microsoft.Data.Sqlite;
using Repro.Core.Errors;
using Repro.Core.Search;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// MLflow's search_runs over the SQLite schema. The filter becomes conditions on latest_metrics / params / tags /
/// run_datasets (all indexed by key and value); the order is the given clauses, then start time (newest first), then run id,
/// with runs lacking an ordered key last. Paging is by offset in an opaque token.
/// </summary>
/// <remarks>
/// How a page is found, so that a page of a large workspace costs milliseconds:
/// ordered by start time, runs are walked newest first through an index and each is checked, unless one comparison of
/// the filter matches so few runs (counted, up to a cap, on its index) that starting from those and sorting them is
/// cheaper; ordered by a metric, param or tag, the runs having the key are walked in the order of that key's
/// (key, value) index, and the runs lacking it follow as a second, start-time-ordered search.
/// </remarks>
internal static class RunSearch
{
    public const string TokenScope = "runs";

    /// <summary>
    /// Counting how many runs one comparison matches stops here: beyond it, starting from that comparison is never cheaper.
    /// </summary>
    private const int CountCap = 25_000;

    private const string ActiveRun = "r.lifecycle_stage = 'active' AND e.lifecycle_stage = 'active'";
    private const string EffectiveStage = "(CASE WHEN " + ActiveRun + " THEN 'active' ELSE 'deleted' END)";
    private const string ArtifactUri = "(COALESCE(e.artifact_location, 'mlflow-artifacts:/' || e.id) || '/' || r.id || '/artifacts')";

    /// <summary>The pks of the page, in order, the page's offset, and whether more runs follow.</summary>
    public static (List<long> Pks, long Offset, bool More) Find(SqliteConnection connection, RunSearchQuery query)
    {
        var offset = SearchSql.Offset(query.MaxResults, query.PageToken, TokenScope);
        var search = new Search(
            query,
            SearchParser.ParseFilter(query.Filter, SearchSchema.Runs).Comparisons,
            [.. query.OrderBy.Where(o => !string.IsNullOrWhiteSpace(o)).Select(o => SearchParser.ParseOrderBy(o, SearchSchema.Runs))],
            [.. query.ExperimentIds.Select(id => ExperimentRows.ParseId(id) ?? throw new ReproException(
                ErrorCode.InvalidArgument, $"Experiment id '{id}' is not a decimal id like \"0\" or \"12\".")).Distinct()]);
        var need = query.MaxResults + 1;
        var pks = search.Orders.Count > 0 && search.Orders[0].Key.Entity != SearchEntity.Attribute
            ? KeyOrdered(connection, search, offset, need)
            : AttributeOrdered(connection, search, search.Orders, null, offset, need);
        var more = pks.Count > query.MaxResults;
        if (more)
        {
            pks.RemoveAt(pks.Count - 1);
        }

        return (pks, offset, more);
    }

    /// <summary>Ordered first by a metric, param or tag: the runs having it, in its index's order, then those lacking it.</summary>
    private static List<long> KeyOrdered(SqliteConnection connection, Search search, long offset, int need)
    {
        var first = search.Orders[0];
        var rest = search.Orders.Skip(1).ToList();
        var (table, nonNull) = KeyTable(first.Key.Entity);
        var onKey = search.Comparisons.Where(c => c.Key == first.Key).ToList();
        var mustHave = onKey.Any(c => c.Operator is not (SearchOperator.IsNull or SearchOperator.IsNotNull));
        var mustLack = onKey.Any(c => c.Operator == SearchOperator.IsNull);

        var found = new List<long>();
        var having = 0L;
        if (!mustLack)
        {
            var sql = new SearchSql();
            var where = new List<string> { $"o0.key = {sql.Add(first.Key.Name)}{nonNull.Replace("{0}", "o0", StringComparison.Ordinal)}" };
            foreach (var comparison in onKey.Where(c => first.Key.Entity == SearchEntity.Metric && IsRange(c.Operator)))
            {
                where.Add(sql.Compare("o0.value", comparison));    // lets the index scan start where the filter does
            }

            where.AddRange(Conditions(sql, search, search.Comparisons));
            var (joins, terms) = OrderTerms(sql, rest, aliasFrom: 1);
            terms.Insert(0, $"o0.value {(first.Ascending ? "ASC" : "DESC")}");
            var from = $"{table} o0 JOIN runs r ON r.pk = o0.run_pk JOIN experiments e ON e.id = r.experiment_id {joins}";
            var conditions = string.Join(" AND ", where);
            found = Pks(connection, sql, $"SELECT r.pk FROM {from} WHERE {conditions} ORDER BY {string.Join(", ", terms)}", need, offset);
            if (found.Count >= need || mustHave)
            {
                return found;
            }

            having = found.Count > 0 ? offset + found.Count : Count(connection, sql, $"SELECT 1 FROM {from} WHERE {conditions}");
        }

        var lacking = new SearchSql();
        var lack = $"NOT EXISTS (SELECT 1 FROM {table} m WHERE m.run_pk = r.pk AND m.key = {lacking.Add(first.Key.Name)}"
            + $"{nonNull.Replace("{0}", "m", StringComparison.Ordinal)})";
        found.AddRange(AttributeOrdered(connection, search, rest, (lacking, lack), Math.Max(0, offset - having), need - found.Count));
        return found;
    }

    /// <summary>Ordered by attributes (or by start time alone): an index walk, or a sort of the few runs one comparison matches.</summary>
    private static List<long> AttributeOrdered(
        SqliteConnection connection,
        Search search,
        IReadOnlyList<SearchOrder> orders,
        (SearchSql Sql, string Condition)? extra,
        long offset,
        int need)
    {
        var sql = extra?.Sql ?? new SearchSql();
        var (joins, terms) = OrderTerms(sql, orders, aliasFrom: 0);
        var byIndex = orders.Count == 0 || (orders.Count == 1 && orders[0].Key.Name == "start_time" && !orders[0].Ascending);
        var driver = Driver(connection, search, byIndex, need + offset);
        var where = Conditions(sql, search, search.Comparisons.Where(c => !ReferenceEquals(c, driver)));
        if (extra is { } condition)
        {
            where.Add(condition.Condition);
        }

        if (driver is not null)
        {
            where.Add($"r.pk IN ({DriverSet(sql, driver)})");

            // Sorting the few runs is the point; the unary plus keeps SQLite from walking the start-time index instead.
            terms = [.. terms.Select(t => t == "r.start_ms DESC" ? "+r.start_ms DESC" : t)];
        }

        var text = $"""
            SELECT r.pk FROM runs r JOIN experiments e ON e.id = r.experiment_id {joins}
            {(where.Count > 0 ? "WHERE " + string.Join(" AND ", where) : "")}
            ORDER BY {string.Join(", ", terms)}
            """;
        return Pks(connection, sql, text, need, offset);
    }

    /// <summary>
    /// The comparison to start from, or null to walk the runs in order: the one matching the fewest runs, when walking
    /// would visit more runs (about need × total ÷ expected matches, comparisons taken as independent) than it matches.
    /// </summary>
    private static SearchComparison? Driver(SqliteConnection connection, Search search, bool byIndex, long need)
    {
        var candidates = search.Comparisons.Where(IsDrivable).Select(c => (Comparison: c, Count: CappedCount(connection, c))).ToList();
        if (candidates.Count == 0)
        {
            return null;
        }

        var best = candidates.MinBy(c => c.Count);
        if (best.Count >= CountCap)
        {
            return null;
        }

        if (!byIndex || best.Count == 0)
        {
            return best.Comparison;
        }

        using var max = connection.Command("SELECT max(pk) FROM runs");
        var total = Math.Max(1.0, max.ExecuteScalar() is long n ? n : 1);
        var expected = candidates.Aggregate(total, (product, c) => product * c.Count / total);
        return best.Count * Math.Max(expected, 1) < need * total ? best.Comparison : null;
    }

    private static bool IsDrivable(SearchComparison comparison) => comparison.Key.Entity switch
    {
        SearchEntity.Metric => comparison.Operator == SearchOperator.Equal || IsRange(comparison.Operator),
        SearchEntity.Param or SearchEntity.Tag => comparison.Operator is SearchOperator.Equal or SearchOperator.In,
        _ => false,
    };

    private static bool IsRange(SearchOperator op) =>
        op is SearchOperator.Less or SearchOperator.LessOrEqual or SearchOperator.Greater or SearchOperator.GreaterOrEqual;

    private static string DriverSet(SearchSql sql, SearchComparison comparison)
    {
        var (table, _) = KeyTable(comparison.Key.Entity);
        return $"SELECT run_pk FROM {table} WHERE key = {sql.Add(comparison.Key.Name)} AND {sql.Compare("value", comparison)}";
    }

    private static long CappedCount(SqliteConnection connection, SearchComparison comparison)
    {
        var sql = new SearchSql();
        var cap = CountCap.ToString(CultureInfo.InvariantCulture);
        return Count(connection, sql, $"SELECT 1 FROM ({DriverSet(sql, comparison)}) LIMIT {cap}");
    }

    /// <summary>The WHERE conditions every plan shares: experiments, sweep group, lifecycle, and the filter's comparisons.</summary>
    private static List<string> Conditions(SearchSql sql, Search search, IEnumerable<SearchComparison> comparisons)
    {
        var where = new List<string>();
        if (search.ExperimentIds.Count > 0)
        {
            where.Add(search.ExperimentIds.Count == 1
                ? $"r.experiment_id = {sql.Add(search.ExperimentIds[0])}"
                : $"r.experiment_id IN ({string.Join(", ", search.ExperimentIds.Select(i => sql.Add(i)))})");
        }

        if (search.Query.Group is { } group)
        {
            where.Add($"r.group_name = {sql.Add(group)}");    // runs_by_group
        }

        switch (search.Query.ViewType)
        {
            case ViewType.ActiveOnly:
                where.Add(ActiveRun);
                break;
            case ViewType.DeletedOnly:
                where.Add("NOT (" + ActiveRun + ")");
                break;
        }

        where.AddRange(comparisons.Select(c => Condition(c, sql)));
        return where;
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
                var (table, _) = KeyTable(key.Entity);
                var exists = $"SELECT 1 FROM {table} x WHERE x.run_pk = r.pk AND x.key = {sql.Add(key.Name)}";
                return comparison.Operator switch
                {
                    SearchOperator.IsNull => $"NOT EXISTS ({exists})",
                    SearchOperator.IsNotNull => $"EXISTS ({exists})",
                    _ => $"EXISTS ({exists} AND {sql.Compare("x.value", comparison)})",
                };
        }
    }

    /// <summary>
    /// LEFT JOINs and ORDER BY terms for the clauses, then the tie-breakers: start time (unless ordered by it) and run id.
    /// </summary>
    private static (string Joins, List<string> Terms) OrderTerms(SearchSql sql, IReadOnlyList<SearchOrder> orders, int aliasFrom)
    {
        var joins = new List<string>();
        var terms = new List<string>();
        var byStart = false;
        foreach (var order in orders)
        {
            var direction = order.Ascending ? "ASC" : "DESC";
            string expression;
            if (order.Key.Entity == SearchEntity.Attribute)
            {
                expression = AttributeColumn(order.Key.Name);
                byStart |= order.Key.Name == "start_time";
                if (order.Key.Name == "start_time")
                {
                    terms.Add($"{expression} {direction}");
                    continue;
                }
            }
            else
            {
                var alias = "o" + (aliasFrom + joins.Count).ToString(CultureInfo.InvariantCulture);
                var (table, nonNull) = KeyTable(order.Key.Entity);
                joins.Add($"LEFT JOIN {table} {alias} ON {alias}.run_pk = r.pk AND {alias}.key = {sql.Add(order.Key.Name)}"
                    + nonNull.Replace("{0}", alias, StringComparison.Ordinal));
                expression = $"{alias}.value";
            }

            terms.Add($"({expression}) IS NULL");
            terms.Add($"{expression} {direction}");
        }

        if (!byStart)
        {
            terms.Add("r.start_ms DESC");
        }

        terms.Add("r.id ASC");
        return (string.Join(" ", joins), terms);
    }

    /// <summary>The table of a key type, and the condition (on alias {0}) for a row that counts as having the key (NaN does not).</summary>
    private static (string Table, string NonNull) KeyTable(SearchEntity entity) => entity switch
    {
        SearchEntity.Metric => ("latest_metrics", " AND {0}.value IS NOT NULL"),
        SearchEntity.Param => ("params", ""),
        _ => ("tags", ""),
    };

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

    private static List<long> Pks(SqliteConnection connection, SearchSql sql, string select, int limit, long offset)
    {
        var text = $"{select} LIMIT {sql.Add(limit)} OFFSET {sql.Add(offset)}";
        using var command = connection.Command(text, [.. sql.Parameters]);
        using var reader = command.ExecuteReader();
        var pks = new List<long>();
        while (reader.Read())
        {
            pks.Add(reader.GetInt64(0));
        }

        return pks;
    }

    private static long Count(SqliteConnection connection, SearchSql sql, string select)
    {
        using var command = connection.Command($"SELECT count(*) FROM ({select})", [.. sql.Parameters]);
        return (long)command.ExecuteScalar()!;
    }

    private sealed record Search(
        RunSearchQuery Query,
        IReadOnlyList<SearchComparison> Comparisons,
        IReadOnlyList<SearchOrder> Orders,
        IReadOnlyList<long> ExperimentIds);
}
