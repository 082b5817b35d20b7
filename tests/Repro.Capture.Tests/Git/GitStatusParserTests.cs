using Repro.Capture.Git;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Git;

/// <summary>Runs against real `git status --porcelain=v2 --branch -z` output captured from repositories in these states.</summary>
public sealed class GitStatusParserTests
{
    private static GitStatus Parse(string name) => GitStatusParser.Parse(TestFiles.Read($"git/{name}.txt"));

    [Fact]
    public void A_clean_tracking_branch_has_commit_branch_upstream_and_no_entries()
    {
        var status = Parse("clean-tracking");

        Assert.Equal("8c8af2267dd7f5e6c7e456ef4b9e258f7110d814", status.Commit);
        Assert.Equal("main", status.Branch);
        Assert.Equal("origin/main", status.Upstream);
        Assert.Equal(0, status.Ahead);
        Assert.Equal(0, status.Behind);
        Assert.Empty(status.Entries);
        Assert.False(status.HasTrackedChanges);
    }

    [Fact]
    public void Ahead_and_behind_counts_are_read()
    {
        var status = Parse("ahead-behind");

        Assert.Equal(1, status.Ahead);
        Assert.Equal(1, status.Behind);
    }

    [Fact]
    public void Staged_unstaged_deleted_mode_changed_and_untracked_entries_are_told_apart()
    {
        var status = Parse("staged-unstaged-untracked");

        Assert.True(status.HasTrackedChanges);
        Assert.Null(status.Upstream);
        Assert.Null(status.Ahead);
        var changed = status.Changed.ToDictionary(e => e.Path);
        Assert.Equal(["both.txt", "deleted.txt", "script.sh", "staged.txt", "unstaged.txt"], changed.Keys.Order(StringComparer.Ordinal));
        Assert.Equal(('M', 'M'), (changed["both.txt"].Index, changed["both.txt"].WorkTree));
        Assert.Equal(('.', 'D'), (changed["deleted.txt"].Index, changed["deleted.txt"].WorkTree));
        Assert.Equal(('M', '.'), (changed["staged.txt"].Index, changed["staged.txt"].WorkTree));
        Assert.Equal(('.', 'M'), (changed["unstaged.txt"].Index, changed["unstaged.txt"].WorkTree));
        Assert.Equal(["newdir/", "untracked.txt"], status.Untracked.Select(e => e.Path));
    }

    [Fact]
    public void A_rename_keeps_both_paths_even_with_spaces()
    {
        var entry = Assert.Single(Parse("renamed").Entries);

        Assert.Equal(GitEntryKind.Renamed, entry.Kind);
        Assert.Equal("new name.txt", entry.Path);
        Assert.Equal("old name.txt", entry.OriginalPath);
        Assert.Equal('R', entry.Index);
    }

    [Fact]
    public void A_merge_conflict_is_an_unmerged_entry()
    {
        var status = Parse("unmerged");

        var entry = Assert.Single(status.Unmerged);
        Assert.Equal("c.txt", entry.Path);
        Assert.Equal(('U', 'U'), (entry.Index, entry.WorkTree));
        Assert.True(status.HasTrackedChanges);
    }

    [Fact]
    public void A_detached_head_has_a_commit_and_no_branch()
    {
        var status = Parse("detached");

        Assert.Equal("a537952ef172cafd530df7528ddd40f59879f603", status.Commit);
        Assert.Null(status.Branch);
        Assert.True(status.IsDetached);
    }

    [Fact]
    public void A_repository_without_commits_has_no_commit_but_a_branch()
    {
        var empty = Parse("initial-empty");
        var staged = Parse("initial-staged");

        Assert.Null(empty.Commit);
        Assert.Equal("main", empty.Branch);
        Assert.Empty(empty.Entries);
        Assert.Null(staged.Commit);
        Assert.Equal(('A', '.'), (staged.Changed.Single().Index, staged.Changed.Single().WorkTree));
        Assert.Equal("b.txt", staged.Untracked.Single().Path);
    }

    [Fact]
    public void Paths_with_spaces_and_non_ascii_letters_are_read_whole()
    {
        var status = Parse("names-with-spaces-and-unicode");

        Assert.Equal("with space.txt", status.Changed.Single().Path);
        Assert.Equal(["größe ünïcode.txt", "日本語.txt"], status.Untracked.Select(e => e.Path));
    }

    [Fact]
    public void Ignored_entries_and_unknown_records_are_handled()
    {
        var status = GitStatusParser.Parse("# branch.oid abc\0# branch.head main\0! build/\0z future record\0");

        Assert.Equal(GitEntryKind.Ignored, Assert.Single(status.Entries).Kind);
        Assert.False(status.HasTrackedChanges);
    }

    [Fact]
    public void Empty_output_gives_an_empty_status()
    {
        var status = GitStatusParser.Parse("");

        Assert.Null(status.Commit);
        Assert.Empty(status.Entries);
    }
}
