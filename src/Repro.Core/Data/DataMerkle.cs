using System.Globalization;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Core.Data;

/// <summary>
/// The Merkle tree over a manifest (docs/data.md, "Merkle root"). All hashes are sha256, written as 64 lowercase hex digits,
/// and every node hashes text, so a root can be checked with <c>printf ... | sha256sum</c>:
/// <list type="bullet">
/// <item>file node = sha256("file" NUL name NUL size NUL content-sha256), size in decimal;</item>
/// <item>directory node = sha256("dir" NUL name NUL child-hash child-hash ...), children in <see cref="DataPathComparer"/> order;</item>
/// <item>root of a directory input = its directory node with the empty name; of a file input = its file node.</item>
/// </list>
/// Names are the last component of the manifest path (escaped form, UTF-8). Empty directories do not appear.
/// </summary>
public static class DataMerkle
{
    private const int HashHexLength = 64;

    /// <summary>The root of a directory input that holds no files: sha256("dir" NUL NUL).</summary>
    public static string EmptyDirectoryRoot { get; } = DirectoryNode("", []);

    public static string FileNode(string name, long size, string contentSha256)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(contentSha256);
        var text = string.Create(CultureInfo.InvariantCulture, $"file\0{name}\0{size}\0{contentSha256}");
        var length = Encoding.UTF8.GetByteCount(text);
        var buffer = length <= 1024 ? stackalloc byte[length] : new byte[length];
        Encoding.UTF8.GetBytes(text, buffer);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(buffer, hash);
        return Convert.ToHexStringLower(hash);
    }

    public static string DirectoryNode(string name, IEnumerable<string> childHashes)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(childHashes);
        using var node = new DirectoryHasher(name);
        foreach (var child in childHashes)
        {
            node.Add(child);
        }

        return node.Finish();
    }

    /// <summary>The root over entries already sorted in <see cref="DataPathComparer"/> order with valid paths.</summary>
    internal static string ComputeRoot(DataInputKind kind, IReadOnlyList<ManifestEntry> sortedEntries)
    {
        if (kind == DataInputKind.File)
        {
            var single = sortedEntries[0];
            return FileNode(single.Path, single.Size, single.Sha256);
        }

        // Directories open on the path from the root to the current entry; the root is index 0.
        var open = new List<DirectoryHasher> { new("") };
        try
        {
            foreach (var entry in sortedEntries)
            {
                var parts = entry.Path.Split('/');
                var depth = parts.Length - 1;
                var common = 0;
                while (common < depth && common + 1 < open.Count
                    && string.Equals(open[common + 1].Name, parts[common], StringComparison.Ordinal))
                {
                    common++;
                }

                while (open.Count > common + 1)
                {
                    CloseLast(open);
                }

                for (var i = common; i < depth; i++)
                {
                    open.Add(new DirectoryHasher(parts[i]));
                }

                open[^1].Add(FileNode(parts[^1], entry.Size, entry.Sha256));
            }

            while (open.Count > 1)
            {
                CloseLast(open);
            }

            return open[0].Finish();
        }
        finally
        {
            foreach (var hasher in open)
            {
                hasher.Dispose();
            }
        }
    }

    private static void CloseLast(List<DirectoryHasher> open)
    {
        var last = open[^1];
        open.RemoveAt(open.Count - 1);
        using (last)
        {
            open[^1].Add(last.Finish());
        }
    }

    private sealed class DirectoryHasher : IDisposable
    {
        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);

        public DirectoryHasher(string name)
        {
            Name = name;
            _hash.AppendData(Encoding.UTF8.GetBytes("dir\0" + name + "\0"));
        }

        public string Name { get; }

        public void Add(string childHash)
        {
            if (childHash.Length != HashHexLength)
            {
                throw new ArgumentException("A child hash must be 64 hex digits.", nameof(childHash));
            }

            Span<byte> ascii = stackalloc byte[HashHexLength];
            Encoding.ASCII.GetBytes(childHash, ascii);
            _hash.AppendData(ascii);
        }

        public string Finish()
        {
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            _hash.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }

        public void Dispose() => _hash.Dispose();
    }
}
