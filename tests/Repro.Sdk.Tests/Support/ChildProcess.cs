using System.Diagnostics;

namespace Repro.Sdk.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

internal static class ChildProcess
{
    /// <summary>Runs a program with exactly the REPRO_* variables given (inherited ones are removed).</summary>
    public static ProcessResult Run(
        string fileName, IEnumerable<string> args, string workingDirectory, IReadOnlyDictionary<string, string> environment)
    {
        var start = new ProcessStartInfo(fileName)
        {
            WorkingDirectory = workingDirectory,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
        };
        foreach (var arg in args)
        {
            start.ArgumentList.Add(arg);
        }

        foreach (var name in start.Environment.Keys.Where(k => k.StartsWith("REPRO_", StringComparison.Ordinal)).ToList())
        {
            start.Environment.Remove(name);
        }

        foreach (var (name, value) in environment)
        {
            start.Environment[name] = value;
        }

        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail($"{fileName} did not finish within three minutes");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
