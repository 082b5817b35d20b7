using System.Runtime.CompilerServices;
using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>A regular file found under a data input, not yet hashed.</summary>
internal sealed class FileCandidate(string relativePath, byte[] parent, FileStat stat)
{
    /// <summary>The manifest path: escaped, '/'-separated, relative to the input (for a file input, its name).</summary>
    public string RelativePath { get; } = relativePath;

    public FileStat Stat { get; } = stat;

    /// <summary>The raw path, rebuilt from the escaped name (escaping is one-to-one), so the walk keeps no name bytes.</summary>
    public byte[] AbsolutePath() =>
        FileSystemAccess.Join(parent, DataPathName.Unescape(RelativePath[(RelativePath.LastIndexOf('/') + 1)..]));
}

/// <summary>A file or directory that could not be read, with the reason.</summary>
internal sealed record Unreadable(string RelativePath, string Reason);

internal sealed class WalkResult
{
    public required DataInputKind Kind { get; init; }

    /// <summary>In manifest order (<see cref="DataPathComparer"/>).</summary>
    public List<FileCandidate> Files { get; } = [];

    public List<string> Warnings { get; } = [];
    public List<Unreadable> Unreadable { get; } = [];
}

/// <summary>
/// Finds every regular file under a data input. Directories are listed (and their entries stat'ed) on several threads;
/// the result is then read out depth-first with each directory's children in name order, which is manifest order, so
/// nothing needs sorting later. Symbolic links are followed; a directory that is already on the path from the input to
/// it (a loop, through a link or a bind mount) is reported and not entered, so the walk always ends.
/// </summary>
internal static class DataWalker
{
    /// <param name="excluded">Directories to leave out, by device and inode.</param>
    public static WalkResult Walk(
        FileSystemAccess fs,
        byte[] inputPath,
        FileStat inputStat,
        IReadOnlyList<FileStat> excluded,
        int threads,
        CancellationToken cancellationToken)
    {
        if (inputStat.Kind == FileKind.File)
        {
            var slash = Array.LastIndexOf(inputPath, (byte)'/');
            var parent = slash <= 0 ? inputPath[..(slash + 1)] : inputPath[..slash];
            var name = inputPath[(slash + 1)..];
            var single = new WalkResult { Kind = DataInputKind.File };
            single.Files.Add(new FileCandidate(DataPathName.Escape(name), parent, inputStat));
            return single;
        }

        var root = new DirectoryNode(inputPath, "", new Ancestor(inputStat.Device, inputStat.Inode, "", null));
        ListAll(fs, root, excluded, threads, cancellationToken);
        var result = new WalkResult { Kind = DataInputKind.Directory };
        Collect(root, result);
        return result;
    }

    /// <summary>Lists every directory of the tree, on up to <paramref name="threads"/> threads.</summary>
    private static void ListAll(
        FileSystemAccess fs, DirectoryNode root, IReadOnlyList<FileStat> excluded, int threads, CancellationToken cancellationToken)
    {
        var queue = new Queue<DirectoryNode>();
        queue.Enqueue(root);
        var active = 0;
        Exception? failure = null;
        void Work()
        {
            var entries = new List<DirectoryEntry>();
            while (true)
            {
                DirectoryNode directory;
                lock (queue)
                {
                    while (queue.Count == 0 && active > 0)
                    {
                        Monitor.Wait(queue);
                    }

                    if (queue.Count == 0 || failure is not null || cancellationToken.IsCancellationRequested)
                    {
                        Monitor.PulseAll(queue);
                        return;
                    }

                    directory = queue.Dequeue();
                    active++;
                }

                List<DirectoryNode> found = [];
                try
                {
                    found = List(fs, directory, excluded, entries);
                }
                catch (Exception e)
                {
                    Interlocked.CompareExchange(ref failure, e, null);
                }

                lock (queue)
                {
                    found.ForEach(queue.Enqueue);
                    active--;
                    Monitor.PulseAll(queue);
                }
            }
        }

        if (threads <= 1)
        {
            Work();
        }
        else
        {
            var workers = Enumerable.Range(0, threads)
                .Select(n => new Thread(Work) { IsBackground = true, Name = "repro-data-list-" + n })
                .ToList();
            workers.ForEach(t => t.Start());
            workers.ForEach(t => t.Join());
        }

        cancellationToken.ThrowIfCancellationRequested();
        if (failure is not null)
        {
            throw new InvalidOperationException("Listing the data input failed: " + failure.Message, failure);
        }
    }

