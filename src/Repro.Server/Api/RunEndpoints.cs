using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.AspNetCore.StaticFiles;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Api;

/// <summary>Runs: list and search, create, the batch write path, update, delete/restore, and what a run recorded.</summary>
internal static class RunEndpoints
{
    private static readonly FileExtensionContentTypeProvider ContentTypes = new();

    public static void MapRunEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/runs", (HttpRequest request, ServerContext server) => List(request, server.Store));
        api.MapPost("/runs", Create);
        api.MapGet("/runs/{ref}", (string @ref, ServerContext server) =>
        {
            var record = RunReferences.Resolve(server.Store, @ref);
            var tracked = server.Store.GetTrackedRun(record.Id) ?? throw RunReferences.NotFound(@ref);
            return ApiRequest.Json(new RunEnvelope(tracked.Record, tracked.ExperimentId, tracked.Stage, tracked.Datasets));
        });

        api.MapPost("/runs/{id}/batch", Batch);
        api.MapPatch("/runs/{id}", Update);
        api.MapDelete("/runs/{id}", (string id, ServerContext server) =>
            OnRun(id, run => SetStage(server, run, LifecycleStage.Deleted)));
        api.MapPost("/runs/{id}/restore", (string id, ServerContext server) =>
            OnRun(id, run => SetStage(server, run, LifecycleStage.Active)));

        api.MapGet("/runs/{ref}/metrics", (string @ref, HttpRequest request, ServerContext server) =>
        {
            var record = RunReferences.Resolve(server.Workspace.Runs, @ref);
            var points = server.Workspace.Runs.GetMetricHistory(record.Id, ApiRequest.Optional(request, "key"));
            return ApiRequest.Json(new MetricList(points));
        });

