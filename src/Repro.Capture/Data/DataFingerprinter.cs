using System.Globalization;
using System.Text;
using Repro.Core.Data;
using Repro.Core.Errors;

namespace Repro.Capture.Data;

/// <summary>
/// Fingerprints a data input (a file or a directory tree) before a run: every file's sha256 in a <see cref="DataManifest"/>
/// and its Merkle root. See docs/data.md for what is followed, skipped and reported.
/// </summary>
public static class DataFingerprinter
{
    private const int NamedInMessage = 5;

    /// <summary>
    /// Lists and hashes every file under <paramref name="path"/> (files in parallel, unchanged files from the stat cache).
    /// Throws <see cref="ReproException"/>: <see cref="ErrorCode.NotFound"/> when the path does not exist,
    /// <see cref="ErrorCode.InvalidArgument"/> when it is neither a file nor a directory, and <see cref="ErrorCode.Io"/> when
    /// files could not be read and <see cref="FingerprintOptions.SkipUnreadable"/> is off.
    /// </summary>
    public static DataFingerprint Fingerprint(
        string path, FingerprintOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentException.ThrowIfNullOrWhiteSpace(path);
        options ??= new FingerprintOptions();
        ArgumentOutOfRangeException.ThrowIfLessThan(options.MaxDegreeOfParallelism, 1, nameof(options));
        ArgumentOutOfRangeException.ThrowIfLessThan(options.BufferSize, 4096, nameof(options));

        var fullPath = Path.TrimEndingDirectorySeparator(Path.GetFullPath(path));
        var fs = options.UseManagedFileSystem ? ManagedFileSystem.Instance : FileSystemAccess.Default;
        var inputBytes = FileSystemAccess.ToBytes(fullPath);
        var inputStat = StatInput(fs, inputBytes, path, fullPath);

        var warnings = new List<string>();
        var cache = options.CacheDirectory is { } directory ? DataStatCache.Open(directory, inputBytes, fs, warnings) : null;
        var excluded = ExcludedDirectories(fs, options);
        var walk = DataWalker.Walk(fs, inputBytes, inputStat, excluded, options.MaxDegreeOfParallelism, cancellationToken);
        var session = new HashSession(fs, options, walk.Files, cache, cancellationToken);
        try
        {
            session.Run();
        }
        finally
        {
            cache?.Save(warnings);
        }

        var unreadable = walk.Unreadable.Concat(session.Unreadable)
            .OrderBy(u => u.RelativePath, DataPathComparer.Instance)
            .ToList();
        if (walk.Kind == DataInputKind.File && session.Entries.Count == 0)
        {
            // Skipping cannot apply to the input itself: there would be nothing left to fingerprint.
            var reason = unreadable.Count > 0 ? unreadable[0].Reason : "it disappeared while it was being fingerprinted";
            throw new ReproException(
                ErrorCode.Io,
                $"The data file '{fullPath}' could not be read: {reason}. Check its permissions, or give another --data path.");
        }

        if (unreadable.Count > 0 && !options.SkipUnreadable)
        {
            throw new ReproException(ErrorCode.Io, UnreadableMessage(fullPath, unreadable));
        }

        warnings.AddRange(walk.Warnings);
        warnings.AddRange(session.Warnings);
        warnings.AddRange(unreadable.Select(
            u => $"{Describe(u)} could not be read ({u.Reason}); left out because unreadable files are skipped."));
        var manifest = DataManifest.Create(walk.Kind, session.Entries);
        if (manifest.FileCount == 0)
        {
            warnings.Add($"No files were found under '{fullPath}'; its fingerprint is that of an empty directory.");
        }

        return new DataFingerprint
        {
            Path = fullPath,
            Manifest = manifest,
            Warnings = warnings,
            BytesHashed = session.BytesHashed,
            FilesHashed = session.FilesHashed,
            FilesFromCache = session.FilesFromCache,
        };
    }

    /// <summary>
    /// Fingerprints the input again and compares it with a recorded manifest: did the data change during or after the run?
    /// With a stat cache this reads only files whose stat changed. Throws as <see cref="Fingerprint"/> does; use
    /// <see cref="Fingerprint"/> and <see cref="ManifestDiff.Compare"/> when the warnings are wanted too.
    /// </summary>
    public static ManifestDiff Check(
        string path, DataManifest recorded, FingerprintOptions? options = null, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(recorded);
        var current = Fingerprint(path, options, cancellationToken);
        return ManifestDiff.Compare(recorded, current.Manifest);
    }

    private static List<FileStat> ExcludedDirectories(FileSystemAccess fs, FingerprintOptions options)
    {
        var paths = options.CacheDirectory is { } cache ? options.ExcludedDirectories.Append(cache) : options.ExcludedDirectories;
        var excluded = new List<FileStat>();
        foreach (var path in paths)
        {
            if (fs.TryStat(FileSystemAccess.ToBytes(Path.GetFullPath(path)), out var stat, out _) && stat.Kind == FileKind.Directory)
            {
                excluded.Add(stat);
            }
        }

        return excluded;
    }

    private static FileStat StatInput(FileSystemAccess fs, byte[] inputBytes, string given, string fullPath)
    {
        if (!fs.TryStat(inputBytes, out var stat, out var error))
        {
            if (error.Kind == FsErrorKind.NotFound)
            {
                var relative = Path.IsPathRooted(given) ? "" : $" (a relative path is resolved against '{Environment.CurrentDirectory}')";
                throw new ReproException(
                    ErrorCode.NotFound,
                    $"The data path '{fullPath}' does not exist{relative}. Check the path given to --data.");
            }

            throw new ReproException(
                ErrorCode.Io,
                $"The data path '{fullPath}' could not be read: {error.Message}. "
                + "Check its permissions and those of its parent directories.");
        }

        if (stat.Kind == FileKind.Other)
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"The data path '{fullPath}' is neither a file nor a directory (a FIFO, socket or device). "
                + "Give a file or a directory to --data.");
        }

        return stat;
    }

    private static string UnreadableMessage(string fullPath, List<Unreadable> unreadable)
    {
        var text = new StringBuilder();
        var count = Count(unreadable.Count, "file or directory", "files or directories");
        text.Append(CultureInfo.InvariantCulture, $"Could not read {count} of the data input '{fullPath}':");
        foreach (var item in unreadable.Take(NamedInMessage))
        {
            text.Append("\n  ").Append(Describe(item)).Append(": ").Append(item.Reason);
        }

        if (unreadable.Count > NamedInMessage)
        {
            text.Append(CultureInfo.InvariantCulture, $"\n  ... and {unreadable.Count - NamedInMessage} more");
        }

        text.Append("\nFix their permissions, or run again with --skip-unreadable to leave them out of the fingerprint ")
            .Append("(they are then listed as warnings).");
        return text.ToString();
    }

    private static string Describe(Unreadable item) => item.RelativePath.Length == 0 ? "the input" : DataPathName.Quote(item.RelativePath);

    private static string Count(int count, string one, string many) =>
        string.Create(CultureInfo.InvariantCulture, $"{count} {(count == 1 ? one : many)}");
}
