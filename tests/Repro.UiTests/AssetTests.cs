using System.Net;
using System.Net.Http.Headers;
using Repro.UiTests.Support;

namespace Repro.UiTests;

public sealed class AssetTests(ServerFixture fixture) : IClassFixture<ServerFixture>
{
    private HttpClient Client => fixture.Server.Client;

    [Theory]
    [InlineData("/")]
    [InlineData("/runs")]
    [InlineData("/runs/abcd1234")]
    [InlineData("/chart")]
    [InlineData("/compare")]
    public async Task Page_routes_answer_with_the_html_shell(string path)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal("text/html", response.Content.Headers.ContentType?.MediaType);
        var html = await response.Content.ReadAsStringAsync();
        Assert.Contains("/ui/app.js", html, StringComparison.Ordinal);
        Assert.Contains("/ui/vendor/uPlot.iife.min.js", html, StringComparison.Ordinal);
    }

    [Theory]
    [InlineData("/ui/app.js", "text/javascript")]
    [InlineData("/ui/runs.js", "text/javascript")]
    [InlineData("/ui/style.css", "text/css")]
    [InlineData("/ui/favicon.svg", "image/svg+xml")]
    [InlineData("/ui/vendor/uPlot.iife.min.js", "text/javascript")]
    [InlineData("/ui/vendor/uPlot.min.css", "text/css")]
    public async Task Assets_are_served_from_the_assembly_with_their_content_type(string path, string mediaType)
    {
        using var response = await Client.GetAsync(new Uri(path, UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
        Assert.Equal(mediaType, response.Content.Headers.ContentType?.MediaType);
        Assert.NotNull(response.Headers.ETag);
        Assert.True(response.Headers.CacheControl?.NoCache);
        Assert.True((await response.Content.ReadAsByteArrayAsync()).Length > 0);
    }

    [Fact]
    public async Task The_vendored_uplot_is_the_npm_build()
    {
        var script = await Client.GetStringAsync(new Uri("/ui/vendor/uPlot.iife.min.js", UriKind.Relative));

        Assert.Contains("uPlot", script, StringComparison.Ordinal);
        Assert.DoesNotContain("http://", script.Replace("http://www.w3.org", "", StringComparison.Ordinal), StringComparison.Ordinal);
    }

    [Fact]
    public async Task A_matching_etag_gets_304_and_no_body()
    {
        using var first = await Client.GetAsync(new Uri("/ui/app.js", UriKind.Relative));
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ui/app.js", UriKind.Relative));
        request.Headers.IfNoneMatch.Add(first.Headers.ETag!);

        using var second = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.NotModified, second.StatusCode);
        Assert.Empty(await second.Content.ReadAsByteArrayAsync());
        Assert.Equal(first.Headers.ETag, second.Headers.ETag);
    }

    [Fact]
    public async Task A_stale_etag_gets_the_file()
    {
        using var request = new HttpRequestMessage(HttpMethod.Get, new Uri("/ui/app.js", UriKind.Relative));
        request.Headers.IfNoneMatch.Add(new EntityTagHeaderValue("\"stale\""));

        using var response = await Client.SendAsync(request);

        Assert.Equal(HttpStatusCode.OK, response.StatusCode);
    }

    [Fact]
    public async Task An_unknown_asset_is_404()
    {
        using var response = await Client.GetAsync(new Uri("/ui/nope.js", UriKind.Relative));

        Assert.Equal(HttpStatusCode.NotFound, response.StatusCode);
    }

    [Fact]
    public async Task Under_protect_reads_the_pages_load_without_a_token_but_the_data_does_not()
    {
        await using var server = await UiServer.StartAsync(token: "s3cret", protectReads: true, seed: Seed.Nothing);

        using var page = await server.Client.GetAsync(new Uri("/runs/x", UriKind.Relative));
        using var script = await server.Client.GetAsync(new Uri("/ui/api.js", UriKind.Relative));
        using var data = await server.Client.GetAsync(new Uri("/api/v1/series?run=x&key=loss", UriKind.Relative));
        using var withToken = server.ClientWithToken("s3cret");
        using var allowed = await withToken.GetAsync(new Uri("/api/v1/series?run=x&key=loss", UriKind.Relative));

        Assert.Equal(HttpStatusCode.OK, page.StatusCode);
        Assert.Equal(HttpStatusCode.OK, script.StatusCode);
        Assert.Equal(HttpStatusCode.Unauthorized, data.StatusCode);
        Assert.Equal(HttpStatusCode.NotFound, allowed.StatusCode);
    }
}
