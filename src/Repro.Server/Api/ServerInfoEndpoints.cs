using System.Reflection;
using System.Security.Cryptography;
using System.Text;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;

namespace Repro.Server.Api;

/// <summary>
/// <c>GET /api/v1/server</c>, open without a token: the server's version and whether reads and writes need the token, so a
/// client (the web UI) can ask for the token before its first call instead of after a 401. When the request carries
/// <c>Authorization: Bearer</c>, <c>tokenAccepted</c> says whether that token is the server's.
/// </summary>
internal static class ServerInfoEndpoints
{
    public const string Path = ApiEndpoints.Prefix + "/server";

    private static readonly string Version = (typeof(ServerInfoEndpoints).Assembly
        .GetCustomAttribute<AssemblyInformationalVersionAttribute>()?.InformationalVersion ?? "unknown").Split('+')[0];

    public static void MapServerInfoEndpoints(this RouteGroupBuilder api) =>
        api.MapGet("/server", (HttpRequest request, ServerContext server) =>
        {
            var options = server.Options;
            var token = options.Token is { Length: > 0 } t ? t : null;
            return ApiRequest.Json(new ServerInfo(
                Version,
                token is not null && options.ProtectReads,
                token is not null,
                Accepted(request, token)));
        });

    /// <summary>null without an Authorization header; otherwise whether it holds the server's token (any token when none is set).</summary>
    private static bool? Accepted(HttpRequest request, string? token)
    {
        var header = request.Headers.Authorization.ToString();
        if (header.Length == 0)
        {
            return null;
        }

        const string Prefix = "Bearer ";
        if (token is null)
        {
            return true;
        }

        return header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase)
            && CryptographicOperations.FixedTimeEquals(Encoding.UTF8.GetBytes(header[Prefix.Length..].Trim()), Encoding.UTF8.GetBytes(token));
    }
}

/// <summary>What <c>GET /api/v1/server</c> answers.</summary>
internal sealed record ServerInfo(string Version, bool TokenRequiredForReads, bool TokenRequiredForWrites, bool? TokenAccepted);
