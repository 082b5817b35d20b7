using System.Net;
using System.Text.Json;
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

    /// <summary>GETs a path that must succeed; returns its JSON.</summary>
    public async Task<JsonElement> GetJsonAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.IsSuccessStatusCode, $"{path} answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    /// <summary>GETs a path that must answer with problem details; returns the status and the problem.</summary>
    public async Task<(HttpStatusCode Status, JsonElement Problem)> GetProblemAsync(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));
        Assert.Equal("application/problem+json", response.Content.Headers.ContentType?.MediaType);
        return (response.StatusCode, JsonDocument.Parse(await response.Content.ReadAsStringAsync()).RootElement.Clone());
    }

    public ValueTask DisposeAsync() => _running.DisposeAsync();
}