    /// <summary>Lists one directory into its node's sorted children; returns the subdirectories to list next.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static List<DirectoryNode> List(
        FileSystemAccess fs, DirectoryNode directory, IReadOnlyList<FileStat> excluded, List<DirectoryEntry> entries)
    {
        entries.Clear();
        var subdirectories = new List<DirectoryNode>();
        if (!fs.TryList(directory.Path, entries, out var listError))
        {
            var what = directory.RelativePath.Length == 0 ? "the input directory" : $"directory {Quote(directory.RelativePath)}";
            directory.Unreadable.Add(new Unreadable(directory.RelativePath, $"{what} could not be listed: {listError.Message}"));
            return subdirectories;
        }

        var children = new List<Child>(entries.Count);
        foreach (var entry in entries)
        {
            var escaped = entry.Name;
            var relative = directory.RelativePath.Length == 0 ? escaped : directory.RelativePath + "/" + escaped;
            if (entry.Error is { } error)
            {
                Report(directory, relative, entry, error);
                continue;
            }

            switch (entry.Stat.Kind)
            {
                case FileKind.File:
                    children.Add(new Child(escaped, new FileCandidate(relative, directory.Path, entry.Stat), null));
                    break;
                case FileKind.Directory when excluded.Any(e => e.IsSameFile(entry.Stat)):
                    break;
                case FileKind.Directory:
                    if (directory.Ancestors.Find(entry.Stat) is { } loop)
                    {
                        var target = loop.RelativePath.Length == 0 ? "the input directory" : Quote(loop.RelativePath);
                        var kind = entry.IsSymlink ? "symbolic link" : "directory";
                        directory.Warnings.Add($"{Quote(relative)} is a {kind} that leads back to {target} (a loop); not followed.");
                        break;
                    }

                    var node = new DirectoryNode(
                        FileSystemAccess.Join(directory.Path, DataPathName.Unescape(entry.Name)),
                        relative,
                        new Ancestor(entry.Stat.Device, entry.Stat.Inode, relative, directory.Ancestors));
                    children.Add(new Child(escaped, null, node));
                    subdirectories.Add(node);
                    break;
                default:
                    directory.Warnings.Add($"{Quote(relative)} is not a regular file (a FIFO, socket or device); left out.");
                    break;
            }
        }

        children.Sort(static (a, b) => DataPathComparer.Instance.Compare(a.Name, b.Name));
        directory.Children = children;
        return subdirectories;
    }

    /// <summary>Reads the listed tree out depth-first, children in name order: manifest order.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void Collect(DirectoryNode root, WalkResult result)
    {
        var stack = new Stack<(DirectoryNode Node, int Next)>();
        stack.Push((root, 0));
        AddNotes(root, result);
        while (stack.Count > 0)
        {
            var (node, next) = stack.Pop();
            if (next >= node.Children.Count)
            {
                continue;
            }

            stack.Push((node, next + 1));
            var child = node.Children[next];
            if (child.File is not null)
            {
                result.Files.Add(child.File);
            }
            else if (child.Directory is not null)
            {
                AddNotes(child.Directory, result);
                stack.Push((child.Directory, 0));
            }
        }
    }

    private static void AddNotes(DirectoryNode node, WalkResult result)
    {
        node.Warnings.Sort(StringComparer.Ordinal);
        result.Warnings.AddRange(node.Warnings);
        result.Unreadable.AddRange(node.Unreadable);
    }

    private static void Report(DirectoryNode directory, string relative, DirectoryEntry entry, FsError error)
    {
        switch (error.Kind)
        {
            case FsErrorKind.NotFound when entry.IsSymlink:
                directory.Warnings.Add($"{Quote(relative)} is a symbolic link to nothing (its target does not exist); left out.");
                break;
            case FsErrorKind.NotFound:
                directory.Warnings.Add($"{Quote(relative)} disappeared while the input was listed; left out.");
                break;
            case FsErrorKind.Loop:
                directory.Warnings.Add($"{Quote(relative)} is a symbolic link that leads back to itself ({error.Message}); not followed.");
                break;
            default:
                directory.Unreadable.Add(new Unreadable(relative, error.Message));
                break;
        }
    }

    private static string Quote(string relative) => DataPathName.Quote(relative);

    private sealed class DirectoryNode(byte[] path, string relativePath, Ancestor ancestors)
    {
        public byte[] Path { get; } = path;
        public string RelativePath { get; } = relativePath;
        public Ancestor Ancestors { get; } = ancestors;
        public List<Child> Children { get; set; } = [];
        public List<string> Warnings { get; } = [];
        public List<Unreadable> Unreadable { get; } = [];
    }

    /// <summary>A file or a directory in a directory's listing, under its escaped name.</summary>
    private readonly record struct Child(string Name, FileCandidate? File, DirectoryNode? Directory);

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
