namespace Repro.Storage.Objects;

/// <summary>Content-addressed blobs keyed by lowercase hex sha256. Writes are atomic (temp file + rename) and idempotent.</summary>
public interface IObjectStore
{
    /// <summary>Stores the stream's bytes; returns their sha256 and length.</summary>
    (string Sha256, long Size) Put(Stream content);

    (string Sha256, long Size) PutFile(string path);

    bool Exists(string sha256);

    /// <summary>Opens a stored object; NotFound when absent.</summary>
    Stream Open(string sha256);

    /// <summary>Re-hashes the object; false when its bytes no longer match its name.</summary>
    bool Verify(string sha256);
}
