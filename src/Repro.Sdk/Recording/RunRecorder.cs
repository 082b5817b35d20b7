using Repro.Capture;
using Repro.Capture.Git;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Sdk.Recording;

/// <summary>What a run is started with.</summary>
public sealed record RunStartRequest
{
    public string? Name { get; init; }
    public string? Experiment { get; init; }
    public IReadOnlyList<string> Command { get; init; } = [];
    public required string WorkingDirectory { get; init; }
    public required long Seed { get; init; }
    public string SeedSource { get; init; } = "os";
    public IReadOnlyList<Param> Params { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public bool Deterministic { get; init; }
    public int? Threads { get; init; }
    public RunLineage Lineage { get; init; } = new();
    public IReadOnlyList<DataInput> Inputs { get; init; } = [];

    /// <summary>The environment the command runs with (for the allow-listed variables); null: this process's.</summary>
    public IReadOnlyDictionary<string, string>? Environment { get; init; }

    public TimeSpan ProbeTimeout { get; init; } = TimeSpan.FromSeconds(15);
}

/// <summary>
/// Records one run into a workspace: creates it (with the code snapshot taken before anything runs), captures the
/// environment in the background, ingests the events file, and completes it. Store failures never escape to the
/// caller while the run goes: batches are kept and retried, and a warning is written to stderr.
/// </summary>
public sealed class RunRecorder : IDisposable
{
    private readonly ReproWorkspace _workspace;
    private readonly EventsFileTailer _tailer;
    private readonly EventIngestor _ingestor;
    private readonly List<RunWriteBatch> _pending = [];
    private readonly Lock _gate = new();
    private readonly Task<EnvironmentSnapshot> _environment;
    private readonly TextWriter _warnings;
    private bool _storeWarned;
    private bool _completed;

    private RunRecorder(ReproWorkspace workspace, RunRecord record, string runDirectory, Task<EnvironmentSnapshot> environment, TextWriter warnings)
    {
        _workspace = workspace;
        Record = record;
        RunDirectory = runDirectory;
        EventsPath = Path.Combine(runDirectory, "events.jsonl");
        LogPath = Path.Combine(runDirectory, "output.log");
        _tailer = new EventsFileTailer(EventsPath);
        _ingestor = new EventIngestor(record.Id, workspace.Objects, record.WorkingDirectory, record.Inputs, record.Params);
        _environment = environment;
        _warnings = warnings;
    }

    public RunRecord Record { get; }
    public RunId Id => Record.Id;
    public string RunDirectory { get; }
    public string EventsPath { get; }
    public string LogPath { get; }
    public EventIngestor Ingestor => _ingestor;

    public static RunRecorder Start(ReproWorkspace workspace, RunStartRequest request, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(request);
        warnings ??= Console.Error;
        var id = RunId.New();
        var runDirectory = Path.Combine(workspace.ReproDirectory, "runs", id.Value);
        Directory.CreateDirectory(runDirectory);

        var environment = Task.Run(() => EnvironmentCapture.Capture(new EnvironmentCaptureOptions
        {
            Command = request.Command,
            WorkingDirectory = request.WorkingDirectory,
            ProbeTimeout = request.ProbeTimeout,
            Environment = request.Environment is null ? null : new Dictionary<string, string>(request.Environment, StringComparer.Ordinal),
        }));

        var code = GitProbe.Capture(request.WorkingDirectory, s => workspace.Objects.Put(s).Sha256);
        var record = new RunRecord
        {
            Id = id,
            Name = string.IsNullOrWhiteSpace(request.Name) ? RunNames.Generate() : request.Name,
            Experiment = string.IsNullOrWhiteSpace(request.Experiment) ? "Default" : request.Experiment,
            StartTime = DateTimeOffset.UtcNow,
            Command = request.Command,
            WorkingDirectory = request.WorkingDirectory,
            Seed = request.Seed,
            SeedSource = request.SeedSource,
            Code = code,
            Deterministic = request.Deterministic,
            Threads = request.Threads,
            Lineage = request.Lineage,
            Inputs = request.Inputs,
            Params = request.Params,
            Tags = new SortedDictionary<string, string>(request.Tags.ToDictionary(), StringComparer.Ordinal),
        };
        workspace.Runs.Write(new RunWriteBatch(id) { Create = record, Params = request.Params, Tags = request.Tags });
        File.WriteAllBytes(Path.Combine(runDirectory, "events.jsonl"), []);
        return new RunRecorder(workspace, record, runDirectory, environment, warnings);
    }

    /// <summary>Moves new lines of the events file into the store. Safe to call from a timer; never throws.</summary>
    public void Ingest()
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            IngestLocked(final: false);
        }
    }

    /// <summary>Records events handed over in-process (the SDK's own run). Never throws; failures are retried.</summary>
    public void IngestEvents(IEnumerable<Repro.Core.Protocol.ProtocolEvent> events)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return;
            }

            try
            {
                var batch = _ingestor.FromEvents(events);
                if (!EventIngestor.IsEmpty(batch))
                {
                    _pending.Add(batch);
                }
            }
