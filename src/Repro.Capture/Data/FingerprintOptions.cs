namespace Repro.Capture.Data;

/// <summary>How <see cref="DataFingerprinter"/> reads a data input.</summary>
public sealed record FingerprintOptions
{
    /// <summary>How many threads list directories and hash files. Default: one per logical core.</summary>
    public int MaxDegreeOfParallelism { get; init; } = Environment.ProcessorCount;

    /// <summary>
    /// Leave unreadable files and directories out of the manifest and list them as warnings, instead of failing
    /// (the CLI's <c>--skip-unreadable</c>).
    /// </summary>
    public bool SkipUnreadable { get; init; }

    /// <summary>
    /// Where the stat cache lives (the workspace's <c>.repro/cache</c>). With it, a file whose device, inode, size, mtime and
    /// ctime are unchanged is not read again. Null: no cache, every file is hashed. When this directory lies inside the
    /// input, it is left out of the fingerprint.
    /// </summary>
    public string? CacheDirectory { get; init; }

    /// <summary>
    /// Directories left out of the fingerprint wherever they appear under the input (matched by device and inode, so any
    /// path to them counts), such as the workspace's <c>.repro</c> when the input is the project itself. Directories that do
    /// not exist are ignored.
    /// </summary>
    public IReadOnlyList<string> ExcludedDirectories { get; init; } = [];

    /// <summary>Reports files and bytes done, at most every 50 ms and once at the end. Called from worker threads.</summary>
    public IProgress<FingerprintProgress>? Progress { get; init; }

    /// <summary>Read size per file; 1 MiB.</summary>
    internal int BufferSize { get; init; } = 1 << 20;

    /// <summary>Use the portable System.IO implementation even where the libc one works (tests).</summary>
    internal bool UseManagedFileSystem { get; init; }

    /// <summary>Called with the manifest path after each pass over a file's content, before its stat is taken again (tests).</summary>
    internal Action<string>? AfterHashPass { get; init; }
}

/// <summary>How far a fingerprint has got. Totals are known once the input has been listed.</summary>
public readonly record struct FingerprintProgress(int FilesDone, int FilesTotal, long BytesDone, long BytesTotal);
