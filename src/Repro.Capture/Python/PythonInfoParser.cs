using System.Text.Json;
using Repro.Core.Runs;

namespace Repro.Capture.Python;

/// <summary>Parses the line the Python probe script prints: the marker followed by {version, executable, packages}.</summary>
public static class PythonInfoParser
{
    /// <summary>Starts the probe's output line, so that anything else the interpreter prints (sitecustomize, ...) is ignored.</summary>
    public const string Marker = "REPRO_PYTHON_INFO ";

    /// <summary>Returns null when no marked line holds a JSON object with a version and an executable.</summary>
    public static PythonInfo? Parse(string output)
    {
        ArgumentNullException.ThrowIfNull(output);
        var line = output.Split('\n').LastOrDefault(l => l.StartsWith(Marker, StringComparison.Ordinal));
        if (line is null)
        {
            return null;
        }

        try
        {
            using var document = JsonDocument.Parse(line[Marker.Length..]);
            var root = document.RootElement;
            if (root.ValueKind != JsonValueKind.Object
                || !TryGetString(root, "version", out var version)
                || !TryGetString(root, "executable", out var executable))
            {
                return null;
            }

            var packages = new SortedDictionary<string, string>(StringComparer.Ordinal);
            if (root.TryGetProperty("packages", out var list) && list.ValueKind == JsonValueKind.Object)
            {
                foreach (var package in list.EnumerateObject())
                {
                    if (package.Value.ValueKind == JsonValueKind.String && package.Name.Length > 0)
                    {
                        packages[package.Name] = package.Value.GetString()!;
                    }
                }
            }

            return new PythonInfo(executable, version, packages);
        }
        catch (JsonException)
        {
            return null;
        }
    }

    private static bool TryGetString(JsonElement element, string name, out string value)
    {
        if (element.TryGetProperty(name, out var property) && property.ValueKind == JsonValueKind.String
            && property.GetString() is { Length: > 0 } text)
        {
            value = text;
            return true;
        }

        value = "";
        return false;
    }
}
