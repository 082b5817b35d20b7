using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Repro.Cli.Rendering;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Serialization;
using Repro.Storage.Objects;
using Repro.Storage.Workspace;

namespace Repro.Cli.Commands;

/// <summary>
/// `repro export RUN -o run.json`: one portable JSON document with the record, every metric point and every object the
/// run needs to be reproduced elsewhere (artifacts only with --with-artifacts). The shape is <see cref="PortableRun"/>.
/// </summary>
internal static class ExportCommand
{
    // A multiple of 3, so every full chunk encodes to base64 without padding.
    private const int ChunkSize = 3 * 16 * 1024;

    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "A run: unique id prefix, name, or `last`" };
        var output = new Option<string>("--output", "-o") { Description = "File to write (`-` for stdout)", Required = true };
        var withArtifacts = new Option<bool>("--with-artifacts")
        {
            Description = "Also carry the artifacts' content (their hashes are always in the record)",
        };
        var command = new Command("export", "Write a run, its metrics and the objects needed to reproduce it into one portable JSON file.")
        {
            run, output, withArtifacts,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var record = workspace.Runs.ResolveRun(parse.GetValue(run)!);
            var includeArtifacts = parse.GetValue(withArtifacts);
            var objects = Carried(record, includeArtifacts)
                .Where(r => !r.MayBeUnstored || workspace.Objects.Exists(r.Sha256))
                .DistinctBy(r => r.Sha256, StringComparer.Ordinal)
                .ToList();
            CheckObjects(workspace.Objects, record, objects);
            var metrics = workspace.Runs.GetMetricHistory(record.Id);

            var target = parse.GetValue(output)!;
            if (target == "-")
            {
                using var stdout = Console.OpenStandardOutput();
                Write(stdout, record, metrics, objects, workspace.Objects);
                return ExitCodes.Ok;
            }

            var objectBytes = WriteAtomically(Path.GetFullPath(target), s => Write(s, record, metrics, objects, workspace.Objects));
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Exported run {record.Id.Short} ({record.Name}, {record.Status.ToWire()}) to {target}: "
                + $"{metrics.Count} metric point(s), {objects.Count} object(s) ({Format.Bytes(objectBytes)})."));
            if (!includeArtifacts && record.Artifacts.Count > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{record.Artifacts.Count} artifact(s) travel as hashes only; add --with-artifacts to carry their content."));
            }

            if (record.Status == RunStatus.Running)
            {
                Console.Error.WriteLine($"repro: warning: run {record.Id.Short} is still running; the export is a snapshot of it now.");
            }

            Console.WriteLine($"Import it into another workspace with: repro import {Format.ShellQuote(target)}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static IEnumerable<ObjectReference> Carried(RunRecord record, bool includeArtifacts) =>
        RecordObjects.Of(record).Where(r => includeArtifacts || r.Role != ObjectRole.Artifact);

    /// <summary>Refuses before anything is written when an object is missing or its bytes no longer match its name.</summary>
    private static void CheckObjects(IObjectStore store, RunRecord record, IReadOnlyList<ObjectReference> objects)
    {
        var problems = new List<string>();
        foreach (var reference in objects)
        {
            if (!store.Exists(reference.Sha256))
            {
                problems.Add($"{reference.Sha256} ({reference.Purpose}) is missing from the object store");
            }
            else if (!store.Verify(reference.Sha256))
            {
                problems.Add($"{reference.Sha256} ({reference.Purpose}) is corrupted: its bytes no longer match its hash");
            }
        }

        if (problems.Count > 0)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"Cannot export run {record.Id.Short}: the export would not be reproducible.\n  "
                + string.Join("\n  ", problems)
                + $"\nSee every problem with `repro verify {record.Id.Short}`; "
                + "restore the objects from the workspace where the run was recorded.");
        }
    }

    private static long WriteAtomically(string path, Func<Stream, long> write)
    {
        var directory = Path.GetDirectoryName(path)!;
        if (!Directory.Exists(directory))
        {
            throw new ReproException(
                ErrorCode.NotFound, $"Cannot write {path}: directory {directory} does not exist. Create it first (mkdir -p {directory}).");
        }

        var temp = Path.Combine(directory, "." + Path.GetFileName(path) + "." + Guid.NewGuid().ToString("N")[..8] + ".tmp");
        try
        {
            long written;
            using (var file = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            {
                written = write(file);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, path, overwrite: true);
            return written;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            throw new ReproException(ErrorCode.Io, $"Cannot write {path}: {e.Message}. Check the path and its permissions.", e);
        }
        finally
        {
            File.Delete(temp);
        }
    }

    /// <summary>Streams the document; objects are base64-encoded chunk by chunk, so none is held in memory whole.</summary>
    private static long Write(
        Stream stream, RunRecord record, IReadOnlyList<MetricPoint> metrics, IReadOnlyList<ObjectReference> objects, IObjectStore store)
    {
        using var writer = new Utf8JsonWriter(stream, new JsonWriterOptions { Indented = true });
        writer.WriteStartObject();
        writer.WriteString("format", PortableRun.Format);
        writer.WriteNumber("version", PortableRun.Version);
        writer.WritePropertyName("record");
        JsonSerializer.Serialize(writer, record, ReproJson.Options);
        writer.WritePropertyName("metrics");
        JsonSerializer.Serialize(writer, metrics.Select(PortableMetric.From).ToList(), ReproJson.Options);

        long total = 0;
        var buffer = new byte[ChunkSize];
        writer.WriteStartObject("objects");
        foreach (var reference in objects)
        {
            writer.WritePropertyName(reference.Sha256);
            using var content = store.Open(reference.Sha256);
            int read;
            do
            {
                read = content.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
                writer.WriteBase64StringSegment(buffer.AsSpan(0, read), isFinalSegment: read < buffer.Length);
                total += read;
                writer.Flush();
            }
            while (read == buffer.Length);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
        writer.Flush();
        stream.Write("\n"u8);
        return total;
    }
}

/// <summary>The portable document's constants and its metric point shape (shared by export and import).</summary>
internal static class PortableRun
{
    public const string Format = "repro-run";
    public const int Version = 1;
}

/// <summary>One metric point in a portable document; NaN and ±Infinity are written as strings.</summary>
internal sealed record PortableMetric(string Key, long Step, double Value, long TimestampMs)
{
    public static PortableMetric From(MetricPoint p) => new(p.Key, p.Step, p.Value, p.TimestampMs);

    public MetricPoint ToPoint() => new(Key, Value, Step, TimestampMs);
}
