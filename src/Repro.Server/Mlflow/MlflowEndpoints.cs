using Microsoft.AspNetCore.Routing;

namespace Repro.Server.Mlflow;

/// <summary>MLflow's REST API (<c>/api/2.0/mlflow</c>) and artifact proxy (<c>/api/2.0/mlflow-artifacts</c>).</summary>
public static class MlflowEndpoints
{
    public static IEndpointRouteBuilder MapMlflowApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
