using System.Buffers;
using System.Runtime.CompilerServices;
using Repro.Core.Errors;

namespace Repro.Core.Data;

/// <summary>Whether a data input is a single file or a directory tree.</summary>
public enum DataInputKind
{
    File,
    Directory,
}

/// <summary>
/// One file of a data input: its path relative to the input directory ('/' separators, escaped by
/// <see cref="DataPathName"/>; for a file input, the file's name), its size in bytes and the lowercase hex sha256 of its content.
/// </summary>
public sealed record ManifestEntry(string Path, long Size, string Sha256)
{
    /// <summary>The last component of <see cref="Path"/>.</summary>
    public string Name => Path[(Path.LastIndexOf('/') + 1)..];
}

/// <summary>
/// Every file of a data input with its size and hash, sorted by <see cref="DataPathComparer"/>, and the Merkle
/// <see cref="Root"/> over them (docs/data.md). Immutable; build one with <see cref="Create"/> or <see cref="Parse(Stream)"/>.
/// </summary>
public sealed class DataManifest
{
    private static readonly SearchValues<char> LowerHex = SearchValues.Create("0123456789abcdef");

    private DataManifest(DataInputKind kind, ManifestEntry[] entries, string root, long totalBytes)
    {
        Kind = kind;
        Entries = Array.AsReadOnly(entries);
        Root = root;
        TotalBytes = totalBytes;
    }

    /// <summary>A directory input with no files. Its root is <see cref="DataMerkle.EmptyDirectoryRoot"/>.</summary>
    public static DataManifest EmptyDirectory { get; } = new(DataInputKind.Directory, [], DataMerkle.EmptyDirectoryRoot, 0);

    public DataInputKind Kind { get; }

    public IReadOnlyList<ManifestEntry> Entries { get; }

    /// <summary>The Merkle root: equal roots mean equal paths, sizes and contents.</summary>
    public string Root { get; }

    public int FileCount => Entries.Count;

    public long TotalBytes { get; }

    /// <summary>
    /// Sorts and checks the entries and computes the root. Throws <see cref="ArgumentException"/> for an invalid path
    /// (empty, absolute, with '.', '..' or empty components, or not in canonical escaped form), a negative size, a hash that
    /// is not 64 lowercase hex digits, a duplicate path, a path that is both a file and a directory, or a file input
    /// that does not hold exactly one entry without '/'.
    /// </summary>
    public static DataManifest Create(DataInputKind kind, IEnumerable<ManifestEntry> entries)
    {
        ArgumentNullException.ThrowIfNull(entries);
        var sorted = entries.ToArray();
        if (!IsStrictlySorted(sorted))
        {
            Array.Sort(sorted, static (a, b) => DataPathComparer.Instance.Compare(a?.Path, b?.Path));
        }

        var error = Validate(kind, sorted, out var totalBytes);
        if (error is not null)
        {
            throw new ArgumentException(error, nameof(entries));
        }

        return Build(kind, sorted, totalBytes);
    }

    /// <summary>The canonical serialization (docs/data.md): UTF-8 JSON lines, a header line then one line per entry.</summary>
    public byte[] ToJsonLines()
    {
        using var buffer = new MemoryStream(128 + (Entries.Count * 128));
        WriteTo(buffer);
        return buffer.ToArray();
    }

    /// <summary>Writes <see cref="ToJsonLines"/> to a stream. Equal manifests always produce equal bytes.</summary>
    public void WriteTo(Stream stream) => ManifestSerializer.Write(this, stream);

    /// <summary>
    /// Reads a serialized manifest and checks it: sorted, valid entries, and a root and totals that match them.
    /// Throws <see cref="ReproException"/> with <see cref="ErrorCode.Corrupted"/> when it is not a valid manifest, and
    /// <see cref="ErrorCode.SchemaTooNew"/> when it was written by a newer format version.
    /// </summary>
    public static DataManifest Parse(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var buffer = new MemoryStream();
        stream.CopyTo(buffer);
        return Parse(buffer.GetBuffer().AsSpan(0, (int)buffer.Length));
    }

