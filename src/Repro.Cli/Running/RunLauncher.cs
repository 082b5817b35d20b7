using System.Globalization;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Sdk.Recording;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>Everything `repro run` was asked to do.</summary>
internal sealed record RunInvocation
{
    public required IReadOnlyList<string> Command { get; init; }
    public required string WorkingDirectory { get; init; }
    public string? Name { get; init; }
    public string? Experiment { get; init; }
    public long? Seed { get; init; }
    public IReadOnlyList<Param> Params { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new Dictionary<string, string>();
    public bool Deterministic { get; init; }
    public int? Threads { get; init; }
    public RunLineage Lineage { get; init; } = new();
    public IReadOnlyList<DataInput> Inputs { get; init; } = [];

    /// <summary>Data paths to fingerprint before the command starts (--data).</summary>
    public IReadOnlyList<string> DataPaths { get; init; } = [];

    public bool SkipUnreadable { get; init; }

    /// <summary>Variables added to the command's environment (after Repro's own).</summary>
    public IReadOnlyDictionary<string, string> Environment { get; init; } = new Dictionary<string, string>();
    public Stream? StandardOutput { get; init; }
    public Stream? StandardError { get; init; }
}

internal sealed record RunResult(RunRecord Record, int ExitCode);

/// <summary>Starts a recorded run of a command and waits for it: the heart of `repro run`.</summary>
internal static class RunLauncher
{
    public static RunResult Launch(ReproWorkspace workspace, RunInvocation invocation, TextWriter messages)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(invocation);
        ArgumentNullException.ThrowIfNull(messages);
        if (invocation.Command.Count == 0 || string.IsNullOrEmpty(invocation.Command[0]))
        {
            throw new ReproException(ErrorCode.InvalidArgument, "No command given. Put it after `--`, e.g. `repro run -- python train.py`.");
        }

        var executable = invocation.Command[0];
        if (ChildRunner.Resolve(executable, invocation.WorkingDirectory) is null)
        {
            throw new ReproException(
                ErrorCode.NotFound,
                $"Command '{executable}' was not found " +
                (executable.Contains('/', StringComparison.Ordinal) ? $"(no such file relative to {invocation.WorkingDirectory})." : "on PATH.") +
                " Check the spelling, or give its path (e.g. ./train.sh); nothing was recorded.");
        }

        var inputs = invocation.Inputs.Concat(
            DataInputs.Fingerprint(workspace, invocation.DataPaths, invocation.WorkingDirectory, invocation.SkipUnreadable, messages)).ToList();
        var seed = invocation.Seed ?? Seeds.Draw();
        var childEnvironment = new Dictionary<string, string>(StringComparer.Ordinal);
        if (invocation.Deterministic)
        {
            childEnvironment["REPRO_DETERMINISTIC"] = "1";
        }

        if (invocation.Threads is { } threads)
        {
            childEnvironment["REPRO_THREADS"] = threads.ToString(CultureInfo.InvariantCulture);
        }

        foreach (var (key, value) in invocation.Environment)
        {
            childEnvironment[key] = value;
        }

        var request = new RunStartRequest
        {
            Name = invocation.Name,
            Experiment = invocation.Experiment,
            Command = invocation.Command,
            WorkingDirectory = invocation.WorkingDirectory,
            Seed = seed,
            SeedSource = invocation.Seed is null ? "os" : "cli",
            Params = invocation.Params,
            Tags = invocation.Tags,
            Deterministic = invocation.Deterministic,
            Threads = invocation.Threads,
            Lineage = invocation.Lineage,
            Inputs = inputs,
            Environment = MergedEnvironment(childEnvironment),
        };

