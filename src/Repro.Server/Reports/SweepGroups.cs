using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Server.Reports;

/// <summary>Runs grouped the way a sweep records them: a group name in the lineage, a config in the sweep params.</summary>
public static class SweepGroups
{
    /// <summary>"k1=v1,k2=v2" in key order, or "(default)" for no params.</summary>
    public static string Label(IReadOnlyDictionary<string, string> config)
    {
        ArgumentNullException.ThrowIfNull(config);
        return config.Count == 0
            ? "(default)"
            : string.Join(",", config.OrderBy(kv => kv.Key, StringComparer.Ordinal).Select(kv => $"{kv.Key}={kv.Value}"));
    }

    /// <summary>The config a run belongs to within its group: the label of its sweep params.</summary>
    public static string ConfigOf(RunRecord run)
    {
        ArgumentNullException.ThrowIfNull(run);
        return Label(run.Params.Where(p => p.Source == ParamSource.Sweep).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
    }

    /// <summary>The runs of a group, newest first: one query of the store (an indexed lookup locally, paged remotely).</summary>
    public static IReadOnlyList<RunRecord> RunsOf(IRunStore runs, string group)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(group);
        return runs.ListRuns(new RunQuery(Limit: int.MaxValue, Group: group));
    }
}
