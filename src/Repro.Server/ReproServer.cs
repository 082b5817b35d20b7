using System.Net;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Hosting;
using Microsoft.AspNetCore.Hosting.Server;
using Microsoft.AspNetCore.Hosting.Server.Features;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Http.Features;
using Microsoft.Extensions.DependencyInjection;
using Microsoft.Extensions.Hosting;
using Microsoft.Extensions.Logging;
using Repro.Core.Errors;
using Repro.Server.Api;
using Repro.Server.Mlflow;
using Repro.Server.Ui;
using Repro.Storage.Workspace;

namespace Repro.Server;

/// <summary>
/// The tracking server: the Repro REST API (<c>/api/v1</c>), the MLflow-compatible API (<c>/api/2.0/mlflow</c>,
/// <c>/api/2.0/mlflow-artifacts</c>), <c>/health</c> and the web UI, over one workspace.
/// </summary>
public sealed class ReproServer : IAsyncDisposable
{
    private readonly WebApplication _app;
    private readonly ReproWorkspace _workspace;

    private ReproServer(WebApplication app, ReproWorkspace workspace)
    {
        _app = app;
        _workspace = workspace;
    }

    /// <summary>The base URL the server listens on (with the real port when 0 was asked for), without a trailing slash.</summary>
    public string Url { get; private set; } = "";

    /// <summary>Opens the workspace and starts listening; throws ReproException when the workspace cannot be opened or the port is taken.</summary>
    public static async Task<ReproServer> StartAsync(ServerOptions options, CancellationToken cancellationToken = default)
    {
        ArgumentNullException.ThrowIfNull(options);
        var workspace = ReproWorkspace.Open(options.Workspace);
        try
        {
            var app = Build(options, new ServerContext(workspace, options));
            var server = new ReproServer(app, workspace);
            try
            {
                await app.StartAsync(cancellationToken).ConfigureAwait(false);
            }
            catch (IOException e)
            {
                await app.DisposeAsync().ConfigureAwait(false);
                throw new ReproException(
                    ErrorCode.Io,
                    $"Cannot listen on {options.Host}:{options.Port}: {e.Message}. Pick another port with --port (0 picks a free one).",
                    e);
            }

            var address = app.Services.GetRequiredService<IServer>().Features.Get<IServerAddressesFeature>()!.Addresses.First();
            server.Url = address.Replace("[::]", "localhost", StringComparison.Ordinal).TrimEnd('/');
            return server;
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }

    /// <summary>Waits until the server is stopped (Ctrl-C or <paramref name="cancellationToken"/>).</summary>
    public Task WaitForShutdownAsync(CancellationToken cancellationToken = default) => _app.WaitForShutdownAsync(cancellationToken);

    public async ValueTask DisposeAsync()
    {
        await _app.StopAsync().ConfigureAwait(false);
        await _app.DisposeAsync().ConfigureAwait(false);
        _workspace.Dispose();
    }

    private static WebApplication Build(ServerOptions options, ServerContext context)
    {
        var builder = WebApplication.CreateSlimBuilder(new WebApplicationOptions { Args = [] });
        builder.Logging.ClearProviders();
        builder.Logging.AddSimpleConsole().SetMinimumLevel(LogLevel.Warning);
        builder.Services.AddSingleton(context);
        builder.WebHost.UseKestrel(kestrel =>
        {
            kestrel.AddServerHeader = false;
            kestrel.Limits.MaxRequestBodySize = options.MaxArtifactBytes;
            kestrel.Limits.MaxRequestLineSize = 64 * 1024;    // long GET query strings (filters, many run ids)
            if (options.Host is "localhost")
            {
                kestrel.ListenLocalhost(options.Port);
            }
            else if (IPAddress.TryParse(options.Host, out var ip))
            {
                kestrel.Listen(ip, options.Port);
            }
            else
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    $"--host '{options.Host}' is not an IP address. Use 127.0.0.1 (the default), 0.0.0.0 for every interface, or a specific address.");
            }
        });

