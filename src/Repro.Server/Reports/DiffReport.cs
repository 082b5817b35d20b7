using System.Text;
using Repro.Core.Diffing;
using Repro.Core.Runs;
using Repro.Storage.Objects;
using Repro.Storage.Runs;

namespace Repro.Server.Reports;

/// <summary>One difference as <c>repro diff --json</c> and <c>GET /api/v1/diff</c> write it.</summary>
public sealed record DiffItemJson(string Category, string Key, string? Left, string? Right, string? Note);

/// <summary>The JSON document of a run diff (<c>repro diff A B --json</c>, <c>GET /api/v1/diff?a=A&amp;b=B</c>).</summary>
public sealed record DiffJson(string Left, string Right, bool Identical, IReadOnlyList<DiffItemJson> Differences, IReadOnlyList<MetricComparison> Metrics);

/// <summary>`repro diff`: every difference between two records, with the material kept outside them (patches, data, series).</summary>
public static class DiffReport
{
    public static RunDiffReport Compute(IRunStore runs, IObjectStore objects, RunRecord left, RunRecord right)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(objects);
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var material = new DiffMaterial
        {
            LeftPatch = ReadText(objects, left.Code.DiffSha256),
            RightPatch = ReadText(objects, right.Code.DiffSha256),
            DataChanges = DataChanges.Of(objects, left, right),
            LeftSeries = RunSeries.Of(runs, left.Id),
            RightSeries = RunSeries.Of(runs, right.Id),
        };
        return RunDiff.Compare(left, right, material);
    }

    public static DiffJson ToJson(RunDiffReport report)
    {
        ArgumentNullException.ThrowIfNull(report);
        return new DiffJson(
            report.Left.Value,
            report.Right.Value,
            report.Identical,
            [.. report.Items.Select(i => new DiffItemJson(i.Category.ToString().ToLowerInvariant(), i.Key, i.Left, i.Right, i.Note))],
            report.Metrics);
    }

    /// <summary>A stored text object (a patch), or null when there is none or it is not in the store.</summary>
    private static string? ReadText(IObjectStore objects, string? sha)
    {
        if (sha is null || !objects.Exists(sha))
        {
            return null;
        }

        using var reader = new StreamReader(objects.Open(sha), Encoding.UTF8);
        return reader.ReadToEnd();
    }
}
