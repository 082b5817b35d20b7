using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;

namespace Repro.Server.Ui;

/// <summary>
/// <c>GET /api/v1/runs/{ref}/code/diff</c>: the uncommitted changes a run was started with (<c>git diff HEAD --binary</c>,
/// kept in the object store), as text/plain, for the run page.
/// </summary>
internal static class CodeDiffEndpoint
{
    public static IEndpointRouteBuilder MapCodeDiff(this IEndpointRouteBuilder app)
    {
        app.MapGet("/api/v1/runs/{ref}/code/diff", (string @ref, ServerContext context) =>
        {
            var run = Api.RunReferences.Resolve(context.Store, @ref);
            if (run.Code.DiffSha256 is not { Length: > 0 } sha)
            {
                throw new ReproException(ErrorCode.NotFound,
                    run.Code.IsGitRepository
                        ? $"Run {run.Id.Short} was started from a clean tree (commit {run.Code.Commit}); it has no diff."
                        : $"Run {run.Id.Short} was not started in a git repository; it has no code diff.");
            }

            if (!context.Objects.Exists(sha))
            {
                throw new ReproException(ErrorCode.NotFound,
                    $"The diff of run {run.Id.Short} (object {sha[..12]}) is missing from the object store; `repro verify {run.Id.Short}` checks what else is missing.");
            }

            return Results.Stream(context.Objects.Open(sha), "text/plain; charset=utf-8");
        });
        return app;
    }
}
