using System.Text;
using Microsoft.Win32.SafeHandles;

namespace Repro.Capture.Data;

internal enum FileKind
{
    File,
    Directory,
    Other,
}

/// <summary>
/// What the stat cache compares. Without <see cref="FileSystemAccess.HasFileIdentity"/>, device, inode and ctime are 0
/// and only size and mtime count.
/// </summary>
internal readonly record struct FileStat(FileKind Kind, ulong Device, ulong Inode, long Size, long MtimeNs, long CtimeNs)
{
    public bool IsSameFile(FileStat other) => Device == other.Device && Inode == other.Inode;
}

internal enum FsErrorKind
{
    NotFound,
    AccessDenied,
    Loop,
    NameNotRepresentable,
    Other,
}

internal readonly record struct FsError(FsErrorKind Kind, string Message);

/// <summary>
/// One name in a directory, escaped by <see cref="Repro.Core.Data.DataPathName"/>, with the stat of what it leads to
/// (symbolic links followed) or why that failed.
/// </summary>
internal readonly record struct DirectoryEntry(string Name, bool IsSymlink, FileStat Stat, FsError? Error);

/// <summary>
/// The few file-system calls fingerprinting needs, on raw byte paths so that names that are not valid UTF-8 work.
/// <see cref="LinuxFileSystem"/> calls libc (statx gives device, inode and ctime); <see cref="ManagedFileSystem"/> is the
/// portable fallback over System.IO.
/// </summary>
internal abstract class FileSystemAccess
{
    private static readonly Lazy<FileSystemAccess> Platform = new(
        () => OperatingSystem.IsLinux() && LinuxFileSystem.TryCreate() is { } linux ? linux : ManagedFileSystem.Instance);

    public static FileSystemAccess Default => Platform.Value;

    /// <summary>True when device, inode and ctime in <see cref="FileStat"/> are real.</summary>
    public abstract bool HasFileIdentity { get; }

    /// <summary>Names the implementation in the stat cache, so entries from another one are not trusted.</summary>
    public abstract byte CacheTag { get; }

    /// <summary>Stats a path, following symbolic links.</summary>
    public abstract bool TryStat(byte[] path, out FileStat stat, out FsError error);

    /// <summary>Lists a directory (without "." and "..") and stats every entry, following symbolic links.</summary>
    public abstract bool TryList(byte[] directory, List<DirectoryEntry> entries, out FsError error);

    /// <summary>Opens a file for sequential reading without blocking on a FIFO.</summary>
    public abstract bool TryOpenRead(byte[] path, out SafeFileHandle handle, out FsError error);

    public abstract FileStat StatOpen(SafeFileHandle handle);

    public static byte[] Join(byte[] directory, byte[] name)
    {
        var slash = directory.Length > 0 && directory[^1] == (byte)'/' ? 0 : 1;
        var path = new byte[directory.Length + slash + name.Length];
        directory.CopyTo(path, 0);
        if (slash == 1)
        {
            path[directory.Length] = (byte)'/';
        }

        name.CopyTo(path, directory.Length + slash);
        return path;
    }

    public static byte[] ToBytes(string path) => Encoding.UTF8.GetBytes(path);
}
