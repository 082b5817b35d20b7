using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;
using Repro.Core.Data;

namespace Repro.Capture.Data;

/// <summary>
/// File-system calls through libc on Linux (glibc or musl, 64-bit: x64, arm64 and the others share the statx and
/// dirent64 layouts). Paths are NUL-terminated bytes, so any name the kernel accepts works.
/// </summary>
internal sealed class LinuxFileSystem : FileSystemAccess
{
    private const int AtFdCwd = -100;
    private const int AtEmptyPath = 0x1000;
    private const uint StatxBasicStats = 0x7ff;
    private const int OpenFlags = 0x80000 /* O_CLOEXEC */ | 0x800 /* O_NONBLOCK */ | 0x100 /* O_NOCTTY */;
    private const int PosixFadvSequential = 2;
    private const int DirentNameOffset = 19;
    private const byte DtLnk = 10;
    private const int Enoent = 2;
    private const int Eacces = 13;
    private const int Eperm = 1;
    private const int Eloop = 40;
    private const int Enotdir = 20;
    private const int Enosys = 38;

    private static readonly byte[] EmptyPath = [0];

    private LinuxFileSystem()
    {
    }

    public override bool HasFileIdentity => true;

    public override byte CacheTag => 1;

    /// <summary>
    /// The Linux implementation when the process is 64-bit (the dirent layout read here), libc has statx (glibc 2.28+,
    /// musl 1.2.5+) and the kernel allows it; else null.
    /// </summary>
    public static LinuxFileSystem? TryCreate()
    {
        if (!Environment.Is64BitProcess)
        {
            return null;
        }

        try
        {
            if (Native.statx(AtFdCwd, [(byte)'/', 0], 0, StatxBasicStats, out _) == 0)
            {
                return new LinuxFileSystem();
            }

            // ENOSYS: an old kernel. EPERM: a seccomp filter that predates statx (old container runtimes).
            return Marshal.GetLastPInvokeError() is Enosys or Eperm ? null : new LinuxFileSystem();
        }
        catch (EntryPointNotFoundException)
        {
            return null;
        }
        catch (DllNotFoundException)
        {
            return null;
        }
    }

    public override bool TryStat(byte[] path, out FileStat stat, out FsError error) =>
        TryStatAt(AtFdCwd, Terminate(path), 0, out stat, out error);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public override bool TryList(byte[] directory, List<DirectoryEntry> entries, out FsError error)
    {
        var dir = Native.opendir(Terminate(directory));
        if (dir == IntPtr.Zero)
        {
            error = Error(Marshal.GetLastPInvokeError());
            return false;
        }

        try
        {
            var fd = Native.dirfd(dir);
            var record = new byte[256 + DirentNameOffset];
            while (true)
            {
                var entry = Native.readdir(dir);
                if (entry == IntPtr.Zero)
                {
                    // NULL is the end, or an error when errno was set (the marshaller clears it before the call).
                    var errno = Marshal.GetLastPInvokeError();
                    if (errno != 0)
                    {
                        entries.Clear();
                        error = Error(errno);
                        return false;
                    }

                    break;
                }

                var recordLength = (ushort)Marshal.ReadInt16(entry, 16);
                var type = Marshal.ReadByte(entry, 18);
                var nameSpace = Math.Min(recordLength - DirentNameOffset, record.Length);
                Marshal.Copy(entry + DirentNameOffset, record, 0, nameSpace);
                var length = Array.IndexOf(record, (byte)0, 0, nameSpace);
                length = length < 0 ? nameSpace : length;
                if ((length == 1 && record[0] == (byte)'.') || (length == 2 && record[0] == (byte)'.' && record[1] == (byte)'.'))
                {
                    continue;
                }

                var terminated = length < nameSpace ? record : Terminate(record.AsSpan(0, length).ToArray());
                var ok = TryStatAt(fd, terminated, 0, out var stat, out var statError);
                entries.Add(new DirectoryEntry(DataPathName.Escape(record.AsSpan(0, length)), type == DtLnk, stat, ok ? null : statError));
            }
        }
        finally
        {
            _ = Native.closedir(dir);
        }

        error = default;
        return true;
    }

