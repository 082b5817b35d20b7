using System.Runtime.InteropServices;

namespace Repro.Cli.Running;

/// <summary>POSIX signal numbers (Linux) and delivery to a child process.</summary>
internal static partial class Signals
{
    public const int SigHup = 1;
    public const int SigInt = 2;
    public const int SigQuit = 3;
    public const int SigKill = 9;
    public const int SigTerm = 15;

    private static readonly Dictionary<int, string> Names = new()
    {
        [1] = "SIGHUP", [2] = "SIGINT", [3] = "SIGQUIT", [4] = "SIGILL", [5] = "SIGTRAP", [6] = "SIGABRT", [7] = "SIGBUS",
        [8] = "SIGFPE", [9] = "SIGKILL", [10] = "SIGUSR1", [11] = "SIGSEGV", [12] = "SIGUSR2", [13] = "SIGPIPE",
        [14] = "SIGALRM", [15] = "SIGTERM", [24] = "SIGXCPU", [25] = "SIGXFSZ", [31] = "SIGSYS",
    };

    public static string? Name(int signal) => Names.GetValueOrDefault(signal);

    /// <summary>
    /// .NET reports a child ended by signal N as exit code 128 + N (as shells do). Codes 129..159 that name a known
    /// signal are read as that signal.
    /// </summary>
    public static string? FromExitCode(int exitCode) =>
        exitCode is > 128 and < 160 ? Name(exitCode - 128) : null;

    public static bool Send(int pid, int signal) =>
        OperatingSystem.IsWindows() ? false : Kill(pid, signal) == 0;

    [LibraryImport("libc", EntryPoint = "kill", SetLastError = true)]
    private static partial int Kill(int pid, int sig);
}
