using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class ReproduceTests : IDisposable
{
    private readonly TempDir _dir = new();

    private const string Train = """
        import json, os, random
        rng = random.Random(int(os.environ["REPRO_SEED"]))
        scale = float(json.loads(os.environ["REPRO_PARAMS"]).get("scale", "1"))
        extra = open("extra.txt").read().strip() if os.path.exists("extra.txt") else "none"
        n = sum(len(open(os.path.join("data", f)).read()) for f in sorted(os.listdir("data")))
        with open(os.environ["REPRO_EVENTS"], "a") as f:
            for step in range(5):
                f.write(json.dumps({"type": "metric", "key": "loss", "value": scale * rng.random() / (step + 1), "step": step}) + "\n")
            f.write(json.dumps({"type": "metric", "key": "data_chars", "value": n, "step": 0}) + "\n")
            f.write(json.dumps({"type": "tag", "key": "extra", "value": extra}) + "\n")
        with open("model.txt", "w") as m:
            m.write(str(rng.random()) + extra)
        with open(os.environ["REPRO_EVENTS"], "a") as f:
            f.write(json.dumps({"type": "artifact", "path": "model.txt"}) + "\n")
        """;

    public ReproduceTests()
    {
        _dir.Write(".gitignore", "data/\nmodel.txt\n");
        _dir.Write("train.py", Train.Replace("rng.random() / (step + 1)", "rng.random() / (step + 2)", StringComparison.Ordinal));
        _dir.Write("data/a.txt", "hello\n");
        Git.Run(_dir.Path, "init", "-q");
        Git.Run(_dir.Path, "remote", "add", "origin", "https://example.invalid/team/proj.git");
        Git.Run(_dir.Path, "add", ".");
        Git.Run(_dir.Path, "commit", "-q", "-m", "first");
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
        // Uncommitted edit and an untracked file the run depends on.
        _dir.Write("train.py", Train);
        _dir.Write("extra.txt", "untracked-content\n");
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_deterministic_run_reproduces_IDENTICAL_from_its_commit_diff_and_untracked_files_without_touching_the_tree()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--name", "orig", "--seed", "11", "--param", "scale=2", "--data", "data", "--", "python3", "train.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        var statusBefore = Git.Run(_dir.Path, "status", "--porcelain");
        var trainBefore = File.ReadAllText(Path.Combine(_dir.Path, "train.py"));

        var repro = ReproCli.Run(_dir.Path, "reproduce", "orig");
        Assert.True(repro.ExitCode == 0, repro.ToString());
        Assert.Contains("IDENTICAL", repro.Stdout, StringComparison.Ordinal);
        Assert.Contains("your working tree is untouched", repro.Stderr, StringComparison.Ordinal);
        Assert.Equal(statusBefore, Git.Run(_dir.Path, "status", "--porcelain"));
        Assert.Equal(trainBefore, File.ReadAllText(Path.Combine(_dir.Path, "train.py")));
        Assert.DoesNotContain("reproduce-", Git.Run(_dir.Path, "worktree", "list"), StringComparison.Ordinal);

        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Equal("untracked-content", record.GetProperty("tags").GetProperty("extra").GetString());
        Assert.Equal("identical", record.GetProperty("verdict").GetProperty("kind").GetString());
        Assert.Contains("IDENTICAL", ReproCli.Run(_dir.Path, "ls").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Changed_data_is_refused_with_the_data_diff_unless_drift_is_allowed()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "orig", "--seed", "5", "--data", "data", "--", "python3", "train.py").ExitCode);
        _dir.Write("data/b.txt", "added later\n");
        var refused = ReproCli.Run(_dir.Path, "reproduce", "orig");
        Assert.Equal(1, refused.ExitCode);
        Assert.Contains("has changed since the run: +1 added", refused.Stderr, StringComparison.Ordinal);
        Assert.Contains("--allow-data-drift", refused.Stderr, StringComparison.Ordinal);

        var drifted = ReproCli.Run(_dir.Path, "reproduce", "orig", "--allow-data-drift");
        Assert.Equal(3, drifted.ExitCode);
        Assert.Contains("DIVERGED", drifted.Stdout, StringComparison.Ordinal);
        Assert.Contains("data_chars", drifted.Stdout, StringComparison.Ordinal);
        Assert.Contains("data:", drifted.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_run_whose_metrics_move_within_tolerance_is_EQUIVALENT_and_outside_DIVERGED()
    {
        _dir.Write("noisy.py", """
            import json, os, random
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "metric", "key": "acc", "value": 0.9 + random.random() * 1e-3, "step": 0}) + "\n")
            """);
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "noisy", "--", "python3", "noisy.py").ExitCode);
        var loose = ReproCli.Run(_dir.Path, "reproduce", "noisy", "--atol", "0.01");
        Assert.True(loose.ExitCode == 0, loose.ToString());
        Assert.Contains("EQUIVALENT", loose.Stdout, StringComparison.Ordinal);
        _dir.Write("tol.json", """{"rtol": 0, "atol": 0, "metrics": {"acc": {"atol": 1e-12}}}""");
        var strict = ReproCli.Run(_dir.Path, "reproduce", "noisy", "--tolerance", "tol.json");
        Assert.Equal(3, strict.ExitCode);
        Assert.Contains("DIVERGED: acc", strict.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_commit_that_no_longer_exists_is_named_with_the_remote_to_fetch_from()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "orig", "--", "python3", "train.py").ExitCode);
        var commit = Git.Run(_dir.Path, "rev-parse", "HEAD");
        Git.Run(_dir.Path, "commit", "-q", "--amend", "-m", "rewritten");
        Git.Run(_dir.Path, "reflog", "expire", "--expire=now", "--all");
        Git.Run(_dir.Path, "gc", "-q", "--prune=now");
        var repro = ReproCli.Run(_dir.Path, "reproduce", "orig");
        Assert.Equal(1, repro.ExitCode);
        Assert.Contains($"Commit {commit} is not in the repository", repro.Stderr, StringComparison.Ordinal);
        Assert.Contains("git fetch https://example.invalid/team/proj.git", repro.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_record_with_a_corrupted_diff_object_is_refused()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "orig", "--", "python3", "train.py").ExitCode);
        var sha = ReproCli.Run(_dir.Path, "show", "orig", "--json").Json().GetProperty("code").GetProperty("diffSha256").GetString()!;
        var path = Path.Combine(_dir.Path, ".repro", "objects", sha[..2], sha[2..]);
        File.SetAttributes(path, FileAttributes.Normal);
        File.WriteAllText(path, "tampered");
        var repro = ReproCli.Run(_dir.Path, "reproduce", "orig");
        Assert.Equal(1, repro.ExitCode);
        Assert.Contains("the uncommitted diff", repro.Stderr, StringComparison.Ordinal);
        Assert.Contains("corrupted", repro.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_missing_data_input_is_named_and_nothing_runs()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "orig", "--data", "data", "--", "python3", "train.py").ExitCode);
        Directory.Move(Path.Combine(_dir.Path, "data"), Path.Combine(_dir.Path, "data-moved"));
        var repro = ReproCli.Run(_dir.Path, "reproduce", "orig");
        Assert.Equal(1, repro.ExitCode);
        Assert.Contains("Data input 'data' is missing", repro.Stderr, StringComparison.Ordinal);
        Assert.Single(ReproCli.Run(_dir.Path, "ls", "--json").Json().EnumerateArray());
    }

    [Fact]
    public void A_dirty_working_tree_is_left_untouched_even_when_the_reproduction_diverges()
    {
        _dir.Write("noisy.py", """
            import json, os, random
            with open("side-effect.txt", "w") as s:
                s.write("written by the reproduction")
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "metric", "key": "acc", "value": random.random(), "step": 0}) + "\n")
            """);
        Git.Run(_dir.Path, "add", "noisy.py");
        Git.Run(_dir.Path, "commit", "-q", "-m", "noisy");
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "noisy", "--", "python3", "noisy.py").ExitCode);
        File.Delete(Path.Combine(_dir.Path, "side-effect.txt"));
        _dir.Write("noisy.py", "# edited after the run\n");
        var status = Git.Run(_dir.Path, "status", "--porcelain");
        var repro = ReproCli.Run(_dir.Path, "reproduce", "noisy");
        Assert.Equal(3, repro.ExitCode);
        Assert.Equal(status, Git.Run(_dir.Path, "status", "--porcelain"));
        Assert.Equal("# edited after the run\n", File.ReadAllText(Path.Combine(_dir.Path, "noisy.py")));
        Assert.False(File.Exists(Path.Combine(_dir.Path, "side-effect.txt")));
    }
}
