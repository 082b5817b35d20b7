using Repro.Core.Runs;
using Repro.Core.Verdicts;
using Repro.Storage.Tracking;

namespace Repro.Server.Api;

/// <summary>A run with what the tracking server knows besides the record (<c>GET /api/v1/runs/{ref}</c>).</summary>
public sealed record RunEnvelope(RunRecord Run, string? ExperimentId, LifecycleStage LifecycleStage, IReadOnlyList<DatasetInput> Datasets);

/// <summary>A run as a write returns it: <c>{"run": RunRecord}</c>.</summary>
public sealed record RunResponse(RunRecord Run);

/// <summary>The code of a run in a list: enough to show and group by.</summary>
public sealed record CodeSummary(string? Commit, string? Branch, bool Dirty);

/// <summary>One row of a runs list: the record's headline, params and tags as plain values, each metric's last value.</summary>
public sealed record RunSummary(
    string Id,
    string Name,
    string Experiment,
    string ExperimentId,
    RunStatus Status,
    LifecycleStage LifecycleStage,
    DateTimeOffset StartTime,
    DateTimeOffset? EndTime,
    long? DurationMs,
    long Seed,
    IReadOnlyDictionary<string, string> Params,
    IReadOnlyDictionary<string, string> Tags,
    IReadOnlyDictionary<string, double> Metrics,
    Verdict? Verdict,
    CodeSummary Code,
    string? User)
{
    public static RunSummary Of(TrackedRun tracked)
    {
        ArgumentNullException.ThrowIfNull(tracked);
        var r = tracked.Record;
        var parameters = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var p in r.Params)
        {
            parameters[p.Key] = p.Value;
        }

        return new RunSummary(
            r.Id.Value,
            r.Name,
            r.Experiment,
            tracked.ExperimentId,
            r.Status,
            tracked.Stage,
            r.StartTime,
            r.EndTime,
            r.Duration is { } d ? (long)d.TotalMilliseconds : null,
            r.Seed,
            parameters,
            new SortedDictionary<string, string>(r.Tags.ToDictionary(), StringComparer.Ordinal),
            new SortedDictionary<string, double>(r.LatestMetrics.ToDictionary(m => m.Key, m => m.Value.Value), StringComparer.Ordinal),
            r.Verdict,
            new CodeSummary(r.Code.Commit, r.Code.Branch, r.Code.Dirty),
            r.UserId);
    }
}

/// <summary>One page of <c>GET /api/v1/runs</c>.</summary>
public sealed record RunList(IReadOnlyList<RunSummary> Runs, string? NextPageToken);

/// <summary>One page of <c>GET /api/v1/runs?full=true</c>: whole records, as <c>GET /api/v1/runs/{ref}</c> gives them.</summary>
public sealed record RunRecordList(IReadOnlyList<RunRecord> Runs, string? NextPageToken);

/// <summary>The body of <c>PATCH /api/v1/runs/{id}</c>: what is given changes, the rest stays.</summary>
public sealed record RunUpdate(RunStatus? Status, DateTimeOffset? EndTime, string? Name);

/// <summary><c>{"metrics": [...]}</c>: every point, ordered by key then step.</summary>
public sealed record MetricList(IReadOnlyList<MetricPoint> Metrics);

/// <summary><c>{"artifacts": [...]}</c>.</summary>
public sealed record ArtifactList(IReadOnlyList<Artifact> Artifacts);
