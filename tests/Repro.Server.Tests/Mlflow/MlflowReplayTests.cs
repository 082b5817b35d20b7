using System.Diagnostics;

namespace Repro.Server.Tests.Mlflow;

/// <summary>
/// Runs tests/mlflow_compat/replay.py — the requests an MLflow 2.x client sends for a typical training script, replayed with
/// Python's standard library — against a real server.
/// </summary>
public sealed class MlflowReplayTests
{
    [Python3Fact]
    public async Task The_requests_of_an_MLflow_training_script_replay_cleanly()
    {
        await using var server = await RunningServer.StartAsync(token: "replay-token");
        var (exitCode, output) = await Python3.RunAsync(ReplayScript(), server.Url, "--token", "replay-token");
        Assert.True(exitCode == 0, output);
        Assert.Contains(", 0 failed", output, StringComparison.Ordinal);
    }

    private static string ReplayScript()
    {
        for (var directory = new DirectoryInfo(AppContext.BaseDirectory); directory is not null; directory = directory.Parent)
        {
            var script = Path.Combine(directory.FullName, "tests", "mlflow_compat", "replay.py");
            if (File.Exists(script))
            {
                return script;
            }
        }

        throw new FileNotFoundException("tests/mlflow_compat/replay.py was not found above the test assembly's directory.");
    }
}

/// <summary>python3, when installed.</summary>
internal static class Python3
{
    private static readonly Lazy<bool> Present = new(() =>
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("python3", "--version") { RedirectStandardOutput = true, RedirectStandardError = true });
            process!.WaitForExit(30_000);
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public static bool IsInstalled => Present.Value;

    public static async Task<(int ExitCode, string Output)> RunAsync(params string[] arguments)
    {
        var start = new ProcessStartInfo("python3") { RedirectStandardOutput = true, RedirectStandardError = true };
        foreach (var argument in arguments)
        {
            start.ArgumentList.Add(argument);
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        using var timeout = new CancellationTokenSource(TimeSpan.FromMinutes(2));
        await process.WaitForExitAsync(timeout.Token);
        return (process.ExitCode, await stdout + await stderr);
    }
}

/// <summary>A test that needs python3; skipped with the reason when it is missing, unless CI is set (then it fails).</summary>
internal sealed class Python3FactAttribute : FactAttribute
{
    public Python3FactAttribute()
    {
        if (!Python3.IsInstalled && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = "python3 is not on PATH; install Python 3 to replay an MLflow client's requests.";
        }
    }
}
