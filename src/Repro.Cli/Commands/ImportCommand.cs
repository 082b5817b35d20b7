using System.CommandLine;
using System.Globalization;
using System.Security.Cryptography;
using System.Text.Json;
using Repro.Cli.Rendering;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Serialization;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Commands;

/// <summary>
/// `repro import run.json`: reads a document written by `repro export` into this workspace. Everything is checked
/// first (format, version, every object's hash, that the run is new); only then are the objects stored and the run written
/// in one batch, so a refused import writes nothing.
/// </summary>
internal static class ImportCommand
{
    public static Command Create()
    {
        var file = new Argument<string>("file") { Description = "A file written by `repro export` (`-` for stdin)" };
        var command = new Command("import", "Add a run exported with `repro export` to this workspace, keeping its id.") { file };
        command.SetAction(parse => Program.Guard(() =>
        {
            var source = parse.GetValue(file)!;
            var document = Read(source);

            using var workspace = ReproWorkspace.Open();
            var record = document.Record;
            if (workspace.Runs.GetRun(record.Id) is { } existing)
            {
                throw new ReproException(
                    ErrorCode.AlreadyExists,
                    $"Run {record.Id.Short} ({existing.Name}) is already in this workspace; nothing was imported. "
                    + $"See it with `repro show {record.Id.Short}`.");
            }

            long bytes = 0;
            foreach (var (sha, content) in document.Objects)
            {
                var (stored, size) = workspace.Objects.Put(new MemoryStream(content, writable: false));
                if (!string.Equals(stored, sha, StringComparison.Ordinal))
                {
                    throw new ReproException(
                        ErrorCode.Corrupted,
                        $"Object {sha} was stored as {stored}; the object store is not sound. Run `repro verify --all`.");
                }

                bytes += size;
            }

            workspace.Runs.Write(new RunWriteBatch(record.Id)
            {
                // The batch writes a created record's latest metrics as points; the whole history is written instead.
                Create = record with { LatestMetrics = new SortedDictionary<string, MetricPoint>(StringComparer.Ordinal) },
                Metrics = document.Metrics,
                Complete = record.EndTime is { } end
                    ? new RunCompletion(record.Status, end, record.ExitCode, record.Signal, record.LogSha256)
                    : null,
                Verdict = record.Verdict,
            });

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"Imported run {record.Id.Short} ({record.Name}, {record.Status.ToWire()}, experiment {record.Experiment}): "
                + $"{document.Metrics.Count} metric point(s), {document.Objects.Count} object(s) ({Format.Bytes(bytes)})."));
            var artifactsWithoutContent = record.Artifacts.Count(a => !workspace.Objects.Exists(a.Sha256));
            if (artifactsWithoutContent > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{artifactsWithoutContent} artifact(s) came as hashes only (exported without --with-artifacts); "
                    + $"verdicts compare those hashes, and `repro verify` lists the content as missing."));
            }

