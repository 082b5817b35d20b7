using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Routing;

namespace Repro.Server.Api;

/// <summary>The Repro REST API under <c>/api/v1</c> (documented in docs/api.md).</summary>
public static class ApiEndpoints
{
    public const string Prefix = "/api/v1";

    public static IEndpointRouteBuilder MapReproApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        var api = app.MapGroup(Prefix);
        api.MapExperimentEndpoints();
        api.MapRunEndpoints();
        api.MapObjectEndpoints();
        api.MapReportEndpoints();
        api.MapServerInfoEndpoints();
        return app;
    }
}
