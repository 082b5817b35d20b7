using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>A regular file found under a data input, not yet hashed.</summary>
internal sealed class FileCandidate(string relativePath, byte[] parent, byte[] name, FileStat stat)
{
    /// <summary>The manifest path: escaped, '/'-separated, relative to the input (for a file input, its name).</summary>
    public string RelativePath { get; } = relativePath;

    public FileStat Stat { get; } = stat;

    public byte[] AbsolutePath() => FileSystemAccess.Join(parent, name);
}

/// <summary>A file or directory that could not be read, with the reason.</summary>
internal sealed record Unreadable(string RelativePath, string Reason);

internal sealed class WalkResult
{
    public required DataInputKind Kind { get; init; }
    public List<FileCandidate> Files { get; } = [];
    public List<string> Warnings { get; } = [];
    public List<Unreadable> Unreadable { get; } = [];
}

/// <summary>
/// Finds every regular file under a data input. Symbolic links are followed; a link that leads back to a directory on
/// its own path (a loop) is reported and not entered, so the walk always ends. Empty directories contribute nothing.
/// </summary>
internal static class DataWalker
{
    public static WalkResult Walk(FileSystemAccess fs, byte[] inputPath, FileStat inputStat, CancellationToken cancellationToken)
    {
        if (inputStat.Kind == FileKind.File)
        {
            var slash = Array.LastIndexOf(inputPath, (byte)'/');
            var parent = slash <= 0 ? inputPath[..(slash + 1)] : inputPath[..slash];
            var name = inputPath[(slash + 1)..];
            var single = new WalkResult { Kind = DataInputKind.File };
            single.Files.Add(new FileCandidate(DataPathName.Escape(name), parent, name, inputStat));
            return single;
        }

        var result = new WalkResult { Kind = DataInputKind.Directory };
        var pending = new Stack<PendingDirectory>();
        pending.Push(new PendingDirectory(inputPath, "", new Ancestor(inputStat.Device, inputStat.Inode, "", null)));
        var entries = new List<DirectoryEntry>();
        while (pending.Count > 0)
        {
            cancellationToken.ThrowIfCancellationRequested();
            var directory = pending.Pop();
            entries.Clear();
            if (!fs.TryList(directory.Path, entries, out var listError))
            {
                var what = directory.RelativePath.Length == 0 ? "the input directory" : $"directory {Quote(directory.RelativePath)}";
                result.Unreadable.Add(new Unreadable(directory.RelativePath, $"{what} could not be listed: {listError.Message}"));
                continue;
            }

            // Pushed in reverse so directories are visited in name order; the manifest is sorted later regardless.
            for (var i = entries.Count - 1; i >= 0; i--)
            {
                var entry = entries[i];
                var escaped = DataPathName.Escape(entry.Name);
                var relative = directory.RelativePath.Length == 0 ? escaped : directory.RelativePath + "/" + escaped;
                if (entry.Error is { } error)
                {
                    Report(result, relative, entry, error);
                    continue;
                }

                switch (entry.Stat.Kind)
                {
                    case FileKind.File:
                        result.Files.Add(new FileCandidate(relative, directory.Path, entry.Name, entry.Stat));
                        break;
                    case FileKind.Directory:
                        if (directory.Ancestors.Find(entry.Stat) is { } loop)
                        {
                            var target = loop.RelativePath.Length == 0 ? "the input directory" : Quote(loop.RelativePath);
                            var kind = entry.IsSymlink ? "symbolic link" : "directory";
                            result.Warnings.Add($"{Quote(relative)} is a {kind} that leads back to {target} (a loop); not followed.");
                            break;
                        }

                        pending.Push(new PendingDirectory(
                            FileSystemAccess.Join(directory.Path, entry.Name),
                            relative,
                            new Ancestor(entry.Stat.Device, entry.Stat.Inode, relative, directory.Ancestors)));
                        break;
                    default:
                        result.Warnings.Add($"{Quote(relative)} is not a regular file (a FIFO, socket or device); left out.");
                        break;
                }
            }
        }

        return result;
    }

    private static void Report(WalkResult result, string relative, DirectoryEntry entry, FsError error)
    {
        switch (error.Kind)
        {
            case FsErrorKind.NotFound when entry.IsSymlink:
                result.Warnings.Add($"{Quote(relative)} is a symbolic link to nothing (its target does not exist); left out.");
                break;
            case FsErrorKind.NotFound:
                result.Warnings.Add($"{Quote(relative)} disappeared while the input was listed; left out.");
                break;
            case FsErrorKind.Loop:
                result.Warnings.Add($"{Quote(relative)} is a symbolic link that leads back to itself ({error.Message}); not followed.");
                break;
            default:
                result.Unreadable.Add(new Unreadable(relative, error.Message));
                break;
        }
    }

    private static string Quote(string relative) => DataPathName.Quote(relative);

    private sealed record PendingDirectory(byte[] Path, string RelativePath, Ancestor Ancestors);

    /// <summary>A directory on the path from the input to the current one; identified by device and inode.</summary>
    private sealed record Ancestor(ulong Device, ulong Inode, string RelativePath, Ancestor? Parent)
    {
        public Ancestor? Find(FileStat stat)
        {
            for (var a = this; a is not null; a = a.Parent)
            {
                if (a.Device == stat.Device && a.Inode == stat.Inode)
                {
                    return a;
                }
            }

            return null;
        }
    }
}
