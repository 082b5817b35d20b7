using System.Net.Http.Headers;
using Repro.Server;
using Repro.Storage.Workspace;

namespace Repro.TestSupport;

/// <summary>A real server (Kestrel on 127.0.0.1, a free port) over a fresh workspace in a temp directory.</summary>
public sealed class RunningServer : IAsyncDisposable
{
    private RunningServer(ReproServer server, string root, HttpClient client)
    {
        Server = server;
        Root = root;
        Client = client;
    }

    public ReproServer Server { get; }

    /// <summary>The workspace directory (contains .repro).</summary>
    public string Root { get; }

    /// <summary>A client with the server's base address and no token.</summary>
    public HttpClient Client { get; }

    public string Url => Server.Url;

    public static Task<RunningServer> StartAsync(string? token = null, bool protectReads = false, long? maxJsonBodyBytes = null)
    {
        var options = new ServerOptions { Token = token, ProtectReads = protectReads };
        return StartAsync(maxJsonBodyBytes is { } max ? options with { MaxJsonBodyBytes = max } : options);
    }

    /// <summary>Starts a server with <paramref name="options"/> (its port and workspace replaced) over a new workspace that
    /// <paramref name="seed"/>, when given, fills before the server opens it.</summary>
    public static async Task<RunningServer> StartAsync(ServerOptions options, Action<ReproWorkspace>? seed = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "repro-server-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        using (var workspace = ReproWorkspace.Init(root))
        {
            seed?.Invoke(workspace);
        }

        var server = await ReproServer.StartAsync(options with { Port = 0, Workspace = root });
        var client = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
        return new RunningServer(server, root, client);
    }

    /// <summary>A client that sends the bearer token.</summary>
    public HttpClient ClientWithToken(string token)
    {
        var client = new HttpClient { BaseAddress = new Uri(Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
        client.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        return client;
    }

    public async ValueTask DisposeAsync()
    {
        Client.Dispose();
        await Server.DisposeAsync();
        try
        {
            Directory.Delete(Root, recursive: true);
        }
        catch (IOException)
        {
            // Best effort: a temp directory left behind is harmless.
        }
    }
}
