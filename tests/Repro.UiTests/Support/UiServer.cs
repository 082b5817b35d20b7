using Repro.Server;
using Repro.Storage.Workspace;

namespace Repro.UiTests.Support;

/// <summary>A real server (Kestrel on 127.0.0.1, a free port) over a fresh workspace in a temp directory, seeded before it starts.</summary>
public sealed class UiServer : IAsyncDisposable
{
    private readonly RunningServer _running;

    private UiServer(RunningServer running, SeededRuns runs)
    {
        _running = running;
        Runs = runs;
    }

    public ReproServer Server => _running.Server;

    public string Root => _running.Root;

    public SeededRuns Runs { get; }

    /// <summary>A client with the server's base address and no token.</summary>
    public HttpClient Client => _running.Client;

    public string Url => _running.Url;

    public static async Task<UiServer> StartAsync(
        string? token = null, bool protectReads = false, Func<ReproWorkspace, SeededRuns>? seed = null, int? maxGroupedRuns = null)
    {
        var options = new ServerOptions { Token = token, ProtectReads = protectReads };
        SeededRuns? runs = null;
        var running = await RunningServer.StartAsync(
            maxGroupedRuns is { } most ? options with { MaxGroupedRuns = most } : options,
            workspace => runs = (seed ?? Seed.Standard)(workspace));
        return new UiServer(running, runs!);
    }

    public HttpClient ClientWithToken(string token) => _running.ClientWithToken(token);

    public ValueTask DisposeAsync() => _running.DisposeAsync();
}
