using Microsoft.AspNetCore.Routing;

namespace Repro.Server.Ui;

/// <summary>The web UI: static pages and scripts served from this assembly.</summary>
public static class UiEndpoints
{
    public static IEndpointRouteBuilder MapUi(this IEndpointRouteBuilder app)
    {
        ArgumentNullException.ThrowIfNull(app);
        return app;
    }
}
