using System.Text.Json.Serialization;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;

namespace Repro.Server.Mlflow;

/// <summary>MLflow's error body: <c>{"error_code": "RESOURCE_DOES_NOT_EXIST", "message": "..."}</c>.</summary>
public static class MlflowErrors
{
    public const string InvalidParameterValue = "INVALID_PARAMETER_VALUE";
    public const string ResourceDoesNotExist = "RESOURCE_DOES_NOT_EXIST";
    public const string ResourceAlreadyExists = "RESOURCE_ALREADY_EXISTS";
    public const string BadRequest = "BAD_REQUEST";
    public const string InternalError = "INTERNAL_ERROR";
    public const string Unauthenticated = "UNAUTHENTICATED";
    public const string InvalidState = "INVALID_STATE";
    public const string MalformedRequest = "MALFORMED_REQUEST";
    public const string EndpointNotFound = "ENDPOINT_NOT_FOUND";

    public static string CodeFor(int status, ErrorCode? domain) => domain switch
    {
        ErrorCode.InvalidArgument => InvalidParameterValue,
        ErrorCode.NotFound => ResourceDoesNotExist,
        ErrorCode.AlreadyExists => ResourceAlreadyExists,
        ErrorCode.Conflict => InvalidState,
        null => status switch
        {
            401 => Unauthenticated,
            404 => ResourceDoesNotExist,
            413 => InvalidParameterValue,
            >= 500 => InternalError,
            _ => MalformedRequest,
        },
        _ => InternalError,
    };

    /// <summary>MLflow 2.x answers RESOURCE_ALREADY_EXISTS (and INVALID_STATE) with 400, not 409.</summary>
    public static int StatusFor(string code) => code switch
    {
        ResourceDoesNotExist or EndpointNotFound => StatusCodes.Status404NotFound,
        InternalError => StatusCodes.Status500InternalServerError,
        Unauthenticated => StatusCodes.Status401Unauthorized,
        _ => StatusCodes.Status400BadRequest,
    };

    public static Task Write(HttpContext http, int status, string code, string message)
    {
        ArgumentNullException.ThrowIfNull(http);
        http.Response.StatusCode = status == StatusCodes.Status409Conflict ? StatusFor(code) : status;

        return http.Response.WriteAsJsonAsync(new MlflowError(code, message), MlflowErrorJson.Relaxed.MlflowError);
    }
}

public sealed record MlflowError(
    [property: JsonPropertyName("error_code")] string ErrorCode,
    [property: JsonPropertyName("message")] string Message);

[JsonSerializable(typeof(MlflowError))]
internal sealed partial class MlflowErrorJson : JsonSerializerContext
{
    /// <summary>The generated Default escapes ' as \u0027; this one writes text the way MLflow's server does.</summary>
    public static MlflowErrorJson Relaxed { get; } = new(new System.Text.Json.JsonSerializerOptions
    {
        Encoder = System.Text.Encodings.Web.JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
    });
}
