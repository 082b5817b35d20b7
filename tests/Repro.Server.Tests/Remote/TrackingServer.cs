using Repro.Storage.Workspace;

namespace Repro.Server.Tests.Remote;

/// <summary>A real server over a fresh workspace that can be stopped and started again on the same port (a server going away mid-run).</summary>
internal sealed class TrackingServer : IAsyncDisposable
{
    private readonly string? _token;
    private ReproServer? _server;

    private TrackingServer(string root, string? token)
    {
        Root = root;
        _token = token;
    }

    /// <summary>The server's workspace directory (contains .repro).</summary>
    public string Root { get; }

    public int Port { get; private set; }

    public string Url => $"http://127.0.0.1:{Port}";

    public static async Task<TrackingServer> StartAsync(string? token = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "repro-remote-server-" + Guid.NewGuid().ToString("N")[..12]);
        ReproWorkspace.Init(root).Dispose();
        var server = new TrackingServer(root, token);
        await server.StartAgainAsync();
        return server;
    }

    /// <summary>Starts the server (again), on the port it had before (a free one the first time).</summary>
    public async Task StartAgainAsync()
    {
        _server = await ReproServer.StartAsync(new ServerOptions { Port = Port, Workspace = Root, Token = _token });
        Port = new Uri(_server.Url).Port;
    }

    public async Task StopAsync()
    {
        if (_server is { } server)
        {
            _server = null;
            await server.DisposeAsync();
        }
    }

    /// <summary>Opens the server's workspace directly (the store the server writes), to check what arrived.</summary>
    public ReproWorkspace OpenWorkspace() => ReproWorkspace.Open(Root);

    public async ValueTask DisposeAsync()
    {
        await StopAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort.
        }
    }
}
