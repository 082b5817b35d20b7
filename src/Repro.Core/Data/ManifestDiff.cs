using System.Runtime.CompilerServices;

namespace Repro.Core.Data;

/// <summary>A file present in both manifests whose size or content differs.</summary>
public sealed record ChangedEntry(string Path, ManifestEntry Before, ManifestEntry After);

/// <summary>
/// The file-level difference between two manifests of a data input. Every list is sorted by <see cref="DataPathComparer"/>.
/// Paths are compared as they are recorded (relative to each input), so the same tree under two directory names compares equal.
/// </summary>
public sealed record ManifestDiff
{
    public IReadOnlyList<ManifestEntry> Added { get; init; } = [];
    public IReadOnlyList<ManifestEntry> Removed { get; init; } = [];
    public IReadOnlyList<ChangedEntry> Changed { get; init; } = [];

    /// <summary>Files present in both manifests with equal size and hash.</summary>
    public int UnchangedCount { get; init; }

    public string RootBefore { get; init; } = "";
    public string RootAfter { get; init; } = "";

    public long AddedBytes { get; init; }
    public long RemovedBytes { get; init; }

    /// <summary>The total size of the changed files as recorded before.</summary>
    public long ChangedBytesBefore { get; init; }

    /// <summary>The total size of the changed files as found after.</summary>
    public long ChangedBytesAfter { get; init; }

    public int AddedCount => Added.Count;
    public int RemovedCount => Removed.Count;
    public int ChangedCount => Changed.Count;

    /// <summary>True when no file was added, removed or changed.</summary>
    public bool IsEmpty => Added.Count == 0 && Removed.Count == 0 && Changed.Count == 0;

    /// <summary>Compares two manifests in one pass over their sorted entries.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static ManifestDiff Compare(DataManifest before, DataManifest after)
    {
        ArgumentNullException.ThrowIfNull(before);
        ArgumentNullException.ThrowIfNull(after);
        var added = new List<ManifestEntry>();
        var removed = new List<ManifestEntry>();
        var changed = new List<ChangedEntry>();
        var unchanged = 0;
        long addedBytes = 0, removedBytes = 0, changedBefore = 0, changedAfter = 0;
        var a = before.Entries;
        var b = after.Entries;
        int i = 0, j = 0;
        while (i < a.Count || j < b.Count)
        {
            var order = i == a.Count ? 1 : j == b.Count ? -1 : DataPathComparer.Instance.Compare(a[i].Path, b[j].Path);
            if (order < 0)
            {
                removed.Add(a[i]);
                removedBytes += a[i].Size;
                i++;
            }
            else if (order > 0)
            {
                added.Add(b[j]);
                addedBytes += b[j].Size;
                j++;
            }
            else
            {
                if (a[i].Size == b[j].Size && string.Equals(a[i].Sha256, b[j].Sha256, StringComparison.Ordinal))
                {
                    unchanged++;
                }
                else
                {
                    changed.Add(new ChangedEntry(a[i].Path, a[i], b[j]));
                    changedBefore += a[i].Size;
                    changedAfter += b[j].Size;
                }

                i++;
                j++;
            }
        }

        return new ManifestDiff
        {
            Added = added,
            Removed = removed,
            Changed = changed,
            UnchangedCount = unchanged,
            RootBefore = before.Root,
            RootAfter = after.Root,
            AddedBytes = addedBytes,
            RemovedBytes = removedBytes,
            ChangedBytesBefore = changedBefore,
            ChangedBytesAfter = changedAfter,
        };
    }
}
