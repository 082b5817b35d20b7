using Repro.UiTests.Support;

namespace Repro.UiTests;

/// <summary>One seeded server shared by the HTTP tests of a class.</summary>
public sealed class ServerFixture : IAsyncLifetime
{
    private UiServer? _server;

    public UiServer Server => _server ?? throw new InvalidOperationException("The fixture has not started.");

    public async Task InitializeAsync() => _server = await UiServer.StartAsync();

    public async Task DisposeAsync()
    {
        if (_server is not null)
        {
            await _server.DisposeAsync();
        }
    }
}
