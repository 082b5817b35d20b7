using Repro.Core.Errors;

namespace Repro.Storage.Tracking;

/// <summary>
/// Validates paths under the artifact proxy's root: relative, '/'-separated, no empty, '.' or '..' segments, no backslash,
/// no drive letter, no control characters. Anything else is InvalidArgument, so no path can reach outside the root.
/// </summary>
public static class ArtifactPaths
{
    public const int MaxLength = 1024;

    /// <summary>The validated file path (a trailing '/' is not allowed for files).</summary>
    public static string File(string? path) => Check(path, allowEmpty: false, trimTrailingSlash: false);

    /// <summary>The validated directory path: "" for the root; one trailing '/' is dropped.</summary>
    public static string Directory(string? path) => Check(path, allowEmpty: true, trimTrailingSlash: true);

    private static string Check(string? path, bool allowEmpty, bool trimTrailingSlash)
    {
        path ??= "";
        if (trimTrailingSlash && path.EndsWith('/'))
        {
            path = path[..^1];
        }

        if (path.Length == 0)
        {
            return allowEmpty ? path : throw Invalid(path, "it is empty");
        }

        if (path.Length > MaxLength)
        {
            throw Invalid(path[..40] + "...", $"it is longer than {MaxLength} characters");
        }

        if (path.StartsWith('/'))
        {
            throw Invalid(path, "it is absolute (starts with '/'); give a path relative to the artifact root");
        }

        if (path.Contains('\\', StringComparison.Ordinal))
        {
            throw Invalid(path, "it contains a backslash; separate directories with '/'");
        }

        if (path.Length >= 2 && path[1] == ':' && char.IsAsciiLetter(path[0]))
        {
            throw Invalid(path, "it starts with a drive letter");
        }

        if (path.Any(char.IsControl))
        {
            throw Invalid(path, "it contains a control character");
        }

        foreach (var segment in path.Split('/'))
        {
            if (segment.Length == 0)
            {
                throw Invalid(path, "it has an empty segment ('//' or a trailing '/')");
            }

            if (segment is "." or "..")
            {
                throw Invalid(path, $"it has a '{segment}' segment; no path may leave or re-enter a directory");
            }
        }

        return path;
    }

    private static ReproException Invalid(string path, string why) =>
        new(ErrorCode.InvalidArgument, $"Invalid artifact path '{path}': {why}.");
}
