using Repro.Capture.Processes;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Processes;

public sealed class ProcessRunnerTests
{
    [UnixFact]
    public void Arguments_reach_the_child_intact_without_a_shell()
    {
        var result = ProcessRunner.Run("/bin/sh", ["-c", "printf '%s|' \"$@\"", "sh", "a b", "$HOME", "c;d", ""]);

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("a b|$HOME|c;d||", result.StandardOutput);
    }

    [UnixFact]
    public void Output_and_exit_code_are_captured_as_utf8()
    {
        var result = ProcessRunner.Run("/bin/sh", ["-c", "printf 'größe 日本\\n'; printf 'warn\\n' >&2; exit 3"]);

        Assert.Equal(3, result.ExitCode);
        Assert.False(result.Succeeded);
        Assert.Equal("größe 日本\n", result.StandardOutput);
        Assert.Equal("warn\n", result.StandardError);
        Assert.Contains("exited with code 3: warn", result.Describe(), StringComparison.Ordinal);
    }

    [UnixFact]
    public void Raw_output_bytes_are_kept_when_asked()
    {
        var result = ProcessRunner.Run("/bin/sh", ["-c", "printf '\\000\\377A'"], new ProcessRunOptions { CaptureOutputBytes = true });

        Assert.Equal(new byte[] { 0x00, 0xFF, 0x41 }, result.StandardOutputBytes);
    }

    [UnixFact]
    public void Output_goes_to_the_sink_when_one_is_given()
    {
        using var sink = new MemoryStream();

        var result = ProcessRunner.Run("/bin/sh", ["-c", "printf 'to the sink'"], new ProcessRunOptions { StandardOutputSink = sink });

        Assert.True(result.Succeeded, result.Describe());
        Assert.Equal("", result.StandardOutput);
        Assert.Equal("to the sink", System.Text.Encoding.UTF8.GetString(sink.ToArray()));
    }

    [Fact]
    public void A_missing_executable_is_a_result_not_an_exception()
    {
        var result = ProcessRunner.Run("repro-no-such-program-" + Guid.NewGuid().ToString("N"), ["--version"]);

        Assert.True(result.NotFound);
        Assert.False(result.Started);
        Assert.False(result.Succeeded);
        Assert.Contains("was not found", result.Describe(), StringComparison.Ordinal);
    }

    [UnixFact]
    public void A_missing_working_directory_is_reported_as_a_start_error()
    {
        var result = ProcessRunner.Run("/bin/sh", ["-c", "true"], new ProcessRunOptions { WorkingDirectory = "/no/such/directory/here" });

        Assert.False(result.Started);
        Assert.Contains("does not exist", result.StartError, StringComparison.Ordinal);
    }

    [LinuxFact]
    public void A_child_past_its_time_limit_is_killed_with_its_descendants()
    {
        using var temp = new TempDirectory();
        var pidFile = temp.Combine("grandchild.pid");

        var result = ProcessRunner.Run(
            "/bin/sh",
            ["-c", "sleep 300 & echo $! > \"$1\"; wait", "sh", pidFile],
            new ProcessRunOptions { Timeout = TimeSpan.FromMilliseconds(500) });

        Assert.True(result.TimedOut);
        Assert.False(result.Succeeded);
        var grandchild = int.Parse(File.ReadAllText(pidFile).Trim(), System.Globalization.CultureInfo.InvariantCulture);
        Assert.True(WaitUntilGone(grandchild), $"the background sleep (pid {grandchild}) outlived the killed child");
    }

    [UnixFact]
    public void Environment_overrides_set_and_remove_variables()
    {
        var result = ProcessRunner.Run(
            "/bin/sh",
            ["-c", "printf '%s|%s' \"$REPRO_TEST_SET\" \"${HOME:-unset}\""],
            new ProcessRunOptions
            {
                EnvironmentOverrides = new Dictionary<string, string?> { ["REPRO_TEST_SET"] = "yes", ["HOME"] = null },
            });

        Assert.Equal("yes|unset", result.StandardOutput);
    }

    [UnixFact]
    public void A_given_environment_replaces_the_inherited_one()
    {
        var environment = new System.Collections.Hashtable { ["PATH"] = "/usr/bin:/bin", ["ONLY_THIS"] = "1" };

        var result = ProcessRunner.Run("/bin/sh", ["-c", "env | sort"], new ProcessRunOptions { Environment = environment });

        Assert.Contains("ONLY_THIS=1", result.StandardOutput, StringComparison.Ordinal);
        Assert.DoesNotContain("HOME=", result.StandardOutput, StringComparison.Ordinal);
    }

    [UnixFact]
    public void Scripts_written_while_other_threads_start_processes_still_start()
    {
        // Writing an executable while another thread forks can make exec fail with "Text file busy" for a moment.
        using var temp = new TempDirectory();
        var failures = new System.Collections.Concurrent.ConcurrentBag<string>();

        Parallel.For(0, 200, new ParallelOptions { MaxDegreeOfParallelism = 8 }, i =>
        {
            var script = FakeProgram.Write(temp, $"script-{i}", "echo ok");
            var result = ProcessRunner.Run(script, []);
            if (!result.Succeeded || result.StandardOutput != "ok\n")
            {
                failures.Add(result.Describe());
            }
        });

        Assert.Empty(failures);
    }

    private static bool WaitUntilGone(int pid)
    {
        for (var i = 0; i < 100; i++)
        {
            if (!Directory.Exists($"/proc/{pid}") || IsZombie(pid))
            {
                return true;
            }

            Thread.Sleep(50);
        }

        return false;
    }

    private static bool IsZombie(int pid)
    {
        try
        {
            return File.ReadAllText($"/proc/{pid}/stat").Split(' ')[2] == "Z";
        }
        catch (IOException)
        {
            return true;
        }
    }
}
