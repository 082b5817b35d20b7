using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Server.Reports;

/// <summary>A run's metric series, grouped by key, as the diff and the verdicts compare them.</summary>
public static class RunSeries
{
    /// <summary>Every metric series of a run, by key; optionally without the machine metrics under system/.</summary>
    public static Dictionary<string, IReadOnlyList<MetricPoint>> Of(IRunStore runs, RunId run, bool withoutSystem = false)
    {
        ArgumentNullException.ThrowIfNull(runs);
        return runs.GetMetricHistory(run)
            .Where(p => !withoutSystem || !MetricKeys.IsSystem(p.Key))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<MetricPoint>)[.. g], StringComparer.Ordinal);
    }
}
