using Repro.Core.Runs;
using Repro.Sdk.Params;

namespace Repro.Sdk;

/// <summary>What a run knows about itself before it logs anything.</summary>
internal sealed record RunContext(RunId Id, long Seed, bool IsAttached, bool Deterministic, int Threads, ParamOverrides Overrides)
{
    /// <summary>The checkpoint to continue from (REPRO_RESUME_CHECKPOINT, set by `repro run --resume`), and its recorded sha256.</summary>
    public string? ResumeCheckpoint { get; init; }

    public string? ResumeCheckpointSha256 { get; init; }

    /// <summary>Where checkpoint files are written before they are recorded.</summary>
    public string CheckpointDirectory { get; init; } = Path.Combine(Path.GetTempPath(), "repro-checkpoints", Id.Value);
}
