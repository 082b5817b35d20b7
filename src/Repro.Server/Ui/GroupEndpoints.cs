using System.Globalization;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Statistics;
using Repro.Server.Api;
using Repro.Storage.Tracking;

namespace Repro.Server.Ui;

/// <summary>
/// <c>GET /api/v1/groups</c>: every run matching a search, grouped by params or tags, with n, mean, sample standard deviation,
/// minimum and maximum of each metric's latest value per group (the statistics of <see cref="Summary"/>, as <c>repro stats</c>
/// computes them). The runs table's group view shows these, so its figures cover all matching runs, not only one page.
/// </summary>
internal static class GroupEndpoints
{
    /// <summary>The largest page <see cref="ITrackingStore.SearchRuns"/> serves.</summary>
    private const int StorePage = 50_000;

    public static IEndpointRouteBuilder MapGroups(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/groups", (HttpRequest request, ServerContext context) => Groups(request, context));
        return app;
    }

    private static IResult Groups(HttpRequest request, ServerContext context)
    {
        var store = context.Store;
        var by = GroupKeys(request);
        var wanted = MetricKeys(request);
        var query = new RunSearchQuery
        {
            ExperimentIds = ApiRequest.ExperimentIds(request, store),
            Filter = ApiRequest.Optional(request, "filter"),
            ViewType = ApiRequest.View(request),
        };
        var limit = context.Options.MaxGroupedRuns;
        var groups = new Dictionary<string?[], Accumulator>(KeyComparer.Instance);
        var seenMetrics = new SortedSet<string>(StringComparer.Ordinal);
        var matched = 0;
        string? token = null;
        do
        {
            var page = store.SearchRuns(query with { MaxResults = limit >= StorePage ? StorePage : limit + 1, PageToken = token });
            foreach (var tracked in page.Items)
            {
                if (++matched > limit)
                {
                    var most = limit.ToString(CultureInfo.InvariantCulture);
                    throw new ReproException(ErrorCode.InvalidArgument,
                        $"More than {most} runs match the search: too many to group in one request (the limit is {most} runs). "
                        + "Narrow it with a filter (such as tags.team = 'vision' or attributes.start_time > 1735689600000) or an experiment_id.");
                }

                var run = tracked.Record;
                var key = new string?[by.Count];
                for (var i = 0; i < key.Length; i++)
                {
                    key[i] = by[i].ValueOf(run);
                }

                if (!groups.TryGetValue(key, out var group))
                {
                    group = new Accumulator(key);
                    groups.Add(key, group);
                }

                group.Runs++;
                foreach (var (metric, point) in run.LatestMetrics)
                {
                    if (wanted is null || wanted.Contains(metric))
                    {
                        group.Add(metric, point.Value);
                        seenMetrics.Add(metric);
                    }
                }
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        IReadOnlyList<string> metrics = wanted is null ? [.. seenMetrics] : wanted;
        var ordered = groups.Values.OrderBy(g => g.Key, KeyOrder.Instance);
        return ApiRequest.Json(new GroupList(
            [.. by.Select(b => b.Name)],
            metrics,
            matched,
            [.. ordered.Select(g => new RunGroup(g.Key, g.Runs, metrics.ToDictionary(m => m, g.Statistics, StringComparer.Ordinal)))]));
    }

    /// <summary><c>by=params.lr,tags.team</c> (repeatable); a key holding a comma or a space is quoted: params.`my key`.</summary>
    private static List<GroupKey> GroupKeys(HttpRequest request)
    {
        var keys = new List<GroupKey>();
        foreach (var item in ApiRequest.All(request, "by").SelectMany(SplitList))
        {
            var dot = item.IndexOf('.', StringComparison.Ordinal);
            var kind = dot < 0 ? "" : item[..dot];
            var name = dot < 0 ? "" : Unquote(item[(dot + 1)..]);
            var isTag = kind is "tags" or "tag";
            if (!(isTag || kind is "params" or "param") || name.Length == 0)
            {
                throw new ReproException(ErrorCode.InvalidArgument,
                    $"by '{item}' is not a param or tag. Group by params.NAME or tags.NAME, such as by=params.lr,params.batch_size "
                    + "(quote a name holding a comma with backticks: params.`my,key`).");
            }

            var key = new GroupKey(isTag, name);
            if (!keys.Contains(key))
            {
                keys.Add(key);
            }
        }

        return keys.Count > 0
            ? keys
            : throw new ReproException(ErrorCode.InvalidArgument,
                "Say what to group by with by=params.NAME or tags.NAME (several separated by commas), such as "
                + "/api/v1/groups?by=params.lr,params.batch_size&metrics=acc,loss.");
    }

    /// <summary><c>metrics=acc,loss</c> (repeatable); null (every metric the runs logged) when absent.</summary>
    private static List<string>? MetricKeys(HttpRequest request)
    {
        var keys = ApiRequest.All(request, "metrics").SelectMany(SplitList).Select(Unquote).Where(k => k.Length > 0)
            .Distinct(StringComparer.Ordinal).ToList();
        return keys.Count > 0 ? keys : null;
    }

    /// <summary>Splits at commas outside backticks; items are trimmed, empty ones dropped.</summary>
    private static IEnumerable<string> SplitList(string text)
    {
        var current = new StringBuilder();
        var quoted = false;
        foreach (var c in text)
        {
            if (c == '`')
            {
                quoted = !quoted;
            }

            if (c == ',' && !quoted)
            {
                if (current.ToString().Trim() is { Length: > 0 } item)
                {
                    yield return item;
                }

                current.Clear();
                continue;
            }

            current.Append(c);
        }

        if (current.ToString().Trim() is { Length: > 0 } last)
        {
            yield return last;
        }
    }

    private static string Unquote(string name) =>
        name.Length >= 2 && name[0] == '`' && name[^1] == '`' ? name[1..^1] : name;

    /// <summary>A param or tag to group by; runs without it get null (the "(none)" group).</summary>
    private sealed record GroupKey(bool IsTag, string Key)
    {
        public string Name => (IsTag ? "tags." : "params.") + Key;

        public string? ValueOf(RunRecord run)
        {
            if (IsTag)
            {
                return run.Tags.TryGetValue(Key, out var tag) ? tag : null;
            }

            string? value = null;
            foreach (var p in run.Params)
            {
                if (p.Key == Key)
                {
                    value = p.Value;    // a param logged twice: the last value, as the runs list shows it
                }
            }

            return value;
        }
    }

    private sealed class Accumulator(string?[] key)
    {
        private readonly Dictionary<string, List<double>> _values = new(StringComparer.Ordinal);

        public string?[] Key { get; } = key;

        public int Runs { get; set; }

        public void Add(string metric, double value)
        {
            if (!_values.TryGetValue(metric, out var list))
            {
                list = [];
                _values.Add(metric, list);
            }

            list.Add(value);
        }

        public GroupMetric Statistics(string metric)
        {
            if (!_values.TryGetValue(metric, out var values))
            {
                return new GroupMetric(0, 0, null, null, null, null);
            }

            var s = Summary.Of(values);
            return s.Count == 0
                ? new GroupMetric(0, s.NaNCount, null, null, null, null)
                : new GroupMetric(s.Count, s.NaNCount, s.Mean, s.Count >= 2 ? s.StandardDeviation : null, s.Min, s.Max);
        }
    }

    private sealed class KeyComparer : IEqualityComparer<string?[]>
    {
        public static readonly KeyComparer Instance = new();

        public bool Equals(string?[]? x, string?[]? y) =>
            ReferenceEquals(x, y) || (x is not null && y is not null && x.AsSpan().SequenceEqual(y, StringComparer.Ordinal));

        public int GetHashCode(string?[] obj)
        {
            var hash = default(HashCode);
            foreach (var v in obj)
            {
                hash.Add(v, StringComparer.Ordinal);
            }

            return hash.ToHashCode();
        }
    }

    /// <summary>
    /// Key by key: numbers (by value, then as text) before other text (ordinal), the missing value last. A total order, so the
    /// groups come back in the same order every time.
    /// </summary>
    private sealed class KeyOrder : IComparer<string?[]>
    {
        public static readonly KeyOrder Instance = new();

        public int Compare(string?[]? x, string?[]? y)
        {
            ArgumentNullException.ThrowIfNull(x);
            ArgumentNullException.ThrowIfNull(y);
            for (var i = 0; i < x.Length; i++)
            {
                var c = CompareValues(x[i], y[i]);
                if (c != 0)
                {
                    return c;
                }
            }

            return 0;
        }

        private static int CompareValues(string? a, string? b)
        {
            if (a is null || b is null)
            {
                return (a is null).CompareTo(b is null);
            }

            var aIsNumber = double.TryParse(a, NumberStyles.Float, CultureInfo.InvariantCulture, out var x) && !double.IsNaN(x);
            var bIsNumber = double.TryParse(b, NumberStyles.Float, CultureInfo.InvariantCulture, out var y) && !double.IsNaN(y);
            if (aIsNumber != bIsNumber)
            {
                return aIsNumber ? -1 : 1;
            }

            var byValue = aIsNumber ? x.CompareTo(y) : 0;
            return byValue != 0 ? byValue : string.CompareOrdinal(a, b);
        }
    }
}

/// <summary>The answer of <c>GET /api/v1/groups</c>: groups in key order; <see cref="RunCount"/> runs matched in all.</summary>
internal sealed record GroupList(IReadOnlyList<string> By, IReadOnlyList<string> Metrics, int RunCount, IReadOnlyList<RunGroup> Groups);

/// <summary>One group: its value of each <c>by</c> key (null where its runs lack it), how many runs, and each metric's statistics.</summary>
internal sealed record RunGroup(IReadOnlyList<string?> Key, int Runs, IReadOnlyDictionary<string, GroupMetric> Metrics);

/// <summary>
/// The latest values of one metric over a group's runs that logged it: <see cref="N"/> values (NaN left out and counted in
/// <see cref="NaNCount"/>), mean, sample standard deviation (n − 1; null below two values), minimum and maximum (null when n is 0).
/// </summary>
internal sealed record GroupMetric(
    int N,
    [property: System.Text.Json.Serialization.JsonPropertyName("nanCount")] int NaNCount,
    double? Mean,
    double? Std,
    double? Min,
    double? Max);
