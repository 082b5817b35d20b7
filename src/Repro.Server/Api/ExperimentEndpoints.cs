using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;
using Repro.Storage.Tracking;

namespace Repro.Server.Api;

/// <summary>The body of <c>POST /api/v1/experiments</c>.</summary>
public sealed record CreateExperimentRequest(string? Name, IReadOnlyDictionary<string, string>? Tags, string? ArtifactLocation);

/// <summary><c>{"experiments": [...]}</c>.</summary>
public sealed record ExperimentList(IReadOnlyList<ExperimentInfo> Experiments);

/// <summary>Experiments: list, create, get, delete (soft) and restore.</summary>
internal static class ExperimentEndpoints
{
    public static void MapExperimentEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/experiments", (HttpRequest request, ServerContext server) =>
        {
            var view = ApiRequest.View(request);
            var all = new List<ExperimentInfo>();
            string? token = null;
            do
            {
                var page = server.Store.SearchExperiments(new ExperimentSearchQuery { ViewType = view, MaxResults = 1000, PageToken = token });
                all.AddRange(page.Items);
                token = page.NextPageToken;
            }
            while (token is not null);
            return ApiRequest.Json(new ExperimentList(all));
        });

        api.MapPost("/experiments", async (HttpRequest request, ServerContext server) =>
        {
            var body = await ApiRequest.ReadJson<CreateExperimentRequest>(request).ConfigureAwait(false);
            if (string.IsNullOrWhiteSpace(body.Name))
            {
                throw new ReproException(ErrorCode.InvalidArgument, "An experiment needs a name: send {\"name\": \"my-experiment\"}.");
            }

            var created = server.Store.CreateExperiment(body.Name.Trim(), body.ArtifactLocation, body.Tags);
            request.HttpContext.Response.Headers.Location = $"{ApiEndpoints.Prefix}/experiments/{created.Id}";
            return ApiRequest.Json(created, StatusCodes.Status201Created);
        });

        api.MapGet("/experiments/{id}", (string id, ServerContext server) => ApiRequest.Json(Require(server, id)));

        api.MapDelete("/experiments/{id}", (string id, ServerContext server) => SetStage(server, id, LifecycleStage.Deleted));

        api.MapPost("/experiments/{id}/restore", (string id, ServerContext server) => SetStage(server, id, LifecycleStage.Active));
    }

    private static ExperimentInfo Require(ServerContext server, string id) =>
        server.Store.GetExperiment(id) ?? throw new ReproException(
            ErrorCode.NotFound,
            $"Experiment '{id}' not found: experiments are named by their id here (\"0\" is Default). List them with GET /api/v1/experiments?view=all.");

    private static IResult SetStage(ServerContext server, string id, LifecycleStage stage)
    {
        Require(server, id);
        server.Store.SetExperimentStage(id, stage);
        Mlflow.MlflowEndpoints.ActiveRunsOf(server).Clear();    // its runs' stage changed with it
        return Results.NoContent();
    }
}
