using System.Runtime.InteropServices;
using Microsoft.Win32.SafeHandles;

namespace Repro.Sdk.Sinks;

/// <summary>
/// A file opened for appending, where each <see cref="Append"/> is one write call. On Linux the file is opened with
/// O_APPEND, so whole batches from several processes (a C# trainer and a Python helper, say) never overwrite each
/// other. .NET's <see cref="FileMode.Append"/> does not use O_APPEND; elsewhere we fall back to it and seek to the end
/// before each write, which is safe for one writer.
/// </summary>
internal sealed partial class AppendOnlyFile : IDisposable
{
    // Linux open(2) flags (the same on x86-64 and arm64).
    private const int LinuxWriteOnly = 0x1;
    private const int LinuxCreate = 0x40;
    private const int LinuxAppend = 0x400;
    private const int LinuxCloseOnExec = 0x80000;
    private const int CreateMode = 0x1B6; // 0666, narrowed by the umask.
    private const int Interrupted = 4; // EINTR

    private readonly SafeFileHandle? _handle;
    private readonly FileStream? _stream;

    private AppendOnlyFile(SafeFileHandle handle) => _handle = handle;

    private AppendOnlyFile(FileStream stream) => _stream = stream;

    public static AppendOnlyFile Open(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        if (OperatingSystem.IsLinux())
        {
            try
            {
                var handle = NativeOpen(path, LinuxWriteOnly | LinuxCreate | LinuxAppend | LinuxCloseOnExec, CreateMode);
                if (!handle.IsInvalid)
                {
                    return new AppendOnlyFile(handle);
                }

                var errno = Marshal.GetLastPInvokeError();
                handle.Dispose();
                throw new IOException($"Could not open '{path}' for appending: {Marshal.GetPInvokeErrorMessage(errno)}.");
            }
            catch (Exception e) when (e is DllNotFoundException or EntryPointNotFoundException)
            {
                // An unusual C library: use the portable path below.
            }
        }

        return new AppendOnlyFile(new FileStream(path, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete, 1));
    }

    /// <summary>Writes all bytes at the end of the file.</summary>
    public void Append(ReadOnlySpan<byte> bytes)
    {
        if (_stream is not null)
        {
            _stream.Seek(0, SeekOrigin.End);
            _stream.Write(bytes);
            _stream.Flush();
            return;
        }

        while (!bytes.IsEmpty)
        {
            var written = NativeWrite(_handle!, bytes, bytes.Length);
            if (written < 0)
            {
                var errno = Marshal.GetLastPInvokeError();
                if (errno == Interrupted)
                {
                    continue;
                }

                throw new IOException($"Could not append to the events file: {Marshal.GetPInvokeErrorMessage(errno)}.");
            }

            bytes = bytes[(int)written..];
        }
    }

    public void Dispose()
    {
        _handle?.Dispose();
        _stream?.Dispose();
    }

    [LibraryImport("libc", EntryPoint = "open", SetLastError = true, StringMarshalling = StringMarshalling.Utf8)]
    private static partial SafeFileHandle NativeOpen(string path, int flags, int mode);

    [LibraryImport("libc", EntryPoint = "write", SetLastError = true)]
    private static partial nint NativeWrite(SafeFileHandle fd, ReadOnlySpan<byte> buffer, nint count);
}
