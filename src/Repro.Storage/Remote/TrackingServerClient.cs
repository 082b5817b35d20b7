using System.Globalization;
using System.Net;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Serialization;

namespace Repro.Storage.Remote;

/// <summary>
/// A synchronous HTTP client for <c>repro server</c>'s <c>/api/v1</c>: sends the bearer token, turns problem details back
/// into <see cref="ReproException"/>s with the server's code and message, and turns "cannot connect" and time-outs into
/// <see cref="ErrorCode.Io"/> errors that name the address (so callers can tell a server that is away from one that said no).
/// </summary>
public sealed class TrackingServerClient : IDisposable
{
    /// <summary>How long a JSON request may take before the server counts as unreachable.</summary>
    public static readonly TimeSpan RequestTimeout = TimeSpan.FromSeconds(60);

    /// <summary>How long an object upload or download may take (objects can be checkpoints of several GB).</summary>
    public static readonly TimeSpan TransferTimeout = TimeSpan.FromHours(2);

    private readonly HttpClient _http;
    private readonly string? _token;

    public TrackingServerClient(Uri baseUri, string? token, HttpMessageHandler? handler = null)
    {
        ArgumentNullException.ThrowIfNull(baseUri);
        BaseUri = baseUri;
        _token = token;
        _http = new HttpClient(handler ?? new SocketsHttpHandler
        {
            ConnectTimeout = TimeSpan.FromSeconds(10),
            PooledConnectionLifetime = TimeSpan.FromMinutes(5),
        })
        {
            BaseAddress = new Uri(baseUri.AbsoluteUri.TrimEnd('/') + "/"),
            Timeout = Timeout.InfiniteTimeSpan,
        };
        _http.DefaultRequestHeaders.UserAgent.Add(new ProductInfoHeaderValue("repro", "1"));
        if (token is { Length: > 0 })
        {
            _http.DefaultRequestHeaders.Authorization = new AuthenticationHeaderValue("Bearer", token);
        }
    }

    /// <summary>The server's address, without a trailing slash.</summary>
    public Uri BaseUri { get; }

    public string Address => BaseUri.AbsoluteUri.TrimEnd('/');

    /// <summary>GETs JSON and deserializes it; null on 404 when <paramref name="notFoundIsNull"/>, else the server's error.</summary>
    public T? GetJson<T>(string path, bool notFoundIsNull = false)
        where T : class
    {
        using var response = Send(HttpMethod.Get, path, null, RequestTimeout);
        if (notFoundIsNull && response.StatusCode == HttpStatusCode.NotFound)
        {
            return null;
        }

        EnsureSuccess(response, HttpMethod.Get, path);
        return ReadJson<T>(response, path);
    }

    /// <summary>Sends a JSON body; returns the status code on success, throws the server's error otherwise.</summary>
    public HttpStatusCode SendJson<TBody>(HttpMethod method, string path, TBody body)
    {
        var bytes = JsonSerializer.SerializeToUtf8Bytes(body, ReproJson.Options);
        using var content = new ByteArrayContent(bytes);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/json") { CharSet = "utf-8" };
        using var response = Send(method, path, content, RequestTimeout);
        EnsureSuccess(response, method, path);
        return response.StatusCode;
    }

    /// <summary>HEAD: true on 2xx, false on 404, the server's error otherwise.</summary>
    public bool Exists(string path)
    {
        using var response = Send(HttpMethod.Head, path, null, RequestTimeout);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        EnsureSuccess(response, HttpMethod.Head, path);
        return true;
    }

