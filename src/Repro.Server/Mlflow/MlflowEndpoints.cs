using System.Runtime.CompilerServices;
using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Microsoft.Extensions.DependencyInjection;

namespace Repro.Server.Mlflow;

/// <summary>
/// MLflow's REST API (<c>/api/2.0/mlflow</c>, and <c>/ajax-api/2.0/mlflow</c> which MLflow's web UI calls) and artifact proxy
/// (<c>/api/2.0/mlflow-artifacts</c>), following MLflow's protobuf service definition field by field.
/// </summary>
public static class MlflowEndpoints
{
    private static readonly string[] Prefixes = ["/api/2.0", "/ajax-api/2.0"];
    private static readonly ConditionalWeakTable<ServerContext, ActiveRunCache> Caches = new();

    /// <summary>
    /// The MLflow API's cache of active runs for a server. Any other endpoint that deletes or restores a run must call
    /// <see cref="ActiveRunCache.Forget"/> with its id, and one that deletes or restores an experiment must call
    /// <see cref="ActiveRunCache.Clear"/>, so MLflow clients stop (or resume) logging to it at once rather than after
    /// <see cref="ActiveRunCache.Lifetime"/>.
    /// </summary>
    public static ActiveRunCache ActiveRunsOf(ServerContext context) => Caches.GetValue(context, _ => new ActiveRunCache());

    public static IEndpointRouteBuilder MapMlflowApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var context = app.ServiceProvider.GetRequiredService<ServerContext>();
        var service = new MlflowService(context, ActiveRunsOf(context));

        Map(app, "POST", "/mlflow/experiments/create", service.CreateExperiment);
        Map(app, "GET", "/mlflow/experiments/get", service.GetExperimentById);
        Map(app, "GET", "/mlflow/experiments/get-by-name", service.GetExperimentByName);
        Map(app, "POST", "/mlflow/experiments/search", service.SearchExperiments);
        Map(app, "GET", "/mlflow/experiments/search", service.SearchExperiments);
        Map(app, "POST", "/mlflow/experiments/delete", service.DeleteExperiment);
        Map(app, "POST", "/mlflow/experiments/restore", service.RestoreExperiment);
        Map(app, "POST", "/mlflow/experiments/update", service.UpdateExperiment);
        Map(app, "POST", "/mlflow/experiments/set-experiment-tag", service.SetExperimentTag);
        Map(app, "POST", "/mlflow/experiments/search-datasets", service.SearchDatasets);

        Map(app, "POST", "/mlflow/runs/create", service.CreateRun);
        Map(app, "POST", "/mlflow/runs/update", service.UpdateRun);
        Map(app, "POST", "/mlflow/runs/delete", service.DeleteRun);
        Map(app, "POST", "/mlflow/runs/restore", service.RestoreRun);
        Map(app, "GET", "/mlflow/runs/get", service.GetRunById);
        Map(app, "POST", "/mlflow/runs/search", service.SearchRuns);
        Map(app, "POST", "/mlflow/runs/log-metric", service.LogMetric);
        Map(app, "POST", "/mlflow/runs/log-parameter", service.LogParam);
        Map(app, "POST", "/mlflow/runs/set-tag", service.SetTag);
        Map(app, "POST", "/mlflow/runs/delete-tag", service.DeleteTag);
        Map(app, "POST", "/mlflow/runs/log-batch", service.LogBatch);
        Map(app, "POST", "/mlflow/runs/log-inputs", service.LogInputs);
        Map(app, "POST", "/mlflow/runs/log-model", service.LogModel);

        Map(app, "GET", "/mlflow/metrics/get-history", service.GetMetricHistory);
        Map(app, "GET", "/mlflow/metrics/get-history-bulk", service.GetMetricHistoryBulk);
        Map(app, "GET", "/mlflow/metrics/get-history-bulk-interval", service.GetMetricHistoryBulkInterval);

        Map(app, "GET", "/mlflow/artifacts/list", service.ListRunArtifacts);
        Map(app, "POST", "/mlflow/upload-artifact", service.UploadRunArtifact);
        app.MapGet("/get-artifact", MlflowService.Handle(service.GetRunArtifact));

        Map(app, "GET", "/mlflow-artifacts/artifacts", service.ListProxyArtifacts);
        Map(app, "PUT", "/mlflow-artifacts/artifacts/{**path}", service.UploadArtifact);
        Map(app, "GET", "/mlflow-artifacts/artifacts/{**path}", service.DownloadArtifact);
        Map(app, "DELETE", "/mlflow-artifacts/artifacts/{**path}", service.DeleteArtifact);
        return app;
    }

    private static void Map(IEndpointRouteBuilder app, string method, string path, Func<HttpContext, Task> handler)
    {
        var endpoint = MlflowService.Handle(handler);
        foreach (var prefix in Prefixes)
        {
            app.MapMethods(prefix + path, [method], endpoint);
        }
    }
}
