using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Repro.TestSupport;

// Compiled into each test project that runs the real `repro` CLI (linked from the .csproj), so the projects share one runner.

/// <summary>The result of one `repro` invocation.</summary>
public sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>A started `repro` child process whose output is being read.</summary>
public sealed record RunningCli(Process Process, Task<string> Stdout, Task<string> Stderr);

/// <summary>Runs the real `repro` CLI (built beside the tests) as a child process.</summary>
public static class CliProcess
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "repro.dll");

    /// <summary>`dotnet repro.dll ARGS` in a directory, with no workspace of the machine (REPRO_HOME) and then <paramref name="env"/>
    /// applied (a null value removes the variable).</summary>
    public static ProcessStartInfo StartInfo(string workingDirectory, IEnumerable<string> args, IDictionary<string, string?>? env)
    {
        var psi = new ProcessStartInfo("dotnet")
        {
            WorkingDirectory = workingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = true,
        };
        psi.ArgumentList.Add(Dll);
        foreach (var a in args)
        {
            psi.ArgumentList.Add(a);
        }

        // Tests must not see a workspace of the machine they run on.
        psi.Environment.Remove("REPRO_HOME");
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        SetEnvironment(psi, env);
        return psi;
    }

    /// <summary>Sets each variable, or removes it where the value is null.</summary>
    public static void SetEnvironment(ProcessStartInfo psi, IDictionary<string, string?>? env)
    {
        foreach (var (k, v) in env ?? new Dictionary<string, string?>())
        {
            if (v is null)
            {
                psi.Environment.Remove(k);
            }
            else
            {
                psi.Environment[k] = v;
            }
        }
    }

    /// <summary>Starts the process with stdin closed and its output read in the background.</summary>
    public static RunningCli Start(ProcessStartInfo psi)
    {
        var p = Process.Start(psi)!;
        p.StandardInput.Close();
        return new RunningCli(p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
    }

    /// <summary>Waits for the process (killing it after 3 minutes) and returns what it wrote.</summary>
    public static CliResult Wait(RunningCli running, string what)
    {
        var p = running.Process;
        if (!p.WaitForExit(TimeSpan.FromMinutes(3)))
        {
            p.Kill(entireProcessTree: true);
            throw new TimeoutException($"repro {what} did not finish in 3 minutes");
        }

        p.WaitForExit();
        var result = new CliResult(p.ExitCode, running.Stdout.Result, running.Stderr.Result);
        p.Dispose();
        return result;
    }

    public static CliResult Run(ProcessStartInfo psi, string what) => Wait(Start(psi), what);
}

/// <summary>A temporary directory, deleted at the end of the test.</summary>
public sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "repro-test-")
    {
        Path = System.IO.Path.Combine(System.IO.Path.GetTempPath(), prefix + Guid.NewGuid().ToString("N")[..10]);
        Directory.CreateDirectory(Path);
    }

    public string Path { get; }

    public string Write(string relative, string content)
    {
        var full = System.IO.Path.Combine(Path, relative);
        Directory.CreateDirectory(System.IO.Path.GetDirectoryName(full)!);
        File.WriteAllText(full, content, new UTF8Encoding(false));
        return full;
    }

    public void Dispose()
    {
        try
        {
            Directory.Delete(Path, recursive: true);
        }
        catch (IOException)
        {
        }
        catch (UnauthorizedAccessException)
        {
        }
    }
}
