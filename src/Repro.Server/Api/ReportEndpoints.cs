using Microsoft.AspNetCore.Builder;
using Microsoft.AspNetCore.Http;
using Microsoft.AspNetCore.Routing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Server.Reports;

namespace Repro.Server.Api;

/// <summary>The reports of <c>repro diff</c>, <c>repro stats</c> and <c>repro compare</c>, as the same JSON their --json writes.</summary>
internal static class ReportEndpoints
{
    public static void MapReportEndpoints(this RouteGroupBuilder api)
    {
        api.MapGet("/diff", (HttpRequest request, ServerContext server) =>
        {
            var runs = server.Workspace.Runs;
            var left = RunReferences.Resolve(runs, ApiRequest.Required(request, "a", "a=RUN&b=RUN"));
            var right = RunReferences.Resolve(runs, ApiRequest.Required(request, "b", "a=RUN&b=RUN"));
            return ApiRequest.Json(DiffReport.ToJson(DiffReport.Compute(runs, server.Objects, left, right)));
        });

        api.MapGet("/stats", (HttpRequest request, ServerContext server) =>
        {
            var runs = server.Workspace.Runs;
            var metrics = ApiRequest.All(request, "metric");
            var how = Aggregate(request);
            var group = ApiRequest.Optional(request, "group");
            var refs = ApiRequest.Optional(request, "runs");
            if ((group is null) == (refs is null))
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    "Give either group=SWEEP_GROUP or runs=REF,REF,... (not both, not neither). Example: /api/v1/stats?group=lr-sweep&metric=acc");
            }

            if (group is not null)
            {
                return ApiRequest.Json(GroupStats.OfGroup(runs, group, metrics, how));
            }

            IReadOnlyList<RunRecord> selected =
                [.. refs!.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(r => RunReferences.Resolve(runs, r))];
            return ApiRequest.Json(GroupStats.Rows(runs, selected, metrics, how));
        });

        api.MapGet("/compare", (HttpRequest request, ServerContext server) =>
        {
            const string Example = "a=GROUP_A&b=GROUP_B&metric=acc";
            var runs = server.Workspace.Runs;
            var (comparison, _) = GroupStats.Compare(
                runs,
                ApiRequest.Required(request, "a", Example),
                ApiRequest.Required(request, "b", Example),
                ApiRequest.Required(request, "metric", Example),
                Aggregate(request),
                ApiRequest.Boolean(request, "higher_is_better"),
                r => RunReferences.Resolve(runs, r));
            return ApiRequest.Json(comparison);
        });
    }

    private static MetricAggregate Aggregate(HttpRequest request) =>
        ApiRequest.Optional(request, "agg") is { } text ? GroupStats.ParseAggregate(text, "agg") : MetricAggregate.Last;
}
