using Repro.Core.Errors;
using Repro.Storage.Objects;

namespace Repro.Storage.Remote;

/// <summary>
/// The object store of a tracked run: uploads to the server, or keeps the object in the spool when the server cannot be
/// reached, so storing never fails a run. Reads look in the spool first, then on the server.
/// </summary>
public sealed class SpoolingObjectStore : IObjectStore
{
    private readonly TrackingConnection _connection;

    public SpoolingObjectStore(TrackingConnection connection)
    {
        ArgumentNullException.ThrowIfNull(connection);
        _connection = connection;
    }

    public (string Sha256, long Size) Put(Stream content)
    {
        if (_connection.IsLost)
        {
            return _connection.Spool.Objects.Put(content);
        }

        using var staged = _connection.Objects.Stage(content);
        try
        {
            _connection.Objects.Upload(staged);
        }
        catch (ReproException e) when (e.Code == ErrorCode.Io)
        {
            _connection.MarkLost(e);
            _connection.Spool.Objects.PutFile(staged.Path);
        }

        return (staged.Sha256, staged.Size);
    }

    public (string Sha256, long Size) PutFile(string path)
    {
        using var source = ObjectContent.OpenSource(path);
        return Put(source);
    }

    public bool Exists(string sha256) => _connection.Spool.HasObject(sha256) || _connection.Objects.Exists(sha256);

    public Stream Open(string sha256) =>
        _connection.Spool.HasObject(sha256) ? _connection.Spool.Objects.Open(sha256) : _connection.Objects.Open(sha256);

    public bool Verify(string sha256) =>
        _connection.Spool.HasObject(sha256) ? _connection.Spool.Objects.Verify(sha256) : _connection.Objects.Verify(sha256);
}
