using System.Collections.Frozen;
using System.Reflection;
using System.Security.Cryptography;

namespace Repro.Server.Ui;

/// <summary>One embedded UI file with what it is served with.</summary>
internal sealed record UiAsset(string Path, byte[] Content, string ContentType, string ETag);

/// <summary>
/// The UI's files (ui/src and the vendored uPlot), embedded in this assembly under the logical name <c>ui/PATH</c> and read
/// once. The ETag is a hash of the content, so a browser revalidates cheaply and never keeps a stale script.
/// </summary>
internal static class UiAssets
{
    private const string Prefix = "ui/";

    private static readonly Lazy<FrozenDictionary<string, UiAsset>> All = new(Load);

    /// <summary>The HTML every page route answers with; the scripts pick the page from the URL.</summary>
    public static UiAsset Shell => Find("index.html")
        ?? throw new InvalidOperationException("The UI shell ui/src/index.html is not embedded in Repro.Server; rebuild the server.");

    public static IEnumerable<string> Paths => All.Value.Keys;

    /// <summary>The asset at a path under /ui/ (such as <c>app.js</c> or <c>vendor/uPlot.iife.min.js</c>), or null.</summary>
    public static UiAsset? Find(string path) => All.Value.GetValueOrDefault(path);

    public static string ContentTypeFor(string path) => System.IO.Path.GetExtension(path).ToLowerInvariant() switch
    {
        ".html" => "text/html; charset=utf-8",
        ".js" or ".mjs" => "text/javascript; charset=utf-8",
        ".css" => "text/css; charset=utf-8",
        ".svg" => "image/svg+xml",
        ".json" => "application/json; charset=utf-8",
        ".png" => "image/png",
        ".ico" => "image/x-icon",
        ".txt" => "text/plain; charset=utf-8",
        _ => "application/octet-stream",
    };

    private static FrozenDictionary<string, UiAsset> Load()
    {
        var assembly = typeof(UiAssets).Assembly;
        var assets = new Dictionary<string, UiAsset>(StringComparer.Ordinal);
        foreach (var name in assembly.GetManifestResourceNames())
        {
            var path = name.Replace('\\', '/');
            if (!path.StartsWith(Prefix, StringComparison.Ordinal))
            {
                continue;
            }

            path = path[Prefix.Length..];
            var content = Read(assembly, name);
            var etag = "\"" + Convert.ToHexStringLower(SHA256.HashData(content))[..20] + "\"";
            assets[path] = new UiAsset(path, content, ContentTypeFor(path), etag);
        }

        return assets.ToFrozenDictionary(StringComparer.Ordinal);
    }

    private static byte[] Read(Assembly assembly, string name)
    {
        using var stream = assembly.GetManifestResourceStream(name)!;
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
