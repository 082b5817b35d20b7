using System.Globalization;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

internal sealed partial class MlflowService
{
    private const int MaxHistoryBulkResults = 25000;
    private const int MaxHistoryBulkRuns = 100;
    private const int MaxIntervalResultsPerRun = 2500;

    public async Task GetMetricHistory(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var key = args.RequiredString("metric_key");
        var maxResults = args.Long("max_results");
        var pageToken = args.String("page_token");
        if (maxResults is < 1)
        {
            maxResults = null;
        }

        var run = GetRun(runId);
        var token = string.IsNullOrEmpty(pageToken) ? null : pageToken;
        var page = maxResults is { } max
            ? Store.GetMetricHistoryPage(run.Record.Id, key, (int)Math.Min(max, MlflowValidation.MaxSearchResults), token)
            : WholeHistory(run.Record.Id, key, token);
        await MlflowJson.WritePageAsync(http, page, "metrics", (w, point) => MlflowJson.Metric(w, point)).ConfigureAwait(false);
    }

    /// <summary>Without max_results MLflow answers with the whole history (from the page token on) in one response.</summary>
    private SearchPage<MetricPoint> WholeHistory(RunId id, string key, string? pageToken)
    {
        var points = new List<MetricPoint>();
        do
        {
            var page = Store.GetMetricHistoryPage(id, key, MlflowValidation.MaxSearchResults, pageToken);
            points.AddRange(page.Items);
            pageToken = page.NextPageToken;
        }
        while (pageToken is not null);
        return new SearchPage<MetricPoint>(points, null);
    }

