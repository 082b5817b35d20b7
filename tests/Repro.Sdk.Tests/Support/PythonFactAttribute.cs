using System.Diagnostics;

namespace Repro.Sdk.Tests.Support;

/// <summary>A fact that needs python3 on PATH: skipped with a reason where it is missing, except under CI.</summary>
[AttributeUsage(AttributeTargets.Method)]
internal sealed class PythonFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> Available = new(() =>
    {
        try
        {
            using var process = Process.Start(new ProcessStartInfo("python3", "--version") { RedirectStandardOutput = true });
            process!.WaitForExit();
            return process.ExitCode == 0;
        }
        catch (System.ComponentModel.Win32Exception)
        {
            return false;
        }
    });

    public PythonFactAttribute()
    {
        if (!Available.Value && string.IsNullOrEmpty(Environment.GetEnvironmentVariable("CI")))
        {
            Skip = "python3 is not installed";
        }
    }
}
