using System.Security.Cryptography;
using System.Text;

namespace Repro.Core.Diffing;

/// <summary>One file's part of a `git diff` patch: lines added and removed, and a hash of the hunk text.</summary>
public sealed record PatchFile(string Path, int Added, int Removed, bool Binary, string Sha256);

/// <summary>Splits a git patch (as stored for a dirty working tree) into per-file summaries. Pure.</summary>
public static class PatchSummary
{
    public static IReadOnlyDictionary<string, PatchFile> Parse(string? patch)
    {
        var files = new SortedDictionary<string, PatchFile>(StringComparer.Ordinal);
        if (string.IsNullOrEmpty(patch))
        {
            return files;
        }

        string? path = null;
        var body = new StringBuilder();
        int added = 0, removed = 0;
        var binary = false;

        void Flush()
        {
            if (path is not null)
            {
                var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(body.ToString())));
                files[path] = new PatchFile(path, added, removed, binary, hash);
            }

            body.Clear();
            added = removed = 0;
            binary = false;
        }

        foreach (var line in patch.Split('\n'))
        {
            if (line.StartsWith("diff --git ", StringComparison.Ordinal))
            {
                Flush();
                path = PathFromHeader(line);
                continue;
            }

            if (path is null)
            {
                continue;
            }

            if (line.StartsWith("+++ ", StringComparison.Ordinal) || line.StartsWith("--- ", StringComparison.Ordinal))
            {
                if (line.StartsWith("+++ b/", StringComparison.Ordinal))
                {
                    path = line[6..];
                }

                continue;
            }

            if (line.StartsWith("index ", StringComparison.Ordinal))
            {
                continue;
            }

            if (line.StartsWith("GIT binary patch", StringComparison.Ordinal) || line.StartsWith("Binary files", StringComparison.Ordinal))
            {
                binary = true;
            }
            else if (line.StartsWith('+'))
            {
                added++;
            }
            else if (line.StartsWith('-'))
            {
                removed++;
            }

            body.Append(line).Append('\n');
        }

        Flush();
        return files;
    }

    private static string PathFromHeader(string header)
    {
        // "diff --git a/x b/x": take the b/ side; names with spaces keep working because both sides are equal.
        var rest = header["diff --git ".Length..];
        var idx = rest.IndexOf(" b/", StringComparison.Ordinal);
        return idx >= 0 ? rest[(idx + 3)..] : rest;
    }
}
