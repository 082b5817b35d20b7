using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Statistics;
using Repro.Storage.Runs;

namespace Repro.Server.Reports;

/// <summary>Which value of each run's series stands for the run.</summary>
public enum MetricAggregate
{
    /// <summary>The last logged value.</summary>
    Last,

    /// <summary>The minimum for metrics named like a loss or an error, else the maximum.</summary>
    Best,

    Min,

    Max,
}

/// <summary>One row of <c>repro stats --json</c>: a metric of one config of a group.</summary>
/// <param name="Failed">Runs of the config that did not finish (left out).</param>
/// <param name="Missing">Finished runs of the config that did not log the metric (left out).</param>
public sealed record StatsRow(string Config, string Metric, Summary Summary, int Failed, int Missing);

/// <summary>One side of a comparison: the values of its finished runs, and notes on the runs left out.</summary>
public sealed record ComparisonSide(string Name, IReadOnlyList<double> Values, IReadOnlyList<string> Notes);

/// <summary>
/// `repro stats`, `repro compare`, `repro check-claim` without the rendering: seeds are samples, so a config is a
/// distribution of per-run values.
/// </summary>
public static class GroupStats
{
    /// <summary>last, best, min or max; <paramref name="option"/> names the option in the error (--agg, or agg in the API).</summary>
    public static MetricAggregate ParseAggregate(string text, string option = "--agg")
    {
        ArgumentNullException.ThrowIfNull(text);
        return text.ToLowerInvariant() switch
        {
            "last" => MetricAggregate.Last,
            "best" => MetricAggregate.Best,
            "min" => MetricAggregate.Min,
            "max" => MetricAggregate.Max,
            _ => throw new ReproException(ErrorCode.InvalidArgument, $"{option} '{text}' is not one of last, best, min, max."),
        };
    }

    /// <summary>Whether smaller is better for a metric, judged by its name (loss, error, err, perplexity).</summary>
    public static bool LowerIsBetterByName(string metric)
    {
        ArgumentNullException.ThrowIfNull(metric);
        return metric.Contains("loss", StringComparison.OrdinalIgnoreCase) || metric.Contains("error", StringComparison.OrdinalIgnoreCase)
            || metric.Contains("err", StringComparison.OrdinalIgnoreCase) || metric.Contains("perplexity", StringComparison.OrdinalIgnoreCase);
    }

    /// <summary>The value standing for a run: null when it did not log the metric; NaN when every point is NaN (min/max/best).</summary>
    public static double? Value(IRunStore runs, RunRecord run, string metric, MetricAggregate how)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(run);
        if (!run.LatestMetrics.TryGetValue(metric, out var last))
        {
            return null;
        }

        if (how == MetricAggregate.Last)
        {
            return last.Value;
        }

        var series = runs.GetMetricHistory(run.Id, metric).Select(p => p.Value).Where(v => !double.IsNaN(v)).ToList();
        if (series.Count == 0)
        {
            return double.NaN;
        }

