using System.CommandLine;
using Repro.Core.Errors;
using Repro.Server;

namespace Repro.Cli.Commands;

/// <summary><c>repro server</c> (a team tracking server) and <c>repro ui</c> (the same on a free local port, for one person).</summary>
internal static class ServerCommands
{
    public static Command Server()
    {
        var host = new Option<string>("--host") { Description = "Address to bind (default 127.0.0.1; 0.0.0.0 for every interface: set --token then)", DefaultValueFactory = _ => "127.0.0.1" };
        var port = new Option<int>("--port") { Description = "Port to listen on (0 picks a free one)", DefaultValueFactory = _ => 5005 };
        var workspace = new Option<string?>("--workspace") { Description = "Workspace directory (default: found like every other command)" };
        var token = TokenOption();
        var protectReads = new Option<bool>("--protect-reads") { Description = "Require the token for reads too (default: only writes)" };
        var command = new Command("server", "Serve the workspace over HTTP: web UI, Repro API (/api/v1), MLflow-compatible API (/api/2.0/mlflow).")
        {
            host, port, workspace, token, protectReads,
        };
        command.SetAction(parse => Program.Guard(() => Serve(new ServerOptions
        {
            Host = parse.GetValue(host)!,
            Port = ValidPort(parse.GetValue(port)),
            Workspace = parse.GetValue(workspace),
            Token = TokenFrom(parse.GetValue(token)),
            ProtectReads = parse.GetValue(protectReads),
        }, ui: false)));
        return command;
    }

    public static Command Ui()
    {
        var workspace = new Option<string?>("--workspace") { Description = "Workspace directory (default: found like every other command)" };
        var port = new Option<int>("--port") { Description = "Port to listen on (default: a free one)", DefaultValueFactory = _ => 0 };
        var command = new Command("ui", "Open the web UI for this workspace on a free local port (prints the URL; Ctrl-C stops it).") { workspace, port };
        command.SetAction(parse => Program.Guard(() => Serve(new ServerOptions
        {
            Port = ValidPort(parse.GetValue(port)),
            Workspace = parse.GetValue(workspace),
        }, ui: true)));
        return command;
    }

    private static Option<string?> TokenOption() =>
        new("--token") { Description = $"Bearer token every write must carry (default: ${ServerOptions.TokenVariable})" };

    private static string? TokenFrom(string? given) =>
        given is { Length: > 0 } ? given : Environment.GetEnvironmentVariable(ServerOptions.TokenVariable) is { Length: > 0 } t ? t : null;

    private static int ValidPort(int port) => port is >= 0 and <= 65535
        ? port
        : throw new ReproException(ErrorCode.InvalidArgument, $"--port {port} is not a TCP port. Give 1-65535, or 0 for a free one.");

    private static int Serve(ServerOptions options, bool ui)
    {
        using var stop = new CancellationTokenSource();
        Console.CancelKeyPress += (_, e) =>
        {
            e.Cancel = true;
            stop.Cancel();
        };
        using var sigterm = System.Runtime.InteropServices.PosixSignalRegistration.Create(
            System.Runtime.InteropServices.PosixSignal.SIGTERM,
            context =>
            {
                context.Cancel = true;
                stop.Cancel();
            });

        var server = ReproServer.StartAsync(options).GetAwaiter().GetResult();
        try
        {
            if (ui)
            {
                Console.WriteLine($"Repro UI: {server.Url}/");
            }
            else
            {
                Console.WriteLine($"Repro server listening on {server.Url}");
                Console.WriteLine($"  web UI      {server.Url}/");
                Console.WriteLine($"  Repro API   {server.Url}/api/v1   (repro: export REPRO_TRACKING_URI={server.Url})");
                Console.WriteLine($"  MLflow API  {server.Url}/api/2.0/mlflow   (MLflow: export MLFLOW_TRACKING_URI={server.Url})");
                if (options.Token is null && options.Host is not ("127.0.0.1" or "localhost" or "::1"))
                {
                    Console.Error.WriteLine(
                        $"repro: warning: listening on {options.Host} without a token: anyone who can reach this port can write runs. "
                        + $"Set --token or ${ServerOptions.TokenVariable}.");
                }
            }

            Console.WriteLine("Press Ctrl-C to stop.");
            Console.Out.Flush();
            try
            {
                Task.Delay(Timeout.Infinite, stop.Token).GetAwaiter().GetResult();
            }
            catch (OperationCanceledException)
            {
                // Ctrl-C or SIGTERM: stop cleanly.
            }
        }
        finally
        {
            server.DisposeAsync().AsTask().GetAwaiter().GetResult();
        }

        Console.WriteLine("Server stopped.");
        return ExitCodes.Ok;
    }
}
