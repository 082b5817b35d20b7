using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

internal sealed partial class MlflowService
{
    private const string DatasetContextTag = "mlflow.data.context";

    public async Task CreateRun(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var experimentId = args.String("experiment_id");
        var userId = args.String("user_id");
        var startTime = args.Long("start_time");
        var runName = args.String("run_name");
        var tags = ReadKeyValues(args, "tags");
        foreach (var (key, value) in tags)
        {
            MlflowValidation.Tag(key, value);
        }

        experimentId = string.IsNullOrEmpty(experimentId) ? "0" : experimentId;
        var experiment = GetExperiment(experimentId);
        if (experiment.Stage != LifecycleStage.Active)
        {
            throw MlflowRuns.ExperimentNotActive(experimentId);
        }

        tags.TryGetValue(MlflowRuns.RunNameTag, out var nameTag);
        if (!string.IsNullOrEmpty(runName) && !string.IsNullOrEmpty(nameTag) && runName != nameTag)
        {
            throw MlflowException.InvalidParameter(
                $"Both 'run_name' argument and 'mlflow.runName' tag are specified, but with different values "
                + $"(run_name='{runName}', mlflow.runName='{nameTag}').");
        }

        var name = !string.IsNullOrEmpty(runName) ? runName : !string.IsNullOrEmpty(nameTag) ? nameTag : MlflowRuns.NewName();
        tags[MlflowRuns.RunNameTag] = name;
        var id = RunId.New();
        var record = new RunRecord
        {
            Id = id,
            Name = name,
            Experiment = experiment.Name,
            Status = RunStatus.Running,
            StartTime = startTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : DateTimeOffset.UtcNow,
            SeedSource = MlflowRuns.SeedSource,
            UserId = !string.IsNullOrEmpty(userId) ? userId : tags.GetValueOrDefault(MlflowRuns.UserTag),
            Tags = new SortedDictionary<string, string>(tags, StringComparer.Ordinal),
        };
        Store.Write(new RunWriteBatch(id) { Create = record });
        var run = Store.GetTrackedRun(id) ?? throw MlflowRuns.RunNotFound(id.Value);
        await WriteRunAsync(http, "run", run).ConfigureAwait(false);
    }

    public async Task GetRunById(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var run = GetRun(args.RunId());
        await WriteRunAsync(http, "run", run).ConfigureAwait(false);
    }

    public async Task UpdateRun(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var endTime = args.Long("end_time");
        RunStatus? status = args.TryGet("status", out var statusValue)
            ? statusValue.ValueKind == JsonValueKind.String || statusValue.ValueKind == JsonValueKind.Number
                ? MlflowRuns.ParseStatus(statusValue, "status")
                : throw MlflowArgs.Invalid("status", statusValue)
            : null;
        var runName = args.String("run_name");
        var id = ParseRunId(runId);
        TrackedRun updated;
        lock (LockFor(id))
        {
            GetActiveRun(runId);
            var name = string.IsNullOrEmpty(runName) ? null : runName;
            Store.UpdateRun(id, status, endTime is { } ms ? DateTimeOffset.FromUnixTimeMilliseconds(ms) : null, name);
            if (name is not null)
            {
                Store.Write(new RunWriteBatch(id) { Tags = new Dictionary<string, string> { [MlflowRuns.RunNameTag] = name } });
            }

            updated = GetRun(runId);
        }

        await MlflowJson.WriteAsync(http, w =>
        {
            w.WritePropertyName("run_info");
            MlflowJson.RunInfo(w, updated);
        }).ConfigureAwait(false);
    }

    public Task DeleteRun(HttpContext http) => SetRunStage(http, LifecycleStage.Deleted);

    public Task RestoreRun(HttpContext http) => SetRunStage(http, LifecycleStage.Active);

    public async Task SearchRuns(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request, "experiment_ids", "order_by").ConfigureAwait(false);
        var experimentIds = args.StringList("experiment_ids");
        var filter = args.String("filter");
        var viewType = ReadViewType(args, "run_view_type");
        var maxResults = args.Long("max_results");
        if (maxResults is > MlflowValidation.MaxSearchResults && args.TryGet("max_results", out var raw))
        {
            throw MlflowArgs.Invalid("max_results", raw);
        }

        var orderBy = args.StringList("order_by");
        var pageToken = args.String("page_token");
        if (maxResults is < 1)
        {
            throw MlflowException.InvalidParameter(
                $"Invalid value for request parameter max_results. It must be a positive integer, but got {maxResults}");
        }

        var page = Store.SearchRuns(new RunSearchQuery
        {
            ExperimentIds = experimentIds,
            Filter = string.IsNullOrWhiteSpace(filter) ? null : filter,
            ViewType = viewType,
            MaxResults = (int)(maxResults ?? MlflowValidation.DefaultSearchResults),
            OrderBy = orderBy,
            PageToken = string.IsNullOrEmpty(pageToken) ? null : pageToken,
        });
        await MlflowJson.WritePageAsync(http, page, "runs", MlflowJson.Run).ConfigureAwait(false);
    }

    /// <summary>
    /// experiments/search-datasets (MLflow's UI): the distinct datasets the active runs of some experiments used, with the
    /// context each was used in.
    /// </summary>
    public async Task SearchDatasets(HttpContext http)
    {
        const int MaxExperiments = 20;
        using var args = await MlflowArgs.ReadAsync(http.Request, "experiment_ids").ConfigureAwait(false);
        var experimentIds = args.StringList("experiment_ids");
        if (experimentIds.Count == 0)
        {
            throw MlflowException.InvalidParameter("SearchDatasets request must specify at least one experiment_id.");
        }

        if (experimentIds.Count > MaxExperiments)
        {
            throw MlflowException.InvalidParameter(
                $"SearchDatasets request cannot specify more than {MaxExperiments} experiment_ids. "
                + $"Received {experimentIds.Count} experiment_ids.");
        }

        var summaries = new SortedSet<(string Experiment, string Name, string Digest, string Context)>();
        string? token = null;
        do
        {
            var page = Store.SearchRuns(new RunSearchQuery
            {
                ExperimentIds = experimentIds,
                MaxResults = MlflowValidation.MaxSearchResults,
                PageToken = token,
            });
            foreach (var run in page.Items)
            {
                foreach (var dataset in run.Datasets)
                {
                    var context = dataset.Tags.GetValueOrDefault(DatasetContextTag) ?? "";
                    summaries.Add((run.ExperimentId, dataset.Name, dataset.Digest, context));
                }
            }

            token = page.NextPageToken;
        }
        while (token is not null);

        await MlflowJson.WriteAsync(http, w =>
        {
            if (summaries.Count > 0)
            {
                w.WriteStartArray("dataset_summaries");
                foreach (var (experiment, name, digest, context) in summaries)
                {
                    w.WriteStartObject();
                    w.WriteString("experiment_id", experiment);
                    w.WriteString("name", name);
                    w.WriteString("digest", digest);
                    w.WriteString("context", context);
                    w.WriteEndObject();
                }

                w.WriteEndArray();
            }
        }).ConfigureAwait(false);
    }

    private async Task SetRunStage(HttpContext http, LifecycleStage stage)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var id = ParseRunId(runId);
        _ = GetRun(runId);
        Store.SetRunStage(id, stage);
        ActiveRuns.Forget(id);
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    private static Task WriteRunAsync(HttpContext http, string property, TrackedRun run) =>
        MlflowJson.WriteAsync(http, w =>
        {
            w.WritePropertyName(property);
            MlflowJson.Run(w, run);
        });
}
