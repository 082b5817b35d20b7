namespace Repro.Core.Runs;

/// <summary>A parameter with the value the run used and where that value came from.</summary>
public sealed record Param(string Key, string Value, ParamSource Source);

/// <summary>One point of a metric series. <see cref="TimestampMs"/> is Unix epoch milliseconds.</summary>
public readonly record struct MetricPoint(string Key, double Value, long Step, long TimestampMs);

/// <summary>An output file of a run, stored in the object store under its sha256.</summary>
public sealed record Artifact(string Path, string Sha256, long Size);

/// <summary>A file git does not track, with its hash (null when it could not be read or was too large to store).</summary>
public sealed record UntrackedFile(string Path, string? Sha256, long Size);

/// <summary>A data input: its fingerprint (Merkle root over every file's path, size and sha256) and where the manifest is stored.</summary>
public sealed record DataInput(string Path, string RootHash, long FileCount, long TotalBytes, string ManifestSha256)
{
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

/// <summary>How a run relates to others.</summary>
public sealed record RunLineage
{
    public RunId? ResumedFrom { get; init; }
    public RunId? ReproductionOf { get; init; }
    public string? Group { get; init; }
}

/// <summary>One named random stream a run drew from.</summary>
public sealed record StreamUsage(string Name, string Key, long Draws);

/// <summary>Metric naming conventions.</summary>
public static class MetricKeys
{
    /// <summary>
    /// Metrics under this prefix (timings, memory, throughput) describe the machine, not the result: they are shown and
    /// diffed but left out of verdicts and determinism checks.
    /// </summary>
    public const string SystemPrefix = "system/";

    public static bool IsSystem(string key) => key.StartsWith(SystemPrefix, StringComparison.Ordinal);
}
