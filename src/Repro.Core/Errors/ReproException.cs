namespace Repro.Core.Errors;

/// <summary>Stable codes for domain failures. The CLI maps them to exit codes, the server to problem details.</summary>
public enum ErrorCode
{
    InvalidArgument,
    NotFound,
    AlreadyExists,
    Conflict,
    SchemaOutdated,
    SchemaTooNew,
    NoWorkspace,
    Corrupted,
    Io,
}

/// <summary>A domain failure with a message that says what failed and what to do next.</summary>
public sealed class ReproException : Exception
{
    public ReproException(ErrorCode code, string message)
        : base(message) => Code = code;

    public ReproException(ErrorCode code, string message, Exception inner)
        : base(message, inner) => Code = code;

    public ReproException()
        : this(ErrorCode.InvalidArgument, "Unspecified error.")
    {
    }

    public ReproException(string message)
        : this(ErrorCode.InvalidArgument, message)
    {
    }

    public ReproException(string message, Exception inner)
        : this(ErrorCode.InvalidArgument, message, inner)
    {
    }

    public ErrorCode Code { get; }
}
