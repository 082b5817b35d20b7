using Repro.Core.Runs;
using Repro.Server.Reports;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

internal static class MetricSeries
{
    /// <summary>Every metric series of a run, by key; optionally without the machine metrics under system/.</summary>
    public static Dictionary<string, IReadOnlyList<MetricPoint>> Of(ReproWorkspace workspace, RunRecord run, bool withoutSystem = false) =>
        RunSeries.Of(workspace.Runs, run.Id, withoutSystem);
}
