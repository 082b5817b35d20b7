using System.ComponentModel;
using System.Diagnostics;
using System.Text;

namespace Repro.Capture.Processes;

/// <summary>
/// Runs one executable with an argument list (never through a shell), captures its output and bounds its run time.
/// Never throws for a child that is missing, fails or hangs: that is reported in the <see cref="ProcessResult"/>.
/// </summary>
public static class ProcessRunner
{
    private const int TextFileBusy = 26;

    // How long to wait for the output pipes to close once the child has exited or been killed.
    private static readonly TimeSpan DrainGrace = TimeSpan.FromSeconds(2);

    public static ProcessResult Run(string executable, IEnumerable<string> arguments, ProcessRunOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(executable);
        ArgumentNullException.ThrowIfNull(arguments);
        options ??= new ProcessRunOptions();
        if (options.Timeout <= TimeSpan.Zero)
        {
            throw new ArgumentOutOfRangeException(nameof(options), options.Timeout, "The timeout must be positive.");
        }

        if (options.WorkingDirectory is { } directory && !Directory.Exists(directory))
        {
            return new ProcessResult { Executable = executable, StartError = $"the working directory '{directory}' does not exist" };
        }

        var startInfo = new ProcessStartInfo(executable)
        {
            RedirectStandardInput = true,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            UseShellExecute = false,
            CreateNoWindow = true,
            WorkingDirectory = options.WorkingDirectory ?? "",
        };
        foreach (var argument in arguments)
        {
            startInfo.ArgumentList.Add(argument);
        }

        ApplyEnvironment(startInfo, options);

        var stopwatch = Stopwatch.StartNew();
        using var process = new Process { StartInfo = startInfo };
        if (Start(process, options.Timeout) is { } error)
        {
            return IsNotFound(error) && !LooksLikeExistingFile(executable)
                ? new ProcessResult { Executable = executable, NotFound = true, Elapsed = stopwatch.Elapsed }
                : new ProcessResult
                {
                    Executable = executable,
                    StartError = IsNotFound(error) ? "the file exists but its interpreter was not found" : error.Message,
                    Elapsed = stopwatch.Elapsed,
                };
        }

        CloseQuietly(process.StandardInput);
        var stdout = ReadAllAsync(process.StandardOutput.BaseStream, options.StandardOutputSink);
        var stderr = ReadAllAsync(process.StandardError.BaseStream, sink: null);

        var timedOut = !process.WaitForExit(options.Timeout);
        if (timedOut)
        {
            KillTree(process);
            process.WaitForExit(DrainGrace);
        }

        // A descendant that outlives the child keeps the pipes open; do not wait for it past the time limit.
        var remaining = options.Timeout - stopwatch.Elapsed;
        var drained = Task.WaitAll([stdout, stderr], remaining > DrainGrace ? remaining : DrainGrace);
        stopwatch.Stop();

        var outBytes = drained || stdout.IsCompletedSuccessfully ? stdout.Result : [];
        var errBytes = drained || stderr.IsCompletedSuccessfully ? stderr.Result : [];
        return new ProcessResult
        {
            Executable = executable,
            ExitCode = timedOut ? -1 : process.ExitCode,
            StandardOutput = Encoding.UTF8.GetString(outBytes),
            StandardError = Encoding.UTF8.GetString(errBytes),
            StandardOutputBytes = options.CaptureOutputBytes ? outBytes : null,
            TimedOut = timedOut || !drained,
            Elapsed = stopwatch.Elapsed,
        };
    }

    // ETXTBSY: the file was just written and a process forked meanwhile still holds it open for writing. That clears
    // within milliseconds (the fork execs or exits), so starting again is safe; any other error is final.
    private static Win32Exception? Start(Process process, TimeSpan timeout)
    {
        var delay = TimeSpan.FromMilliseconds(5);
        var waited = TimeSpan.Zero;
        while (true)
        {
            try
            {
                process.Start();
                return null;
            }
            catch (Win32Exception e) when (e.NativeErrorCode == TextFileBusy && !OperatingSystem.IsWindows() && waited < timeout)
            {
                Thread.Sleep(delay);
                waited += delay;
                delay = TimeSpan.FromTicks(Math.Min(delay.Ticks * 2, TimeSpan.FromMilliseconds(100).Ticks));
            }
            catch (Win32Exception e)
            {
                return e;
            }
        }
    }

    private static void ApplyEnvironment(ProcessStartInfo startInfo, ProcessRunOptions options)
    {
        if (options.Environment is { } environment)
        {
            startInfo.Environment.Clear();
            foreach (System.Collections.DictionaryEntry entry in environment)
            {
                if (entry.Key is string key && key.Length > 0)
                {
                    startInfo.Environment[key] = entry.Value as string;
                }
            }
        }

        if (options.EnvironmentOverrides is { } overrides)
        {
            foreach (var (key, value) in overrides)
            {
                if (value is null)
                {
                    startInfo.Environment.Remove(key);
                }
                else
                {
                    startInfo.Environment[key] = value;
                }
            }
        }
    }

    private static async Task<byte[]> ReadAllAsync(Stream source, Stream? sink)
    {
        try
        {
            if (sink is not null)
            {
                await source.CopyToAsync(sink).ConfigureAwait(false);
                return [];
            }

            using var buffer = new MemoryStream();
            await source.CopyToAsync(buffer).ConfigureAwait(false);
            return buffer.ToArray();
        }
        catch (IOException)
        {
            return [];
        }
        catch (ObjectDisposedException)
        {
            return [];
        }
    }

    private static void KillTree(Process process)
    {
        try
        {
            process.Kill(entireProcessTree: true);
        }
        catch (InvalidOperationException)
        {
            // Exited between the wait and the kill.
        }
        catch (Win32Exception)
        {
            // Some descendants could not be signalled; the child itself is what bounds the wait.
        }
    }

    private static void CloseQuietly(StreamWriter input)
    {
        try
        {
            input.Close();
        }
        catch (IOException)
        {
            // The child exited before reading stdin.
        }
    }

    // ENOENT on Unix, ERROR_FILE_NOT_FOUND / ERROR_PATH_NOT_FOUND on Windows.
    private static bool IsNotFound(Win32Exception e) => e.NativeErrorCode is 2 or 3;

    private static bool LooksLikeExistingFile(string executable) =>
        executable.Contains(Path.DirectorySeparatorChar, StringComparison.Ordinal) && File.Exists(executable);
}