    public override bool TryOpenRead(byte[] path, out SafeFileHandle handle, out FsError error)
    {
        var fd = Native.open(Terminate(path), OpenFlags, 0);
        if (fd < 0)
        {
            handle = new SafeFileHandle();
            error = Error(Marshal.GetLastPInvokeError());
            return false;
        }

        handle = new SafeFileHandle(fd, ownsHandle: true);
        _ = Native.posix_fadvise(fd, 0, 0, PosixFadvSequential);
        error = default;
        return true;
    }

    public override FileStat StatOpen(SafeFileHandle handle)
    {
        var added = false;
        handle.DangerousAddRef(ref added);
        try
        {
            return TryStatAt((int)handle.DangerousGetHandle(), EmptyPath, AtEmptyPath, out var stat, out var error)
                ? stat
                : throw new IOException("fstat failed: " + error.Message);
        }
        finally
        {
            if (added)
            {
                handle.DangerousRelease();
            }
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryStatAt(int dirFd, byte[] terminatedPath, int flags, out FileStat stat, out FsError error)
    {
        if (Native.statx(dirFd, terminatedPath, flags, StatxBasicStats, out var buffer) != 0)
        {
            stat = default;
            error = Error(Marshal.GetLastPInvokeError());
            return false;
        }

        var kind = (buffer.Mode & 0xF000) switch
        {
            0x8000 => FileKind.File,
            0x4000 => FileKind.Directory,
            _ => FileKind.Other,
        };
        stat = new FileStat(
            kind,
            ((ulong)buffer.DevMajor << 32) | buffer.DevMinor,
            buffer.Inode,
            (long)buffer.Size,
            (buffer.MtimeSeconds * 1_000_000_000L) + buffer.MtimeNanoseconds,
            (buffer.CtimeSeconds * 1_000_000_000L) + buffer.CtimeNanoseconds);
        error = default;
        return true;
    }

    private static FsError Error(int errno)
    {
        var kind = errno switch
        {
            Enoent or Enotdir => FsErrorKind.NotFound,
            Eacces or Eperm => FsErrorKind.AccessDenied,
            Eloop => FsErrorKind.Loop,
            _ => FsErrorKind.Other,
        };
        return new FsError(kind, Marshal.GetPInvokeErrorMessage(errno).ToLowerInvariant());
    }

    private static byte[] Terminate(byte[] path)
    {
        var terminated = new byte[path.Length + 1];
        path.CopyTo(terminated, 0);
        return terminated;
    }

    /// <summary>struct statx from linux/stat.h: the same 256 bytes on every architecture.</summary>
    [StructLayout(LayoutKind.Explicit, Size = 256)]
    private struct StatxBuffer
    {
        [FieldOffset(0x1C)]
        public ushort Mode;

        [FieldOffset(0x20)]
        public ulong Inode;

        [FieldOffset(0x28)]
        public ulong Size;

        [FieldOffset(0x60)]
        public long CtimeSeconds;

        [FieldOffset(0x68)]
        public uint CtimeNanoseconds;

        [FieldOffset(0x70)]
        public long MtimeSeconds;

        [FieldOffset(0x78)]
        public uint MtimeNanoseconds;

        [FieldOffset(0x88)]
        public uint DevMajor;

        [FieldOffset(0x8C)]
        public uint DevMinor;
    }

    private static class Native
    {
        [DllImport("libc", SetLastError = true)]
        public static extern int statx(int dirfd, byte[] pathname, int flags, uint mask, out StatxBuffer statxbuf);

        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr opendir(byte[] name);

        // On 64-bit Linux, readdir returns struct dirent64: d_ino (8), d_off (8), d_reclen (2), d_type (1), d_name.
        [DllImport("libc", SetLastError = true)]
        public static extern IntPtr readdir(IntPtr dirp);

        [DllImport("libc")]
        public static extern int closedir(IntPtr dirp);

        [DllImport("libc")]
        public static extern int dirfd(IntPtr dirp);

        [DllImport("libc", SetLastError = true)]
        public static extern int open(byte[] pathname, int flags, int mode);

        [DllImport("libc")]
        public static extern int posix_fadvise(int fd, long offset, long len, int advice);
    }
}
