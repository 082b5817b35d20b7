using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Core.Data;

/// <summary>
/// The Merkle tree over a manifest (docs/data.md, "Merkle root"), built like git's trees. Hashes are sha256 written as 64
/// lowercase hex digits and everything hashed is text, so a root can be checked with <c>printf ... | sha256sum</c>:
/// <list type="bullet">
/// <item>a file's record is "file" NUL name NUL size NUL content-sha256 (size in decimal);</item>
/// <item>a subdirectory's record is "dir" NUL name NUL tree-hash;</item>
/// <item>a directory's tree hash is sha256("tree" NUL, then its children's records in <see cref="DataPathComparer"/> order);</item>
/// <item>the root is the tree hash of the input directory; a file input counts as a directory holding that one file.</item>
/// </list>
/// Names are the last component of the manifest path (escaped form, UTF-8). Empty directories do not appear.
/// </summary>
public static class DataMerkle
{
    private const int HashHexLength = 64;

    /// <summary>The root of an input without files: sha256("tree" NUL).</summary>
    public static string EmptyDirectoryRoot { get; } = Tree([]);

    /// <summary>A file's record in its directory's tree.</summary>
    public static string FileRecord(string name, long size, string contentSha256)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(contentSha256);
        return string.Create(CultureInfo.InvariantCulture, $"file\0{name}\0{size}\0{contentSha256}");
    }

    /// <summary>A subdirectory's record in its parent's tree.</summary>
    public static string DirectoryRecord(string name, string treeHash)
    {
        ArgumentNullException.ThrowIfNull(name);
        ArgumentNullException.ThrowIfNull(treeHash);
        return $"dir\0{name}\0{treeHash}";
    }

    /// <summary>The tree hash of a directory whose children's records are given in order.</summary>
    public static string Tree(IEnumerable<string> records)
    {
        ArgumentNullException.ThrowIfNull(records);
        using var tree = new TreeHasher("");
        foreach (var record in records)
        {
            tree.AppendText(record);
        }

        return tree.Finish();
    }

    /// <summary>The root over entries already sorted in <see cref="DataPathComparer"/> order with valid paths.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string ComputeRoot(IReadOnlyList<ManifestEntry> sortedEntries)
    {
        // The trees open on the path from the root to the previous entry (the root is index 0), and that path.
        var open = new List<TreeHasher> { new("") };
        // The open path is the first openLength characters of openSource, so no substring is made per entry.
        var openSource = "";
        var openLength = 0;
        try
        {
            foreach (var entry in sortedEntries)
            {
                var path = entry.Path;
                var fileStart = path.LastIndexOf('/') + 1;

                // Close the open directories that are not this entry's directory or one of its ancestors.
                while (open.Count > 1 && !IsDirectoryPrefix(openSource.AsSpan(0, openLength), path, fileStart))
                {
                    CloseLast(open);
                    openLength = Math.Max(0, openSource.AsSpan(0, openLength).LastIndexOf('/'));
                }

                // Open this entry's directories below the deepest open one.
                var start = openLength == 0 ? 0 : openLength + 1;
                while (start < fileStart)
                {
                    var end = path.IndexOf('/', start);
                    open.Add(new TreeHasher(path[start..end]));
                    start = end + 1;
                }

                openSource = path;
                openLength = Math.Max(0, fileStart - 1);
                open[^1].AppendFile(path.AsSpan(fileStart), entry.Size, entry.Sha256);
            }

            while (open.Count > 1)
            {
                CloseLast(open);
            }

            return open[0].Finish();
        }
        finally
        {
            foreach (var tree in open)
            {
                tree.Dispose();
            }
        }
    }

    private static bool IsDirectoryPrefix(ReadOnlySpan<char> openPath, string path, int fileStart) =>
        openPath.IsEmpty
        || (openPath.Length < fileStart && path[openPath.Length] == '/' && path.AsSpan().StartsWith(openPath, StringComparison.Ordinal));

    private static void CloseLast(List<TreeHasher> open)
    {
        var last = open[^1];
        open.RemoveAt(open.Count - 1);
        using (last)
        {
            open[^1].AppendDirectory(last.Name, last.Finish());
        }
    }

    /// <summary>Hashes one tree, gathering records in a buffer so the hash is fed in large blocks.</summary>
    private sealed class TreeHasher : IDisposable
    {
        private const int BufferSize = 1 << 14;

        private readonly IncrementalHash _hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        private byte[] _buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        private int _length;

        public TreeHasher(string name)
        {
            Name = name;
            Append("tree\0"u8);
        }

        public string Name { get; }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        public void AppendFile(ReadOnlySpan<char> name, long size, string contentSha256)
        {
            Append("file\0"u8);
            AppendUtf8(name);
            Append("\0"u8);
            Span<byte> digits = stackalloc byte[20];
            size.TryFormat(digits, out var written, default, CultureInfo.InvariantCulture);
            Append(digits[..written]);
            Append("\0"u8);
            AppendHash(contentSha256);
        }

        public void AppendDirectory(string name, string treeHash)
        {
            Append("dir\0"u8);
            AppendUtf8(name);
            Append("\0"u8);
            AppendHash(treeHash);
        }

        public void AppendText(string text) => AppendUtf8(text);

        public string Finish()
        {
            Flush();
            Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
            _hash.GetHashAndReset(hash);
            return Convert.ToHexStringLower(hash);
        }

        public void Dispose()
        {
            _hash.Dispose();
            if (_buffer.Length > 0)
            {
                ArrayPool<byte>.Shared.Return(_buffer);
                _buffer = [];
            }
        }

        private void AppendHash(string hex)
        {
            if (hex.Length != HashHexLength)
            {
                throw new ArgumentException("A hash must be 64 hex digits.", nameof(hex));
            }

            AppendUtf8(hex);
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void AppendUtf8(ReadOnlySpan<char> text)
        {
            if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length - _length)
            {
                Flush();
                if (Encoding.UTF8.GetMaxByteCount(text.Length) > _buffer.Length)
                {
                    _hash.AppendData(Encoding.UTF8.GetBytes(text.ToArray()));
                    return;
                }
            }

            _length += Encoding.UTF8.GetBytes(text, _buffer.AsSpan(_length));
        }

        [MethodImpl(MethodImplOptions.AggressiveOptimization)]
        private void Append(ReadOnlySpan<byte> bytes)
        {
            if (bytes.Length > _buffer.Length - _length)
            {
                Flush();
            }

            bytes.CopyTo(_buffer.AsSpan(_length));
            _length += bytes.Length;
        }

        private void Flush()
        {
            _hash.AppendData(_buffer, 0, _length);
            _length = 0;
        }
    }
}
