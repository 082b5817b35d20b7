using System.Text.Json;
using System.Text.RegularExpressions;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

internal sealed partial class MlflowService
{
    public async Task CreateExperiment(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var name = args.RequiredString("name");
        var location = args.String("artifact_location");
        var tags = ReadKeyValues(args, "tags");
        MlflowValidation.ExperimentName(name);
        foreach (var (key, value) in tags)
        {
            MlflowValidation.ExperimentTag(key, value);
        }

        ExperimentInfo created;
        try
        {
            created = Store.CreateExperiment(name, ResolveLocation(location), tags);
        }
        catch (ReproException e) when (e.Code == ErrorCode.AlreadyExists)
        {
            throw new MlflowException(
                MlflowErrors.ResourceAlreadyExists,
                $"Experiment(name={name}) already exists. Pick another name, or restore or rename the existing one.");
        }

        await MlflowJson.WriteAsync(http, w => w.WriteString("experiment_id", created.Id)).ConfigureAwait(false);
    }

    public async Task GetExperimentById(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var experiment = GetExperiment(args.RequiredString("experiment_id"));
        await MlflowJson.WriteAsync(http, w =>
        {
            w.WritePropertyName("experiment");
            MlflowJson.Experiment(w, experiment);
        }).ConfigureAwait(false);
    }

    public async Task GetExperimentByName(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var name = args.RequiredString("experiment_name");
        var experiment = Store.GetExperimentByName(name)
            ?? throw MlflowException.NotFound($"Could not find experiment with name '{name}'");
        await MlflowJson.WriteAsync(http, w =>
        {
            w.WritePropertyName("experiment");
            MlflowJson.Experiment(w, experiment);
        }).ConfigureAwait(false);
    }

    public async Task SearchExperiments(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request, "order_by").ConfigureAwait(false);
        var viewType = ReadViewType(args, "view_type");
        var maxResults = args.Long("max_results");
        var orderBy = args.StringList("order_by");
        var filter = args.String("filter");
        var pageToken = args.String("page_token");
        MlflowValidation.MaxResults(maxResults);
        var page = Store.SearchExperiments(new ExperimentSearchQuery
        {
            Filter = string.IsNullOrWhiteSpace(filter) ? null : filter,
            ViewType = viewType,
            MaxResults = (int)(maxResults ?? MlflowValidation.DefaultSearchResults),
            OrderBy = orderBy,
            PageToken = string.IsNullOrEmpty(pageToken) ? null : pageToken,
        });
        await MlflowJson.WritePageAsync(http, page, "experiments", MlflowJson.Experiment).ConfigureAwait(false);
    }

    public Task DeleteExperiment(HttpContext http) => SetExperimentStage(http, LifecycleStage.Deleted);

    public Task RestoreExperiment(HttpContext http) => SetExperimentStage(http, LifecycleStage.Active);

    public async Task UpdateExperiment(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var id = args.RequiredString("experiment_id");
        var newName = args.RequiredString("new_name");
        var experiment = GetExperiment(id);
        if (experiment.Stage != LifecycleStage.Active)
        {
            throw new MlflowException(MlflowErrors.InvalidState,
                $"Cannot rename a non-active experiment. Restore experiment {id} first (experiments/restore).");
        }

        MlflowValidation.ExperimentName(newName);
        try
        {
            Store.RenameExperiment(id, newName);
        }
        catch (ReproException e) when (e.Code == ErrorCode.AlreadyExists)
        {
            throw new MlflowException(MlflowErrors.ResourceAlreadyExists,
                $"Experiment(name={newName}) already exists. Pick another name.");
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    public async Task SetExperimentTag(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var id = args.RequiredString("experiment_id");
        var key = args.RequiredString("key");
        var value = args.String("value") ?? "";
        MlflowValidation.ExperimentTag(key, value);
        if (GetExperiment(id).Stage != LifecycleStage.Active)
        {
            throw MlflowRuns.ExperimentNotActive(id);
        }

        Store.SetExperimentTag(id, key, value);
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    private async Task SetExperimentStage(HttpContext http, LifecycleStage stage)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var id = args.RequiredString("experiment_id");
        GetExperiment(id);
        Store.SetExperimentStage(id, stage);
        ActiveRuns.Clear();
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>MLflow's ViewType, by name or number; ACTIVE_ONLY when absent.</summary>
    private static ViewType ReadViewType(MlflowArgs args, string name)
    {
        if (!args.TryGet(name, out var value))
        {
            return ViewType.ActiveOnly;
        }

        var text = value.ValueKind switch
        {
            JsonValueKind.String => value.GetString(),
            JsonValueKind.Number => value.GetRawText(),
            _ => null,
        };
        return text switch
        {
            "ACTIVE_ONLY" or "1" or "" => ViewType.ActiveOnly,
            "DELETED_ONLY" or "2" => ViewType.DeletedOnly,
            "ALL" or "3" => ViewType.All,
            _ => throw MlflowArgs.Invalid(name, value, "Hint: a view type is one of ACTIVE_ONLY, DELETED_ONLY, ALL."),
        };
    }

    /// <summary>
    /// As MLflow's server does, a relative local artifact location is made absolute (against the server's working directory);
    /// URIs are kept, but not with fragments or parameters. Nothing is read or written there by this server.
    /// </summary>
    private static string? ResolveLocation(string? location)
    {
        if (string.IsNullOrEmpty(location))
        {
            return null;
        }

        if (location.Contains('#', StringComparison.Ordinal) || location.Contains(';', StringComparison.Ordinal))
        {
            throw MlflowException.InvalidParameter("'artifact_location' URL can't include fragments or params.");
        }

        return UriScheme().IsMatch(location) ? location : Path.GetFullPath(location);
    }

    [GeneratedRegex("^[A-Za-z][A-Za-z0-9+.-]+:")]
    private static partial Regex UriScheme();
}
