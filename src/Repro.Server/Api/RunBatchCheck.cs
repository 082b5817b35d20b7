using System.Globalization;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Api;

/// <summary>What a client's writes must satisfy before they reach the store; each problem names the item at fault.</summary>
internal static class RunBatchCheck
{
    /// <summary>A batch for <c>POST /api/v1/runs/{id}/batch</c> (its RunId already set from the path).</summary>
    public static void Validate(RunWriteBatch batch)
    {
        CheckItems(batch.Metrics, batch.Params, batch.Tags, batch.Artifacts);
        if (batch.Create is { } created)
        {
            if (created.Id != batch.RunId)
            {
                throw Invalid($"The batch creates run {created.Id} but is sent to run {batch.RunId}. Send it to POST /api/v1/runs/{created.Id}/batch.");
            }

            CheckRecord(created);
        }
    }

    /// <summary>A new run's record (<c>POST /api/v1/runs</c>).</summary>
    public static void CheckRecord(RunRecord record)
    {
        if (string.IsNullOrWhiteSpace(record.Name))
        {
            throw Invalid($"Run {record.Id} has no name. Give it one, e.g. \"name\": \"baseline\".");
        }

        if (string.IsNullOrWhiteSpace(record.Experiment))
        {
            throw Invalid($"Run {record.Id} has an empty experiment. Leave it out for \"Default\" or name one.");
        }

        CheckItems([.. record.LatestMetrics.Values], record.Params, record.Tags, record.Artifacts);
    }

    private static void CheckItems(
        IReadOnlyList<MetricPoint> metrics, IReadOnlyList<Param> parameters, IReadOnlyDictionary<string, string> tags, IReadOnlyList<Artifact> artifacts)
    {
        for (var i = 0; i < metrics.Count; i++)
        {
            if (string.IsNullOrWhiteSpace(metrics[i].Key))
            {
                throw Invalid($"metrics[{Index(i)}] has no key. Every point needs {{\"key\": \"loss\", \"value\": 0.5, \"step\": 1, \"timestampMs\": ...}}.");
            }
        }

        for (var i = 0; i < parameters.Count; i++)
        {
            var p = parameters[i];
            if (p is null || string.IsNullOrWhiteSpace(p.Key) || p.Value is null)
            {
                throw Invalid($"params[{Index(i)}] needs a key and a value: {{\"key\": \"lr\", \"value\": \"0.1\", \"source\": \"cli\"}}.");
            }
        }

        if (tags.Any(t => string.IsNullOrWhiteSpace(t.Key) || t.Value is null))
        {
            throw Invalid("A tag has an empty key or a null value. Tags are {\"key\": \"value\"} with non-empty keys.");
        }

        for (var i = 0; i < artifacts.Count; i++)
        {
            var a = artifacts[i];
            if (a is null || a.Sha256 is not { Length: 64 } sha || !sha.All(char.IsAsciiHexDigit))
            {
                throw Invalid($"artifacts[{Index(i)}] needs a path and the sha256 of its object (upload the bytes with PUT /api/v1/objects/{{sha256}} first).");
            }

            ArtifactPaths.File(a.Path);
        }
    }

    private static string Index(int i) => i.ToString(CultureInfo.InvariantCulture);

    private static ReproException Invalid(string message) => new(ErrorCode.InvalidArgument, message);
}
