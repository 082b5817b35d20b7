using Repro.Core.Errors;

namespace Repro.Server.Api;

/// <summary>
/// Artifact paths are relative names inside a run's artifacts: never absolute, never with a <c>..</c> segment, so nothing
/// outside the artifact store is ever named.
/// </summary>
internal static class ArtifactPaths
{
    /// <summary>The path with '/' separators; InvalidArgument naming the problem when it is empty, absolute or climbs out.</summary>
    public static string Check(string? path)
    {
        if (string.IsNullOrWhiteSpace(path))
        {
            throw new ReproException(ErrorCode.InvalidArgument, "An artifact path is empty. Give a relative path such as model/weights.bin.");
        }

        var normalized = path.Replace('\\', '/');
        if (normalized.Contains('\0', StringComparison.Ordinal))
        {
            throw new ReproException(ErrorCode.InvalidArgument, "An artifact path contains a NUL character. Give a relative path such as model/weights.bin.");
        }

        if (normalized.StartsWith('/') || (normalized.Length >= 2 && char.IsAsciiLetter(normalized[0]) && normalized[1] == ':'))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Artifact path '{path}' is absolute. Artifact paths are relative to the run's artifacts, e.g. model/weights.bin.");
        }

        if (normalized.Split('/').Any(segment => segment == ".."))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Artifact path '{path}' contains '..'. Artifact paths stay inside the run's artifacts; name the file relative to them.");
        }

        return normalized;
    }
}