    /// <summary>PUTs a file's bytes.</summary>
    public void PutFile(string path, string file)
    {
        using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.Read, 1 << 16, FileOptions.SequentialScan);
        using var content = new StreamContent(stream, 1 << 16);
        content.Headers.ContentType = new MediaTypeHeaderValue("application/octet-stream");
        content.Headers.ContentLength = stream.Length;
        using var response = Send(HttpMethod.Put, path, content, TransferTimeout);
        EnsureSuccess(response, HttpMethod.Put, path);
    }

    /// <summary>GETs bytes into <paramref name="target"/>; false on 404.</summary>
    public bool Download(string path, Stream target)
    {
        ArgumentNullException.ThrowIfNull(target);
        using var response = Send(HttpMethod.Get, path, null, TransferTimeout, HttpCompletionOption.ResponseHeadersRead);
        if (response.StatusCode == HttpStatusCode.NotFound)
        {
            return false;
        }

        EnsureSuccess(response, HttpMethod.Get, path);
        try
        {
            using var body = response.Content.ReadAsStream();
            body.CopyTo(target);
            return true;
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Unreachable(e, "broke off while sending " + path);
        }
    }

    public void Dispose() => _http.Dispose();

    private HttpResponseMessage Send(
        HttpMethod method, string path, HttpContent? content, TimeSpan timeout,
        HttpCompletionOption completion = HttpCompletionOption.ResponseContentRead)
    {
        using var request = new HttpRequestMessage(method, path) { Content = content };
        request.Headers.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        using var cancel = new CancellationTokenSource(timeout);
        try
        {
            return _http.Send(request, completion, cancel.Token);
        }
        catch (HttpRequestException e)
        {
            throw Unreachable(e, null);
        }
        catch (OperationCanceledException e)
        {
            throw new ReproException(
                ErrorCode.Io,
                string.Create(CultureInfo.InvariantCulture,
                    $"The tracking server at {Address} ({TrackingSettings.UriVariable}) did not answer {method} {path} within {timeout.TotalSeconds:0} s. ")
                + "Check that `repro server` is running there and not overloaded.",
                e);
        }
        catch (IOException e)
        {
            throw Unreachable(e, null);
        }
    }

    private ReproException Unreachable(Exception e, string? what)
    {
        var reason = e.InnerException is { } inner && !string.IsNullOrEmpty(inner.Message) ? inner.Message : e.Message;
        return new ReproException(
            ErrorCode.Io,
            $"Cannot reach the tracking server at {Address} ({TrackingSettings.UriVariable}): {what ?? reason}. "
            + $"Is `repro server` running there? Start it, or fix {TrackingSettings.UriVariable} (unset it to record locally).",
            e);
    }

    private void EnsureSuccess(HttpResponseMessage response, HttpMethod method, string path)
    {
        if (response.IsSuccessStatusCode)
        {
            return;
        }

        var status = (int)response.StatusCode;
        var (code, detail) = ReadProblem(response);
        if (response.StatusCode == HttpStatusCode.Unauthorized || code == "unauthenticated")
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                _token is null
                    ? $"The tracking server at {Address} requires a token. Set {TrackingSettings.TokenVariable} to the token it was started with (--token)."
                    : $"The tracking server at {Address} did not accept the token in {TrackingSettings.TokenVariable}. "
                      + "Set it to the token the server was started with (--token).");
        }

        var errorCode = MapCode(code, status);
        var message = detail is { Length: > 0 }
            ? detail
            : string.Create(CultureInfo.InvariantCulture, $"The tracking server at {Address} answered {status} {response.ReasonPhrase} to {method} {path}.");
        if (errorCode == ErrorCode.Io && detail is { Length: > 0 })
        {
            message = string.Create(CultureInfo.InvariantCulture, $"The tracking server at {Address} failed ({status}): {detail}");
        }

        throw new ReproException(errorCode, message);
    }

    /// <summary>True when the server could not be reached or did not answer (as opposed to answering with an error).</summary>
    public static bool IsUnreachable(ReproException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        return error.Code == ErrorCode.Io && error.InnerException is HttpRequestException or OperationCanceledException or IOException;
    }

    /// <summary>The server's stable code (problem details' <c>code</c>) back to the domain's <see cref="ErrorCode"/>.</summary>
    public static ErrorCode MapCode(string? code, int status)
    {
        if (code is { Length: > 0 })
        {
            var pascal = string.Concat(code.Split('_', StringSplitOptions.RemoveEmptyEntries)
                .Select(part => char.ToUpperInvariant(part[0]) + part[1..]));
            if (Enum.TryParse<ErrorCode>(pascal, ignoreCase: false, out var parsed) && Enum.IsDefined(parsed))
            {
                return parsed == ErrorCode.NoWorkspace ? ErrorCode.Io : parsed;
            }

            switch (code)
            {
                case "malformed_request" or "bad_request" or "request_too_large" or "unauthenticated" or "forbidden":
                    return ErrorCode.InvalidArgument;
            }
        }

        return status switch
        {
            404 => ErrorCode.NotFound,
            409 => ErrorCode.Conflict,
            >= 400 and < 500 => ErrorCode.InvalidArgument,
            _ => ErrorCode.Io,
        };
    }

    private static (string? Code, string? Detail) ReadProblem(HttpResponseMessage response)
    {
        try
        {
            using var reader = new StreamReader(response.Content.ReadAsStream(), Encoding.UTF8);
            var text = reader.ReadToEnd();
            if (string.IsNullOrWhiteSpace(text))
            {
                return (null, null);
            }

            using var doc = JsonDocument.Parse(text);
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                return (null, null);
            }

            string? Read(string name) =>
                root.TryGetProperty(name, out var value) && value.ValueKind == JsonValueKind.String ? value.GetString() : null;
            return (Read("code") ?? Read("error_code")?.ToLowerInvariant(), Read("detail") ?? Read("message") ?? Read("title"));
        }
        catch (Exception e) when (e is JsonException or IOException or HttpRequestException or InvalidOperationException)
        {
            return (null, null);
        }
    }

    private T ReadJson<T>(HttpResponseMessage response, string path)
        where T : class
    {
        try
        {
            using var body = response.Content.ReadAsStream();
            return JsonSerializer.Deserialize<T>(body, ReproJson.Options)
                ?? throw new JsonException("the body is null");
        }
        catch (JsonException e)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"The tracking server at {Address} sent an answer to GET {path} that this repro cannot read ({e.Message}). "
                + "Is it a `repro server` of the same version?",
                e);
        }
        catch (Exception e) when (e is IOException or HttpRequestException)
        {
            throw Unreachable(e, "broke off while answering GET " + path);
        }
    }

    internal static string Escape(string segment) => Uri.EscapeDataString(segment);

    internal static string Query(params (string Key, string? Value)[] parts)
    {
        var builder = new StringBuilder();
        foreach (var (key, value) in parts)
        {
            if (value is null)
            {
                continue;
            }

            builder.Append(builder.Length == 0 ? '?' : '&').Append(Uri.EscapeDataString(key)).Append('=').Append(Uri.EscapeDataString(value));
        }

        return builder.ToString();
    }
}
