using System.Diagnostics;

namespace Repro.Sdk.Tests.Support;

internal sealed record ProcessResult(int ExitCode, string Stdout, string Stderr);

internal static class Python
{
    /// <summary>The folder in the test output holding repro_client.py (copied there by the project file).</summary>
    public static string ClientDirectory => Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>Runs python3 with exactly the REPRO_* variables given (inherited ones are removed).</summary>
    public static ProcessResult Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var start = new ProcessStartInfo("python3")
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

        start.Environment["PYTHONPATH"] = ClientDirectory;
        start.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        using var process = Process.Start(start)!;
        var stdout = process.StandardOutput.ReadToEndAsync();
        var stderr = process.StandardError.ReadToEndAsync();
        if (!process.WaitForExit(TimeSpan.FromMinutes(2)))
        {
            process.Kill(entireProcessTree: true);
            Assert.Fail("python3 did not finish within two minutes");
        }

        return new ProcessResult(process.ExitCode, stdout.Result, stderr.Result);
    }
}