        var app = builder.Build();
        app.Use((http, next) => Guard(http, next, options));
        app.MapGet("/health", () => Results.Text("OK"));
        app.MapReproApi();
        app.MapMlflowApi();
        app.MapUi();
        return app;
    }

    /// <summary>Errors in the style of the API that was called, the JSON body limit, and the bearer token.</summary>
    private static async Task Guard(HttpContext http, RequestDelegate next, ServerOptions options)
    {
        var path = http.Request.Path;
        var mlflow = path.StartsWithSegments("/api/2.0", StringComparison.Ordinal)
            || path.StartsWithSegments("/ajax-api/2.0", StringComparison.Ordinal);
        var upload = IsUpload(path);
        try
        {
            if (!upload && http.Features.Get<IHttpMaxRequestBodySizeFeature>() is { IsReadOnly: false } limit)
            {
                limit.MaxRequestBodySize = options.MaxJsonBodyBytes;
            }

            if (!Authorized(http, options))
            {
                http.Response.Headers.WWWAuthenticate = "Bearer";
                await WriteError(http, mlflow, StatusCodes.Status401Unauthorized, "unauthenticated",
                    "This server requires a bearer token for this request. Send `Authorization: Bearer <token>` "
                    + "(REPRO_TRACKING_TOKEN for repro, MLFLOW_TRACKING_TOKEN for MLflow clients).").ConfigureAwait(false);
                return;
            }

            await next(http).ConfigureAwait(false);
        }
        catch (ReproException e) when (!http.Response.HasStarted)
        {
            var status = Problems.StatusFor(e.Code);
            await WriteError(http, mlflow, status, Problems.CodeName(e.Code), e.Message, e.Code).ConfigureAwait(false);
        }
        catch (BadHttpRequestException e) when (!http.Response.HasStarted)
        {
            var tooLarge = e.StatusCode == StatusCodes.Status413PayloadTooLarge;
            await WriteError(http, mlflow, e.StatusCode, tooLarge ? "request_too_large" : "bad_request",
                tooLarge
                    ? upload
                        ? $"The upload is larger than this server accepts ({options.MaxArtifactBytes} bytes per file). Split the file, or store it elsewhere and log its location."
                        : $"The request body is larger than this server accepts ({options.MaxJsonBodyBytes} bytes for JSON). Send smaller batches."
                    : e.Message).ConfigureAwait(false);
        }
        catch (JsonException e) when (!http.Response.HasStarted)
        {
            await WriteError(http, mlflow, StatusCodes.Status400BadRequest, "malformed_request",
                $"The request body is not valid JSON: {e.Message}").ConfigureAwait(false);
        }
    }

    /// <summary>Raw file uploads, which get the artifact size limit instead of the JSON one.</summary>
    private static bool IsUpload(PathString path) =>
        path.StartsWithSegments("/api/2.0/mlflow-artifacts", StringComparison.Ordinal)
        || path.StartsWithSegments("/ajax-api/2.0/mlflow-artifacts", StringComparison.Ordinal)
        || path.StartsWithSegments("/api/v1/objects", StringComparison.Ordinal);

    /// <summary>
    /// The UI's pages and static assets hold no data (everything comes from the API), so they load without a token even
    /// with --protect-reads; the page reads /api/v1/server (also open: whether reads need the token), asks for the token
    /// before its first API call, and sends it with every call.
    /// </summary>
    private static bool IsPublicShell(HttpContext http)
    {
        var path = http.Request.Path;
        return (HttpMethods.IsGet(http.Request.Method) || HttpMethods.IsHead(http.Request.Method))
            && (path == "/" || path.StartsWithSegments("/ui", StringComparison.Ordinal) || path == "/health"
                || path == ServerInfoEndpoints.Path
                || path == "/runs" || path.StartsWithSegments("/runs", StringComparison.Ordinal)
                || path == "/chart" || path == "/compare" || path == "/favicon.ico");
    }

    private static bool Authorized(HttpContext http, ServerOptions options)
    {
        if (options.Token is not { Length: > 0 } token || IsPublicShell(http))
        {
            return true;
        }

        var method = http.Request.Method;
        var isRead = HttpMethods.IsGet(method) || HttpMethods.IsHead(method) || HttpMethods.IsOptions(method)
            || (HttpMethods.IsPost(method) && IsReadOnlyPost(http.Request.Path));
        if (isRead && !options.ProtectReads)
        {
            return true;
        }

        var header = http.Request.Headers.Authorization.ToString();
        const string Prefix = "Bearer ";
        if (!header.StartsWith(Prefix, StringComparison.OrdinalIgnoreCase))
        {
            return false;
        }

        var given = Encoding.UTF8.GetBytes(header[Prefix.Length..].Trim());
        return CryptographicOperations.FixedTimeEquals(given, Encoding.UTF8.GetBytes(token));
    }

    /// <summary>POST endpoints that only read (MLflow's searches).</summary>
    private static bool IsReadOnlyPost(PathString path) =>
        path.Value is { } p && (p.EndsWith("/search", StringComparison.Ordinal) || p.EndsWith("/runs/query", StringComparison.Ordinal));

    private static Task WriteError(HttpContext http, bool mlflow, int status, string code, string message, ErrorCode? domain = null)
    {
        if (!mlflow)
        {
            var title = status switch
            {
                401 => "Unauthorized",
                413 => "Request too large",
                _ => null,
            };
            return title is null && domain is { } d
                ? Problems.Write(http, new ReproException(d, message))
                : Problems.Write(http, status, code, title ?? "Bad request", message);
        }

        return MlflowErrors.Write(http, status, MlflowErrors.CodeFor(status, domain), message);
    }
}
