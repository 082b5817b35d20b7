using System.CommandLine;
using System.Globalization;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Storage.Remote;

namespace Repro.Cli.Commands;

/// <summary>`repro sync`: send what runs recorded while the tracking server was away to it.</summary>
internal static class SyncCommand
{
    public static Command Create()
    {
        var command = new Command(
            "sync",
            $"Send runs recorded while the tracking server could not be reached (kept in .repro/pending) to {TrackingSettings.UriVariable}.");
        command.SetAction(_ => Program.Guard(() => Sync(Console.Out)));
        return command;
    }

    private static int Sync(TextWriter output)
    {
        var settings = TrackingSettings.FromEnvironment();
        var stateDirectory = Path.Combine(settings.StateDirectory, "pending");
        if (settings.Uri is null)
        {
            var local = Storage.Workspace.ReproWorkspace.Find(Directory.GetCurrentDirectory());
            var waiting = PendingSpool.Summarize(stateDirectory)
                .Concat(local is null ? [] : PendingSpool.Summarize(Path.Combine(local, Storage.Workspace.ReproWorkspace.DirectoryName, "pending")))
                .Select(t => t.Target).Distinct(StringComparer.Ordinal).ToList();
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"`repro sync` sends pending runs to the tracking server named by {TrackingSettings.UriVariable}, which is not set. " +
                (waiting.Count == 0
                    ? $"Set it, e.g. {TrackingSettings.UriVariable}=http://127.0.0.1:5005 repro sync (nothing is pending here anyway)."
                    : $"Runs wait for: {string.Join(", ", waiting)}. Send them with {TrackingSettings.UriVariable}={waiting[0]} repro sync"));
        }

        using var workspace = Workspaces.OpenForRuns();
        var tracking = workspace.Tracking!;
        var directories = new[] { workspace.PendingDirectory, stateDirectory }
            .Select(Path.GetFullPath).Distinct(StringComparer.Ordinal).ToList();
        var total = new SyncReport();
        foreach (var directory in directories)
        {
            using var spool = new PendingSpool(directory, tracking.Uri);
            var report = spool.Deliver(tracking.Runs, tracking.Objects);
            total.Objects += report.Objects;
            total.Requests += report.Requests;
            total.Runs.AddRange(report.Runs);
            total.Busy.AddRange(report.Busy);
            total.Failed.AddRange(report.Failed);
        }

        var target = tracking.Spool.Target;
        output.WriteLine(total.Requests == 0 && total.Objects == 0
            ? $"repro sync: nothing was waiting for {target}."
            : string.Create(CultureInfo.InvariantCulture,
                $"repro sync: sent {total.Requests} request(s) of {total.Runs.Count} run(s) and {total.Objects} object(s) to {target}."));
        foreach (var run in total.Runs)
        {
            output.WriteLine($"  sent: run {run[..Math.Min(8, run.Length)]} (see it: repro show {run[..Math.Min(8, run.Length)]})");
        }

        foreach (var run in total.Busy)
        {
            output.WriteLine($"  still running, left for later: run {run[..Math.Min(8, run.Length)]}");
        }

        foreach (var other in directories.SelectMany(PendingSpool.Summarize).Where(t => t.Target != target))
        {
            output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"  {other.Runs} run(s) wait for another server, {other.Target}: send them with {TrackingSettings.UriVariable}={other.Target} repro sync"));
        }

        foreach (var failure in total.Failed)
        {
            Console.Error.WriteLine("repro: error: " + failure);
        }

        return total.Failed.Count == 0 ? ExitCodes.Ok : ExitCodes.Failure;
    }
}
