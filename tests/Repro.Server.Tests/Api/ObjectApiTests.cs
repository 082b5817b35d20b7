using System.Net;
using System.Security.Cryptography;

namespace Repro.Server.Tests.Api;

public sealed class ObjectApiTests
{
    [Fact]
    public async Task An_object_round_trips_and_HEAD_tells_whether_it_is_there()
    {
        await using var server = await RunningServer.StartAsync();
        var bytes = new byte[300_000];
        new Random(7).NextBytes(bytes);
        var sha = Convert.ToHexStringLower(SHA256.HashData(bytes));

        using var head = new HttpRequestMessage(HttpMethod.Head, $"api/v1/objects/{sha}");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.SendAsync(head)).StatusCode);
        await Api.Problem(await server.Client.GetAsync($"api/v1/objects/{sha}"), HttpStatusCode.NotFound, "not_found");

        var put = await server.Client.PutAsync($"api/v1/objects/{sha.ToUpperInvariant()}", new ByteArrayContent(bytes));
        Assert.Equal(HttpStatusCode.Created, put.StatusCode);
        Assert.Equal(HttpStatusCode.Created, (await server.Client.PutAsync($"api/v1/objects/{sha}", new ByteArrayContent(bytes))).StatusCode);

        using var again = new HttpRequestMessage(HttpMethod.Head, $"api/v1/objects/{sha}");
        Assert.Equal(HttpStatusCode.OK, (await server.Client.SendAsync(again)).StatusCode);
        var get = await server.Client.GetAsync($"api/v1/objects/{sha}");
        Assert.Equal("application/octet-stream", get.Content.Headers.ContentType?.MediaType);
        Assert.Equal(bytes, await get.Content.ReadAsByteArrayAsync());
        Assert.Empty(Directory.GetFiles(Path.Combine(server.Root, ".repro", "tmp")));
    }

    [Fact]
    public async Task An_upload_whose_bytes_do_not_match_its_name_is_400_and_stores_nothing()
    {
        await using var server = await RunningServer.StartAsync();
        var claimed = Convert.ToHexStringLower(SHA256.HashData("what was meant"u8));
        var response = await server.Client.PutAsync($"api/v1/objects/{claimed}", new ByteArrayContent("what was sent"u8.ToArray()));
        var detail = await Api.Problem(response, HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains(claimed, detail, StringComparison.Ordinal);
        Assert.Contains(Convert.ToHexStringLower(SHA256.HashData("what was sent"u8)), detail, StringComparison.Ordinal);

        using var head = new HttpRequestMessage(HttpMethod.Head, $"api/v1/objects/{claimed}");
        Assert.Equal(HttpStatusCode.NotFound, (await server.Client.SendAsync(head)).StatusCode);
        Assert.Empty(Directory.GetFiles(Path.Combine(server.Root, ".repro", "objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(Path.Combine(server.Root, ".repro", "tmp")));
    }

    [Fact]
    public async Task An_object_id_that_is_not_a_sha256_is_400()
    {
        await using var server = await RunningServer.StartAsync();
        var detail = await Api.Problem(await server.Client.GetAsync("api/v1/objects/not-a-hash"), HttpStatusCode.BadRequest, "invalid_argument");
        Assert.Contains("64 hex", detail, StringComparison.Ordinal);
    }
}
