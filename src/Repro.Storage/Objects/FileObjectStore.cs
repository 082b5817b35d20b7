using System.Security.Cryptography;
using Repro.Core.Errors;
using static Repro.Storage.Objects.ObjectContent;

namespace Repro.Storage.Objects;

/// <summary>
/// Content-addressed files: <c>ab/cdef…</c> under the store directory (git-style fan-out on the first two hex characters).
/// A write streams into a temp file on the same filesystem while hashing, flushes it to disk, then renames it into place,
/// so readers never see a partial object and concurrent writers of the same bytes simply agree.
/// </summary>
public sealed class FileObjectStore : IObjectStore
{
    private readonly string _tempDirectory;

    /// <param name="directory">Where objects live (created if missing).</param>
    /// <param name="tempDirectory">Where writes are staged; must be on the same filesystem as <paramref name="directory"/>.</param>
    public FileObjectStore(string directory, string tempDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentException.ThrowIfNullOrEmpty(tempDirectory);
        RootDirectory = Path.GetFullPath(directory);
        _tempDirectory = Path.GetFullPath(tempDirectory);
        Directory.CreateDirectory(RootDirectory);
        Directory.CreateDirectory(_tempDirectory);
    }

    public string RootDirectory { get; }

    public (string Sha256, long Size) Put(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var temp = Path.Combine(_tempDirectory, "object-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            string sha256;
            long size;
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                (sha256, size) = CopyHashing(content, file);
                file.Flush(flushToDisk: true);
            }

            var target = Locate(sha256);
            if (!File.Exists(target))
            {
                Directory.CreateDirectory(Path.GetDirectoryName(target)!);
                File.Move(temp, target, overwrite: true);
            }

            return (sha256, size);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    public (string Sha256, long Size) PutFile(string path)
    {
        using var source = OpenSource(path);
        return Put(source);
    }

    public bool Exists(string sha256) => IsSha256(sha256) && File.Exists(Locate(sha256.ToLowerInvariant()));

    public Stream Open(string sha256)
    {
        var path = PathOf(sha256);
        try
        {
            return new FileStream(
                path, FileMode.Open, FileAccess.Read, FileShare.Read | FileShare.Delete, BufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ReproException(
                ErrorCode.NotFound,
                $"Object {sha256} is not in the object store ({RootDirectory}). It was never stored here or was deleted; "
                + "copy the workspace's .repro/objects from where the run was recorded.",
                e);
        }
    }

    public bool Verify(string sha256)
    {
        var expected = Normalize(sha256);
        using var stream = Open(expected);
        return HashOf(stream) == expected;
    }

    /// <summary>The file an object lives in (whether or not it exists).</summary>
    public string PathOf(string sha256) => Locate(Normalize(sha256));

    private string Locate(string sha256) => Path.Combine(RootDirectory, sha256[..2], sha256[2..]);

    private static string HashOf(Stream stream) => Convert.ToHexStringLower(SHA256.HashData(stream));
}
