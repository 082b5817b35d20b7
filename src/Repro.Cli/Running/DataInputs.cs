using System.Globalization;
using Repro.Capture.Data;
using Repro.Core.Data;
using Repro.Core.Diffing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Server.Reports;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>Data inputs of runs: fingerprinted before a command starts, checked again after, compared between runs.</summary>
internal static class DataInputs
{
    public static FingerprintOptions Options(ReproWorkspace workspace, bool skipUnreadable) => new()
    {
        CacheDirectory = Path.Combine(workspace.ReproDirectory, "cache"),
        ExcludedDirectories = [workspace.ReproDirectory],
        SkipUnreadable = skipUnreadable,
    };

    /// <summary>The name an input is recorded under: relative to the working directory when inside it, else absolute.</summary>
    public static string RecordedPath(string given, string workingDirectory)
    {
        var full = Path.TrimEndingDirectorySeparator(Path.GetFullPath(Path.Combine(workingDirectory, given)));
        var relative = Path.GetRelativePath(workingDirectory, full);
        return relative == ".." || relative.StartsWith("../", StringComparison.Ordinal) || Path.IsPathRooted(relative) ? full : relative;
    }

    /// <summary>Checks every path exists first (nothing runs otherwise), then fingerprints each and stores its manifest.</summary>
    public static IReadOnlyList<DataInput> Fingerprint(
        ReproWorkspace workspace, IReadOnlyList<string> paths, string workingDirectory, bool skipUnreadable, TextWriter messages)
    {
        foreach (var p in paths)
        {
            var full = Path.GetFullPath(Path.Combine(workingDirectory, p));
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                throw new ReproException(ErrorCode.NotFound,
                    $"Data path '{p}' does not exist (looked at {full}). Check the path given to --data; nothing was run.");
            }
        }

        var inputs = new List<DataInput>();
        foreach (var p in paths)
        {
            var full = Path.GetFullPath(Path.Combine(workingDirectory, p));
            var fingerprint = DataFingerprinter.Fingerprint(full, Options(workspace, skipUnreadable));
            var sha = StoreManifest(workspace, fingerprint.Manifest);
            var name = RecordedPath(p, workingDirectory);
            inputs.Add(new DataInput(name, fingerprint.Root, fingerprint.FileCount, fingerprint.TotalBytes, sha) { Warnings = fingerprint.Warnings });
            messages.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"repro: data {name}: {fingerprint.FileCount} file(s), {Rendering.Format.Bytes(fingerprint.TotalBytes)}, root {fingerprint.Root[..16]}") +
                (fingerprint.FilesFromCache > 0 ? string.Create(CultureInfo.InvariantCulture, $" ({fingerprint.FilesFromCache} unchanged, not re-read)") : ""));
            foreach (var w in fingerprint.Warnings)
            {
                messages.WriteLine($"repro: warning: data {name}: {w}");
            }
        }

        return inputs;
    }

    /// <summary>Fingerprints the inputs again after the run; a change is a warning on the input and the run.</summary>
    public static (IReadOnlyList<DataInput> Inputs, IReadOnlyList<string> Warnings) Recheck(
        ReproWorkspace workspace, IReadOnlyList<DataInput> inputs, string workingDirectory, bool skipUnreadable)
    {
        var updated = new List<DataInput>();
        var warnings = new List<string>();
        foreach (var input in inputs)
        {
            string? problem = null;
            try
            {
                var full = Path.GetFullPath(Path.Combine(workingDirectory, input.Path));
                var now = DataFingerprinter.Fingerprint(full, Options(workspace, skipUnreadable));
                if (now.Root != input.RootHash)
                {
                    var diff = ManifestDiff.Compare(LoadManifest(workspace, input.ManifestSha256), now.Manifest);
                    problem = "changed during the run: " + Describe(diff);
                }
            }
            catch (ReproException e)
            {
                problem = "could not be checked after the run: " + e.Message;
            }

            if (problem is null)
            {
                updated.Add(input);
            }
            else
            {
                updated.Add(input with { Warnings = [.. input.Warnings, problem] });
                warnings.Add($"data {input.Path} {problem}");
            }
        }

        return (updated, warnings);
    }

    public static string StoreManifest(ReproWorkspace workspace, DataManifest manifest)
    {
        using var buffer = new MemoryStream();
        manifest.WriteTo(buffer);
        buffer.Position = 0;
        return workspace.Objects.Put(buffer).Sha256;
    }

    public static DataManifest LoadManifest(ReproWorkspace workspace, string sha256) => DataChanges.LoadManifest(workspace.Objects, sha256);

    public static string Describe(ManifestDiff diff) => string.Create(CultureInfo.InvariantCulture,
        $"+{diff.AddedCount} added ({Rendering.Format.Bytes(diff.AddedBytes)}), −{diff.RemovedCount} removed ({Rendering.Format.Bytes(diff.RemovedBytes)}), ~{diff.ChangedCount} changed")
        + Examples(diff);

    private static string Examples(ManifestDiff diff)
    {
        var names = DataChanges.Examples(diff).ToList();
        return names.Count == 0 ? "" : ": " + string.Join(", ", names);
    }

    /// <summary>Pairs the inputs of two runs: by recorded path, or the single input of each when both have exactly one.</summary>
    public static IReadOnlyList<(string Name, DataInput? Left, DataInput? Right)> Pair(RunRecord left, RunRecord right) =>
        DataChanges.Pair(left, right);

    /// <summary>File-level changes of every input both runs recorded under one name whose roots differ.</summary>
    public static IReadOnlyList<DataChange> Changes(ReproWorkspace workspace, RunRecord left, RunRecord right) =>
        DataChanges.Of(workspace.Objects, left, right);
}
