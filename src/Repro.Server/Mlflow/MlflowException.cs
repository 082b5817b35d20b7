namespace Repro.Server.Mlflow;

/// <summary>
/// A failure reported to MLflow clients as <c>{"error_code": ..., "message": ...}</c> with the HTTP status MLflow uses for
/// the code. Thrown by the MLflow endpoints where the message or the code must be exactly MLflow's.
/// </summary>
public sealed class MlflowException : Exception
{
    public MlflowException(string errorCode, string message)
        : base(message)
    {
        ErrorCode = errorCode;
    }

    public MlflowException()
        : this(MlflowErrors.InternalError, "MLflow API error.")
    {
    }

    public MlflowException(string message)
        : this(MlflowErrors.InvalidParameterValue, message)
    {
    }

    public MlflowException(string message, Exception innerException)
        : base(message, innerException)
    {
        ErrorCode = MlflowErrors.InternalError;
    }

    public string ErrorCode { get; }

    public int Status => MlflowErrors.StatusFor(ErrorCode);

    public static MlflowException InvalidParameter(string message) => new(MlflowErrors.InvalidParameterValue, message);

    public static MlflowException NotFound(string message) => new(MlflowErrors.ResourceDoesNotExist, message);
}
