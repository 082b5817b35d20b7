namespace Repro.Core.Runs;

public enum RunStatus
{
    /// <summary>Started and not yet ended (or the recorder died: see warnings).</summary>
    Running,

    /// <summary>Exited with code 0.</summary>
    Finished,

    /// <summary>Exited with a non-zero code, or could not start.</summary>
    Failed,

    /// <summary>Ended by a signal it did not ask for (SIGKILL, SIGSEGV, ...).</summary>
    Killed,

    /// <summary>Stopped by the user (Ctrl-C / SIGINT / SIGTERM forwarded by repro).</summary>
    Interrupted,
}

/// <summary>Where a parameter value came from.</summary>
public enum ParamSource
{
    Default,
    File,
    Env,
    Cli,
    Sweep,

    /// <summary>Logged over the tracking server's API (MLflow's log-param and log-batch).</summary>
    Api,
}

public static class RunEnumNames
{
    public static string ToWire(this RunStatus status) => status.ToString().ToUpperInvariant();

    public static RunStatus ParseStatus(string text) =>
        Enum.TryParse<RunStatus>(text, ignoreCase: true, out var s)
            ? s
            : throw new FormatException($"Unknown run status '{text}'.");

    public static string ToWire(this ParamSource source) => source.ToString().ToLowerInvariant();

    public static bool TryParseSource(string? text, out ParamSource source) =>
        Enum.TryParse(text, ignoreCase: true, out source) && Enum.IsDefined(source);
}
