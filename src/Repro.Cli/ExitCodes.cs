using Repro.Core.Errors;

namespace Repro.Cli;

/// <summary>Documented exit codes of every command (README, "Exit codes").</summary>
internal static class ExitCodes
{
    public const int Ok = 0;
    public const int Failure = 1;
    public const int Usage = 2;
    public const int VerdictNotMet = 3;
    public const int CommandNotFound = 127;
    public const int Cancelled = 130;

    public static int For(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => Usage,
        _ => Failure,
    };
}