    /// <inheritdoc cref="Parse(Stream)"/>
    public static DataManifest Parse(ReadOnlySpan<byte> utf8) => ManifestSerializer.Parse(utf8);

    internal static DataManifest Build(DataInputKind kind, ManifestEntry[] sorted, long totalBytes)
    {
        if (kind == DataInputKind.Directory && sorted.Length == 0)
        {
            return EmptyDirectory;
        }

        return new DataManifest(kind, sorted, DataMerkle.ComputeRoot(sorted), totalBytes);
    }

    /// <summary>Checks entries already in sorted order; returns null when valid, else what is wrong.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    internal static string? Validate(DataInputKind kind, ManifestEntry[] sorted, out long totalBytes)
    {
        totalBytes = 0;
        if (kind is not (DataInputKind.File or DataInputKind.Directory))
        {
            return $"unknown input kind {kind}";
        }

        if (kind == DataInputKind.File && (sorted.Length != 1 || sorted[0].Path.Contains('/', StringComparison.Ordinal)))
        {
            return "a file input has exactly one entry, named by the file's name without '/'";
        }

        for (var i = 0; i < sorted.Length; i++)
        {
            var entry = sorted[i] ?? throw new ArgumentException("An entry is null.");
            var problem = CheckPath(entry.Path) ?? CheckSize(entry.Size) ?? CheckHash(entry.Sha256);
            if (problem is not null)
            {
                return $"entry '{entry.Path}': {problem}";
            }

            totalBytes = checked(totalBytes + entry.Size);
            if (i > 0)
            {
                var previous = sorted[i - 1].Path;
                var order = DataPathComparer.Instance.Compare(previous, entry.Path);
                if (order == 0)
                {
                    return $"duplicate path '{entry.Path}'";
                }

                if (order > 0)
                {
                    return $"entries are not sorted: '{previous}' comes before '{entry.Path}'";
                }

                if (entry.Path.Length > previous.Length && entry.Path[previous.Length] == '/'
                    && entry.Path.StartsWith(previous, StringComparison.Ordinal))
                {
                    return $"'{previous}' is both a file and a directory";
                }
            }
        }

        return null;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool IsStrictlySorted(ManifestEntry[] entries)
    {
        for (var i = 1; i < entries.Length; i++)
        {
            if (entries[i - 1] is not { } previous || entries[i] is not { } current
                || DataPathComparer.Instance.Compare(previous.Path, current.Path) >= 0)
            {
                return false;
            }
        }

        return true;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static string? CheckPath(string? path)
    {
        if (string.IsNullOrEmpty(path))
        {
            return "the path is empty";
        }

        var rest = path.AsSpan();
        while (true)
        {
            var slash = rest.IndexOf('/');
            var component = slash < 0 ? rest : rest[..slash];
            if (component.IsEmpty || component is "." || component is "..")
            {
                return "the path has an empty, '.' or '..' component";
            }

            if (slash < 0)
            {
                break;
            }

            rest = rest[(slash + 1)..];
        }

        if (path.Contains('\0', StringComparison.Ordinal))
        {
            return "the path holds a NUL character";
        }

        var needsSlowCheck = path.Contains('\\', StringComparison.Ordinal) || path.AsSpan().ContainsAnyInRange('\uD800', '\uDFFF');
        if (needsSlowCheck && !DataPathName.TryUnescape(path, out _, out var error))
        {
            return "the path is not a valid escaped name: " + error;
        }

        return null;
    }

    private static string? CheckSize(long size) => size < 0 ? "the size is negative" : null;

    private static string? CheckHash(string? sha256)
    {
        if (sha256 is null || sha256.Length != 64)
        {
            return "the sha256 is not 64 hex digits";
        }

        return sha256.AsSpan().ContainsAnyExcept(LowerHex) ? "the sha256 is not 64 lowercase hex digits" : null;
    }
}