#pragma warning disable CA1031 // Tracking must never break the run.
            catch (Exception e)
#pragma warning restore CA1031
            {
                WarnOnce($"repro: could not record events ({e.Message})");
            }

            FlushPending(final: false);
        }
    }

    /// <summary>Writes everything that remains, the environment, the log and the end of the run.</summary>
    public RunRecord Complete(
        RunStatus status, int? exitCode, string? signal, IEnumerable<string>? extraWarnings = null, IReadOnlyList<DataInput>? inputs = null)
    {
        lock (_gate)
        {
            if (_completed)
            {
                return ReadBack();
            }

            _completed = true;
            IngestLocked(final: true);

            var warnings = new List<string>(extraWarnings ?? []);
            if (_ingestor.Rejected > 0)
            {
                warnings.Add($"{_ingestor.Rejected} line(s) of the events file were malformed and skipped: " +
                    string.Join("; ", _ingestor.Problems) + (_ingestor.Rejected > _ingestor.Problems.Count ? "; ..." : ""));
            }

            EnvironmentSnapshot? environment = null;
            if (_environment.Wait(TimeSpan.FromSeconds(60)))
            {
                environment = _environment.Result;
            }
            else
            {
                warnings.Add("the environment capture did not finish within 60 s; environment not recorded");
            }

            string? logSha = null;
            if (File.Exists(LogPath))
            {
                try
                {
                    logSha = _workspace.Objects.PutFile(LogPath).Sha256;
                }
                catch (IOException e)
                {
                    warnings.Add($"the output log could not be stored: {e.Message} (it is still at {LogPath})");
                }
            }

            _pending.Add(new RunWriteBatch(Id)
            {
                Environment = environment,
                Inputs = inputs,
                Warnings = warnings,
                Complete = new RunCompletion(status, DateTimeOffset.UtcNow, exitCode, signal, logSha),
            });
            FlushPending(final: true);
            return ReadBack();
        }
    }

    /// <summary>The run as stored; the record it started with when the store cannot be read (the run itself went fine).</summary>
    private RunRecord ReadBack()
    {
        try
        {
            return _workspace.Runs.GetRun(Id) ?? Record;
        }
#pragma warning disable CA1031 // Reading the record back must not turn a finished run into a failed command.
        catch (Exception e)
#pragma warning restore CA1031
        {
            WarnOnce($"repro: could not read the run back from the store ({e.Message})");
            return Record;
        }
    }

    private void IngestLocked(bool final)
    {
        try
        {
            var lines = final ? _tailer.ReadFinal() : _tailer.ReadAvailable();
            if (lines.Count > 0)
            {
                var batch = _ingestor.FromLines(lines);
                if (!EventIngestor.IsEmpty(batch))
                {
                    _pending.Add(batch);
                }
            }
        }
        catch (IOException e)
        {
            WarnOnce($"repro: could not read the events file ({e.Message}); will retry");
        }

        FlushPending(final);
    }

    private void FlushPending(bool final)
    {
        var attempts = final ? 5 : 1;
        for (var attempt = 0; attempt < attempts && _pending.Count > 0; attempt++)
        {
            try
            {
                while (_pending.Count > 0)
                {
                    _workspace.Runs.Write(_pending[0]);
                    _pending.RemoveAt(0);
                }
            }
#pragma warning disable CA1031 // Tracking must never break the run: any store failure is reported and retried.
            catch (Exception e)
#pragma warning restore CA1031
            {
                WarnOnce($"repro: could not write to the store ({e.Message}); keeping the data and retrying");
                if (final)
                {
                    Thread.Sleep(200 * (attempt + 1));
                }
            }
        }

        if (final && _pending.Count > 0)
        {
            _warnings.WriteLine($"repro: {_pending.Count} batch(es) could not be written to the store; the raw events remain in {EventsPath}");
        }
    }

    private void WarnOnce(string message)
    {
        if (!_storeWarned)
        {
            _storeWarned = true;
            _warnings.WriteLine(message);
        }
    }

    public void Dispose()
    {
        if (!_completed)
        {
            Complete(RunStatus.Interrupted, null, null, ["the recorder was disposed before the run completed"]);
        }

        _tailer.Dispose();
        if (_workspace.Tracking is not null && _pending.Count == 0)
        {
            // Recorded on a server (or spooled for it): the local events file and log were only scratch.
            try
            {
                Directory.Delete(RunDirectory, recursive: true);
            }
            catch (Exception e) when (e is IOException or UnauthorizedAccessException)
            {
                // Left behind; harmless.
            }
        }
    }
}
