using System.Collections;

namespace Repro.Capture.Processes;

/// <summary>How <see cref="ProcessRunner"/> starts and bounds one child process.</summary>
public sealed record ProcessRunOptions
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(10);

    /// <summary>Where the child starts; null means the current directory.</summary>
    public string? WorkingDirectory { get; init; }

    /// <summary>After this long the child and all its descendants are killed and the result is marked timed out.</summary>
    public TimeSpan Timeout { get; init; } = DefaultTimeout;

    /// <summary>Keep stdout as raw bytes in <see cref="ProcessResult.StandardOutputBytes"/> as well as text.</summary>
    public bool CaptureOutputBytes { get; init; }

    /// <summary>When set, stdout is copied into this stream instead of being kept in memory; the text result is then empty.</summary>
    public Stream? StandardOutputSink { get; init; }

    /// <summary>
    /// The child's whole environment; null inherits this process's environment. A bare executable name is still looked up
    /// on this process's PATH, so resolve it first when the child's PATH differs.
    /// </summary>
    public IDictionary? Environment { get; init; }

    /// <summary>Variables set (or removed, when the value is null) on top of the inherited or given environment.</summary>
    public IReadOnlyDictionary<string, string?>? EnvironmentOverrides { get; init; }
}
