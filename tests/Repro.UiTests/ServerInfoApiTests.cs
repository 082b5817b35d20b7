using System.Net;
using System.Text.Json;
using Repro.UiTests.Support;

namespace Repro.UiTests;

/// <summary><c>GET /api/v1/server</c>: open to everyone, it says whether reads and writes need the token.</summary>
public sealed class ServerInfoApiTests
{
    private static async Task<JsonElement> Info(HttpClient client)
    {
        using var response = await client.GetAsync(new Uri("api/v1/server", UriKind.Relative));
        var text = await response.Content.ReadAsStringAsync();
        Assert.True(response.StatusCode == HttpStatusCode.OK, $"/api/v1/server answered {(int)response.StatusCode}: {text}");
        return JsonDocument.Parse(text).RootElement.Clone();
    }

    [Fact]
    public async Task An_open_server_needs_no_token()
    {
        await using var server = await UiServer.StartAsync(seed: Seed.Nothing);

        var info = await Info(server.Client);

        Assert.False(string.IsNullOrWhiteSpace(info.GetProperty("version").GetString()));
        Assert.False(info.GetProperty("tokenRequiredForReads").GetBoolean());
        Assert.False(info.GetProperty("tokenRequiredForWrites").GetBoolean());
        Assert.Equal(JsonValueKind.Null, info.GetProperty("tokenAccepted").ValueKind);
    }

    [Fact]
    public async Task With_protected_reads_it_answers_without_a_token_and_checks_one_when_sent()
    {
        await using var server = await UiServer.StartAsync(token: "s3cret", protectReads: true, seed: Seed.Nothing);
        using var wrong = server.ClientWithToken("wrong");
        using var right = server.ClientWithToken("s3cret");

        var open = await Info(server.Client);

        Assert.True(open.GetProperty("tokenRequiredForReads").GetBoolean());
        Assert.True(open.GetProperty("tokenRequiredForWrites").GetBoolean());
        Assert.Equal(JsonValueKind.Null, open.GetProperty("tokenAccepted").ValueKind);
        Assert.False((await Info(wrong)).GetProperty("tokenAccepted").GetBoolean());
        Assert.True((await Info(right)).GetProperty("tokenAccepted").GetBoolean());
        using var runs = await server.Client.GetAsync(new Uri("api/v1/runs", UriKind.Relative));
        Assert.Equal(HttpStatusCode.Unauthorized, runs.StatusCode);
    }

    [Fact]
    public async Task With_a_token_for_writes_only_reads_stay_open()
    {
        await using var server = await UiServer.StartAsync(token: "s3cret", seed: Seed.Nothing);

        var info = await Info(server.Client);

        Assert.False(info.GetProperty("tokenRequiredForReads").GetBoolean());
        Assert.True(info.GetProperty("tokenRequiredForWrites").GetBoolean());
    }
}
