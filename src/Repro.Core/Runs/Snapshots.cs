namespace Repro.Core.Runs;

/// <summary>The state of the code a run used. <see cref="IsGitRepository"/> false means there was no git repository.</summary>
public sealed record CodeSnapshot
{
    public static CodeSnapshot None { get; } = new() { IsGitRepository = false };

    public bool IsGitRepository { get; init; }
    public string? Root { get; init; }
    public string? Commit { get; init; }
    public string? Branch { get; init; }

    /// <summary>The remote URL of <c>origin</c> (or the first remote) with any credentials removed.</summary>
    public string? RemoteUrl { get; init; }

    public bool Dirty { get; init; }

    /// <summary>sha256 of the object holding <c>git diff HEAD --binary</c> (staged and unstaged); null when clean.</summary>
    public string? DiffSha256 { get; init; }

    public IReadOnlyList<UntrackedFile> Untracked { get; init; } = [];
    public IReadOnlyList<string> Warnings { get; init; } = [];
}

public sealed record GpuInfo(string Name, string Driver, string Cuda, string? MemoryTotal);

public sealed record PythonInfo(string Executable, string Version, IReadOnlyDictionary<string, string> Packages);

/// <summary>What the machine and runtime looked like. Unknown values are the string "unknown".</summary>
public sealed record EnvironmentSnapshot
{
    public const string Unknown = "unknown";

    public string Os { get; init; } = Unknown;
    public string Distribution { get; init; } = Unknown;
    public string Kernel { get; init; } = Unknown;
    public string Architecture { get; init; } = Unknown;
    public string Hostname { get; init; } = Unknown;
    public string CpuModel { get; init; } = Unknown;
    public int LogicalCores { get; init; }

    /// <summary>Instruction-set extensions that change floating-point results or speed: sse4_2, avx, avx2, fma, avx512f, ...</summary>
    public IReadOnlyList<string> CpuFlags { get; init; } = [];

    public long MemoryBytes { get; init; }

    /// <summary>"none", "docker", "podman", "kubernetes", "lxc", "wsl", ... or "unknown".</summary>
    public string Container { get; init; } = Unknown;

    public string DotnetRuntime { get; init; } = Unknown;

    /// <summary>Empty when nvidia-smi is absent (GpuSummary is then "none").</summary>
    public IReadOnlyList<GpuInfo> Gpus { get; init; } = [];

    /// <summary>"none" when no GPU tool was found, "unknown" when the probe failed, else a one-line summary.</summary>
    public string GpuSummary { get; init; } = "none";

    /// <summary>Present when the command runs Python.</summary>
    public PythonInfo? Python { get; init; }

    /// <summary>Allow-listed environment variables that affect determinism (never secrets).</summary>
    public IReadOnlyDictionary<string, string> Variables { get; init; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    public IReadOnlyList<string> Warnings { get; init; } = [];
}
