using System.Buffers;
using System.Security.Cryptography;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.StaticFiles;
using Microsoft.Net.Http.Headers;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

/// <summary>
/// The artifact proxy (<c>/api/2.0/mlflow-artifacts/artifacts/...</c>) and the tracking API's artifact listing. Files are
/// content-addressed objects in the workspace's object store; the store maps each proxy path to its sha256. A path is
/// percent-decoded and checked before use, and only ever names a row, never a file on disk, so nothing outside the object
/// store is read or written.
/// </summary>
internal sealed partial class MlflowService
{
    public const string ProxyScheme = "mlflow-artifacts:";
    private const string ArtifactsMarker = "/mlflow-artifacts/artifacts/";
    private const int BufferSize = 1 << 16;
    private const long MaxAjaxUploadBytes = 10L * 1024 * 1024;

    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    /// <summary>PUT .../mlflow-artifacts/artifacts/{path}: the body, streamed to a temp file while hashing, becomes the file.</summary>
    public async Task UploadArtifact(HttpContext http)
    {
        var path = ProxyPathFromRequest(http);
        var (sha256, size) = await StoreBodyAsync(http.Request.Body, long.MaxValue).ConfigureAwait(false);
        RecordArtifact(path, sha256, size);
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>GET .../mlflow-artifacts/artifacts/{path}: the file's bytes, as an attachment.</summary>
    public Task DownloadArtifact(HttpContext http) => SendFileAsync(http, ProxyPathFromRequest(http));

    /// <summary>GET .../mlflow-artifacts/artifacts?path=: the direct children of a directory, by base name.</summary>
    public async Task ListProxyArtifacts(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var path = args.String("path");
        var directory = string.IsNullOrEmpty(path) ? "" : MlflowValidation.SafePath(path).TrimEnd('/');
        var children = ListDirectory(directory);
        await MlflowJson.WriteAsync(http, w =>
        {
            if (children.Count > 0)
            {
                w.WriteStartArray("files");
                foreach (var child in children)
                {
                    MlflowJson.FileInfo(w, BaseName(child.Path), child.IsDirectory, child.Size);
                }

                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>DELETE .../mlflow-artifacts/artifacts/{path}: forgets a file, or every file under a directory.</summary>
    public async Task DeleteArtifact(HttpContext http)
    {
        var path = ProxyPathFromRequest(http);
        Store.DeleteArtifactFiles(path);
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>GET .../mlflow/artifacts/list?run_id=&amp;path=: a run's artifacts, with paths relative to the run's root.</summary>
    public async Task ListRunArtifacts(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var path = args.String("path");
        _ = args.String("page_token");
        var relative = string.IsNullOrEmpty(path) ? "" : MlflowValidation.SafePath(path).TrimEnd('/');
        var run = GetRun(runId);
        var root = ProxyRoot(run.ArtifactUri);
        var children = root is null ? [] : ListDirectory(relative.Length == 0 ? root : root + "/" + relative);
        await MlflowJson.WriteAsync(http, w =>
        {
            w.WriteString("root_uri", run.ArtifactUri);
            if (children.Count > 0)
            {
                w.WriteStartArray("files");
                foreach (var child in children)
                {
                    var name = BaseName(child.Path);
                    MlflowJson.FileInfo(w, relative.Length == 0 ? name : relative + "/" + name, child.IsDirectory, child.Size);
                }

                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }

    /// <summary>GET /get-artifact?run_id=&amp;path= (MLflow's UI download link): one file of a run.</summary>
    public async Task GetRunArtifact(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var path = MlflowValidation.SafePath(args.RequiredString("path"));
        var run = GetRun(runId);
        var root = ProxyRoot(run.ArtifactUri) ?? throw MlflowException.NotFound(
            $"Run {runId} keeps its artifacts at {run.ArtifactUri}, outside this server; read them from there.");
        await SendFileAsync(http, root + "/" + path).ConfigureAwait(false);
    }

    /// <summary>POST .../mlflow/upload-artifact?run_uuid=&amp;path= (MLflow's UI): a small file (at most 10 MB) for a run.</summary>
    public async Task UploadRunArtifact(HttpContext http)
    {
        var runId = http.Request.Query["run_uuid"].FirstOrDefault();
        if (string.IsNullOrEmpty(runId))
        {
            throw MlflowException.InvalidParameter("Request must specify run_uuid.");
        }

        var path = http.Request.Query["path"].FirstOrDefault();
        if (string.IsNullOrEmpty(path))
        {
            throw MlflowException.InvalidParameter("Request must specify path.");
        }

        path = MlflowValidation.SafePath(path);
        if (http.Request.ContentLength > MaxAjaxUploadBytes)
        {
            throw MlflowException.InvalidParameter("Artifact size is too large. Max size is 10MB.");
        }

        var run = GetRun(runId);
        var root = ProxyRoot(run.ArtifactUri) ?? throw MlflowException.InvalidParameter(
            $"Run {runId} keeps its artifacts at {run.ArtifactUri}, outside this server; upload them there.");
        var (sha256, size) = await StoreBodyAsync(http.Request.Body, MaxAjaxUploadBytes).ConfigureAwait(false);
        if (size == 0)
        {
            throw MlflowException.InvalidParameter("Request must specify data.");
        }

        RecordArtifact(root + "/" + path, sha256, size);
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>The proxy path of a run's artifact root ("1/&lt;run id&gt;/artifacts"), or null when it is not on this server.</summary>
    internal static string? ProxyRoot(string artifactUri)
    {
        if (!artifactUri.StartsWith(ProxyScheme, StringComparison.Ordinal))
        {
            return null;
        }

        var rest = artifactUri[ProxyScheme.Length..];
        if (rest.StartsWith("//", StringComparison.Ordinal))
        {
            // mlflow-artifacts://host:port/path names this server by address; the path is what matters.
            var slash = rest.IndexOf('/', 2);
            rest = slash < 0 ? "" : rest[slash..];
        }

        return rest.Trim('/');
    }

    /// <summary>
    /// The artifact path of a proxy request: everything after <c>/mlflow-artifacts/artifacts/</c>. An empty segment
    /// (<c>artifacts//etc/passwd</c>, <c>a//b</c>) names nothing: 404. Traversal, absolute paths, backslashes and NUL,
    /// percent-encoded or not, are refused: 400 "Invalid path".
    /// </summary>
    private static string ProxyPathFromRequest(HttpContext http)
    {
        var full = http.Request.Path.Value ?? "";
        var at = full.IndexOf(ArtifactsMarker, StringComparison.Ordinal);
        var rest = at < 0 ? "" : full[(at + ArtifactsMarker.Length)..];
        if (rest.Length == 0 || rest.Split('/').Any(segment => segment.Length == 0))
        {
            throw MlflowException.NotFound($"No artifact at '{rest}': artifact paths are relative and have no empty segments.");
        }

        return MlflowValidation.SafePath(rest);
    }

    private List<ArtifactFile> ListDirectory(string directory)
    {
        // A file is not a directory: listing it gives nothing (MLflow's clients rely on this to tell files from directories).
        if (directory.Length > 0 && Store.GetArtifactFile(directory) is { IsDirectory: false })
        {
            return [];
        }

        return [.. Store.ListArtifactFiles(directory)];
    }

    private async Task SendFileAsync(HttpContext http, string path)
    {
        var file = Store.GetArtifactFile(path);
        if (file is null || file.IsDirectory || file.Sha256 is null)
        {
            throw MlflowException.NotFound(
                file is { IsDirectory: true }
                    ? $"'{path}' is a directory; list it with GET /api/2.0/mlflow-artifacts/artifacts?path={path}."
                    : $"No artifact at '{path}'.");
        }

        var stream = context.Objects.Open(file.Sha256);
        await using (stream.ConfigureAwait(false))
        {
            var name = BaseName(path);
            http.Response.ContentType = ContentTypes.TryGetContentType(name, out var type) ? type : "application/octet-stream";
            http.Response.ContentLength = file.Size;
            var disposition = new ContentDispositionHeaderValue("attachment");
            disposition.SetHttpFileName(name);
            http.Response.Headers.ContentDisposition = disposition.ToString();
            http.Response.Headers.XContentTypeOptions = "nosniff";
            await stream.CopyToAsync(http.Response.Body, BufferSize, http.RequestAborted).ConfigureAwait(false);
        }
    }

    /// <summary>
    /// Streams a body into a temp file on the workspace's filesystem, hashing as it goes, and adds it to the object store
    /// (unless the same bytes are already there). Never holds the file in memory.
    /// </summary>
    private async Task<(string Sha256, long Size)> StoreBodyAsync(Stream body, long limit)
    {
        var temp = Path.Combine(context.Workspace.TempDirectory, "upload-" + Guid.NewGuid().ToString("N") + ".tmp");
        Directory.CreateDirectory(context.Workspace.TempDirectory);
        var buffer = ArrayPool<byte>.Shared.Rent(BufferSize);
        try
        {
            using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
            long size = 0;
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                int read;
                while ((read = await body.ReadAsync(buffer.AsMemory(0, BufferSize)).ConfigureAwait(false)) > 0)
                {
                    size += read;
                    if (size > limit)
                    {
                        throw MlflowException.InvalidParameter($"Artifact size is too large. Max size is {limit / (1024 * 1024)}MB.");
                    }

                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read)).ConfigureAwait(false);
                }
            }

            var sha256 = Convert.ToHexStringLower(hash.GetHashAndReset());
            if (!context.Objects.Exists(sha256))
            {
                var (stored, _) = context.Objects.PutFile(temp);
                if (stored != sha256)
                {
                    throw new ReproException(ErrorCode.Io,
                        $"The uploaded file changed while it was being stored ({sha256} became {stored}). Upload it again.");
                }
            }

            return (sha256, size);
        }
        finally
        {
            ArrayPool<byte>.Shared.Return(buffer);
            File.Delete(temp);
        }
    }

    /// <summary>
    /// Records the file under its proxy path and, when the path lies under a run's artifact root
    /// (<c>&lt;experiment&gt;/&lt;run id&gt;/artifacts/...</c>), as an artifact of that Repro run too.
    /// </summary>
    private void RecordArtifact(string path, string sha256, long size)
    {
        Store.PutArtifactFile(path, sha256, size);
        var match = RunArtifactPath().Match(path);
        if (!match.Success)
        {
            return;
        }

        var id = new RunId(match.Groups["run"].Value);
        lock (LockFor(id))
        {
            var run = Store.GetTrackedRun(id);
            if (run is null || ProxyRoot(run.ArtifactUri) != match.Groups["root"].Value)
            {
                return;
            }

            var relative = match.Groups["rel"].Value;
            if (!run.Record.Artifacts.Any(a => a.Path == relative && a.Sha256 == sha256))
            {
                Store.Write(new RunWriteBatch(id) { Artifacts = [new Artifact(relative, sha256, size)] });
            }
        }
    }

    private static string BaseName(string path) => path[(path.LastIndexOf('/') + 1)..];

    [GeneratedRegex("^(?<root>[^/]+/(?<run>[0-9a-f]{32})/artifacts)/(?<rel>.+)$")]
    private static partial Regex RunArtifactPath();
}
