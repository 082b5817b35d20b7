namespace Repro.Capture.Git;

/// <summary>Bounds for <see cref="GitProbe"/>: time per git call and how much untracked content is stored or hashed.</summary>
public sealed record GitCaptureOptions
{
    public const long Megabyte = 1024 * 1024;

    /// <summary>Time limit for each git call.</summary>
    public TimeSpan Timeout { get; init; } = TimeSpan.FromSeconds(10);

    /// <summary>The git executable: a name looked up on PATH or a full path.</summary>
    public string GitExecutable { get; init; } = "git";

    /// <summary>Untracked files up to this size have their content stored.</summary>
    public long MaxStoredFileBytes { get; init; } = 5 * Megabyte;

    /// <summary>Stored untracked content stops once this total is reached; later files are only hashed.</summary>
    public long MaxStoredTotalBytes { get; init; } = 50 * Megabyte;

    /// <summary>Untracked files not stored are hashed by streaming until this total; beyond it they get no hash.</summary>
    public long MaxHashedTotalBytes { get; init; } = 1024 * Megabyte;

    /// <summary>Untracked files beyond this count are left out of the record (with a warning).</summary>
    public int MaxUntrackedFiles { get; init; } = 10_000;
}
