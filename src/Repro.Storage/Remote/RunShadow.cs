using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Remote;

/// <summary>
/// Applies a batch to a record the way the store would (params and tags upserted, metrics/artifacts/warnings appended,
/// snapshots replaced, completion set), so a run whose batches wait in the spool can still be shown as it ended.
/// </summary>
internal static class RunShadow
{
    public static RunRecord Apply(RunRecord record, RunWriteBatch batch)
    {
        var parameters = record.Params.ToList();
        foreach (var p in batch.Params)
        {
            parameters.RemoveAll(existing => existing.Key == p.Key);
            parameters.Add(p);
        }

        var tags = new SortedDictionary<string, string>(record.Tags.ToDictionary(), StringComparer.Ordinal);
        foreach (var (key, value) in batch.Tags)
        {
            tags[key] = value;
        }

        var latest = new SortedDictionary<string, MetricPoint>(record.LatestMetrics.ToDictionary(), StringComparer.Ordinal);
        foreach (var point in batch.Metrics)
        {
            if (!latest.TryGetValue(point.Key, out var current) || point.Step >= current.Step)
            {
                latest[point.Key] = point;
            }
        }

        var result = record with
        {
            Params = [.. parameters.OrderBy(p => p.Key, StringComparer.Ordinal)],
            Tags = tags,
            LatestMetrics = latest,
            Artifacts = [.. record.Artifacts, .. batch.Artifacts],
            Warnings = [.. record.Warnings, .. batch.Warnings],
            Code = batch.Code ?? record.Code,
            Environment = batch.Environment ?? record.Environment,
            SeedLedger = batch.SeedLedger ?? record.SeedLedger,
            Inputs = batch.Inputs ?? record.Inputs,
            Verdict = batch.Verdict ?? record.Verdict,
        };
        if (batch.Complete is { } end)
        {
            result = result with
            {
                Status = end.Status,
                EndTime = end.EndTime,
                ExitCode = end.ExitCode,
                Signal = end.Signal,
                LogSha256 = end.LogSha256,
            };
        }

        return result;
    }
}
