using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class DeterminismTests : IDisposable
{
    private readonly TempDir _dir = new();

    public DeterminismTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Check_determinism_catches_an_unseeded_python_random()
    {
        _dir.Write("unseeded.py", """
            import json, os, random
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                for step in range(3):
                    f.write(json.dumps({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step}) + "\n")
                f.write(json.dumps({"type": "metric", "key": "noise", "value": random.random(), "step": 0}) + "\n")
            """);
        var check = ReproCli.Run(_dir.Path, "check-determinism", "--seed", "7", "--", "python3", "unseeded.py");
        Assert.True(check.ExitCode == 3, check.ToString());
        Assert.Contains("DIVERGED", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("metric 'noise' first differs at step 0", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("ULPs apart", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_determinism_says_IDENTICAL_for_a_program_seeded_from_REPRO_SEED()
    {
        _dir.Write("seeded.py", """
            import json, os, random
            rng = random.Random(int(os.environ["REPRO_SEED"]))
            os.makedirs("out", exist_ok=True)
            with open("out/draws.txt", "w") as o:
                o.write(str([rng.random() for _ in range(5)]))
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                for step in range(4):
                    f.write(json.dumps({"type": "metric", "key": "x", "value": rng.random(), "step": step}) + "\n")
                f.write(json.dumps({"type": "artifact", "path": "out/draws.txt"}) + "\n")
            """);
        var check = ReproCli.Run(_dir.Path, "check-determinism", "--runs", "3", "--", "python3", "seeded.py");
        Assert.True(check.ExitCode == 0, check.ToString());
        Assert.Contains("IDENTICAL: 1 metric series (4 points) and 1 artifact(s) bit-equal across 3 runs", check.Stdout, StringComparison.Ordinal);
        var ls = ReproCli.Run(_dir.Path, "ls", "--json").Json();
        Assert.Equal(3, ls.GetArrayLength());
    }

    [Fact]
    public void Check_determinism_compares_artifacts_when_they_differ()
    {
        _dir.Write("stamp.py", """
            import json, os, time
            with open("stamp.txt", "w") as o:
                o.write(str(time.time_ns()))
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "artifact", "path": "stamp.txt"}) + "\n")
            """);
        var check = ReproCli.Run(_dir.Path, "check-determinism", "--", "python3", "stamp.py");
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("artifact 'stamp.txt' has different content", check.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void A_command_without_metrics_is_compared_by_exit_code_and_output_and_says_so()
    {
        var same = ReproCli.Run(_dir.Path, "check-determinism", "--", "sh", "-c", "echo same");
        Assert.True(same.ExitCode == 0, same.ToString());
        Assert.Contains("logged no metrics", same.Stdout, StringComparison.Ordinal);
        Assert.Contains("IDENTICAL: exit codes and output equal", same.Stdout, StringComparison.Ordinal);

        var differs = ReproCli.Run(_dir.Path, "check-determinism", "--", "sh", "-c", "echo $$");
        Assert.Equal(3, differs.ExitCode);
        Assert.Contains("the output differs at line 1", differs.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Check_determinism_runs_once_per_thread_count_and_passes_REPRO_THREADS()
    {
        _dir.Write("threads.py", """
            import json, os
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "metric", "key": "threads", "value": int(os.environ["REPRO_THREADS"]), "step": 0}) + "\n")
            """);
        var check = ReproCli.Run(_dir.Path, "check-determinism", "--threads", "1,2", "--", "python3", "threads.py");
        Assert.Equal(3, check.ExitCode);
        Assert.Contains("threads=1", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("threads=2", check.Stdout, StringComparison.Ordinal);
        Assert.Contains("metric 'threads' first differs at step 0: 1 vs 2", check.Stdout, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("--runs", "0")]
    [InlineData("--threads", "1,x")]
    [InlineData("--seed", "-5")]
    public void Check_determinism_rejects_bad_options_clearly(string option, string value)
    {
        var check = ReproCli.Run(_dir.Path, "check-determinism", option, value, "--", "true");
        Assert.Equal(2, check.ExitCode);
        Assert.NotEmpty(check.Stderr);
    }

    [Fact]
    public void Doctor_lists_threats_with_fixes()
    {
        var env = new Dictionary<string, string?> { ["OMP_NUM_THREADS"] = null, ["PYTHONHASHSEED"] = null, ["MKL_NUM_THREADS"] = "1" };
        var doctor = ReproCli.Run(_dir.Path, env, "doctor");
        Assert.True(doctor.ExitCode == 0, doctor.ToString());
        Assert.Contains("PYTHONHASHSEED", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("export PYTHONHASHSEED=0", doctor.Stdout, StringComparison.Ordinal);
        Assert.Contains("Not a git repository", doctor.Stdout, StringComparison.Ordinal);
        Assert.DoesNotContain("MKL_NUM_THREADS is unset", doctor.Stdout, StringComparison.Ordinal);
        if (Environment.ProcessorCount > 1)
        {
            Assert.Contains("OMP_NUM_THREADS is unset", doctor.Stdout, StringComparison.Ordinal);
        }

        var json = ReproCli.Run(_dir.Path, env, "doctor", "--json").Json();
        Assert.Contains(json.EnumerateArray(), f => f.GetProperty("topic").GetString() == "PYTHONHASHSEED");
    }

    [Fact]
    public void Resuming_a_run_without_a_checkpoint_is_a_clear_error()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "plain", "--", "true").ExitCode);
        var resume = ReproCli.Run(_dir.Path, "run", "--resume", "plain", "--", "true");
        Assert.Equal(1, resume.ExitCode);
        Assert.Contains("has no checkpoint to resume from", resume.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void A_seed_ledger_reported_by_the_command_is_shown()
    {
        _dir.Write("ledger.py", """
            import json, os
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "stream", "name": "init", "key": "00112233aabbccdd", "draws": 10}) + "\n")
                f.write(json.dumps({"type": "stream", "name": "init", "key": "00112233aabbccdd", "draws": 640}) + "\n")
                f.write(json.dumps({"type": "stream", "name": "dropout", "key": "99887766aabbccdd", "draws": 5}) + "\n")
            """);
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--deterministic", "--threads", "2", "--", "python3", "ledger.py").ExitCode);
        var show = ReproCli.Run(_dir.Path, "show", "last");
        Assert.Contains("init", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("640 draws", show.Stdout, StringComparison.Ordinal);
        Assert.Contains("deterministic, 2 thread(s)", show.Stdout, StringComparison.Ordinal);
        var json = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Equal(2, json.GetProperty("seedLedger").GetArrayLength());
        Assert.True(json.GetProperty("deterministic").GetBoolean());
    }
}
