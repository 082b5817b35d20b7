using Repro.Core.Runs;

namespace Repro.Cli.Commands;

/// <summary>What a stored object is for, from the point of view of the record that references it.</summary>
internal enum ObjectRole
{
    Diff,
    Untracked,
    Manifest,
    Artifact,
    Log,
}

/// <summary>One object a run record references: its hash, its role, and a description a person can read.</summary>
internal sealed record ObjectReference(string Sha256, ObjectRole Role, string Purpose)
{
    /// <summary>
    /// Untracked files are stored only when small; larger ones keep just their hash. So an absent untracked object is
    /// expected, while any other absent object is lost data.
    /// </summary>
    public bool MayBeUnstored => Role == ObjectRole.Untracked;
}

/// <summary>The objects a run record needs to be reproduced: diff, stored untracked files, data manifests, artifacts, log.</summary>
internal static class RecordObjects
{
    public static IReadOnlyList<ObjectReference> Of(RunRecord record)
    {
        ArgumentNullException.ThrowIfNull(record);
        var references = new List<ObjectReference>();
        if (record.Code.DiffSha256 is { } diff)
        {
            references.Add(new ObjectReference(diff, ObjectRole.Diff, "uncommitted diff"));
        }

        foreach (var file in record.Code.Untracked)
        {
            if (file.Sha256 is { } sha)
            {
                references.Add(new ObjectReference(sha, ObjectRole.Untracked, $"untracked file {file.Path}"));
            }
        }

        foreach (var input in record.Inputs)
        {
            references.Add(new ObjectReference(input.ManifestSha256, ObjectRole.Manifest, $"manifest of data input {input.Path}"));
        }

        foreach (var artifact in record.Artifacts)
        {
            references.Add(new ObjectReference(artifact.Sha256, ObjectRole.Artifact, $"artifact {artifact.Path}"));
        }

        if (record.LogSha256 is { } log)
        {
            references.Add(new ObjectReference(log, ObjectRole.Log, "output log"));
        }

        return references;
    }

    public static string Name(this ObjectRole role) => role.ToString().ToLowerInvariant();
}
