using System.Diagnostics;
using System.Globalization;
using System.Text.Json;
using Repro.IntegrationTests.Support;

namespace Repro.IntegrationTests;

/// <summary>Bit-exact checkpoint/resume of the digits example through `repro run --resume`, after a SIGKILL midway.</summary>
public sealed class ResumeAfterKillTests : IDisposable
{
    private const string Epochs = "300";
    private readonly TempDir _dir = new();

    /// <summary>The victim's output directory, unique so that only this test's training process matches it.</summary>
    private readonly string _victimOut = "out-victim-" + Guid.NewGuid().ToString("N")[..8];

    public ResumeAfterKillTests()
    {
        Assert.Equal(0, ReproCli.Run(_dir.Path, "init").ExitCode);
    }

    public void Dispose() => _dir.Dispose();

    private static string Digits => Path.Combine(AppContext.BaseDirectory, "digits.dll");

    private static string[] RunArgs(string name, string output) =>
        ["run", "--name", name, "--seed", "5", "--deterministic", "--threads", "2", "--param", "epochs=" + Epochs, "--", "dotnet", Digits, "--out", output];

    [Fact]
    public void A_run_killed_with_SIGKILL_and_resumed_ends_bit_identical_to_an_uninterrupted_run()
    {
        var reference = ReproCli.Run(_dir.Path, RunArgs("reference", "out-ref"));
        Assert.True(reference.ExitCode == 0, reference.ToString());

        using var victim = Process.Start(ReproCli.StartInfo(_dir.Path, RunArgs("victim", _victimOut)))!;
        victim.StandardInput.Close();
        var victimOut = victim.StandardOutput.ReadToEndAsync();
        var victimErr = victim.StandardError.ReadToEndAsync();
        var child = -1;
        var killExit = -1;
        for (var attempt = 0; attempt < 50 && killExit != 0; attempt++)
        {
            child = WaitForCheckpointsThenFindChild(_victimOut, atLeast: 5);
            if (child <= 0)
            {
                // Reading victimErr.Result here (not in a message built before the check) avoids waiting for the victim to end.
                Assert.Fail("no training process with 5 checkpoints was found\n" + victimErr.Result);
            }
            try
            {
                using var training = Process.GetProcessById(child);
                training.Kill(); // SIGKILL on Linux
                killExit = 0;
            }
            catch (ArgumentException)
            {
                killExit = 1; // it ended between being found and being killed
            }
        }

        Assert.True(victim.WaitForExit(TimeSpan.FromMinutes(2)));
        Assert.True(victim.ExitCode == 137, $"killed pid {child} (kill exit {killExit}); exit {victim.ExitCode}\n{victimErr.Result}\n{victimOut.Result[^Math.Min(2000, victimOut.Result.Length)..]}");
        var killed = ReproCli.Run(_dir.Path, "show", "victim", "--json").Json();
        Assert.Equal("KILLED", killed.GetProperty("status").GetString());
        var epochsBeforeKill = killed.GetProperty("latestMetrics").GetProperty("val_accuracy").GetProperty("step").GetInt64();
        Assert.True(epochsBeforeKill < int.Parse(Epochs, CultureInfo.InvariantCulture), "the run finished before it was killed");

        var resumed = ReproCli.Run(_dir.Path, "run", "--resume", "victim", "--name", "resumed", "--", "dotnet", Digits, "--out", _victimOut);
        Assert.True(resumed.ExitCode == 0, resumed.ToString());

        var a = ReproCli.Run(_dir.Path, "show", "reference", "--json").Json();
        var b = ReproCli.Run(_dir.Path, "show", "resumed", "--json").Json();
        Assert.Equal(killed.GetProperty("id").GetString(), b.GetProperty("lineage").GetProperty("resumedFrom").GetString());
        Assert.Equal(5, b.GetProperty("seed").GetInt64());
        foreach (var key in new[] { "train_loss", "val_accuracy", "val_error" })
        {
            Assert.Equal(Bits(a, key), Bits(b, key));
        }

        Assert.Equal(Weights(a), Weights(b));
        var refMetrics = ReproCli.Run(_dir.Path, "metrics", "reference", "train_loss", "--json").Json().EnumerateArray().ToList();
        var resumedMetrics = ReproCli.Run(_dir.Path, "metrics", "resumed", "train_loss", "--json").Json().EnumerateArray().ToList();
        var firstResumedStep = resumedMetrics[0].GetProperty("step").GetInt64();
        Assert.True(firstResumedStep > 1, "the resumed run started from scratch");
        foreach (var p in resumedMetrics)
        {
            var step = p.GetProperty("step").GetInt64();
            var same = refMetrics.Single(r => r.GetProperty("step").GetInt64() == step);
            Assert.Equal(same.GetProperty("value").GetRawText(), p.GetProperty("value").GetRawText());
        }
    }

