using System.ComponentModel;
using System.Diagnostics;
using System.Runtime.InteropServices;

namespace Repro.Cli.Running;

/// <summary>How a child process ended.</summary>
internal sealed record ChildOutcome(int ExitCode, string? Signal, bool Interrupted, string? StartError);

/// <summary>
/// Runs a command as a child process: its stdout and stderr go to the terminal as they come and to a log file;
/// SIGINT/SIGTERM/SIGHUP sent to repro are forwarded to it. Ctrl-C in a terminal already reaches the child (same
/// process group), so a first SIGINT is forwarded only when repro has no terminal; a second one sends SIGTERM and a
/// third SIGKILL.
/// </summary>
internal sealed class ChildRunner
{
    private readonly Lock _logGate = new();
    private int _interrupts;
    private volatile bool _interrupted;
    private volatile int _pendingSignal;

    public required IReadOnlyList<string> Command { get; init; }
    public required string WorkingDirectory { get; init; }
    public required IReadOnlyDictionary<string, string> ExtraEnvironment { get; init; }
    public required string LogPath { get; init; }
    public Stream? StandardOutput { get; init; }
    public Stream? StandardError { get; init; }

    /// <summary>Called periodically while the child runs (event ingestion).</summary>
    public Action? OnTick { get; init; }

    public TimeSpan TickInterval { get; init; } = TimeSpan.FromMilliseconds(250);

    /// <summary>Looks the executable up the way execvp does; null when it cannot be found.</summary>
    public static string? Resolve(string executable, string workingDirectory)
    {
        if (executable.Contains('/', StringComparison.Ordinal))
        {
            var full = Path.GetFullPath(Path.Combine(workingDirectory, executable));
            return File.Exists(full) ? full : null;
        }

        foreach (var dir in (Environment.GetEnvironmentVariable("PATH") ?? "").Split(':', StringSplitOptions.RemoveEmptyEntries))
        {
            var candidate = Path.Combine(dir, executable);
            if (File.Exists(candidate))
            {
                return candidate;
            }
        }

        return null;
    }

    public ChildOutcome Run()
    {
        var psi = new ProcessStartInfo(Command[0])
        {
            WorkingDirectory = WorkingDirectory,
            UseShellExecute = false,
            RedirectStandardOutput = true,
            RedirectStandardError = true,
            RedirectStandardInput = false,
        };
        foreach (var arg in Command.Skip(1))
        {
            psi.ArgumentList.Add(arg);
        }

        foreach (var (key, value) in ExtraEnvironment)
        {
            psi.Environment[key] = value;
        }

        using var log = new FileStream(LogPath, FileMode.Append, FileAccess.Write, FileShare.ReadWrite | FileShare.Delete);
        using var process = new Process { StartInfo = psi };

        // Handlers go in before the child starts: a signal that arrives in between must not end repro unrecorded.
        var registrations = new List<PosixSignalRegistration>();
        if (!OperatingSystem.IsWindows())
        {
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx => OnSignal(ctx, process, Signals.SigInt)));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGTERM, ctx => OnSignal(ctx, process, Signals.SigTerm)));
            registrations.Add(PosixSignalRegistration.Create(PosixSignal.SIGHUP, ctx => OnSignal(ctx, process, Signals.SigHup)));
        }

        try
        {
            try
            {
                process.Start();
            }
            catch (Win32Exception e)
            {
                return new ChildOutcome(ExitCodes.CommandNotFound, null, false, $"could not start '{Command[0]}': {e.Message}");
            }

            if (_pendingSignal is var pending and not 0)
            {
                Signals.Send(process.Id, pending);
            }

            var stdout = Pump(process.StandardOutput.BaseStream, StandardOutput ?? Console.OpenStandardOutput(), log);
            var stderr = Pump(process.StandardError.BaseStream, StandardError ?? Console.OpenStandardError(), log);
            while (!process.WaitForExit(TickInterval))
            {
                OnTick?.Invoke();
            }

            Task.WaitAll([stdout, stderr], TimeSpan.FromSeconds(10));
            process.WaitForExit();
            var code = process.ExitCode;
            return new ChildOutcome(code, Signals.FromExitCode(code), _interrupted, null);
        }
        finally
        {
            foreach (var r in registrations)
            {
                r.Dispose();
            }
        }
    }

    private void OnSignal(PosixSignalContext context, Process process, int signal)
    {
        context.Cancel = true; // repro stays alive to record the end of the run
        _interrupted = true;
        int pid;
        try
        {
            if (process.HasExited)
            {
                return;
            }

            pid = process.Id;
        }
        catch (InvalidOperationException)
        {
            // Not started yet: the run is marked interrupted; the child gets the signal below once it exists.
            _pendingSignal = signal;
            return;
        }

        var count = Interlocked.Increment(ref _interrupts);
        var send = signal;
        if (signal == Signals.SigInt)
        {
            var terminalDelivered = !Console.IsInputRedirected && count == 1;
            if (terminalDelivered)
            {
                Console.Error.WriteLine("\nrepro: interrupted; waiting for the command to stop (Ctrl-C again to terminate it)");
                return;
            }

            send = count switch { 1 => Signals.SigInt, 2 => Signals.SigTerm, _ => Signals.SigKill };
        }
        else if (count > 2)
        {
            send = Signals.SigKill;
        }

        Console.Error.WriteLine($"\nrepro: forwarding {Signals.Name(send)} to the command (pid {pid})");
        Signals.Send(pid, send);
    }

    private Task Pump(Stream source, Stream terminal, FileStream log) => Task.Run(() =>
    {
        var buffer = new byte[16 * 1024];
        int n;
        var terminalOk = true;
        var partial = new MemoryStream();
        while ((n = source.Read(buffer, 0, buffer.Length)) > 0)
        {
            if (terminalOk)
            {
                try
                {
                    terminal.Write(buffer, 0, n);
                    terminal.Flush();
                }
                catch (IOException)
                {
                    terminalOk = false; // e.g. `repro run ... | head`: keep recording even when nobody reads
                }
            }

            partial = AppendLines(log, partial, buffer.AsSpan(0, n));
        }

        if (partial.Length > 0)
        {
            WriteLog(log, partial.ToArray());
        }
    });

    /// <summary>
    /// Writes whole lines (ending in \n or \r, as progress bars do) to the log, keeping the rest for the next read, so
    /// stdout and stderr interleave line by line in the log rather than mid-line. A line longer than 64 KiB is written
    /// as it is.
    /// </summary>
    private MemoryStream AppendLines(FileStream log, MemoryStream partial, ReadOnlySpan<byte> data)
    {
        var end = data.LastIndexOfAny((byte)'\n', (byte)'\r');
        if (end < 0)
        {
            partial.Write(data);
            if (partial.Length < 64 * 1024)
            {
                return partial;
            }

            WriteLog(log, partial.ToArray());
            return new MemoryStream();
        }

        partial.Write(data[..(end + 1)]);
        WriteLog(log, partial.ToArray());
        var rest = new MemoryStream();
        rest.Write(data[(end + 1)..]);
        return rest;
    }

    private void WriteLog(FileStream log, byte[] bytes)
    {
        lock (_logGate)
        {
            log.Write(bytes, 0, bytes.Length);
            log.Flush();
        }
    }
}