    /// <summary>metrics/get-history-bulk (MLflow's UI): one metric of several runs, by run id then time, step and value.</summary>
    public async Task GetMetricHistoryBulk(HttpContext http)
    {
        var runIds = http.Request.Query["run_id"].Where(v => !string.IsNullOrEmpty(v)).Select(v => v!).ToList();
        if (runIds.Count == 0)
        {
            throw MlflowException.InvalidParameter("GetMetricHistoryBulk request must specify at least one run_id.");
        }

        if (runIds.Count > MaxHistoryBulkRuns)
        {
            throw MlflowException.InvalidParameter(
                $"GetMetricHistoryBulk request cannot specify more than {MaxHistoryBulkRuns} run_ids. Received {runIds.Count} run_ids.");
        }

        var key = http.Request.Query["metric_key"].FirstOrDefault()
            ?? throw MlflowException.InvalidParameter("GetMetricHistoryBulk request must specify a metric_key.");
        var maxResults = MaxHistoryBulkResults;
        if (http.Request.Query["max_results"].FirstOrDefault() is { } text)
        {
            maxResults = int.TryParse(text, NumberStyles.None, CultureInfo.InvariantCulture, out var n)
                ? Math.Min(n, MaxHistoryBulkResults)
                : throw MlflowException.InvalidParameter(
                    $"Invalid value \"{text}\" for parameter 'max_results' supplied: it must be a positive integer.");
        }

        var points = new List<(string RunId, MetricPoint Point)>();
        foreach (var runId in runIds.Order(StringComparer.Ordinal))
        {
            if (!RunId.IsValid(runId))
            {
                continue;
            }

            var series = SeriesOrEmpty(new RunId(runId), key);
            points.AddRange(ToPoints(series)
                .OrderBy(p => p.TimestampMs).ThenBy(p => p.Step).ThenBy(p => p.Value)
                .Take(maxResults)
                .Select(p => (runId, p)));
        }

        await MlflowJson.WriteAsync(http, w =>
        {
            w.WriteStartArray("metrics");
            foreach (var (runId, point) in points.Take(maxResults))
            {
                MlflowJson.Metric(w, point, runId);
            }

            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    /// <summary>
    /// metrics/get-history-bulk-interval (MLflow's charts): the points of several runs at up to max_results steps sampled evenly
    /// over [start_step, end_step], always keeping each run's first and last step.
    /// </summary>
    public async Task GetMetricHistoryBulkInterval(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request, "run_ids").ConfigureAwait(false);
        var runIds = args.StringList("run_ids", required: true);
        if (runIds.Count == 0)
        {
            throw MlflowArgs.Missing("run_ids");
        }

        if (runIds.Count > MaxHistoryBulkRuns)
        {
            throw MlflowException.InvalidParameter(
                $"GetMetricHistoryBulkInterval request must specify at most {MaxHistoryBulkRuns} run_ids. Received {runIds.Count} run_ids."
                + " See the API docs for more information about request parameters.");
        }

        var key = args.RequiredString("metric_key");
        var startStep = args.Long("start_step");
        var endStep = args.Long("end_step");
        var maxResults = args.Long("max_results") ?? MaxIntervalResultsPerRun;
        if (maxResults is < 1 or > MaxIntervalResultsPerRun)
        {
            throw MlflowException.InvalidParameter(
                $"max_results must be between 1 and {MaxIntervalResultsPerRun}."
                + " See the API docs for more information about request parameters.");
        }

        if (startStep is { } s && endStep is { } e)
        {
            if (s > e)
            {
                throw MlflowException.InvalidParameter(
                    $"end_step must be greater than start_step. Found start_step={s} and end_step={e}.");
            }
        }
        else if (startStep is not null || endStep is not null)
        {
            throw MlflowException.InvalidParameter("If either start step or end step are specified, both must be specified.");
        }

        var series = runIds.Select(id => (Id: id, Points: ToPoints(Store.GetMetricSeries(GetRun(id).Record.Id, key)))).ToList();
        var steps = SampledSteps(series.Select(r => r.Points.Select(p => p.Step).ToList()).ToList(), startStep, endStep, (int)maxResults);
        await MlflowJson.WriteAsync(http, w =>
        {
            w.WriteStartArray("metrics");
            foreach (var (runId, points) in series)
            {
                var sampled = points.Where(p => steps.Contains(p.Step)).OrderBy(p => p.Step).ThenBy(p => p.TimestampMs);
                foreach (var point in sampled.Take(MaxHistoryBulkResults))
                {
                    MlflowJson.Metric(w, point, runId);
                }
            }

            w.WriteEndArray();
        }).ConfigureAwait(false);
    }

    /// <summary>MLflow's step sampling for the bulk-interval endpoint (handlers._get_sampled_steps), kept step for step.</summary>
    internal static HashSet<long> SampledSteps(IReadOnlyList<List<long>> runs, long? startStep, long? endStep, int maxResults)
    {
        var minsAndMaxes = new HashSet<long>();
        foreach (var run in runs.Where(r => r.Count > 0))
        {
            minsAndMaxes.Add(run.Min());
            minsAndMaxes.Add(run.Max());
        }

        var all = runs.SelectMany(r => r).Distinct().Order().ToList();
        var start = startStep ?? 0;
        var end = endStep ?? (all.Count > 0 ? all[^1] : 0);
        var sampled = SampleSteps(start, end, maxResults, all);
        sampled.UnionWith(minsAndMaxes.Where(step => step >= start && step <= end));
        return sampled;
    }

    /// <summary>handlers._get_sampled_steps_from_steps: evenly spaced steps within [start, end], plus the last.</summary>
    internal static HashSet<long> SampleSteps(long start, long end, int maxResults, List<long> sortedSteps)
    {
        var startIndex = LowerBound(sortedSteps, start);
        var endIndex = UpperBound(sortedSteps, end);
        var count = endIndex - startIndex;
        if (count <= maxResults)
        {
            return [.. sortedSteps.Skip(startIndex).Take(count)];
        }

        var interval = (double)count / maxResults;
        var sampled = new HashSet<long>();
        for (var i = 0; i < maxResults; i++)
        {
            var index = startIndex + (int)(i * interval);
            if (index < count)
            {
                sampled.Add(sortedSteps[index]);
            }
        }

        sampled.Add(sortedSteps[endIndex - 1]);
        return sampled;
    }

    private static int LowerBound(List<long> sorted, long value)
    {
        var index = sorted.BinarySearch(value);
        if (index < 0)
        {
            return ~index;
        }

        while (index > 0 && sorted[index - 1] == value)
        {
            index--;
        }

        return index;
    }

    private static int UpperBound(List<long> sorted, long value)
    {
        var index = sorted.BinarySearch(value);
        if (index < 0)
        {
            return ~index;
        }

        while (index < sorted.Count && sorted[index] == value)
        {
            index++;
        }

        return index;
    }

    private MetricSeries SeriesOrEmpty(RunId id, string key)
    {
        try
        {
            return Store.GetMetricSeries(id, key);
        }
        catch (ReproException e) when (e.Code == ErrorCode.NotFound)
        {
            return new MetricSeries(key, [], [], []);
        }
    }

    private static List<MetricPoint> ToPoints(MetricSeries series)
    {
        var points = new List<MetricPoint>(series.Count);
        for (var i = 0; i < series.Count; i++)
        {
            points.Add(new MetricPoint(series.Key, series.Values[i], series.Steps[i], series.TimestampsMs[i]));
        }

        return points;
    }
}