    [Fact]
    public void A_tampered_checkpoint_is_refused_naming_it()
    {
        var run = ReproCli.Run(_dir.Path, "run", "--name", "short", "--seed", "1", "--param", "epochs=3", "--", "dotnet", Digits, "--out", "o");
        Assert.True(run.ExitCode == 0, run.ToString());
        var record = ReproCli.Run(_dir.Path, "show", "short", "--json").Json();
        var checkpoint = record.GetProperty("artifacts").EnumerateArray().Last(x => x.GetProperty("path").GetString()!.StartsWith("checkpoints/", StringComparison.Ordinal));
        var sha = checkpoint.GetProperty("sha256").GetString()!;
        var file = Path.Combine(_dir.Path, ".repro", "objects", sha[..2], sha[2..]);
        File.SetAttributes(file, FileAttributes.Normal);
        var bytes = File.ReadAllBytes(file);
        bytes[^1] ^= 0xFF;
        File.WriteAllBytes(file, bytes);

        var resume = ReproCli.Run(_dir.Path, "run", "--resume", "short", "--", "dotnet", Digits, "--out", "o");
        Assert.Equal(1, resume.ExitCode);
        Assert.Contains(checkpoint.GetProperty("path").GetString()!, resume.Stderr, StringComparison.Ordinal);
        Assert.Contains("Refusing to resume", resume.Stderr, StringComparison.Ordinal);
    }

    private static string Bits(JsonElement record, string metric) =>
        record.GetProperty("latestMetrics").GetProperty(metric).GetProperty("value").GetRawText();

    private static string Weights(JsonElement record) =>
        record.GetProperty("artifacts").EnumerateArray().Last(x => x.GetProperty("path").GetString() == "weights").GetProperty("sha256").GetString()!;

    /// <summary>Waits until the victim's events file lists enough checkpoints, then returns the pid of its training process.</summary>
    private static int WaitForCheckpointsThenFindChild(string output, int atLeast)
    {
        var deadline = DateTime.UtcNow.AddMinutes(2);
        while (DateTime.UtcNow < deadline)
        {
            var pid = TrainingProcess(output);
            string? events = null;
            try
            {
                events = pid < 0 ? null : File.ReadAllText($"/proc/{pid}/environ").Split('\0')
                    .FirstOrDefault(v => v.StartsWith("REPRO_EVENTS=", StringComparison.Ordinal))?["REPRO_EVENTS=".Length..];
            }
            catch (IOException)
            {
            }

            if (events is not null && File.Exists(events))
            {
                using var stream = new FileStream(events, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
                if (CountCheckpoints(new StreamReader(stream).ReadToEnd()) >= atLeast)
                {
                    return pid;
                }
            }

            Thread.Sleep(10);
        }

        return -1;
    }

    /// <summary>The live process running `dotnet .../digits.dll --out OUTPUT`.</summary>
    private static int TrainingProcess(string output)
    {
        foreach (var dir in Directory.GetDirectories("/proc"))
        {
            if (!int.TryParse(Path.GetFileName(dir), NumberStyles.None, CultureInfo.InvariantCulture, out var pid))
            {
                continue;
            }

            try
            {
                var argv = File.ReadAllText(Path.Combine(dir, "cmdline")).Split('\0');
                if (argv.Length >= 4 && argv[1].EndsWith("digits.dll", StringComparison.Ordinal) && argv[2] == "--out" && argv[3] == output)
                {
                    return pid;
                }
            }
            catch (IOException)
            {
            }
            catch (UnauthorizedAccessException)
            {
            }
        }

        return -1;
    }

    private static int CountCheckpoints(string events) =>
        events.Split('\n').Count(l => l.Contains("\"checkpoints/", StringComparison.Ordinal));
}
