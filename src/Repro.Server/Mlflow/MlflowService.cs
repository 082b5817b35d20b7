using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

/// <summary>
/// The MLflow tracking API over the workspace's <see cref="ITrackingStore"/>. Handlers read a request with MLflow's checks,
/// validate with MLflow's limits, write through the store (one <see cref="Repro.Storage.Runs.RunWriteBatch"/> per request)
/// and answer with MLflow's JSON. Runs logged here are ordinary Repro runs.
/// </summary>
internal sealed partial class MlflowService(ServerContext context, ActiveRunCache activeRuns)
{
    private const int LockStripes = 64;

    private readonly object[] _runLocks = [.. Enumerable.Range(0, LockStripes).Select(_ => new object())];

    /// <summary>Runs known to be active (see <see cref="MlflowEndpoints.ActiveRunsOf"/> for who must invalidate it).</summary>
    public ActiveRunCache ActiveRuns { get; } = activeRuns;

    private ITrackingStore Store => context.Store;

    private static RunId ParseRunId(string text) => RunId.IsValid(text) ? new RunId(text) : throw MlflowRuns.RunNotFound(text);

    private TrackedRun GetRun(string text) => Store.GetTrackedRun(ParseRunId(text)) ?? throw MlflowRuns.RunNotFound(text);

    /// <summary>A fresh read of the run, which must be active.</summary>
    private TrackedRun GetActiveRun(string text)
    {
        var run = GetRun(text);
        ActiveRuns.Check(run);
        return run;
    }

    /// <summary>The run's id once it is known to exist and be active (possibly from the cache).</summary>
    private RunId EnsureActive(string text)
    {
        var id = ParseRunId(text);
        ActiveRuns.EnsureActive(Store, id);
        return id;
    }

    /// <summary>
    /// Serializes read-check-write sequences on one run within this server (param immutability, appending to the logged-model
    /// history, renames), so two requests cannot both pass a check the other would have failed.
    /// </summary>
    private object LockFor(RunId id) => _runLocks[(uint)id.Value.GetHashCode(StringComparison.Ordinal) % LockStripes];

    private ExperimentInfo GetExperiment(string id) => Store.GetExperiment(id) ?? throw MlflowRuns.ExperimentNotFound(id);

    /// <summary>A repeated {key, value} field (tags) as a dictionary; later duplicates win, as they do in MLflow's stores.</summary>
    private static Dictionary<string, string> ReadKeyValues(MlflowArgs args, string name)
    {
        var pairs = new Dictionary<string, string>(StringComparer.Ordinal);
        if (args.Array(name) is not { } array)
        {
            return pairs;
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw MlflowArgs.Invalid(name, array);
            }

            var key = item.TryGetProperty("key", out var k) && k.ValueKind != JsonValueKind.Null ? k : (JsonElement?)null;
            var value = item.TryGetProperty("value", out var v) && v.ValueKind != JsonValueKind.Null ? v : (JsonElement?)null;
            if (key is null || (key.Value.ValueKind == JsonValueKind.String && key.Value.GetString()!.Length == 0))
            {
                throw MlflowArgs.Invalid(name, array, $"Missing value for required parameter '{name}[{index}].key'.");
            }

            if (key.Value.ValueKind != JsonValueKind.String || (value is { } val && val.ValueKind != JsonValueKind.String))
            {
                throw MlflowArgs.Invalid(name, array, $"Hint: {name}[{index}] must have a string key and a string value.");
            }

            pairs[key.Value.GetString()!] = value?.GetString() ?? "";
            index++;
        }

        return pairs;
    }

    /// <summary>Runs a handler, answering MLflow-style for MLflow's errors and the store's.</summary>
    public static RequestDelegate Handle(Func<HttpContext, Task> handler) => async http =>
    {
        try
        {
            await handler(http).ConfigureAwait(false);
        }
        catch (MlflowException e) when (!http.Response.HasStarted)
        {
            await MlflowErrors.Write(http, e.Status, e.ErrorCode, e.Message).ConfigureAwait(false);
        }
        catch (ReproException e) when (!http.Response.HasStarted)
        {
            var status = Problems.StatusFor(e.Code);
            await MlflowErrors.Write(http, status, MlflowErrors.CodeFor(status, e.Code), e.Message).ConfigureAwait(false);
        }
    };
}
