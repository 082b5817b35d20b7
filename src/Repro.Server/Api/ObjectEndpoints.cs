using System.Security.Cryptography;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;

namespace Repro.Server.Api;

/// <summary>
/// The content-addressed object store: remote clients upload logs, artifacts, diffs and manifests here before the run
/// record names them. Uploads stream to a temp file while being hashed; nothing is stored unless the hash matches.
/// </summary>
internal static class ObjectEndpoints
{
    private const int BufferSize = 1 << 16;

    public static void MapObjectEndpoints(this RouteGroupBuilder api)
    {
        api.MapMethods("/objects/{sha256}", [HttpMethods.Head], (string sha256, ServerContext server) =>
            server.Objects.Exists(Check(sha256)) ? Results.Ok() : Results.NotFound());

        api.MapGet("/objects/{sha256}", (string sha256, ServerContext server) =>
        {
            var sha = Check(sha256);
            if (!server.Objects.Exists(sha))
            {
                throw new ReproException(ErrorCode.NotFound, $"Object {sha} is not on this server. Upload it with PUT /api/v1/objects/{sha}.");
            }

            return Results.Stream(server.Objects.Open(sha), "application/octet-stream", enableRangeProcessing: true);
        });

        api.MapPut("/objects/{sha256}", Put);
    }

    private static async Task<IResult> Put(string sha256, HttpRequest request, ServerContext server)
    {
        var expected = Check(sha256);
        var cancel = request.HttpContext.RequestAborted;
        Directory.CreateDirectory(server.Workspace.TempDirectory);
        var temp = Path.Combine(server.Workspace.TempDirectory, "upload-" + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            string actual;
            long size = 0;
            var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, BufferSize, FileOptions.Asynchronous);
            await using (file.ConfigureAwait(false))
            {
                using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
                var buffer = new byte[BufferSize];
                int read;
                while ((read = await request.Body.ReadAsync(buffer, cancel).ConfigureAwait(false)) > 0)
                {
                    hash.AppendData(buffer, 0, read);
                    await file.WriteAsync(buffer.AsMemory(0, read), cancel).ConfigureAwait(false);
                    size += read;
                }

                actual = Convert.ToHexStringLower(hash.GetHashAndReset());
            }

            if (actual != expected)
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    $"The uploaded bytes ({size} bytes) hash to {actual}, not {expected}; nothing was stored. "
                    + "Send the object's exact bytes to PUT /api/v1/objects/<their sha256>.");
            }

            if (!server.Objects.Exists(expected))
            {
                server.Objects.PutFile(temp);
            }

            request.HttpContext.Response.Headers.Location = $"{ApiEndpoints.Prefix}/objects/{expected}";
            return Results.StatusCode(StatusCodes.Status201Created);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>The lowercase object id; InvalidArgument when it is not 64 hex characters.</summary>
    private static string Check(string sha256) =>
        sha256 is { Length: 64 } && sha256.All(char.IsAsciiHexDigit)
            ? sha256.ToLowerInvariant()
            : throw new ReproException(
                ErrorCode.InvalidArgument,
                $"'{sha256}' is not an object id: expected a sha256 as 64 hex characters, e.g. the output of `sha256sum FILE`.");
}
