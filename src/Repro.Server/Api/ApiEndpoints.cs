using Microsoft.AspNetCore.Routing;

namespace Repro.Server.Api;

/// <summary>The Repro REST API under <c>/api/v1</c> (documented in docs/api.md).</summary>
public static class ApiEndpoints
{
    public static IEndpointRouteBuilder MapReproApi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
