using Repro.Capture.Processes;

namespace Repro.Capture.Tests.Support;

/// <summary>Whether the external programs some tests need are installed.</summary>
internal static class Tools
{
    private static readonly Lazy<bool> GitPresent = new(() => Works("git", "--version"));
    private static readonly Lazy<bool> Python3Present = new(() => Works("python3", "--version"));

    public static bool HasGit => GitPresent.Value;

    public static bool HasPython3 => Python3Present.Value;

    /// <summary>On CI a missing tool must fail the test, not skip it.</summary>
    public static bool OnCi => !string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI"));

    private static bool Works(string executable, string argument) =>
        ProcessRunner.Run(executable, [argument], new ProcessRunOptions { Timeout = TimeSpan.FromSeconds(30) }).Succeeded;
}

/// <summary>A test that needs git; skipped (with the reason) when git is missing, unless CI is set.</summary>
internal sealed class GitFactAttribute : FactAttribute
{
    public GitFactAttribute()
    {
        if (!Tools.HasGit && !Tools.OnCi)
        {
            Skip = "git is not on PATH; install git to run this test.";
        }
    }
}

/// <summary>A test that needs python3; skipped (with the reason) when it is missing, unless CI is set.</summary>
internal sealed class Python3FactAttribute : FactAttribute
{
    public Python3FactAttribute()
    {
        if (!Tools.HasPython3 && !Tools.OnCi)
        {
            Skip = "python3 is not on PATH; install Python 3 to run this test.";
        }
    }
}

/// <summary>A test that needs a Unix shell and /proc-style process semantics.</summary>
internal sealed class UnixFactAttribute : FactAttribute
{
    public UnixFactAttribute()
    {
        if (OperatingSystem.IsWindows())
        {
            Skip = "This test uses /bin/sh and Unix process semantics.";
        }
    }
}

/// <summary>A test that reads /proc.</summary>
internal sealed class LinuxFactAttribute : FactAttribute
{
    public LinuxFactAttribute()
    {
        if (!OperatingSystem.IsLinux())
        {
            Skip = "This test reads /proc, which only Linux has.";
        }
    }
}