        using var recorder = RunRecorder.Start(workspace, request, messages);
        childEnvironment["REPRO_RUN_ID"] = recorder.Id.Value;
        childEnvironment["REPRO_SEED"] = seed.ToString(CultureInfo.InvariantCulture);
        childEnvironment["REPRO_PARAMS"] = JsonSerializer.Serialize(invocation.Params.ToDictionary(p => p.Key, p => p.Value));
        childEnvironment["REPRO_EVENTS"] = recorder.EventsPath;
        if (workspace.HasLocalWorkspace)
        {
            childEnvironment["REPRO_HOME"] = workspace.Root;
        }
        if (System.Environment.GetEnvironmentVariable("PYTHONUNBUFFERED") is null)
        {
            // A piped Python child would otherwise hold its output back until exit.
            childEnvironment["PYTHONUNBUFFERED"] = "1";
        }

        messages.WriteLine($"repro: run {recorder.Id.Short} ({recorder.Record.Name}) started, seed {seed}");
        var runner = new ChildRunner
        {
            Command = invocation.Command,
            WorkingDirectory = invocation.WorkingDirectory,
            ExtraEnvironment = childEnvironment,
            LogPath = recorder.LogPath,
            OnTick = recorder.Ingest,
            StandardOutput = invocation.StandardOutput,
            StandardError = invocation.StandardError,
        };
        var outcome = runner.Run();

        var warnings = new List<string>();
        RunStatus status;
        int? exitCode = outcome.ExitCode;
        string? signal = null;
        if (outcome.StartError is not null)
        {
            status = RunStatus.Failed;
            warnings.Add(outcome.StartError);
            messages.WriteLine($"repro: {outcome.StartError}");
        }
        else if (outcome.Interrupted || outcome.Signal == "SIGINT")
        {
            status = RunStatus.Interrupted;
            signal = outcome.Signal;
            exitCode = signal is null ? outcome.ExitCode : null;
        }
        else if (outcome.Signal is not null)
        {
            status = RunStatus.Killed;
            signal = outcome.Signal;
            exitCode = null;
        }
        else
        {
            status = outcome.ExitCode == 0 ? RunStatus.Finished : RunStatus.Failed;
        }

        IReadOnlyList<DataInput>? checkedInputs = null;
        if (inputs.Count > 0)
        {
            var (rechecked, dataWarnings) = DataInputs.Recheck(workspace, inputs, invocation.WorkingDirectory, invocation.SkipUnreadable);
            checkedInputs = rechecked;
            warnings.AddRange(dataWarnings);
            foreach (var w in dataWarnings)
            {
                messages.WriteLine("repro: warning: " + w);
            }
        }

        var record = recorder.Complete(status, exitCode, signal, warnings, checkedInputs);
        messages.WriteLine(Summary(record, recorder.Ingestor));
        if (workspace.Tracking is { } tracking && tracking.SpooledFor(record.Id) is var spooled and > 0)
        {
            messages.WriteLine($"repro: the tracking server {tracking.Spool.Target} could not take all of run {record.Id.Short}: " +
                $"{spooled} request(s) wait in {tracking.Spool.TargetDirectory}. Send them with: repro sync");
        }
        return new RunResult(record, outcome.ExitCode);
    }

    private static Dictionary<string, string> MergedEnvironment(Dictionary<string, string> childExtra)
    {
        var merged = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (System.Collections.DictionaryEntry e in System.Environment.GetEnvironmentVariables())
        {
            merged[(string)e.Key] = e.Value as string ?? "";
        }

        foreach (var (k, v) in childExtra)
        {
            merged[k] = v;
        }

        return merged;
    }

    private static string Summary(RunRecord record, EventIngestor ingestor)
    {
        var ended = record.Signal is not null ? $"signal {record.Signal}" : $"exit code {record.ExitCode}";
        var duration = record.Duration is { } d ? Rendering.Format.Duration(d) : "?";
        var text = $"repro: run {record.Id.Short} {record.Status.ToWire()} after {duration} ({ended}); " +
            $"{record.LatestMetrics.Count} metric(s), {record.Params.Count} param(s), {record.Artifacts.Count} artifact(s). " +
            $"See it: repro show {record.Id.Short}";
        if (ingestor.Rejected > 0)
        {
            text += "\n" + $"repro: {ingestor.Rejected} malformed line(s) in the events file were skipped:" +
                "\n" + string.Join("\n", ingestor.Problems.Select(p => "  " + p));
        }

        return text;
    }
}
