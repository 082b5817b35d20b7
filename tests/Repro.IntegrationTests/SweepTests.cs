using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class SweepTests : IDisposable
{
    private readonly TempDir _dir = new();

    public SweepTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
        _dir.Write("t.py", """
            import json, os, random, sys
            p = json.loads(os.environ["REPRO_PARAMS"])
            rng = random.Random(int(os.environ["REPRO_SEED"]))
            if p.get("fail") == "yes":
                sys.exit(4)
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "metric", "key": "acc", "value": float(p["base"]) + rng.gauss(0, 0.01), "step": 0}) + "\n")
                f.write(json.dumps({"type": "param", "key": "label", "value": p.get("label", "-"), "source": "default"}) + "\n")
            """);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_sweep_runs_configs_times_seeds_and_stats_and_compare_judge_them()
    {
        var sweep = ReproCli.Run(_dir.Path, "sweep", "--name", "g", "--seeds", "4", "--group-seed", "7", "--parallel", "2", "--param", "base=0.9,0.8", "--", "python3", "t.py");
        Assert.True(sweep.ExitCode == 0, sweep.ToString());
        Assert.Contains("8 runs (2 configs × 4 seeds, group seed 7)", sweep.Stdout, StringComparison.Ordinal);
        Assert.Contains("[8/8]", sweep.Stdout, StringComparison.Ordinal);

        var stats = ReproCli.Run(_dir.Path, "stats", "g", "--json").Json();
        Assert.Equal(2, stats.GetArrayLength());
        Assert.All(stats.EnumerateArray(), row => Assert.Equal(4, row.GetProperty("summary").GetProperty("count").GetInt32()));
        Assert.Contains("base=0.9", ReproCli.Run(_dir.Path, "stats", "g").Stdout, StringComparison.Ordinal);

        var holds = ReproCli.Run(_dir.Path, "compare", "g:base=0.9", "g:base=0.8", "--metric", "acc");
        Assert.True(holds.ExitCode == 0, holds.ToString());
        Assert.Contains("the conclusion holds", holds.Stdout, StringComparison.Ordinal);
        Assert.Contains("Mann-Whitney", holds.Stdout, StringComparison.Ordinal);

        var reversed = ReproCli.Run(_dir.Path, "compare", "g:base=0.8", "g:base=0.9", "--metric", "acc");
        Assert.Equal(3, reversed.ExitCode);

        var claim = ReproCli.Run(_dir.Path, "check-claim", "g:base=0.9", "--metric", "acc", "--value", "0.5");
        Assert.Equal(3, claim.ExitCode);
        Assert.Contains("not consistent", claim.Stdout, StringComparison.Ordinal);

        // The seeds come from the group seed: a second sweep with the same group seed draws the same ones.
        var again = ReproCli.Run(_dir.Path, "sweep", "--name", "g2", "--seeds", "4", "--group-seed", "7", "--param", "base=0.9", "--", "python3", "t.py");
        Assert.Equal(0, again.ExitCode);
        var seeds1 = ReproCli.Run(_dir.Path, "ls", "--json", "--limit", "100").Json().EnumerateArray()
            .Where(r => r.GetProperty("name").GetString()!.StartsWith("g-", StringComparison.Ordinal)).Count();
        Assert.Equal(8, seeds1);
    }

    [Fact]
    public void Failed_runs_are_reported_and_counted_and_resume_finishes_the_rest()
    {
        var sweep = ReproCli.Run(_dir.Path, "sweep", "--name", "f", "--seed-list", "1,2", "--param", "base=0.5", "--param", "fail=no,yes", "--", "python3", "t.py");
        Assert.Equal(1, sweep.ExitCode);
        Assert.Contains("2 failed or stopped", sweep.Stdout, StringComparison.Ordinal);
        Assert.Contains("not finished:", sweep.Stdout, StringComparison.Ordinal);
        Assert.Contains("(exit 4)", sweep.Stdout, StringComparison.Ordinal);

        var stats = ReproCli.Run(_dir.Path, "stats", "f", "--json").Json();
        Assert.Contains(stats.EnumerateArray(), r => r.GetProperty("failed").GetInt32() == 2);

        var resume = ReproCli.Run(_dir.Path, "sweep", "--resume", "f");
        Assert.Contains("2 already finished; running 2", resume.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Too_few_runs_per_side_say_how_many_more_are_needed()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "sweep", "--name", "s", "--seed-list", "1", "--param", "base=0.9,0.8", "--", "python3", "t.py").ExitCode);
        var compare = ReproCli.Run(_dir.Path, "compare", "s:base=0.9", "s:base=0.8", "--metric", "acc");
        Assert.Equal(2, compare.ExitCode);
        Assert.Contains("needs at least 2", compare.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Values_with_escaped_commas_and_huge_sweeps_follow_the_documented_rules()
    {
        var big = ReproCli.Run(_dir.Path, "sweep", "--seeds", "101", "--param", "base=" + string.Join(",", Enumerable.Range(0, 100)), "--", "python3", "t.py");
        Assert.Equal(2, big.ExitCode);
        Assert.Contains("--yes", big.Stderr, StringComparison.Ordinal);

        var comma = ReproCli.Run(_dir.Path, "sweep", "--name", "c", "--seed-list", "3", "--param", "base=0.5", "--param", @"label=a\,b,c d", "--", "python3", "t.py");
        Assert.True(comma.ExitCode == 0, comma.ToString());
        var stats = ReproCli.Run(_dir.Path, "stats", "c", "--json").Json();
        var configs = stats.EnumerateArray().Select(r => r.GetProperty("config").GetString()).ToList();
        Assert.Contains("base=0.5,label=a,b", configs);
        Assert.Contains("base=0.5,label=c d", configs);
    }
}