        api.MapGet("/runs/{ref}/logs", Logs);
        api.MapGet("/runs/{ref}/artifacts", (string @ref, ServerContext server) =>
            ApiRequest.Json(new ArtifactList(RunReferences.Resolve(server.Workspace.Runs, @ref).Artifacts)));
        api.MapGet("/runs/{ref}/artifacts/{**path}", Artifact);
    }

    private static IResult List(HttpRequest request, ITrackingStore store)
    {
        var page = store.SearchRuns(new RunSearchQuery
        {
            ExperimentIds = ApiRequest.ExperimentIds(request, store),
            Group = ApiRequest.Optional(request, "group"),
            Filter = ApiRequest.Optional(request, "filter"),
            OrderBy = ApiRequest.All(request, "order_by"),
            MaxResults = ApiRequest.MaxResults(request),
            PageToken = ApiRequest.Optional(request, "page_token"),
            ViewType = ApiRequest.View(request),
        });
        return ApiRequest.Boolean(request, "full") == true
            ? ApiRequest.Json(new RunRecordList([.. page.Items.Select(t => t.Record)], page.NextPageToken))
            : ApiRequest.Json(new RunList([.. page.Items.Select(RunSummary.Of)], page.NextPageToken));
    }

    private static async Task<IResult> Create(HttpRequest request, ServerContext server)
    {
        var record = await ApiRequest.ReadJson<RunRecord>(request).ConfigureAwait(false);
        RunBatchCheck.CheckRecord(record);
        server.Workspace.Runs.Write(new RunWriteBatch(record.Id) { Create = record });
        request.HttpContext.Response.Headers.Location = $"{ApiEndpoints.Prefix}/runs/{record.Id}";
        var stored = server.Workspace.Runs.GetRun(record.Id) ?? throw RunReferences.NotFound(record.Id.Value);
        return ApiRequest.Json(new RunResponse(stored), StatusCodes.Status201Created);
    }

    private static async Task<IResult> Batch(string id, HttpRequest request, ServerContext server)
    {
        var runId = RunReferences.ParseId(id);
        var batch = await ApiRequest.ReadJson<RunWriteBatch>(request).ConfigureAwait(false) with { RunId = runId };
        RunBatchCheck.Validate(batch);
        return OnRun(id, _ => server.Workspace.Runs.Write(batch));
    }

    private static async Task<IResult> Update(string id, HttpRequest request, ServerContext server)
    {
        var runId = RunReferences.ParseId(id);
        var update = await ApiRequest.ReadJson<RunUpdate>(request).ConfigureAwait(false);
        if (update.Name is { } name && string.IsNullOrWhiteSpace(name))
        {
            throw new ReproException(ErrorCode.InvalidArgument, "A run's name cannot be empty. Leave \"name\" out to keep the current one.");
        }

        OnRun(id, run => server.Store.UpdateRun(run, update.Status, update.EndTime, update.Name?.Trim()));
        var stored = server.Store.GetRun(runId) ?? throw RunReferences.NotFound(id);
        return ApiRequest.Json(new RunResponse(stored));
    }

    /// <summary>Applies a write to the run a path names by id; 204, or 404 pointing at the runs list.</summary>
    private static IResult OnRun(string id, Action<RunId> write)
    {
        var runId = RunReferences.ParseId(id);
        try
        {
            write(runId);
        }
        catch (ReproException e) when (e.Code == ErrorCode.NotFound)
        {
            throw new ReproException(
                ErrorCode.NotFound,
                $"Run {runId} not found. Create it with POST /api/v1/runs first, or list runs with GET /api/v1/runs.",
                e);
        }

        return Results.NoContent();
    }

    private static IResult Logs(string @ref, ServerContext server)
    {
        var record = RunReferences.Resolve(server.Workspace.Runs, @ref);
        if (record.LogSha256 is { } sha && server.Objects.Exists(sha))
        {
            return Results.Stream(server.Objects.Open(sha), "text/plain; charset=utf-8");
        }

        // A running run's output, as the recorder writes it, before it is stored as an object.
        var live = Path.Combine(server.Workspace.ReproDirectory, "runs", record.Id.Value, "output.log");
        if (File.Exists(live))
        {
            return Results.Stream(
                new FileStream(live, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete),
                "text/plain; charset=utf-8");
        }

        throw new ReproException(
            ErrorCode.NotFound,
            record.LogSha256 is null
                ? $"Run {record.Id.Short} has no stored output: it logged over the API or has not ended. See its metrics at GET /api/v1/runs/{record.Id}/metrics."
                : $"Run {record.Id.Short}'s log object {record.LogSha256} is not in the object store. Upload it with PUT /api/v1/objects/{record.LogSha256}.");
    }

    private static IResult Artifact(string @ref, string path, ServerContext server)
    {
        // Slashes inside a segment arrive escaped; they are separators all the same.
        var wanted = ArtifactPaths.File(path.Replace("%2F", "/", StringComparison.OrdinalIgnoreCase));
        var record = RunReferences.Resolve(server.Workspace.Runs, @ref);
        var artifact = record.Artifacts.LastOrDefault(a => a.Path == wanted) ?? throw new ReproException(
            ErrorCode.NotFound,
            $"Run {record.Id.Short} has no artifact '{wanted}'. List its artifacts with GET /api/v1/runs/{record.Id}/artifacts.");
        if (!server.Objects.Exists(artifact.Sha256))
        {
            throw new ReproException(
                ErrorCode.NotFound,
                $"Artifact '{wanted}' of run {record.Id.Short} was recorded, but its bytes (object {artifact.Sha256}) are not in the object store. "
                + $"Upload them with PUT /api/v1/objects/{artifact.Sha256}.");
        }

        var contentType = ContentTypes.TryGetContentType(wanted, out var type) ? type : "application/octet-stream";
        return Results.Stream(server.Objects.Open(artifact.Sha256), contentType, fileDownloadName: null, enableRangeProcessing: true);
    }

    /// <summary>Also tells the MLflow API at once, so its clients stop (or resume) logging to the run without delay.</summary>
    private static void SetStage(ServerContext server, RunId run, LifecycleStage stage)
    {
        server.Store.SetRunStage(run, stage);
        Mlflow.MlflowEndpoints.ActiveRunsOf(server).Forget(run);
    }
}