        var min = how == MetricAggregate.Min || (how == MetricAggregate.Best && LowerIsBetterByName(metric));
        return min ? series.Min() : series.Max();
    }

    /// <summary>
    /// Per config (sweep params) of <paramref name="runs"/> and per metric: the summary of the finished runs' values.
    /// <paramref name="metrics"/> empty means every metric the runs logged, except system/ ones.
    /// </summary>
    public static IReadOnlyList<StatsRow> Rows(IRunStore store, IReadOnlyList<RunRecord> runs, IReadOnlyList<string> metrics, MetricAggregate how)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(metrics);
        IReadOnlyList<string> keys = metrics.Count > 0
            ? metrics
            : [.. runs.SelectMany(r => r.LatestMetrics.Keys).Where(k => !MetricKeys.IsSystem(k)).Distinct().Order(StringComparer.Ordinal)];
        var rows = new List<StatsRow>();
        foreach (var config in runs.GroupBy(SweepGroups.ConfigOf).OrderBy(g => g.Key, StringComparer.Ordinal))
        {
            var ok = config.Where(r => r.Status == RunStatus.Finished).ToList();
            var failed = config.Count() - ok.Count;
            foreach (var m in keys)
            {
                var values = ok.Select(r => Value(store, r, m, how)).ToList();
                var missing = values.Count(v => v is null);
                var summary = Summary.Of(values.Where(v => v is not null).Select(v => v!.Value));
                rows.Add(new StatsRow(config.Key, m, summary, failed, missing));
            }
        }

        return rows;
    }

    /// <summary>The rows of a sweep group; NotFound when the group has no runs.</summary>
    public static IReadOnlyList<StatsRow> OfGroup(IRunStore store, string group, IReadOnlyList<string> metrics, MetricAggregate how)
    {
        var runs = SweepGroups.RunsOf(store, group);
        if (runs.Count == 0)
        {
            throw new ReproException(ErrorCode.NotFound, $"No runs in group '{group}'. Start one with `repro sweep --name {group} --seeds 5 -- <command>`.");
        }

        return Rows(store, runs, metrics, how);
    }

    /// <summary>
    /// Resolves a side: "G:k=v,...", a group, or a comma list of runs (resolved with <paramref name="resolve"/>, by default the
    /// store's). Failed runs and runs without the metric are left out and named in the notes.
    /// </summary>
    public static ComparisonSide Side(IRunStore store, string side, string metric, MetricAggregate how, Func<string, RunRecord>? resolve = null)
    {
        ArgumentNullException.ThrowIfNull(store);
        ArgumentNullException.ThrowIfNull(side);
        resolve ??= store.ResolveRun;
        IReadOnlyList<RunRecord> runs;
        var colon = side.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var group = side[..colon];
            var wanted = ParseConfig(side[(colon + 1)..]);
            runs = [.. SweepGroups.RunsOf(store, group).Where(r => wanted.All(kv => r.Params.Any(p => p.Key == kv.Key && p.Value == kv.Value)))];
            if (runs.Count == 0)
            {
                throw new ReproException(ErrorCode.NotFound, $"No run of group '{group}' has {side[(colon + 1)..]}. See the configs with `repro stats {group}`.");
            }
        }
        else if (SweepGroups.RunsOf(store, side) is { Count: > 0 } groupRuns)
        {
            runs = groupRuns;
        }
        else
        {
            runs = [.. side.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(resolve)];
        }

        var notes = new List<string>();
        var values = new List<double>();
        var failed = runs.Where(r => r.Status != RunStatus.Finished).ToList();
        if (failed.Count > 0)
        {
            notes.Add($"{side}: {failed.Count} run(s) did not finish and are left out ({string.Join(", ", failed.Take(5).Select(r => r.Id.Short + " " + r.Status.ToWire()))})");
        }

        var missing = new List<string>();
        foreach (var run in runs.Where(r => r.Status == RunStatus.Finished))
        {
            if (Value(store, run, metric, how) is { } v)
            {
                values.Add(v);
            }
            else
            {
                missing.Add(run.Id.Short);
            }
        }

        if (missing.Count > 0)
        {
            notes.Add($"{side}: {missing.Count} run(s) did not log '{metric}' and are left out ({string.Join(", ", missing.Take(5))})");
        }

        return new ComparisonSide(side, values, notes);
    }

    /// <summary>
    /// Is A better than B on <paramref name="metric"/>? <paramref name="higherIsBetter"/> null judges by the metric's name.
    /// InvalidArgument when a side has fewer than two values.
    /// </summary>
    public static (Comparison Comparison, IReadOnlyList<string> Notes) Compare(
        IRunStore store, string a, string b, string metric, MetricAggregate how, bool? higherIsBetter, Func<string, RunRecord>? resolve = null)
    {
        var sideA = Side(store, a, metric, how, resolve);
        var sideB = Side(store, b, metric, how, resolve);
        var options = new ComparisonOptions
        {
            HigherIsBetter = higherIsBetter ?? !LowerIsBetterByName(metric),
            NameA = sideA.Name,
            NameB = sideB.Name,
        };
        return (Comparison.Of(sideA.Values, sideB.Values, options), [.. sideA.Notes, .. sideB.Notes]);
    }

    /// <summary>"k=v,k2=v2" of a "GROUP:k=v" side; the value may contain '='; later duplicates win.</summary>
    private static List<KeyValuePair<string, string>> ParseConfig(string text)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in text.Split(',', StringSplitOptions.RemoveEmptyEntries))
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    eq == 0
                        ? $"config '{item}' has an empty key. Write config key=value, e.g. config lr=0.1."
                        : $"config '{item}' has no '='. Write config key=value, e.g. config lr=0.1.");
            }

            var key = item[..eq].Trim();
            result.RemoveAll(kv => kv.Key == key);
            result.Add(new KeyValuePair<string, string>(key, item[(eq + 1)..]));
        }

        return result;
    }
}
