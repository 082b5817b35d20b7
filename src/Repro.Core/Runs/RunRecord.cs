namespace Repro.Core.Runs;

/// <summary>Everything recorded about one run. Metric series live beside it in the store; <see cref="LatestMetrics"/> holds the last point of each.</summary>
public sealed record RunRecord
{
    public const int SchemaVersion = 1;

    public required RunId Id { get; init; }
    public required string Name { get; init; }
    public string Experiment { get; init; } = "Default";
    public RunStatus Status { get; init; } = RunStatus.Running;
    public required DateTimeOffset StartTime { get; init; }
    public DateTimeOffset? EndTime { get; init; }
    public int? ExitCode { get; init; }

    /// <summary>The signal name that ended the command (SIGKILL, SIGINT, ...), or null.</summary>
    public string? Signal { get; init; }

    public IReadOnlyList<string> Command { get; init; } = [];
    public string WorkingDirectory { get; init; } = "";

    public long Seed { get; init; }

    /// <summary>"cli" when given with --seed, "os" when drawn from the operating system, "sdk" when set in-process.</summary>
    public string SeedSource { get; init; } = "os";

    public CodeSnapshot Code { get; init; } = CodeSnapshot.None;
    public EnvironmentSnapshot Environment { get; init; } = new();
    public IReadOnlyList<Param> Params { get; init; } = [];
    public IReadOnlyDictionary<string, string> Tags { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);
    public IReadOnlyList<Artifact> Artifacts { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
    public IReadOnlyDictionary<string, MetricPoint> LatestMetrics { get; init; } = new SortedDictionary<string, MetricPoint>(StringComparer.Ordinal);

    /// <summary>Data inputs fingerprinted before the command started.</summary>
    public IReadOnlyList<DataInput> Inputs { get; init; } = [];

    /// <summary>Whether the run asked for deterministic maths (REPRO_DETERMINISTIC=1).</summary>
    public bool Deterministic { get; init; }

    /// <summary>The thread count the run was given (REPRO_THREADS), or null when it chose its own.</summary>
    public int? Threads { get; init; }

    public RunLineage Lineage { get; init; } = new();

    /// <summary>Which named random streams the run used and how many draws each.</summary>
    public IReadOnlyList<StreamUsage> SeedLedger { get; init; } = [];

    /// <summary>For a reproduction: how it compared with its original.</summary>
    public Verdicts.Verdict? Verdict { get; init; }

    /// <summary>sha256 of the stored stdout/stderr log object, once the run has ended.</summary>
    public string? LogSha256 { get; init; }

    /// <summary>Who started the run (the OS user for local runs, MLflow's user_id for runs created over the API).</summary>
    public string? UserId { get; init; }

    public TimeSpan? Duration => EndTime is { } end ? end - StartTime : null;
}
