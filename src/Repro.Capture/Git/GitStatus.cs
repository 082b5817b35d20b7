namespace Repro.Capture.Git;

/// <summary>What <c>git status --porcelain=v2 --branch -z</c> reported.</summary>
/// <param name="Commit">The checked-out commit; null in a repository with no commits yet.</param>
/// <param name="Branch">The current branch; null when HEAD is detached.</param>
/// <param name="Upstream">The upstream branch (for example <c>origin/main</c>), or null.</param>
/// <param name="Ahead">Commits ahead of the upstream; null without an upstream (or when it is gone).</param>
/// <param name="Behind">Commits behind the upstream; null without an upstream (or when it is gone).</param>
public sealed record GitStatus(
    string? Commit,
    string? Branch,
    string? Upstream,
    int? Ahead,
    int? Behind,
    IReadOnlyList<GitStatusEntry> Entries)
{
    public bool IsDetached => Branch is null;

    /// <summary>Tracked files with staged or unstaged changes (including renames and copies).</summary>
    public IEnumerable<GitStatusEntry> Changed => Entries.Where(e => e.Kind is GitEntryKind.Changed or GitEntryKind.Renamed);

    public IEnumerable<GitStatusEntry> Untracked => Entries.Where(e => e.Kind == GitEntryKind.Untracked);

    public IEnumerable<GitStatusEntry> Unmerged => Entries.Where(e => e.Kind == GitEntryKind.Unmerged);

    /// <summary>True when tracked files differ from the commit (staged, unstaged or unmerged); untracked files do not count.</summary>
    public bool HasTrackedChanges => Entries.Any(e => e.Kind is GitEntryKind.Changed or GitEntryKind.Renamed or GitEntryKind.Unmerged);
}

public enum GitEntryKind
{
    Changed,
    Renamed,
    Unmerged,
    Untracked,
    Ignored,
}

/// <summary>One path in the status. <see cref="Index"/> and <see cref="WorkTree"/> are git's XY letters ('.' = unchanged).</summary>
/// <param name="OriginalPath">The path before a rename or copy; null otherwise.</param>
public sealed record GitStatusEntry(GitEntryKind Kind, string Path, char Index = '.', char WorkTree = '.', string? OriginalPath = null);