            if (document.Ignored > 0)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"{document.Ignored} object(s) in the file are not referenced by the run and were not stored."));
            }

            Console.WriteLine($"Reproduce it with: repro reproduce {record.Id.Short}");
            return ExitCodes.Ok;
        }));
        return command;
    }

    private sealed record Document(
        RunRecord Record, IReadOnlyList<MetricPoint> Metrics, IReadOnlyList<(string Sha256, byte[] Content)> Objects, int Ignored);

    /// <summary>Parses and checks the whole document; throws before anything is written.</summary>
    private static Document Read(string source)
    {
        var name = source == "-" ? "stdin" : source;
        using var json = Parse(source, name);
        var root = json.RootElement;
        if (root.ValueKind != JsonValueKind.Object
            || !root.TryGetProperty("format", out var format) || format.ValueKind != JsonValueKind.String
            || format.GetString() != PortableRun.Format)
        {
            throw NotAnExport(name, "it has no \"format\": \"repro-run\"");
        }

        if (!root.TryGetProperty("version", out var versionElement) || !versionElement.TryGetInt32(out var version))
        {
            throw NotAnExport(name, "it has no whole-number \"version\"");
        }

        if (version != PortableRun.Version)
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                string.Create(CultureInfo.InvariantCulture,
                    $"{name} is a repro-run export of version {version}; this repro reads version {PortableRun.Version}. ")
                + "Import it with the repro that wrote it, or export the run again with this one.");
        }

        var record = Property<RunRecord>(root, "record", name);
        var metrics = Property<List<PortableMetric>>(root, "metrics", name).Select(m => m.ToPoint()).ToList();
        var (objects, ignored) = ReadObjects(root, record, name);
        return new Document(record, metrics, objects, ignored);
    }

    private static JsonDocument Parse(string source, string name)
    {
        try
        {
            using var stream = source == "-" ? Console.OpenStandardInput() : File.OpenRead(source);
            return JsonDocument.Parse(stream, new JsonDocumentOptions { MaxDepth = 256 });
        }
        catch (Exception e) when (e is FileNotFoundException or DirectoryNotFoundException)
        {
            throw new ReproException(ErrorCode.NotFound, $"{source} does not exist. Give the file `repro export RUN -o FILE` wrote.", e);
        }
        catch (JsonException e)
        {
            throw NotAnExport(name, $"it is not valid JSON ({e.Message})", e);
        }
    }

    private static T Property<T>(JsonElement root, string property, string name)
    {
        if (!root.TryGetProperty(property, out var element))
        {
            throw NotAnExport(name, $"it has no \"{property}\"");
        }

        try
        {
            return element.Deserialize<T>(ReproJson.Options) ?? throw new JsonException("null");
        }
        catch (Exception e) when (e is JsonException or ArgumentException or FormatException)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"{name} has an unreadable \"{property}\" ({e.Message}); nothing was imported. Export the run again with `repro export`.",
                e);
        }
    }

    /// <summary>
    /// Decodes and re-hashes every object. Any object whose bytes do not match its name, or any object the run needs that the
    /// file does not carry, refuses the whole import. Objects the run does not reference are left out.
    /// </summary>
    private static (List<(string, byte[])> Objects, int Ignored) ReadObjects(JsonElement root, RunRecord record, string name)
    {
        if (!root.TryGetProperty("objects", out var objects) || objects.ValueKind != JsonValueKind.Object)
        {
            throw NotAnExport(name, "it has no \"objects\"");
        }

        var referenced = RecordObjects.Of(record).ToLookup(r => r.Sha256, StringComparer.Ordinal);
        var decoded = new List<(string, byte[])>();
        var problems = new List<string>();
        var ignored = 0;
        foreach (var entry in objects.EnumerateObject())
        {
            var sha = entry.Name;
            var purpose = referenced[sha].FirstOrDefault()?.Purpose ?? "not referenced by the run";
            if (entry.Value.ValueKind != JsonValueKind.String || !entry.Value.TryGetBytesFromBase64(out var content))
            {
                problems.Add($"{sha} ({purpose}) is not valid base64");
                continue;
            }

            var actual = Convert.ToHexStringLower(SHA256.HashData(content));
            if (!string.Equals(actual, sha, StringComparison.Ordinal))
            {
                problems.Add($"{sha} ({purpose}) does not match its content, which hashes to {actual}");
            }
            else if (!referenced.Contains(sha))
            {
                ignored++;
            }
            else
            {
                decoded.Add((sha, content));
            }
        }

        var carried = decoded.Select(d => d.Item1).ToHashSet(StringComparer.Ordinal);
        foreach (var reference in RecordObjects.Of(record).DistinctBy(r => r.Sha256, StringComparer.Ordinal))
        {
            // Artifacts travel only with --with-artifacts and large untracked files were never stored: both may be absent.
            if (reference.Role is not (ObjectRole.Artifact or ObjectRole.Untracked) && !carried.Contains(reference.Sha256)
                && !problems.Any(p => p.StartsWith(reference.Sha256, StringComparison.Ordinal)))
            {
                problems.Add($"{reference.Sha256} ({reference.Purpose}) is referenced by the run but not in the file");
            }
        }

        if (problems.Count > 0)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"{name} failed its integrity check; nothing was imported.\n  " + string.Join("\n  ", problems)
                + "\nThe file was changed or damaged after export: export the run again with `repro export RUN -o FILE`.");
        }

        return (decoded, ignored);
    }

    private static ReproException NotAnExport(string name, string why, Exception? inner = null)
    {
        var message = $"{name} is not a Repro run export: {why}. Make one with `repro export RUN -o run.json`.";
        return inner is null
            ? new ReproException(ErrorCode.InvalidArgument, message)
            : new ReproException(ErrorCode.InvalidArgument, message, inner);
    }
}
