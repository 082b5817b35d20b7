using System.Net.Http.Headers;
using Repro.Server;
using Repro.Storage.Workspace;

namespace Repro.UiTests.Support;

/// <summary>A real server (Kestrel on 127.0.0.1, a free port) over a fresh workspace in a temp directory, seeded before it starts.</summary>
public sealed class UiServer : IAsyncDisposable
{
    private UiServer(ReproServer server, string root, SeededRuns runs)
    {
        Server = server;
        Root = root;
        Runs = runs;
        Client = new HttpClient { BaseAddress = new Uri(server.Url + "/"), Timeout = TimeSpan.FromSeconds(60) };
    }

    public ReproServer Server { get; }

    public string Root { get; }

    public SeededRuns Runs { get; }

    /// <summary>A client with the server's base address and no token.</summary>
    public HttpClient Client { get; }

    public string Url => Server.Url;

    public static async Task<UiServer> StartAsync(
        string? token = null, bool protectReads = false, Func<ReproWorkspace, SeededRuns>? seed = null, int? maxGroupedRuns = null)
    {
        var root = Path.Combine(Path.GetTempPath(), "repro-ui-test-" + Guid.NewGuid().ToString("N")[..12]);
        Directory.CreateDirectory(root);
        SeededRuns runs;
        using (var workspace = ReproWorkspace.Init(root))
        {
            runs = (seed ?? Seed.Standard)(workspace);
        }

        var options = new ServerOptions { Port = 0, Workspace = root, Token = token, ProtectReads = protectReads };
        var server = await ReproServer.StartAsync(maxGroupedRuns is { } most ? options with { MaxGroupedRuns = most } : options);
        return new UiServer(server, root, runs);
    }

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
