using System.Security.Cryptography;

namespace Repro.Capture.Tests.Support;

/// <summary>A content-addressed store in memory, standing in for the object store's Put.</summary>
internal sealed class MemoryObjectStore
{
    private readonly Dictionary<string, byte[]> _objects = new(StringComparer.Ordinal);

    public IReadOnlyDictionary<string, byte[]> Objects => _objects;

    public string Store(Stream content)
    {
        using var buffer = new MemoryStream();
        content.CopyTo(buffer);
        var bytes = buffer.ToArray();
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));
        _objects[sha] = bytes;
        return sha;
    }

    public string Text(string sha) => System.Text.Encoding.UTF8.GetString(_objects[sha]);
}
