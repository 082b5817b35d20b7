using System.Security.Cryptography;
using Repro.Core.Errors;

namespace Repro.Storage.Objects;

/// <summary>What the object stores share: object ids (a sha256 in hex), opening a file to store, copying while hashing.</summary>
internal static class ObjectContent
{
    public const int BufferSize = 1 << 16;

    public static bool IsSha256(string? text) => text is { Length: 64 } && text.All(char.IsAsciiHexDigit);

    /// <summary>The id in lowercase; a clear error when it is not a sha256.</summary>
    public static string Normalize(string sha256) =>
        IsSha256(sha256)
            ? sha256.ToLowerInvariant()
            : throw new ReproException(
                ErrorCode.InvalidArgument,
                $"'{sha256}' is not an object id: expected 64 hex characters (a sha256), as shown by `repro show`.");

    /// <summary>Opens a file to be stored (NotFound, naming it, when it is missing).</summary>
    public static FileStream OpenSource(string path)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        try
        {
            return new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, BufferSize, FileOptions.SequentialScan);
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ReproException(ErrorCode.NotFound, $"Cannot store '{path}': the file does not exist. Check the path.", e);
        }
    }

    /// <summary>Copies <paramref name="source"/> to <paramref name="target"/>; returns the sha256 and length of what was copied.</summary>
    public static (string Sha256, long Size) CopyHashing(Stream source, Stream target)
    {
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[BufferSize];
        long size = 0;
        int read;
        while ((read = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            target.Write(buffer, 0, read);
            size += read;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), size);
    }
}
