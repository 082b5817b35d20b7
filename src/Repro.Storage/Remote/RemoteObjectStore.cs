using System.Security.Cryptography;
using Repro.Core.Errors;
using Repro.Storage.Objects;
using static Repro.Storage.Objects.ObjectContent;

namespace Repro.Storage.Remote;

/// <summary>
/// The object store of a tracking server (<c>/api/v1/objects/{sha256}</c>). A write is staged in a local temp file while
/// it is hashed, then uploaded unless the server already has those bytes; a read is downloaded into a temp file that is
/// deleted when the stream is closed.
/// </summary>
public sealed class RemoteObjectStore : IObjectStore
{
    private readonly TrackingServerClient _client;
    private readonly string _tempDirectory;

    public RemoteObjectStore(TrackingServerClient client, string tempDirectory)
    {
        ArgumentNullException.ThrowIfNull(client);
        ArgumentException.ThrowIfNullOrEmpty(tempDirectory);
        _client = client;
        _tempDirectory = Path.GetFullPath(tempDirectory);
    }

    public (string Sha256, long Size) Put(Stream content)
    {
        using var staged = Stage(content);
        Upload(staged);
        return (staged.Sha256, staged.Size);
    }

    public (string Sha256, long Size) PutFile(string path)
    {
        using var source = OpenSource(path);
        return Put(source);
    }

    public bool Exists(string sha256) => IsSha256(sha256) && _client.Exists(PathOf(sha256));

    public Stream Open(string sha256)
    {
        var normalized = Normalize(sha256);
        Directory.CreateDirectory(_tempDirectory);
        var temp = Path.Combine(_tempDirectory, "download-" + Guid.NewGuid().ToString("N") + ".tmp");
        var file = new FileStream(temp, FileMode.CreateNew, FileAccess.ReadWrite, FileShare.None, BufferSize, FileOptions.DeleteOnClose);
        try
        {
            if (!_client.Download(PathOf(normalized), file))
            {
                throw new ReproException(
                    ErrorCode.NotFound,
                    $"Object {normalized} is not on the tracking server at {_client.Address}. It was never uploaded "
                    + "(a run recorded while the server was away: send it with `repro sync`) or was deleted there.");
            }

            file.Position = 0;
            return file;
        }
        catch
        {
            file.Dispose();
            throw;
        }
    }

    public bool Verify(string sha256)
    {
        var expected = Normalize(sha256);
        using var stream = Open(expected);
        return Convert.ToHexStringLower(SHA256.HashData(stream)) == expected;
    }

    /// <summary>Copies the content into a temp file while hashing it.</summary>
    public StagedObject Stage(Stream content)
    {
        ArgumentNullException.ThrowIfNull(content);
        Directory.CreateDirectory(_tempDirectory);
        var temp = Path.Combine(_tempDirectory, "upload-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            string sha256;
            long size;
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize))
            {
                (sha256, size) = CopyHashing(content, file);
            }

            return new StagedObject(temp, sha256, size);
        }
        catch
        {
            File.Delete(temp);
            throw;
        }
    }

    /// <summary>Uploads a staged object unless the server has it already (objects are content-addressed).</summary>
    public void Upload(StagedObject staged)
    {
        ArgumentNullException.ThrowIfNull(staged);
        Upload(staged.Sha256, staged.Path);
    }

    /// <summary>Uploads a local file known to hold the object <paramref name="sha256"/>, unless the server has it.</summary>
    public void Upload(string sha256, string file)
    {
        var path = PathOf(Normalize(sha256));
        if (!_client.Exists(path))
        {
            _client.PutFile(path, file);
        }
    }

    private static string PathOf(string sha256) => "api/v1/objects/" + sha256;
}

/// <summary>Bytes copied into a local temp file and hashed, ready to upload; deleting it is the owner's job (Dispose).</summary>
public sealed class StagedObject(string path, string sha256, long size) : IDisposable
{
    public string Path { get; } = path;

    public string Sha256 { get; } = sha256;

    public long Size { get; } = size;

    public void Dispose() => File.Delete(Path);
}
