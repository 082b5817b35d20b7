using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class DataAndDiffTests : IDisposable
{
    private readonly TempDir _dir = new();

    public DataAndDiffTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
        for (var i = 0; i < 5; i++)
        {
            _dir.Write($"data/part {i}.csv", $"row,{i}\n");
        }

        _dir.Write("train.py", """
            import json, os
            params = json.loads(os.environ["REPRO_PARAMS"])
            n = len(os.listdir("data"))
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "param", "key": "lr", "value": params.get("lr", "0.1"), "source": "cli" if "lr" in params else "default"}) + "\n")
                for step in range(3):
                    f.write(json.dumps({"type": "metric", "key": "files", "value": n * (step + 1), "step": step}) + "\n")
            """);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void A_data_input_is_fingerprinted_before_the_run_and_shown()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--name", "a", "--data", "data", "--", "python3", "train.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("repro: data data: 5 file(s)", run.Stderr, StringComparison.Ordinal);
        var input = Assert.Single(ReproCli.Run(_dir.Path, "show", "a", "--json").Json().GetProperty("inputs").EnumerateArray());
        Assert.Equal("data", input.GetProperty("path").GetString());
        Assert.Equal(5, input.GetProperty("fileCount").GetInt64());
        Assert.Equal(64, input.GetProperty("rootHash").GetString()!.Length);
        Assert.Contains("Data inputs", ReproCli.Run(_dir.Path, "show", "a").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Diff_names_added_data_files_and_an_overridden_default_first()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "a", "--seed", "1", "--data", "data", "--", "python3", "train.py").ExitCode);
        for (var i = 5; i < 8; i++)
        {
            _dir.Write($"data/new {i}.csv", "added later\n");
        }

        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "b", "--seed", "1", "--param", "lr=0.05", "--data", "data", "--", "python3", "train.py").ExitCode);

        var diff = ReproCli.Run(_dir.Path, "diff", "a", "b");
        Assert.True(diff.ExitCode == 0, diff.ToString());
        var text = diff.Stdout;
        Assert.Contains("+3 added", text, StringComparison.Ordinal);
        Assert.Contains("new 5.csv", text, StringComparison.Ordinal);
        Assert.Contains("lr: 0.1 (default) → 0.05 (cli)", text, StringComparison.Ordinal);
        Assert.True(text.IndexOf("Data", StringComparison.Ordinal) < text.IndexOf("Params", StringComparison.Ordinal));
        Assert.Contains("first differs at step 0", text, StringComparison.Ordinal);

        var json = ReproCli.Run(_dir.Path, "diff", "a", "b", "--json").Json();
        Assert.False(json.GetProperty("identical").GetBoolean());
        Assert.Equal("data", json.GetProperty("differences")[0].GetProperty("category").GetString());

        var dataDiff = ReproCli.Run(_dir.Path, "data", "diff", "a", "b");
        Assert.Contains("+ 3 added", dataDiff.Stdout, StringComparison.Ordinal);
        Assert.Contains("new 7.csv", dataDiff.Stdout, StringComparison.Ordinal);

        File.Delete(Path.Combine(_dir.Path, "data", "part 0.csv"));
        var status = ReproCli.Run(_dir.Path, "data", "status", "data", "--against", "a", "--json").Json();
        var changes = status.GetProperty("changes");
        Assert.Equal(3, changes.GetProperty("added").GetProperty("count").GetInt32());
        Assert.Equal(1, changes.GetProperty("removed").GetProperty("count").GetInt32());
    }

    [Fact]
    public void Two_runs_of_the_same_thing_diff_as_identical()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "a", "--seed", "3", "--data", "data", "--", "python3", "train.py").ExitCode);
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--name", "b", "--seed", "3", "--data", "data", "--", "python3", "train.py").ExitCode);
        var diff = ReproCli.Run(_dir.Path, "diff", "a", "b");
        Assert.Contains("identical", diff.Stdout, StringComparison.Ordinal);
        Assert.True(ReproCli.Run(_dir.Path, "diff", "a", "b", "--json").Json().GetProperty("identical").GetBoolean());
    }

    [Fact]
    public void A_missing_data_path_is_refused_before_anything_runs()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--data", "no-such-dir", "--", "sh", "-c", "touch ran.txt");
        Assert.Equal(1, run.ExitCode);
        Assert.Contains("Data path 'no-such-dir' does not exist", run.Stderr, StringComparison.Ordinal);
        Assert.False(File.Exists(Path.Combine(_dir.Path, "ran.txt")));
        Assert.Equal(0, ReproCli.Run(_dir.Path, "ls", "--json").Json().GetArrayLength());
    }

    [Fact]
    public void Data_changed_during_the_run_is_recorded_as_a_warning()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--data", "data", "--", "sh", "-c", "echo more > 'data/during.csv'");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("changed during the run", run.Stderr, StringComparison.Ordinal);
        var record = ReproCli.Run(_dir.Path, "show", "last", "--json").Json();
        Assert.Contains(record.GetProperty("warnings").EnumerateArray(), w => w.GetString()!.Contains("+1 added", StringComparison.Ordinal));
    }

    [Fact]
    public void An_empty_dataset_is_recorded_with_a_warning()
    {
        Directory.CreateDirectory(Path.Combine(_dir.Path, "empty"));
        var run = ReproCli.Run(_dir.Path, "run", "--data", "empty", "--", "true");
        Assert.True(run.ExitCode == 0, run.ToString());
        Assert.Contains("No files were found", run.Stderr, StringComparison.Ordinal);
        var input = Assert.Single(ReproCli.Run(_dir.Path, "show", "last", "--json").Json().GetProperty("inputs").EnumerateArray());
        Assert.Equal(0, input.GetProperty("fileCount").GetInt64());
    }
}
