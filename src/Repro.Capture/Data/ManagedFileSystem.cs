using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Microsoft.Win32.SafeHandles;
using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>
/// The portable fallback over System.IO (macOS, Windows, 32-bit Linux). There is no device, inode or ctime, so the stat
/// cache compares size and mtime only, and mtime has 100 ns resolution. .NET decodes names as UTF-8 and replaces invalid
/// bytes with U+FFFD, so such a file is listed but cannot be opened by that name; it is reported, never skipped silently.
/// It cannot tell a FIFO or device from a regular file on Unix (System.IO does not expose the file type).
/// </summary>
internal sealed class ManagedFileSystem : FileSystemAccess
{
    private const long TicksToNanoseconds = 100;
    private const string NotRepresentable = "the name is not valid UTF-8, and .NET cannot open a file by such a name";

    public static ManagedFileSystem Instance { get; } = new();

    public override bool HasFileIdentity => false;

    public override byte CacheTag => 2;

    public override bool TryStat(byte[] path, out FileStat stat, out FsError error) => TryStat(Decode(path), out stat, out error);

    public override bool TryList(byte[] directory, List<DirectoryEntry> entries, out FsError error)
    {
        try
        {
            foreach (var info in new DirectoryInfo(Decode(directory)).EnumerateFileSystemInfos("*", Options()))
            {
                var name = DataPathName.Escape(Encoding.UTF8.GetBytes(info.Name));
                var isLink = info.LinkTarget is not null;
                var ok = TryStat(info.FullName, out var stat, out var statError);
                entries.Add(new DirectoryEntry(name, isLink, stat, ok ? null : statError));
            }

            error = default;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            error = Error(e, Decode(directory));
            return false;
        }
    }

    public override bool TryOpenRead(byte[] path, out SafeFileHandle handle, out FsError error)
    {
        var text = Decode(path);
        try
        {
            handle = File.OpenHandle(
                text, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, FileOptions.SequentialScan);
            error = default;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            handle = new SafeFileHandle();
            error = Error(e, text);
            return false;
        }
    }

    public override FileStat StatOpen(SafeFileHandle handle) =>
        new(FileKind.File, 0, 0, RandomAccess.GetLength(handle), File.GetLastWriteTimeUtc(handle).Ticks * TicksToNanoseconds, 0);

    private static bool TryStat(string path, out FileStat stat, out FsError error)
    {
        try
        {
            var resolved = path;
            var link = new FileInfo(path);
            if (link.LinkTarget is not null)
            {
                var target = link.ResolveLinkTarget(returnFinalTarget: true);
                resolved = target?.FullName ?? path;
            }

            if (Directory.Exists(resolved))
            {
                // No inode here: a hash of the resolved path stands in for it, so the walker can still see directory loops.
                var directory = new DirectoryInfo(resolved);
                var mtime = directory.LastWriteTimeUtc.Ticks * TicksToNanoseconds;
                stat = new FileStat(FileKind.Directory, 0, PseudoInode(directory.FullName), 0, mtime, 0);
                error = default;
                return true;
            }

            var file = new FileInfo(resolved);
            if (!file.Exists)
            {
                stat = default;
                error = path.Contains('\uFFFD', StringComparison.Ordinal)
                    ? new FsError(FsErrorKind.NameNotRepresentable, NotRepresentable)
                    : new FsError(FsErrorKind.NotFound, "no such file or directory");
                return false;
            }

            stat = new FileStat(FileKind.File, 0, 0, file.Length, file.LastWriteTimeUtc.Ticks * TicksToNanoseconds, 0);
            error = default;
            return true;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            stat = default;
            error = Error(e, path);
            return false;
        }
    }

    private static ulong PseudoInode(string fullPath) =>
        BinaryPrimitives.ReadUInt64LittleEndian(SHA256.HashData(Encoding.UTF8.GetBytes(fullPath.TrimEnd(Path.DirectorySeparatorChar))));

    private static EnumerationOptions Options() => new()
    {
        AttributesToSkip = 0,
        IgnoreInaccessible = false,
        RecurseSubdirectories = false,
        ReturnSpecialDirectories = false,
    };

    private static FsError Error(Exception e, string path) => e switch
    {
        FileNotFoundException or DirectoryNotFoundException when path.Contains('\uFFFD', StringComparison.Ordinal) =>
            new FsError(FsErrorKind.NameNotRepresentable, NotRepresentable),
        FileNotFoundException or DirectoryNotFoundException => new FsError(FsErrorKind.NotFound, "no such file or directory"),
        UnauthorizedAccessException => new FsError(FsErrorKind.AccessDenied, "permission denied"),
        _ => new FsError(FsErrorKind.Other, e.Message),
    };

    private static string Decode(byte[] path) => Encoding.UTF8.GetString(path);
}
