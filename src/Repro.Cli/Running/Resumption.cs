using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>`repro run --resume RUN`: a new run, linked to RUN, that continues from RUN's last checkpoint.</summary>
internal static class Resumption
{
    public const string CheckpointPrefix = "checkpoints/";

    public static RunInvocation Prepare(ReproWorkspace workspace, string reference, RunInvocation given, bool seedGiven, bool deterministicGiven)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(given);
        var original = workspace.Runs.ResolveRun(reference);
        var checkpoint = original.Artifacts.LastOrDefault(a => a.Path.StartsWith(CheckpointPrefix, StringComparison.Ordinal))
            ?? throw new ReproException(ErrorCode.NotFound,
                $"Run {original.Id.Short} ({original.Name}) has no checkpoint to resume from: it recorded no artifact under {CheckpointPrefix}. " +
                "Programs save checkpoints with run.SaveCheckpoint(...) in the C# SDK (or report an artifact named checkpoints/...).");
        if (!workspace.Objects.Exists(checkpoint.Sha256))
        {
            throw new ReproException(ErrorCode.NotFound,
                $"Checkpoint {checkpoint.Path} of run {original.Id.Short} (sha256 {checkpoint.Sha256}) is missing from the object store. Check the workspace with `repro verify {original.Id.Short}`.");
        }

        if (!workspace.Objects.Verify(checkpoint.Sha256))
        {
            throw new ReproException(ErrorCode.Corrupted,
                $"Checkpoint {checkpoint.Path} of run {original.Id.Short} no longer matches its sha256 {checkpoint.Sha256}: it was changed or damaged. Refusing to resume from it.");
        }

        var restored = Path.Combine(workspace.TempDirectory, $"resume-{checkpoint.Sha256[..16]}.ckpt");
        Directory.CreateDirectory(workspace.TempDirectory);
        using (var source = workspace.Objects.Open(checkpoint.Sha256))
        using (var target = new FileStream(restored, FileMode.Create, FileAccess.Write))
        {
            source.CopyTo(target);
        }

        var parameters = original.Params.Where(p => p.Source == ParamSource.Cli).ToDictionary(p => p.Key, StringComparer.Ordinal);
        foreach (var p in given.Params)
        {
            parameters[p.Key] = p;
        }

        var environment = new Dictionary<string, string>(given.Environment, StringComparer.Ordinal)
        {
            ["REPRO_RESUME_CHECKPOINT"] = restored,
            ["REPRO_RESUME_CHECKPOINT_SHA256"] = checkpoint.Sha256,
        };
        return given with
        {
            Command = given.Command.Count > 0 ? given.Command : original.Command,
            DataPaths = given.DataPaths.Count > 0 ? given.DataPaths : [.. original.Inputs.Select(i => i.Path)],
            Name = given.Name ?? original.Name + "-resumed",
            Experiment = given.Experiment ?? original.Experiment,
            Seed = seedGiven ? given.Seed : original.Seed,
            Params = [.. parameters.Values],
            Deterministic = deterministicGiven || original.Deterministic,
            Threads = given.Threads ?? original.Threads,
            Lineage = given.Lineage with { ResumedFrom = original.Id },
            Tags = new Dictionary<string, string>(given.Tags, StringComparer.Ordinal) { ["resumed_from_checkpoint"] = checkpoint.Path },
            Environment = environment,
        };
    }
}
