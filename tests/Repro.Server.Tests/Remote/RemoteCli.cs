using System.Diagnostics;
using System.Text;
using System.Text.Json;

namespace Repro.Server.Tests.Remote;

/// <summary>The result of one `repro` invocation.</summary>
internal sealed record CliResult(int ExitCode, string Stdout, string Stderr)
{
    public JsonElement Json() => JsonDocument.Parse(Stdout).RootElement.Clone();

    public override string ToString() => $"exit {ExitCode}\n--- stdout\n{Stdout}\n--- stderr\n{Stderr}";
}

/// <summary>
/// Runs the real `repro` CLI (built beside the tests) as a child process, in a sandbox: no REPRO_HOME or tracking variables
/// from the machine, and a per-test XDG_STATE_HOME so runs outside a workspace never touch the user's home.
/// </summary>
internal sealed class RemoteCli(string stateHome)
{
    public static string Dll => Path.Combine(AppContext.BaseDirectory, "repro.dll");

    public static string Digits => Path.Combine(AppContext.BaseDirectory, "digits.dll");

    public string StateHome { get; } = stateHome;

    public ProcessStartInfo StartInfo(string workingDirectory, IDictionary<string, string?>? env, IEnumerable<string> args)
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

        Sandbox(psi, env);
        return psi;
    }

    public void Sandbox(ProcessStartInfo psi, IDictionary<string, string?>? env)
    {
        psi.Environment.Remove("REPRO_HOME");
        psi.Environment.Remove("REPRO_TRACKING_URI");
        psi.Environment.Remove("REPRO_TRACKING_TOKEN");
        psi.Environment["XDG_STATE_HOME"] = StateHome;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
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

    public CliResult Run(string workingDirectory, IDictionary<string, string?>? env, params string[] args) =>
        Wait(Start(workingDirectory, env, args), string.Join(' ', args));

    public RunningCli Start(string workingDirectory, IDictionary<string, string?>? env, params string[] args)
    {
        var p = Process.Start(StartInfo(workingDirectory, env, args))!;
        p.StandardInput.Close();
        return new RunningCli(p, p.StandardOutput.ReadToEndAsync(), p.StandardError.ReadToEndAsync());
    }

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
}

internal sealed record RunningCli(Process Process, Task<string> Stdout, Task<string> Stderr);

/// <summary>A temporary directory, deleted at the end of the test.</summary>
internal sealed class TempDir : IDisposable
{
    public TempDir(string prefix = "repro-remote-")
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
