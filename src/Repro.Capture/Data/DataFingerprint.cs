using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>The content fingerprint of a data input: its manifest and what was noticed while taking it.</summary>
public sealed record DataFingerprint
{
    /// <summary>The absolute path that was fingerprinted, as given (symbolic links not resolved).</summary>
    public required string Path { get; init; }

    public required DataManifest Manifest { get; init; }

    /// <summary>Things the user should know: symbolic-link loops, skipped files, files that changed while hashed, ...</summary>
    public IReadOnlyList<string> Warnings { get; init; } = [];

    /// <summary>Bytes read and hashed; 0 when every hash came from the stat cache.</summary>
    public long BytesHashed { get; init; }

    public int FilesHashed { get; init; }

    /// <summary>Files whose hash was taken from the stat cache without reading them.</summary>
    public int FilesFromCache { get; init; }

    public string Root => Manifest.Root;

    public int FileCount => Manifest.FileCount;

    public long TotalBytes => Manifest.TotalBytes;
}
