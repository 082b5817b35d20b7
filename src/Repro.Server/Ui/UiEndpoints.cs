using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Net.Http.Headers;

namespace Repro.Server.Ui;

/// <summary>
/// The web UI: the page routes (<c>/</c>, <c>/runs/{ref}</c>, <c>/chart</c>, <c>/compare</c>) answer with one HTML shell,
/// the scripts and styles are served from this assembly under <c>/ui/</c>, and the chart data comes from
/// <c>/api/v1/series</c> (see <see cref="SeriesEndpoints"/>), the group view's statistics from <c>/api/v1/groups</c> (see
/// <see cref="GroupEndpoints"/>). Pages hold no data, so they load without a token.
/// </summary>
public static class UiEndpoints
{
    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        foreach (var page in (string[])["/", "/runs", "/runs/{ref}", "/chart", "/compare"])
        {
            app.MapMethods(page, [HttpMethods.Get, HttpMethods.Head], (HttpContext http) => Serve(http, UiAssets.Shell));
        }

        app.MapMethods("/ui/{**path}", [HttpMethods.Get, HttpMethods.Head], (HttpContext http, string? path) =>
            UiAssets.Find(path ?? "") is { } asset
                ? Serve(http, asset)
                : Results.Text($"No UI file '{path}'. The UI's files are listed in ui/src of the repository.", "text/plain", statusCode: 404));
        app.MapMethods("/favicon.ico", [HttpMethods.Get, HttpMethods.Head], (HttpContext http) =>
            UiAssets.Find("favicon.svg") is { } icon ? Serve(http, icon) : Results.NotFound());

        app.MapSeries();
        app.MapCodeDiff();
        app.MapGroups();
        return app;
    }

    /// <summary>The file with its ETag; 304 when the browser already has this content.</summary>
    private static IResult Serve(HttpContext http, UiAsset asset)
    {
        var headers = http.Response.Headers;
        headers.ETag = asset.ETag;
        headers.CacheControl = "no-cache";
        headers.XContentTypeOptions = "nosniff";
        var ifNoneMatch = http.Request.Headers.IfNoneMatch;
        if (ifNoneMatch.Count > 0 && EntityTagHeaderValue.TryParseList(ifNoneMatch, out var tags)
            && tags.Any(t => t.Tag == asset.ETag || t == EntityTagHeaderValue.Any))
        {
            return Results.StatusCode(StatusCodes.Status304NotModified);
        }

        return Results.Bytes(asset.Content, asset.ContentType);
    }
}
