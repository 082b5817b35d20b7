using Repro.Core.Data;
using Repro.Core.Diffing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Objects;

namespace Repro.Server.Reports;

/// <summary>How the data inputs of two runs differ, file by file, from the manifests in the object store.</summary>
public static class DataChanges
{
    /// <summary>How many added, removed and changed paths a change names as examples, per kind.</summary>
    public const int ExamplesShown = 5;

    /// <summary>Pairs the inputs of two runs: by recorded path, or the single input of each when both have exactly one.</summary>
    public static IReadOnlyList<(string Name, DataInput? Left, DataInput? Right)> Pair(RunRecord left, RunRecord right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        if (left.Inputs.Count == 1 && right.Inputs.Count == 1)
        {
            var name = left.Inputs[0].Path == right.Inputs[0].Path ? left.Inputs[0].Path : $"{left.Inputs[0].Path} ↔ {right.Inputs[0].Path}";
            return [(name, left.Inputs[0], right.Inputs[0])];
        }

        var l = left.Inputs.ToDictionary(i => i.Path, StringComparer.Ordinal);
        var r = right.Inputs.ToDictionary(i => i.Path, StringComparer.Ordinal);
        return [.. l.Keys.Union(r.Keys).Order(StringComparer.Ordinal).Select(k => (k, l.GetValueOrDefault(k), r.GetValueOrDefault(k)))];
    }

    /// <summary>File-level changes of every input both runs recorded under one name whose roots differ.</summary>
    public static IReadOnlyList<DataChange> Of(IObjectStore objects, RunRecord left, RunRecord right)
    {
        ArgumentNullException.ThrowIfNull(objects);
        var changes = new List<DataChange>();
        foreach (var (_, a, b) in Pair(left, right))
        {
            if (a is null || b is null || a.RootHash == b.RootHash)
            {
                continue;
            }

            try
            {
                var diff = ManifestDiff.Compare(LoadManifest(objects, a.ManifestSha256), LoadManifest(objects, b.ManifestSha256));
                changes.Add(new DataChange(a.Path, diff.AddedCount, diff.RemovedCount, diff.ChangedCount, diff.AddedBytes, diff.RemovedBytes,
                    [.. Examples(diff)]));
            }
            catch (ReproException)
            {
                // A missing manifest leaves the input reported as "the data differs" without file detail.
            }
        }

        return changes;
    }

    /// <summary>Up to <see cref="ExamplesShown"/> paths of each kind of change: +added, −removed, ~changed.</summary>
    public static IEnumerable<string> Examples(ManifestDiff diff)
    {
        ArgumentNullException.ThrowIfNull(diff);
        return diff.Added.Take(ExamplesShown).Select(e => "+" + e.Path)
            .Concat(diff.Removed.Take(ExamplesShown).Select(e => "−" + e.Path))
            .Concat(diff.Changed.Take(ExamplesShown).Select(e => "~" + e.Path));
    }

    /// <summary>A data manifest from the object store; NotFound when it is missing.</summary>
    public static DataManifest LoadManifest(IObjectStore objects, string sha256)
    {
        ArgumentNullException.ThrowIfNull(objects);
        if (!objects.Exists(sha256))
        {
            throw new ReproException(ErrorCode.NotFound, $"The data manifest {sha256} is missing from the object store. Check the workspace with `repro verify`.");
        }

        using var stream = objects.Open(sha256);
        return DataManifest.Parse(stream);
    }
}
