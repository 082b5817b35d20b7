using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Serialization;
using Repro.Storage.Objects;

namespace Repro.Storage.Remote;

/// <summary>
/// What a tracked run could not send to its server, kept on disk until <c>repro sync</c> sends it:
/// <c>pending/&lt;server&gt;/objects/</c> (content-addressed, like the workspace's object store) and
/// <c>pending/&lt;server&gt;/runs/&lt;run id&gt;/000001.json, ...</c>, one file per request, sent in order and deleted as
/// soon as the server acknowledges it, so nothing is sent twice. The process still writing a run holds its <c>lock</c> file;
/// <c>repro sync</c> leaves such a run for later.
/// </summary>
public sealed class PendingSpool : IDisposable
{
    private const string ObjectsName = "objects";
    private const string RunsName = "runs";
    private const string TargetFileName = "target";
    private const string LockFileName = "lock";
    private const string EntryExtension = ".json";

    private readonly Lock _gate = new();
    private readonly Dictionary<RunId, RunSlot> _slots = [];
    private FileObjectStore? _objects;

    /// <param name="directory">The pending directory (<c>.repro/pending</c>); made on first use.</param>
    /// <param name="target">The server the spooled requests are for.</param>
    public PendingSpool(string directory, Uri target)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        ArgumentNullException.ThrowIfNull(target);
        Directory = Path.GetFullPath(directory);
        Target = target.AbsoluteUri.TrimEnd('/');
        TargetDirectory = Path.Combine(Directory, TargetKey(Target));
    }

    /// <summary>The pending directory of every server.</summary>
    public string Directory { get; }

    /// <summary>The server address this spool holds requests for.</summary>
    public string Target { get; }

    /// <summary>This server's part of the pending directory.</summary>
    public string TargetDirectory { get; }

    /// <summary>Objects kept for this server.</summary>
    public FileObjectStore Objects
    {
        get
        {
            lock (_gate)
            {
                if (_objects is null)
                {
                    EnsureTargetDirectory();
                    _objects = new FileObjectStore(Path.Combine(TargetDirectory, ObjectsName), Path.Combine(TargetDirectory, "tmp"));
                }

                return _objects;
            }
        }
    }

    /// <summary>Whether an object is kept here (without creating the directory).</summary>
    public bool HasObject(string sha256) =>
        sha256 is { Length: 64 } && File.Exists(Path.Combine(TargetDirectory, ObjectsName, sha256[..2].ToLowerInvariant(), sha256[2..].ToLowerInvariant()));

    /// <summary>Appends a request to its run's queue (durably: written, flushed, then renamed into place).</summary>
    public void Append(PendingRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        lock (_gate)
        {
            var slot = Slot(request.RunId);
            var name = slot.Next.ToString("D6", CultureInfo.InvariantCulture) + EntryExtension;
            var temp = Path.Combine(slot.Directory, name + ".tmp");
            using (var file = new FileStream(temp, FileMode.Create, FileAccess.Write, FileShare.None))
            {
                JsonSerializer.Serialize(file, request, ReproJson.Options);
                file.Flush(flushToDisk: true);
            }

            File.Move(temp, Path.Combine(slot.Directory, name), overwrite: false);
            slot.Next++;
            slot.Appended++;
        }
    }

    /// <summary>How many requests of a run this process has spooled.</summary>
    public int AppendedFor(RunId id)
    {
        lock (_gate)
        {
            return _slots.TryGetValue(id, out var slot) ? slot.Appended : 0;
        }
    }

    /// <summary>The servers with something pending in a pending directory, and how many runs each.</summary>
    public static IReadOnlyList<(string Target, int Runs, int Objects)> Summarize(string directory)
    {
        if (!System.IO.Directory.Exists(directory))
        {
            return [];
        }

        var result = new List<(string, int, int)>();
        foreach (var targetDirectory in System.IO.Directory.EnumerateDirectories(directory).Order(StringComparer.Ordinal))
        {
            var targetFile = Path.Combine(targetDirectory, TargetFileName);
            if (!File.Exists(targetFile))
            {
                continue;
            }

            var runs = System.IO.Directory.Exists(Path.Combine(targetDirectory, RunsName))
                ? System.IO.Directory.EnumerateDirectories(Path.Combine(targetDirectory, RunsName)).Count(d => EntriesOf(d).Count > 0)
                : 0;
            var objects = System.IO.Directory.Exists(Path.Combine(targetDirectory, ObjectsName))
                ? System.IO.Directory.EnumerateFiles(Path.Combine(targetDirectory, ObjectsName), "*", SearchOption.AllDirectories).Count()
                : 0;
            if (runs > 0 || objects > 0)
            {
                result.Add((File.ReadAllText(targetFile).Trim(), runs, objects));
            }
        }

        return result;
    }

    /// <summary>
    /// Sends everything pending for this server: objects first, then each run's requests in order, deleting each once the
    /// server has it. A run still being written by another process is left for later. Stops with an Io error when the
    /// server cannot be reached; a request the server refuses (or fails on) stops that run, whose later requests stay queued,
    /// and is reported.
    /// </summary>
    public SyncReport Deliver(RemoteRunStore runs, RemoteObjectStore objects)
    {
        ArgumentNullException.ThrowIfNull(runs);
        ArgumentNullException.ThrowIfNull(objects);
        var report = new SyncReport();
        var objectsDirectory = Path.Combine(TargetDirectory, ObjectsName);
        if (System.IO.Directory.Exists(objectsDirectory))
        {
            foreach (var file in System.IO.Directory.EnumerateFiles(objectsDirectory, "*", SearchOption.AllDirectories).Order(StringComparer.Ordinal).ToList())
            {
                var sha = Path.GetFileName(Path.GetDirectoryName(file)) + Path.GetFileName(file);
                if (sha.Length != 64 || !sha.All(char.IsAsciiHexDigit))
                {
                    continue;
                }

                objects.Upload(sha, file);
                File.Delete(file);
                report.Objects++;
            }
        }

        var runsDirectory = Path.Combine(TargetDirectory, RunsName);
        if (System.IO.Directory.Exists(runsDirectory))
        {
            var runDirectories = System.IO.Directory.EnumerateDirectories(runsDirectory)
                .Select(d => (Directory: d, Entries: EntriesOf(d)))
                .OrderBy(r => r.Entries.Count == 0 ? DateTime.MaxValue : File.GetLastWriteTimeUtc(r.Entries[0]))
                .ThenBy(r => r.Directory, StringComparer.Ordinal)
                .ToList();
            foreach (var (directory, _) in runDirectories)
            {
                DeliverRun(directory, runs, report);
            }
        }

        RemoveIfEmpty();
        return report;
    }

    /// <summary>Removes this server's part of the pending directory once nothing is left in it.</summary>
    private void RemoveIfEmpty()
    {
        lock (_gate)
        {
            var runsDirectory = Path.Combine(TargetDirectory, RunsName);
            var objectsDirectory = Path.Combine(TargetDirectory, ObjectsName);
            if (_slots.Count > 0
                || (System.IO.Directory.Exists(runsDirectory) && System.IO.Directory.EnumerateFileSystemEntries(runsDirectory).Any())
                || (System.IO.Directory.Exists(objectsDirectory) && System.IO.Directory.EnumerateFiles(objectsDirectory, "*", SearchOption.AllDirectories).Any()))
            {
                return;
            }

            try
            {
                System.IO.Directory.Delete(TargetDirectory, recursive: true);
                _objects = null;
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Something arrived in between; it is sent next time.
            }
        }
    }

    public void Dispose()
    {
        lock (_gate)
        {
            foreach (var slot in _slots.Values)
            {
                slot.Release();
            }

            _slots.Clear();
        }
    }

    private static void DeliverRun(string directory, RemoteRunStore runs, SyncReport report)
    {
        var name = Path.GetFileName(directory);
        FileStream? held;
        try
        {
            held = TryLock(directory);
        }
        catch (DirectoryNotFoundException)
        {
            return;
        }

        if (held is null)
        {
            report.Busy.Add(name);
            return;
        }

        using (held)
        {
            var entries = EntriesOf(directory);
            var sent = 0;
            foreach (var entry in entries)
            {
                PendingRequest request;
                try
                {
                    request = ReproJson.Deserialize<PendingRequest>(File.ReadAllText(entry));
                }
                catch (JsonException e)
                {
                    report.Failed.Add($"run {name}: {Path.GetFileName(entry)} is not a readable request ({e.Message}); it was left in {directory}");
                    return;
                }

                try
                {
                    runs.Send(request, createMayExist: true);
                }
                catch (ReproException e) when (!TrackingServerClient.IsUnreachable(e))
                {
                    report.Failed.Add($"run {name}: the server refused {Path.GetFileName(entry)}: {e.Message} (it and the {entries.Count - sent - 1} after it stay in {directory})");
                    return;
                }

                // Acknowledged: never send it again.
                File.Delete(entry);
                sent++;
                report.Requests++;
            }

            if (sent > 0)
            {
                report.Runs.Add(name);
            }

            foreach (var file in System.IO.Directory.EnumerateFiles(directory).Where(f => Path.GetFileName(f) != LockFileName))
            {
                File.Delete(file);
            }
        }

        try
        {
            File.Delete(Path.Combine(directory, LockFileName));
            System.IO.Directory.Delete(directory);
        }
        catch (IOException)
        {
            // A writer took the run up again in between; its requests are sent next time.
        }
    }

    private RunSlot Slot(RunId id)
    {
        if (_slots.TryGetValue(id, out var slot))
        {
            return slot;
        }

        EnsureTargetDirectory();
        var directory = Path.Combine(TargetDirectory, RunsName, id.Value);
        System.IO.Directory.CreateDirectory(directory);
        FileStream? held = null;
        for (var attempt = 0; held is null; attempt++)
        {
            held = TryLock(directory);
            if (held is null)
            {
                if (attempt >= 50)
                {
                    throw new IOException($"The pending queue of run {id.Short} ({directory}) is locked by another process (`repro sync`?).");
                }

                Thread.Sleep(100);
            }
        }

        var entries = EntriesOf(directory);
        var next = entries.Count == 0 ? 1 : int.Parse(Path.GetFileNameWithoutExtension(entries[^1]), NumberStyles.None, CultureInfo.InvariantCulture) + 1;
        slot = new RunSlot(directory, held, next);
        _slots[id] = slot;
        return slot;
    }

    private void EnsureTargetDirectory()
    {
        System.IO.Directory.CreateDirectory(TargetDirectory);
        var targetFile = Path.Combine(TargetDirectory, TargetFileName);
        if (!File.Exists(targetFile))
        {
            File.WriteAllText(targetFile, Target + "\n");
        }
    }

    private static FileStream? TryLock(string directory)
    {
        try
        {
            // FileShare.None takes an exclusive advisory lock (flock) on Unix: held while a process writes the run.
            return new FileStream(Path.Combine(directory, LockFileName), FileMode.OpenOrCreate, FileAccess.ReadWrite, FileShare.None);
        }
        catch (IOException e) when (e is not FileNotFoundException and not DirectoryNotFoundException)
        {
            return null;
        }
    }

    private static List<string> EntriesOf(string directory) =>
        !System.IO.Directory.Exists(directory)
            ? []
            : [.. System.IO.Directory.EnumerateFiles(directory, "*" + EntryExtension)
                .Where(f => Path.GetFileNameWithoutExtension(f) is { Length: 6 } n && n.All(char.IsAsciiDigit))
                .Order(StringComparer.Ordinal)];

    /// <summary>A directory name for a server: readable, and unique through a hash of the whole address.</summary>
    private static string TargetKey(string target)
    {
        var readable = new StringBuilder();
        foreach (var c in target.Replace("://", "_", StringComparison.Ordinal))
        {
            readable.Append(char.IsAsciiLetterOrDigit(c) || c is '.' or '-' ? c : '_');
        }

        var hash = Convert.ToHexStringLower(SHA256.HashData(Encoding.UTF8.GetBytes(target)))[..8];
        return (readable.Length > 60 ? readable.ToString(0, 60) : readable.ToString()) + "-" + hash;
    }

    private sealed class RunSlot(string directory, FileStream held, int next)
    {
        public string Directory { get; } = directory;

        public int Next { get; set; } = next;

        public int Appended { get; set; }

        public void Release() => held.Dispose();
    }
}

/// <summary>What one <c>repro sync</c> sent.</summary>
public sealed class SyncReport
{
    public int Objects { get; set; }

    public int Requests { get; set; }

    /// <summary>Runs with requests delivered.</summary>
    public List<string> Runs { get; } = [];

    /// <summary>Runs another process is still writing.</summary>
    public List<string> Busy { get; } = [];

    /// <summary>Requests the server refused, with why.</summary>
    public List<string> Failed { get; } = [];
}
