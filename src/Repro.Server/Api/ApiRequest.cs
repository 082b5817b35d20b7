using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;
using Repro.Core.Serialization;
using Repro.Storage.Tracking;

namespace Repro.Server.Api;

/// <summary>Reading requests and writing responses of the Repro API: JSON with <see cref="ReproJson.Options"/>, checked query parameters.</summary>
internal static class ApiRequest
{
    public const int DefaultMaxResults = 100;
    public const int MaxMaxResults = 10_000;

    /// <summary>The JSON body as a <typeparamref name="T"/>; malformed JSON is a JsonException (400 malformed_request).</summary>
    public static async Task<T> ReadJson<T>(HttpRequest request)
        where T : class
    {
        ArgumentNullException.ThrowIfNull(request);
        return await JsonSerializer.DeserializeAsync<T>(request.Body, ReproJson.Options, request.HttpContext.RequestAborted).ConfigureAwait(false)
            ?? throw new ReproException(ErrorCode.InvalidArgument, $"The request body is null; send a JSON {typeof(T).Name} object.");
    }

    /// <summary>A JSON response written with the record serialization (camelCase, NaN as "NaN").</summary>
    public static IResult Json<T>(T value, int status = StatusCodes.Status200OK) =>
        Results.Json(value, ReproJson.Options, "application/json; charset=utf-8", status);

    public static string? Optional(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        var value = request.Query[name].ToString();
        return string.IsNullOrWhiteSpace(value) ? null : value;
    }

    /// <summary>A query parameter that must be present; <paramref name="example"/> shows a good value.</summary>
    public static string Required(HttpRequest request, string name, string example) =>
        Optional(request, name) ?? throw new ReproException(
            ErrorCode.InvalidArgument,
            $"Query parameter '{name}' is required. Example: {request.Path}?{example}");

    /// <summary>Every value of a repeatable query parameter, empty ones left out.</summary>
    public static IReadOnlyList<string> All(HttpRequest request, string name)
    {
        ArgumentNullException.ThrowIfNull(request);
        return [.. request.Query[name].Where(v => !string.IsNullOrWhiteSpace(v)).Select(v => v!)];
    }

    /// <summary>The experiments named by <c>experiment_id</c> and <c>experiment</c> (a name), each checked to exist; empty
    /// when none is named.</summary>
    public static List<string> ExperimentIds(HttpRequest request, ITrackingStore store)
    {
        ArgumentNullException.ThrowIfNull(store);
        var ids = new List<string>();
        foreach (var id in All(request, "experiment_id"))
        {
            _ = store.GetExperiment(id) ?? throw new ReproException(
                ErrorCode.NotFound, $"Experiment id '{id}' not found. List experiments with GET /api/v1/experiments?view=all.");
            ids.Add(id);
        }

        foreach (var name in All(request, "experiment"))
        {
            var experiment = store.GetExperimentByName(name) ?? throw new ReproException(
                ErrorCode.NotFound, $"Experiment '{name}' not found. List experiments with GET /api/v1/experiments?view=all.");
            ids.Add(experiment.Id);
        }

        return ids;
    }

    /// <summary>max_results: 1 to <see cref="MaxMaxResults"/>, <paramref name="fallback"/> when absent.</summary>
    public static int MaxResults(HttpRequest request, int fallback = DefaultMaxResults)
    {
        var text = Optional(request, "max_results");
        if (text is null)
        {
            return fallback;
        }

        return int.TryParse(text, NumberStyles.Integer, CultureInfo.InvariantCulture, out var n) && n is > 0 and <= MaxMaxResults
            ? n
            : throw new ReproException(
                ErrorCode.InvalidArgument,
                $"max_results '{text}' is not a whole number from 1 to {MaxMaxResults.ToString(CultureInfo.InvariantCulture)}. "
                + "Ask for a smaller page and follow nextPageToken for the rest.");
    }

    /// <summary>view=active (default), deleted or all.</summary>
    public static ViewType View(HttpRequest request) => Optional(request, "view")?.ToLowerInvariant() switch
    {
        null or "active" or "active_only" => ViewType.ActiveOnly,
        "deleted" or "deleted_only" => ViewType.DeletedOnly,
        "all" => ViewType.All,
        var other => throw new ReproException(ErrorCode.InvalidArgument, $"view '{other}' is not one of active, deleted, all."),
    };

    /// <summary>A boolean query parameter (true/false/1/0), null when absent.</summary>
    public static bool? Boolean(HttpRequest request, string name) => Optional(request, name)?.ToLowerInvariant() switch
    {
        null => null,
        "true" or "1" or "yes" => true,
        "false" or "0" or "no" => false,
        var other => throw new ReproException(ErrorCode.InvalidArgument, $"{name} '{other}' is not true or false."),
    };
}
