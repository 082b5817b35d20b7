using Repro.Core.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

internal static class MetricSeries
{
    /// <summary>Every metric series of a run, by key; optionally without the machine metrics under system/.</summary>
    public static Dictionary<string, IReadOnlyList<MetricPoint>> Of(ReproWorkspace workspace, RunRecord run, bool withoutSystem = false) =>
        workspace.Runs.GetMetricHistory(run.Id)
            .Where(p => !withoutSystem || !MetricKeys.IsSystem(p.Key))
            .GroupBy(p => p.Key, StringComparer.Ordinal)
            .ToDictionary(g => g.Key, g => (IReadOnlyList<MetricPoint>)g.ToList(), StringComparer.Ordinal);
}
