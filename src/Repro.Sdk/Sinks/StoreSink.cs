using Repro.Core.Errors;
using Repro.Core.Protocol;
using Repro.Core.Runs;
using Repro.Sdk.Recording;
using Repro.Storage.Workspace;

namespace Repro.Sdk.Sinks;

/// <summary>
/// Records a run started in-process (not under <c>repro run</c>) straight into the nearest workspace, or to the tracking
/// server named by <c>REPRO_TRACKING_URI</c>, with the same capture <c>repro run</c> does. Without either, the run is kept
/// in memory and a warning says how to record it.
/// </summary>
internal sealed class StoreSink : IRunSink
{
    private readonly ReproWorkspace _workspace;
    private readonly RunRecorder _recorder;

    private StoreSink(ReproWorkspace workspace, RunRecorder recorder)
    {
        _workspace = workspace;
        _recorder = recorder;
    }

    public static StandaloneRun Start(RunStartInfo info)
    {
        ArgumentNullException.ThrowIfNull(info);
        var seed = info.Seed ?? Seeds.Draw();
        ReproWorkspace workspace;
        try
        {
            // REPRO_TRACKING_URI set: recorded on that server (no local workspace needed).
            workspace = ReproWorkspace.OpenForTracking(info.WorkingDirectory);
        }
        catch (ReproException e) when (e.Code == ErrorCode.NoWorkspace)
        {
            Console.Error.WriteLine(
                $"repro: not inside `repro run` and no workspace in {info.WorkingDirectory} or above; nothing is recorded (seed {seed}). " +
                "Run `repro init` to record in-process runs, or start the program with `repro run -- <command>`.");
            return new StandaloneRun(new MemorySink(), RunId.New(), seed);
        }

        try
        {
            var recorder = RunRecorder.Start(workspace, new RunStartRequest
            {
                Name = info.Name,
                Experiment = info.Experiment,
                Command = info.Command,
                WorkingDirectory = info.WorkingDirectory,
                Seed = seed,
                SeedSource = info.Seed is null ? "os" : "sdk",
            });
            return new StandaloneRun(new StoreSink(workspace, recorder), recorder.Id, seed);
        }
        catch
        {
            workspace.Dispose();
            throw;
        }
    }

    public void Write(IReadOnlyList<ProtocolEvent> batch) => _recorder.IngestEvents(batch);

    public void Complete(bool success)
    {
        try
        {
            _recorder.Complete(success ? RunStatus.Finished : RunStatus.Failed, success ? 0 : 1, null,
                success ? null : ["the program ended with an unhandled exception"]);
            if (_workspace.Tracking is { } tracking && tracking.SpooledFor(_recorder.Id) is var spooled and > 0)
            {
                Console.Error.WriteLine(
                    $"repro: run {_recorder.Id.Short}: {spooled} request(s) wait in {tracking.Spool.TargetDirectory} for {tracking.Spool.Target}; "
                    + "send them with `repro sync`.");
            }
        }
        finally
        {
            _recorder.Dispose();
            _workspace.Dispose();
        }
    }
}
