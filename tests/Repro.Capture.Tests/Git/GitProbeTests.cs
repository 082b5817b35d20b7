using System.Security.Cryptography;
using System.Text;
using Repro.Capture.Git;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Git;

/// <summary>Runs the probe against real repositories made in temp directories.</summary>
public sealed class GitProbeTests
{
    private readonly MemoryObjectStore _store = new();

    [GitFact]
    public void A_clean_repository_records_commit_branch_and_no_diff()
    {
        using var repo = GitRepository.Init();
        repo.Write("train.py", "print('hi')\n");
        repo.CommitAll("first");
        var head = repo.Git("rev-parse", "HEAD");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.True(code.IsGitRepository);
        Assert.Equal(Path.GetFullPath(repo.Path), code.Root);
        Assert.Equal(head, code.Commit);
        Assert.Equal("main", code.Branch);
        Assert.False(code.Dirty);
        Assert.Null(code.DiffSha256);
        Assert.Empty(code.Untracked);
        Assert.Null(code.RemoteUrl);
        Assert.Empty(code.Warnings);
        Assert.Empty(_store.Objects);
    }

    [GitFact]
    public void Staged_and_unstaged_changes_are_stored_in_one_diff()
    {
        using var repo = GitRepository.Init();
        repo.Write("staged.py", "lr = 0.1\n");
        repo.Write("unstaged.py", "epochs = 10\n");
        repo.CommitAll("first");
        repo.Write("staged.py", "lr = 0.2\n");
        repo.Git("add", "staged.py");
        repo.Write("unstaged.py", "epochs = 20\n");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.True(code.Dirty);
        Assert.NotNull(code.DiffSha256);
        var diff = _store.Text(code.DiffSha256);
        Assert.Contains("+lr = 0.2", diff, StringComparison.Ordinal);
        Assert.Contains("+epochs = 20", diff, StringComparison.Ordinal);
        Assert.Contains("-lr = 0.1", diff, StringComparison.Ordinal);
    }

    [GitFact]
    public void The_stored_diff_restores_the_working_tree_on_a_fresh_checkout()
    {
        using var repo = GitRepository.Init();
        repo.Write("model.py", "layers = 2\n");
        repo.Write("weights.bin", "\0\u0001binary\u0002");
        repo.CommitAll("first");
        repo.Write("model.py", "layers = 3\n");
        repo.Write("weights.bin", "\0\u0001changed binary\u0003");
        var code = GitProbe.Capture(repo.Path, _store.Store);
        using var patchFile = new TempDirectory();
        var patch = patchFile.Combine("run.patch");
        File.WriteAllBytes(patch, _store.Objects[code.DiffSha256!]);

        repo.Git("checkout", "--", ".");
        repo.Git("apply", "--binary", patch);

        Assert.Equal("layers = 3\n", File.ReadAllText(Path.Combine(repo.Path, "model.py")));
        Assert.Equal("\0\u0001changed binary\u0003", File.ReadAllText(Path.Combine(repo.Path, "weights.bin")));
    }

    [GitFact]
    public void Untracked_files_are_hashed_and_stored()
    {
        using var repo = GitRepository.Init();
        repo.Write("tracked.py", "x = 1\n");
        repo.CommitAll("first");
        repo.Write("notes/config.yaml", "seed: 7\n");
        repo.Write(".gitignore", "*.log\n");
        repo.Write("debug.log", "ignored\n");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.False(code.Dirty);
        Assert.Equal([".gitignore", "notes/config.yaml"], code.Untracked.Select(f => f.Path).Order(StringComparer.Ordinal));
        var config = code.Untracked.Single(f => f.Path == "notes/config.yaml");
        Assert.Equal(Sha256("seed: 7\n"), config.Sha256);
        Assert.Equal(8, config.Size);
        Assert.Equal("seed: 7\n", _store.Text(config.Sha256!));
    }

    [GitFact]
    public void Untracked_files_over_the_limits_are_hashed_but_not_stored()
    {
        using var repo = GitRepository.Init();
        repo.Write("tracked.py", "x = 1\n");
        repo.CommitAll("first");
        repo.Write("small.txt", "abc");
        repo.Write("large.txt", new string('x', 100));
        var options = new GitCaptureOptions { MaxStoredFileBytes = 10 };

        var code = GitProbe.Capture(repo.Path, _store.Store, options);

        var large = code.Untracked.Single(f => f.Path == "large.txt");
        Assert.Equal(Sha256(new string('x', 100)), large.Sha256);
        Assert.Equal(100, large.Size);
        Assert.False(_store.Objects.ContainsKey(large.Sha256!));
        Assert.True(_store.Objects.ContainsKey(code.Untracked.Single(f => f.Path == "small.txt").Sha256!));
        Assert.Contains(
            code.Warnings, w => w.Contains("large.txt", StringComparison.Ordinal) && w.Contains("not stored", StringComparison.Ordinal));
    }

    [GitFact]
    public void The_total_stored_untracked_size_is_bounded()
    {
        using var repo = GitRepository.Init();
        repo.Write("tracked.py", "x = 1\n");
        repo.CommitAll("first");
        repo.Write("a.txt", new string('a', 60));
        repo.Write("b.txt", new string('b', 60));
        var options = new GitCaptureOptions { MaxStoredFileBytes = 100, MaxStoredTotalBytes = 100 };

        var code = GitProbe.Capture(repo.Path, _store.Store, options);

        Assert.Equal(2, code.Untracked.Count);
        Assert.All(code.Untracked, f => Assert.NotNull(f.Sha256));
        Assert.Single(code.Untracked, f => _store.Objects.ContainsKey(f.Sha256!));
    }

