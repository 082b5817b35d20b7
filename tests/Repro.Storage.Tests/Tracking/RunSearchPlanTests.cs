using System.Globalization;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tests.Support;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

/// <summary>
/// Searches whose pages the store may find by walking an index or by starting from the runs one comparison matches:
/// every way must give the same runs in the same order as a plain in-memory evaluation of the filter and order.
/// </summary>
public sealed class RunSearchPlanTests(RunSearchPlanTests.Workspace workspace) : IClassFixture<RunSearchPlanTests.Workspace>
{
    private ITrackingStore Store => workspace.Store;

    private List<RunRecord> Recorded => workspace.Runs;

    public static TheoryData<string, string> Cases()
    {
        string[] filters =
        [
            "",
            "params.lr = '0.01'",
            "params.lr = '0.01' and metrics.acc > 0.5",
            "metrics.acc > 0.97",
            "metrics.acc >= 0.5 and tags.team = 'vision'",
            "params.lr IN ('0.1', '0.001') and metrics.loss <= 1",
            "metrics.acc < 0.02",
            "params.lr = 'none'",
            "metrics.acc IS NULL",
            "params.lr IS NULL and metrics.acc > 0.3",
            "metrics.loss = 2",
        ];
        string[] orders = ["", "attributes.start_time DESC", "attributes.start_time ASC", "metrics.acc DESC", "metrics.acc ASC",
            "params.lr ASC", "tags.team DESC", "attributes.run_name DESC", "metrics.loss DESC|params.lr ASC"];
        var data = new TheoryData<string, string>();
        foreach (var filter in filters)
        {
            foreach (var order in orders)
            {
                data.Add(filter, order);
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(Cases))]
    public void Every_page_plan_agrees_with_an_in_memory_search(string filter, string order)
    {
        var orderBy = order.Length == 0 ? [] : order.Split('|');
        var expected = Expected(filter, orderBy);

        foreach (var pageSize in new[] { 7, 1000 })
        {
            var found = new List<RunId>();
            string? token = null;
            do
            {
                var page = Store.SearchRuns(new RunSearchQuery { Filter = filter, OrderBy = orderBy, MaxResults = pageSize, PageToken = token });
                found.AddRange(page.Items.Select(r => r.Record.Id));
                token = page.NextPageToken;
            }
            while (token is not null);

            Assert.Equal(expected, found);
        }
    }

    public static TheoryData<string, string, string> GroupCases()
    {
        string[] filters = ["", "params.lr = '0.01'", "metrics.acc > 0.5", "tags.team = 'vision'", "metrics.acc IS NULL"];
        string[] orders = ["", "attributes.start_time ASC", "metrics.acc DESC", "params.lr ASC"];
        var data = new TheoryData<string, string, string>();
        foreach (var group in new[] { "g0", "g2" })
        {
            foreach (var filter in filters)
            {
                foreach (var order in orders)
                {
                    data.Add(group, filter, order);
                }
            }
        }

        return data;
    }

    [Theory]
    [MemberData(nameof(GroupCases))]
    public void Every_page_plan_within_a_sweep_group_agrees_with_an_in_memory_search(string group, string filter, string order)
    {
        var orderBy = order.Length == 0 ? [] : order.Split('|');
        var expected = Expected(filter, orderBy, group);
        Assert.NotEmpty(expected);

        var found = new List<RunId>();
        string? token = null;
        do
        {
            var page = Store.SearchRuns(
                new RunSearchQuery { Group = group, Filter = filter, OrderBy = orderBy, MaxResults = 7, PageToken = token });
            found.AddRange(page.Items.Select(r => r.Record.Id));
            token = page.NextPageToken;
        }
        while (token is not null);

        Assert.Equal(expected, found);
    }

    private List<RunId> Expected(string filter, string[] orderBy, string? group = null)
    {
        IEnumerable<RunRecord> runs = group is null ? Recorded : Recorded.Where(r => r.Lineage.Group == group);
        foreach (var clause in filter.Split(" and ", StringSplitOptions.RemoveEmptyEntries))
        {
            runs = runs.Where(Matcher(clause));
        }

        var list = runs.ToList();
        list.Sort((a, b) =>
        {
            foreach (var clause in orderBy)
            {
                var parts = clause.Split(' ');
                var descending = parts.Length > 1 && parts[1] == "DESC";
                var (x, y) = (Key(a, parts[0]), Key(b, parts[0]));
                if (x is null != y is null)
                {
                    return x is null ? 1 : -1;
                }

                var c = x is double dx ? dx.CompareTo((double)y!) : string.CompareOrdinal((string?)x, (string?)y);
                if (c != 0)
                {
                    return descending ? -c : c;
                }
            }

            var byStart = orderBy.Any(o => o.StartsWith("attributes.start_time", StringComparison.Ordinal));
            var start = byStart ? 0 : b.StartTime.CompareTo(a.StartTime);
            return start != 0 ? start : string.CompareOrdinal(a.Id.Value, b.Id.Value);
        });
        return [.. list.Select(r => r.Id)];
    }

    private static object? Key(RunRecord run, string key) => key switch
    {
        "attributes.start_time" => (double)run.StartTime.ToUnixTimeMilliseconds(),
        "attributes.run_name" => run.Name,
        "metrics.acc" => run.LatestMetrics.TryGetValue("acc", out var acc) ? acc.Value : null,
        "metrics.loss" => run.LatestMetrics.TryGetValue("loss", out var loss) ? loss.Value : null,
        "params.lr" => run.Params.FirstOrDefault(p => p.Key == "lr")?.Value,
        "tags.team" => run.Tags.TryGetValue("team", out var team) ? team : null,
        _ => throw new ArgumentException(key),
    };

    private static Func<RunRecord, bool> Matcher(string clause)
    {
        var parts = clause.Split(' ', 3);
        var (key, op, value) = (parts[0], parts[1], parts.Length > 2 ? parts[2] : "");
        if (op == "IS")
        {
            return r => Key(r, key) is null;
        }

        if (op == "IN")
        {
            var items = value.Trim('(', ')').Split(", ").Select(v => v.Trim('\'')).ToHashSet();
            return r => Key(r, key) is string s && items.Contains(s);
        }

        if (key.StartsWith("metrics.", StringComparison.Ordinal))
        {
            var number = double.Parse(value, CultureInfo.InvariantCulture);
            return r => Key(r, key) is double d && op switch
            {
                ">" => d > number,
                ">=" => d >= number,
                "<" => d < number,
                "<=" => d <= number,
                _ => d == number,
            };
        }

        return r => Key(r, key) is string s && s == value.Trim('\'');
    }

    /// <summary>One store with a few hundred varied runs, shared by every case (they only read).</summary>
    public sealed class Workspace : TrackingStoreTests
    {
        private const int Count = 240;
        private static readonly string[] Rates = ["0.1", "0.03", "0.01", "0.003", "0.001"];

        public Workspace()
        {
            var random = new Random(7);
            for (var i = 0; i < Count; i++)
            {
                var metrics = new Dictionary<string, MetricPoint>();
                if (i % 11 != 0)
                {
                    metrics["acc"] = new MetricPoint("acc", Math.Round(random.NextDouble(), 2), 1, 0);
                }

                if (i % 3 == 0)
                {
                    metrics["loss"] = new MetricPoint("loss", random.Next(0, 4), 1, 0);
                }

                var record = TestRuns.Record("r" + i.ToString("D3", CultureInfo.InvariantCulture), "Default", random.Next(0, 60)) with
                {
                    Params = i % 13 == 0 ? [] : [new Param("lr", Rates[random.Next(Rates.Length)], ParamSource.Cli)],
                    Tags = new Dictionary<string, string> { ["team"] = i % 4 == 0 ? "vision" : "nlp" },
                    LatestMetrics = metrics,
                    Lineage = new RunLineage { Group = i % 7 == 0 ? null : "g" + (i % 3).ToString(CultureInfo.InvariantCulture) },
                };
                Store.Create(record);
                Runs.Add(record);
            }
        }

        public new ITrackingStore Store => base.Store;

        public List<RunRecord> Runs { get; } = [];
    }
}
