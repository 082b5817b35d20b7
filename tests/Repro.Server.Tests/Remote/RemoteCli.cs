using System.Diagnostics;

namespace Repro.Server.Tests.Remote;

/// <summary>
/// Runs the real `repro` CLI (built beside the tests) as a child process, in a sandbox: no REPRO_HOME or tracking variables
/// from the machine, and a per-test XDG_STATE_HOME so runs outside a workspace never touch the user's home.
/// </summary>
internal sealed class RemoteCli(string stateHome)
{
    public static string Digits => Path.Combine(AppContext.BaseDirectory, "digits.dll");

    public string StateHome { get; } = stateHome;

    public void Sandbox(ProcessStartInfo psi, IDictionary<string, string?>? env)
    {
        psi.Environment.Remove("REPRO_HOME");
        psi.Environment.Remove("REPRO_TRACKING_URI");
        psi.Environment.Remove("REPRO_TRACKING_TOKEN");
        psi.Environment["XDG_STATE_HOME"] = StateHome;
        psi.Environment["DOTNET_CLI_TELEMETRY_OPTOUT"] = "1";
        psi.Environment["PYTHONDONTWRITEBYTECODE"] = "1";
        CliProcess.SetEnvironment(psi, env);
    }

    public CliResult Run(string workingDirectory, IDictionary<string, string?>? env, params string[] args) =>
        CliProcess.Wait(Start(workingDirectory, env, args), string.Join(' ', args));

    public RunningCli Start(string workingDirectory, IDictionary<string, string?>? env, params string[] args)
    {
        var psi = CliProcess.StartInfo(workingDirectory, args, env: null);
        Sandbox(psi, env);
        return CliProcess.Start(psi);
    }
}
