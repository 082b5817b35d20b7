using System.Text.Encodings.Web;
using System.Text.Json;
using System.Text.Json.Serialization.Metadata;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;

namespace Repro.Server;

/// <summary>
/// RFC 7807 problem details for the Repro API. <c>code</c> is the stable, machine-readable error code
/// (<c>not_found</c>, <c>invalid_argument</c>, ...); <c>detail</c> says what failed and what to do.
/// </summary>
public static class Problems
{
    public const string ContentType = "application/problem+json";

    /// <summary>Problem types are URNs (<c>urn:repro:problem:not-found</c>): stable names, not pages to fetch.</summary>
    public const string TypePrefix = "urn:repro:problem:";

    /// <summary>Messages quote names with ' and "; they are written as such, not as \u0027 escapes.</summary>
    private static readonly JsonTypeInfo<ProblemBody> BodyType = (JsonTypeInfo<ProblemBody>)new JsonSerializerOptions(ProblemJson.Default.Options)
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        TypeInfoResolver = ProblemJson.Default,
    }.GetTypeInfo(typeof(ProblemBody));

    public static int StatusFor(ErrorCode code) => code switch
    {
        ErrorCode.InvalidArgument => StatusCodes.Status400BadRequest,
        ErrorCode.NotFound or ErrorCode.NoWorkspace => StatusCodes.Status404NotFound,
        ErrorCode.AlreadyExists or ErrorCode.Conflict => StatusCodes.Status409Conflict,
        ErrorCode.SchemaOutdated or ErrorCode.SchemaTooNew => StatusCodes.Status503ServiceUnavailable,
        _ => StatusCodes.Status500InternalServerError,
    };

    /// <summary>snake_case of the error code: the value clients switch on.</summary>
    public static string CodeName(ErrorCode code) => JsonNamingPolicy.SnakeCaseLower.ConvertName(code.ToString());

    public static Task Write(HttpContext context, int status, string code, string title, string detail)
    {
        ArgumentNullException.ThrowIfNull(context);
        context.Response.StatusCode = status;
        context.Response.ContentType = ContentType;
        var body = new ProblemBody(
            TypePrefix + code.Replace('_', '-'),
            title,
            status,
            detail,
            code,
            context.Request.Path.Value ?? "");
        return context.Response.WriteAsJsonAsync(body, BodyType, contentType: ContentType);
    }

    public static Task Write(HttpContext context, ReproException error)
    {
        ArgumentNullException.ThrowIfNull(error);
        var status = StatusFor(error.Code);
        return Write(context, status, CodeName(error.Code), TitleFor(status), error.Message);
    }

    private static string TitleFor(int status) => status switch
    {
        400 => "Bad request",
        401 => "Unauthorized",
        404 => "Not found",
        409 => "Conflict",
        413 => "Request too large",
        503 => "Unavailable",
        _ => "Server error",
    };
}

/// <summary>The problem document (RFC 7807 members plus <c>code</c>).</summary>
public sealed record ProblemBody(string Type, string Title, int Status, string Detail, string Code, string Instance);

[System.Text.Json.Serialization.JsonSourceGenerationOptions(PropertyNamingPolicy = System.Text.Json.Serialization.JsonKnownNamingPolicy.CamelCase)]
[System.Text.Json.Serialization.JsonSerializable(typeof(ProblemBody))]
internal sealed partial class ProblemJson : System.Text.Json.Serialization.JsonSerializerContext;