    [GitFact]
    public void A_repository_without_commits_records_its_files_as_a_diff_and_warns()
    {
        using var repo = GitRepository.Init();
        repo.Write("first.py", "print(1)\n");
        repo.Git("add", "first.py");
        repo.Write("first.py", "print(2)\n");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.True(code.IsGitRepository);
        Assert.Null(code.Commit);
        Assert.Equal("main", code.Branch);
        Assert.True(code.Dirty);
        Assert.Contains("+print(2)", _store.Text(code.DiffSha256!), StringComparison.Ordinal);
        Assert.Contains(code.Warnings, w => w.Contains("no commits yet", StringComparison.Ordinal));
    }

    [GitFact]
    public void A_detached_head_is_named_as_such()
    {
        using var repo = GitRepository.Init();
        repo.Write("a.txt", "1");
        repo.CommitAll("one");
        var first = repo.Git("rev-parse", "HEAD");
        repo.Write("a.txt", "2");
        repo.CommitAll("two");
        repo.Git("checkout", "-q", first);

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.Equal(first, code.Commit);
        Assert.Equal("HEAD (detached)", code.Branch);
        Assert.Empty(code.Warnings);
    }

    [GitFact]
    public void The_origin_remote_is_recorded_without_credentials()
    {
        using var repo = GitRepository.Init();
        repo.Write("a.txt", "1");
        repo.CommitAll("one");
        repo.Git("remote", "add", "backup", "https://other.example/backup.git");
        repo.Git("remote", "add", "origin", "https://alice:ghp_topsecret@github.com/org/repo.git");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.Equal("https://github.com/org/repo.git", code.RemoteUrl);
    }

    [GitFact]
    public void Without_origin_the_first_remote_is_recorded()
    {
        using var repo = GitRepository.Init();
        repo.Write("a.txt", "1");
        repo.CommitAll("one");
        repo.Git("remote", "add", "upstream", "https://token123@git.example/team/x.git");
        repo.Git("remote", "add", "zeta", "git@git.example:team/z.git");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.Equal("https://git.example/team/x.git", code.RemoteUrl);
    }

    [GitFact]
    public void A_directory_outside_any_repository_is_not_a_repository_and_not_a_warning()
    {
        using var temp = new TempDirectory();

        var code = GitProbe.Capture(temp.Path, _store.Store);

        Assert.False(code.IsGitRepository);
        Assert.Null(code.Commit);
        Assert.Empty(code.Warnings);
    }

    [Fact]
    public void Missing_git_gives_no_repository_and_a_warning_that_says_how_to_fix_it()
    {
        using var temp = new TempDirectory();
        var options = new GitCaptureOptions { GitExecutable = "repro-no-such-git-" + Guid.NewGuid().ToString("N") };

        var code = GitProbe.Capture(temp.Path, _store.Store, options);

        Assert.False(code.IsGitRepository);
        var warning = Assert.Single(code.Warnings);
        Assert.Contains("git was not found", warning, StringComparison.Ordinal);
        Assert.Contains("Install git", warning, StringComparison.Ordinal);
    }

    [GitFact]
    public void File_names_with_spaces_and_non_ascii_letters_survive_diff_and_untracked_listing()
    {
        using var repo = GitRepository.Init();
        repo.Write("my data/größe.txt", "1\n");
        repo.CommitAll("one");
        repo.Write("my data/größe.txt", "2\n");
        repo.Write("日本語 notes.txt", "メモ\n");

        var code = GitProbe.Capture(repo.Path, _store.Store);

        Assert.True(code.Dirty);
        Assert.Contains("größe.txt", _store.Text(code.DiffSha256!), StringComparison.Ordinal);
        var untracked = Assert.Single(code.Untracked);
        Assert.Equal("日本語 notes.txt", untracked.Path);
        Assert.Equal(Sha256("メモ\n"), untracked.Sha256);
    }

    [GitFact]
    public void A_subdirectory_of_the_repository_finds_the_root()
    {
        using var repo = GitRepository.Init();
        repo.Write("src/deep/a.py", "1");
        repo.CommitAll("one");

        var code = GitProbe.Capture(Path.Combine(repo.Path, "src", "deep"), _store.Store);

        Assert.Equal(Path.GetFullPath(repo.Path), code.Root);
        Assert.NotNull(code.Commit);
    }

    [GitFact]
    public void A_failing_object_store_becomes_a_warning()
    {
        using var repo = GitRepository.Init();
        repo.Write("a.txt", "1");
        repo.CommitAll("one");
        repo.Write("a.txt", "2");
        repo.Write("new.txt", "new");

        var code = GitProbe.Capture(repo.Path, _ => throw new InvalidOperationException("disk full"));

        Assert.True(code.Dirty);
        Assert.Null(code.DiffSha256);
        Assert.Equal(Sha256("new"), Assert.Single(code.Untracked).Sha256);
        Assert.Equal(2, code.Warnings.Count(w => w.Contains("disk full", StringComparison.Ordinal)));
    }

    private static string Sha256(string text) => Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(text)));
}
