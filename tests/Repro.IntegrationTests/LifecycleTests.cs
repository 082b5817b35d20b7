using System.Diagnostics;
using System.Text.Json;
using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

public sealed class LifecycleTests : IDisposable
{
    private readonly TempDir _dir = new();

    public LifecycleTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    [Fact]
    public void Run_records_the_git_commit_branch_clean_remote_dirty_diff_and_untracked_files()
    {
        _dir.Write(".gitignore", ".repro/\n");
        _dir.Write("train.py", "print('v1')\n");
        _dir.Write("staged.txt", "one\n");
        Git.Run(_dir.Path, "init", "-q");
        Git.Run(_dir.Path, "remote", "add", "origin", "https://alice:s3cr3t@example.invalid/team/proj.git");
        Git.Run(_dir.Path, "add", ".");
        Git.Run(_dir.Path, "commit", "-q", "-m", "first");
        var commit = Git.Run(_dir.Path, "rev-parse", "HEAD");

        _dir.Write("train.py", "print('v2 uncommitted')\n");
        _dir.Write("staged.txt", "one\ntwo staged\n");
        Git.Run(_dir.Path, "add", "staged.txt");
        _dir.Write("notes new.txt", "untracked content\n");

        var run = ReproCli.Run(_dir.Path, "run", "--", "python3", "train.py");
        Assert.True(run.ExitCode == 0, run.ToString());
        var show = ReproCli.Run(_dir.Path, "show", "last", "--json");
        var code = show.Json().GetProperty("code");
        Assert.True(code.GetProperty("isGitRepository").GetBoolean());
        Assert.Equal(commit, code.GetProperty("commit").GetString());
        Assert.Equal("main", code.GetProperty("branch").GetString());
        Assert.Equal("https://example.invalid/team/proj.git", code.GetProperty("remoteUrl").GetString());
        Assert.DoesNotContain("s3cr3t", show.Stdout, StringComparison.Ordinal);
        Assert.True(code.GetProperty("dirty").GetBoolean());

        var diffSha = code.GetProperty("diffSha256").GetString()!;
        var diff = File.ReadAllText(Path.Combine(_dir.Path, ".repro", "objects", diffSha[..2], diffSha[2..]));
        Assert.Contains("+print('v2 uncommitted')", diff, StringComparison.Ordinal);
        Assert.Contains("+two staged", diff, StringComparison.Ordinal);

        var untracked = Assert.Single(code.GetProperty("untracked").EnumerateArray());
        Assert.Equal("notes new.txt", untracked.GetProperty("path").GetString());
        Assert.Equal(64, untracked.GetProperty("sha256").GetString()!.Length);

        var text = ReproCli.Run(_dir.Path, "show", "last");
        Assert.Contains(commit, text.Stdout, StringComparison.Ordinal);
        Assert.Contains("uncommitted changes", text.Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void Run_outside_a_git_repository_records_that_there_is_none()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--", "true").ExitCode);
        var code = ReproCli.Run(_dir.Path, "show", "last", "--json").Json().GetProperty("code");
        Assert.False(code.GetProperty("isGitRepository").GetBoolean());
        Assert.Contains("not a git repository", ReproCli.Run(_dir.Path, "show", "last").Stdout, StringComparison.Ordinal);
    }

    [Fact]
    public void The_environment_is_recorded()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "run", "--", "python3", "-c", "pass").ExitCode);
        var env = ReproCli.Run(_dir.Path, "show", "last", "--json").Json().GetProperty("environment");
        Assert.Equal(Environment.ProcessorCount, env.GetProperty("logicalCores").GetInt32());
        Assert.NotEqual("unknown", env.GetProperty("kernel").GetString());
        Assert.NotEqual("unknown", env.GetProperty("cpuModel").GetString());
        Assert.True(env.GetProperty("memoryBytes").GetInt64() > 0);
        Assert.StartsWith(".NET", env.GetProperty("dotnetRuntime").GetString(), StringComparison.Ordinal);
        Assert.Equal("none", env.GetProperty("gpuSummary").GetString());
        var python = env.GetProperty("python");
        Assert.StartsWith("3.", python.GetProperty("version").GetString(), StringComparison.Ordinal);
    }

    [Fact]
    public void Events_are_ingested_while_the_run_goes()
    {
        var go = Path.Combine(_dir.Path, "go");
        _dir.Write("live.py", $$"""
            import json, os, time
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                f.write(json.dumps({"type": "metric", "key": "live", "value": 42, "step": 0}) + "\n")
                f.flush()
            deadline = time.time() + 60
            while not os.path.exists({{JsonSerializer.Serialize(go)}}) and time.time() < deadline:
                time.sleep(0.05)
            print("released" if os.path.exists({{JsonSerializer.Serialize(go)}}) else "timed out")
            """);
        using var process = Process.Start(ReproCli.StartInfo(_dir.Path, ["run", "--name", "live", "--", "python3", "live.py"]))!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();

        var seenWhileRunning = false;
        for (var i = 0; i < 300 && !seenWhileRunning; i++)
        {
            Thread.Sleep(100);
            var m = ReproCli.Run(_dir.Path, "metrics", "live", "--json");
            seenWhileRunning = m.ExitCode == 0 && m.Json().GetArrayLength() == 1;
        }

        var status = ReproCli.Run(_dir.Path, "show", "live", "--json").Json().GetProperty("status").GetString();
        File.WriteAllText(go, "");
        Assert.True(process.WaitForExit(TimeSpan.FromSeconds(60)));
        Assert.True(seenWhileRunning, "the metric did not reach the store while the command ran\n" + stderr.Result);
        Assert.Equal("RUNNING", status);
        Assert.Contains("released", stdout.Result, StringComparison.Ordinal);
    }

    [Fact]
    public void Interrupting_repro_run_forwards_the_signal_marks_the_run_INTERRUPTED_and_keeps_what_was_reported()
    {
        _dir.Write("long.py", """
            import json, os, time, sys
            with open(os.environ["REPRO_EVENTS"], "a") as f:
                for step in range(5):
                    f.write(json.dumps({"type": "metric", "key": "loss", "value": 1.0 / (step + 1), "step": step}) + "\n")
                f.flush()
            print("ready", flush=True)
            try:
                time.sleep(120)
            except KeyboardInterrupt:
                print("child got SIGINT", flush=True)
                sys.exit(130)
            """);
        // A shell that starts jobs in the background (as CI runners may) leaves SIGINT ignored, and an ignored SIGINT is
        // inherited: reset it to the default before exec'ing repro, as an interactive terminal would have it.
        var psi = ReproCli.StartInfo(_dir.Path, ["run", "--name", "stopme", "--", "python3", "long.py"]);
        var argv = psi.ArgumentList.ToList();
        psi.FileName = "python3";
        psi.ArgumentList.Clear();
        foreach (var arg in (string[])["-c", "import os, signal, sys; signal.signal(signal.SIGINT, signal.SIG_DFL); os.execvp('dotnet', ['dotnet'] + sys.argv[1:])", .. argv])
        {
            psi.ArgumentList.Add(arg);
        }

        using var process = Process.Start(psi)!;
        process.StandardInput.Close();
        var stderr = process.StandardError.ReadToEndAsync();
        var line = process.StandardOutput.ReadLine();
        for (var i = 0; i < 100 && line is not null && !line.Contains("ready", StringComparison.Ordinal); i++)
        {
            line = process.StandardOutput.ReadLine();
        }

        Assert.Equal("ready", line);
        using (var kill = Process.Start("kill", ["-INT", process.Id.ToString(System.Globalization.CultureInfo.InvariantCulture)]))
        {
            kill.WaitForExit();
        }

        var restTask = process.StandardOutput.ReadToEndAsync();
        if (!restTask.Wait(TimeSpan.FromSeconds(90)) || !process.WaitForExit(TimeSpan.FromSeconds(30)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("repro run did not end within 90 s of SIGINT\n--- stderr\n" + stderr.Result);
        }

        var rest = restTask.Result;
        Assert.Contains("child got SIGINT", rest, StringComparison.Ordinal);
        Assert.Equal(130, process.ExitCode);

        var record = ReproCli.Run(_dir.Path, "show", "stopme", "--json").Json();
        Assert.Equal("INTERRUPTED", record.GetProperty("status").GetString());
        Assert.Equal(5, ReproCli.Run(_dir.Path, "metrics", "stopme", "loss", "--json").Json().GetArrayLength());
        Assert.Contains("forwarding SIGINT", stderr.Result, StringComparison.Ordinal);
    }

    [Fact]
    public void A_database_newer_than_the_tool_gives_a_message_naming_what_to_do()
    {
        using (var connection = new Microsoft.Data.Sqlite.SqliteConnection($"Data Source={Path.Combine(_dir.Path, ".repro", "repro.db")};Pooling=False"))
        {
            connection.Open();
            using var cmd = connection.CreateCommand();
            cmd.CommandText = "PRAGMA user_version = 999";
            cmd.ExecuteNonQuery();
        }

        var ls = ReproCli.Run(_dir.Path, "ls");
        Assert.Equal(1, ls.ExitCode);
        Assert.Contains("999", ls.Stderr, StringComparison.Ordinal);
        Assert.Contains("git pull", ls.Stderr, StringComparison.Ordinal);
    }

    [Fact]
    public void Init_creates_the_database_and_object_store_and_a_second_init_changes_nothing()
    {
        Assert.True(File.Exists(Path.Combine(_dir.Path, ".repro", "repro.db")));
        Assert.True(Directory.Exists(Path.Combine(_dir.Path, ".repro", "objects")));
        var again = ReproCli.Run(_dir.Path, "init");
        Assert.Equal(0, again.ExitCode);
        Assert.Contains("already exists", again.Stdout, StringComparison.Ordinal);
    }
}
