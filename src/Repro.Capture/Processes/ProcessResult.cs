namespace Repro.Capture.Processes;

/// <summary>
/// What one child process did. A child that could not be started has <see cref="NotFound"/> or <see cref="StartError"/> set
/// and exit code -1; one killed at its time limit has <see cref="TimedOut"/> set.
/// </summary>
public sealed record ProcessResult
{
    public required string Executable { get; init; }
    public int ExitCode { get; init; } = -1;
    public string StandardOutput { get; init; } = "";
    public string StandardError { get; init; } = "";

    /// <summary>Raw stdout, present only when <see cref="ProcessRunOptions.CaptureOutputBytes"/> was set.</summary>
    public byte[]? StandardOutputBytes { get; init; }

    public bool TimedOut { get; init; }

    /// <summary>The executable does not exist (not on PATH, or no file at the given path).</summary>
    public bool NotFound { get; init; }

    /// <summary>Why the child could not be started when the executable exists (permission denied, bad format, ...).</summary>
    public string? StartError { get; init; }

    public TimeSpan Elapsed { get; init; }

    public bool Started => !NotFound && StartError is null;

    public bool Succeeded => Started && !TimedOut && ExitCode == 0;

    /// <summary>One line describing a failed run, for warnings: what ran and what went wrong.</summary>
    public string Describe()
    {
        if (NotFound)
        {
            return $"'{Executable}' was not found";
        }

        if (StartError is not null)
        {
            return $"'{Executable}' could not be started: {StartError}";
        }

        if (TimedOut)
        {
            var seconds = Elapsed.TotalSeconds.ToString("0.#", System.Globalization.CultureInfo.InvariantCulture);
            return $"'{Executable}' did not finish within {seconds} s";
        }

        var detail = FirstLine(StandardError) ?? FirstLine(StandardOutput);
        return detail is null
            ? $"'{Executable}' exited with code {ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}"
            : $"'{Executable}' exited with code {ExitCode.ToString(System.Globalization.CultureInfo.InvariantCulture)}: {detail}";
    }

    private static string? FirstLine(string text)
    {
        foreach (var line in text.Split('\n'))
        {
            var trimmed = line.Trim();
            if (trimmed.Length > 0)
            {
                return trimmed.Length > 200 ? trimmed[..200] + "..." : trimmed;
            }
        }

        return null;
    }
}
