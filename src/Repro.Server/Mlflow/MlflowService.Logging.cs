using System.Text.Json;
using System.Text.Json.Nodes;
using Microsoft.AspNetCore.Http;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

internal sealed partial class MlflowService
{
    private static readonly string[] LoggedModelFields = ["artifact_path", "flavors", "utc_time_created", "run_id"];

    public async Task LogMetric(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var key = args.RequiredString("key");
        var value = args.Double("value", required: true)!.Value;
        var timestamp = args.Long("timestamp", required: true)!.Value;
        var step = args.Long("step") ?? 0;
        MlflowValidation.Metric(key, value, timestamp);
        var id = EnsureActive(runId);
        Store.Write(new RunWriteBatch(id) { Metrics = [new MetricPoint(key, value, step, timestamp)] });
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    public async Task LogParam(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var key = args.RequiredString("key");
        var value = args.String("value") ?? "";
        MlflowValidation.Param(key, value);
        var id = ParseRunId(runId);
        lock (LockFor(id))
        {
            var run = GetActiveRun(runId);
            var fresh = NewParams(run.Record, [new(key, value)]);
            if (fresh.Count > 0)
            {
                Store.Write(new RunWriteBatch(id) { Params = fresh });
            }
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    public async Task SetTag(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var key = args.RequiredString("key");
        var value = args.String("value") ?? "";
        MlflowValidation.Tag(key, value);
        var id = EnsureActive(runId);
        WriteTags(id, new Dictionary<string, string>(StringComparer.Ordinal) { [key] = value });
        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    public async Task DeleteTag(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var key = args.RequiredString("key");
        var id = ParseRunId(runId);
        lock (LockFor(id))
        {
            var run = GetActiveRun(runId);
            if (!run.Record.Tags.ContainsKey(key))
            {
                throw MlflowException.NotFound($"No tag with name: {key} in run with id {runId}");
            }

            Store.DeleteTag(id, key);
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>
    /// log-batch: the hot path of metric ingestion. One forward read of the body, MLflow's limits and name rules (each distinct
    /// metric key checked once), the run checked against the active-run cache, then one store write for the whole batch.
    /// </summary>
    public async Task LogBatch(HttpContext http)
    {
        var body = await MlflowArgs.ReadBodyAsync(http.Request).ConfigureAwait(false);
        var request = LogBatchReader.Read(body);
        MlflowValidation.BatchLimits(request.Metrics.Count, request.Params.Count, request.Tags.Count);
        ValidateMetrics(request.Metrics);
        var duplicates = request.Params.GroupBy(p => p.Key, StringComparer.Ordinal).Where(g => g.Count() > 1).Select(g => g.Key).ToList();
        if (duplicates.Count > 0)
        {
            throw MlflowException.InvalidParameter(
                $"Duplicate parameter keys have been submitted: [{string.Join(", ", duplicates.Select(k => $"'{k}'"))}]. "
                + "Please ensure the request contains only one param value per param key.");
        }

        foreach (var (key, value) in request.Params)
        {
            MlflowValidation.Param(key, value);
        }

        var tags = new Dictionary<string, string>(StringComparer.Ordinal);
        foreach (var (key, value) in request.Tags)
        {
            MlflowValidation.Tag(key, value);
            tags[key] = value;
        }

        var id = EnsureActive(request.RunId!);
        if (request.Params.Count == 0 && !tags.ContainsKey(MlflowRuns.RunNameTag))
        {
            Store.Write(new RunWriteBatch(id) { Metrics = request.Metrics, Tags = tags });
        }
        else
        {
            lock (LockFor(id))
            {
                var run = GetActiveRun(request.RunId!);
                var fresh = NewParams(run.Record, request.Params);
                Store.Write(new RunWriteBatch(id) { Metrics = request.Metrics, Params = fresh, Tags = tags });
                if (tags.TryGetValue(MlflowRuns.RunNameTag, out var name) && name.Length > 0)
                {
                    Store.UpdateRun(id, null, null, name);
                }
            }
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    public async Task LogInputs(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var array = args.Array("datasets", required: !args.Has("models"));
        var datasets = new List<DatasetInput>();
        if (array is { } list)
        {
            var index = 0;
            foreach (var item in list.EnumerateArray())
            {
                datasets.Add(ReadDatasetInput(item, list, index++));
            }
        }

        if (datasets.Count > MlflowValidation.MaxDatasetsPerBatch)
        {
            throw MlflowException.InvalidParameter(
                $"A batch logging request can contain at most {MlflowValidation.MaxDatasetsPerBatch} datasets. "
                + $"Got {datasets.Count} datasets. Please split up datasets across multiple requests and try again.");
        }

        var id = EnsureActive(runId);
        if (datasets.Count > 0)
        {
            Store.LogDatasets(id, datasets);
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>runs/log-model: appends the model's metadata to the run's mlflow.log-model.history tag, as MLflow's stores do.</summary>
    public async Task LogModel(HttpContext http)
    {
        using var args = await MlflowArgs.ReadAsync(http.Request).ConfigureAwait(false);
        var runId = args.RunId();
        var modelJson = args.RequiredString("model_json");
        JsonObject model;
        try
        {
            model = JsonNode.Parse(modelJson) as JsonObject ?? throw new JsonException("not an object");
        }
        catch (JsonException)
        {
            throw MlflowException.InvalidParameter($"Malformed model info. \n {modelJson} \n is not a valid JSON.");
        }

        var missing = LoggedModelFields.Where(f => !model.ContainsKey(f)).ToList();
        if (missing.Count > 0)
        {
            throw MlflowException.InvalidParameter(
                $"Model json is missing mandatory fields: {{{string.Join(", ", missing.Select(f => $"'{f}'"))}}}");
        }

        var id = ParseRunId(runId);
        lock (LockFor(id))
        {
            var run = GetActiveRun(runId);
            var history = run.Record.Tags.TryGetValue(MlflowRuns.LoggedModelsTag, out var previous)
                && JsonNode.Parse(previous) is JsonArray existing ? existing : [];
            history.Add(model.DeepClone());
            Store.Write(new RunWriteBatch(id)
            {
                Tags = new Dictionary<string, string> { [MlflowRuns.LoggedModelsTag] = history.ToJsonString() },
            });
        }

        await MlflowJson.WriteEmptyAsync(http).ConfigureAwait(false);
    }

    /// <summary>Writes tags; a mlflow.runName tag also renames the run, as it does in MLflow.</summary>
    private void WriteTags(RunId id, Dictionary<string, string> tags)
    {
        if (tags.TryGetValue(MlflowRuns.RunNameTag, out var name) && name.Length > 0)
        {
            lock (LockFor(id))
            {
                Store.Write(new RunWriteBatch(id) { Tags = tags });
                Store.UpdateRun(id, null, null, name);
            }
        }
        else
        {
            Store.Write(new RunWriteBatch(id) { Tags = tags });
        }
    }

    /// <summary>
    /// MLflow params are immutable: the same value again is accepted and ignored; a different value is refused. Returns the
    /// params not yet logged. Call under the run's lock, with a fresh read of the run.
    /// </summary>
    private static List<Param> NewParams(RunRecord record, IReadOnlyList<KeyValuePair<string, string>> requested)
    {
        var fresh = new List<Param>();
        foreach (var (key, value) in requested)
        {
            var existing = record.Params.FirstOrDefault(p => p.Key == key);
            if (existing is null)
            {
                fresh.Add(new Param(key, value, ParamSource.Api));
            }
            else if (existing.Value != value)
            {
                throw MlflowException.InvalidParameter(
                    $"Changing param values is not allowed. Param with key='{key}' was already logged with value='{existing.Value}' "
                    + $"for run ID='{record.Id}'. Attempted logging new value '{value}'. Params are immutable in MLflow: log the new "
                    + "value under another key, or start a new run (a nested run per configuration).");
            }
        }

        return fresh;
    }

    private static void ValidateMetrics(List<MetricPoint> metrics)
    {
        string? lastChecked = null;
        HashSet<string>? checkedKeys = null;
        foreach (var metric in metrics)
        {
            if (metric.TimestampMs < 0)
            {
                MlflowValidation.Metric(metric.Key, metric.Value, metric.TimestampMs);
            }

            if (ReferenceEquals(metric.Key, lastChecked))
            {
                continue;
            }

            checkedKeys ??= new HashSet<string>(StringComparer.Ordinal);
            if (checkedKeys.Add(metric.Key))
            {
                MlflowValidation.Metric(metric.Key, metric.Value, metric.TimestampMs);
            }

            lastChecked = metric.Key;
        }
    }

    private static DatasetInput ReadDatasetInput(JsonElement item, JsonElement list, int index)
    {
        if (item.ValueKind != JsonValueKind.Object)
        {
            throw MlflowArgs.Invalid("datasets", list, $"Hint: datasets[{index}] must be an object with a dataset and tags.");
        }

        if (!item.TryGetProperty("dataset", out var dataset) || dataset.ValueKind != JsonValueKind.Object)
        {
            throw MlflowException.InvalidParameter($"Dataset cannot be None (datasets[{index}].dataset).");
        }

        string? Text(JsonElement element, string field, bool required)
        {
            if (!element.TryGetProperty(field, out var value) || value.ValueKind == JsonValueKind.Null)
            {
                return required
                    ? throw MlflowException.InvalidParameter(
                        $"Dataset {field.Replace('_', ' ')} cannot be None (datasets[{index}].dataset.{field}).")
                    : null;
            }

            return value.ValueKind == JsonValueKind.String
                ? value.GetString()
                : throw MlflowArgs.Invalid("datasets", list, $"Hint: datasets[{index}].dataset.{field} must be a string.");
        }

        var name = Text(dataset, "name", true)!;
        var digest = Text(dataset, "digest", true)!;
        var sourceType = Text(dataset, "source_type", true)!;
        var source = Text(dataset, "source", true)!;
        var schema = Text(dataset, "schema", false);
        var profile = Text(dataset, "profile", false);
        Limit("Dataset name", name, MlflowValidation.MaxDatasetNameLength);
        Limit("Dataset digest", digest, MlflowValidation.MaxDatasetDigestLength);
        Limit("Dataset source", source, MlflowValidation.MaxDatasetSourceLength);
        Limit("Dataset schema", schema, MlflowValidation.MaxDatasetSchemaLength);
        Limit("Dataset profile", profile, MlflowValidation.MaxDatasetProfileLength);

        var tags = new SortedDictionary<string, string>(StringComparer.Ordinal);
        var ordered = new List<KeyValuePair<string, string>>();
        if (item.TryGetProperty("tags", out var tagList) && tagList.ValueKind == JsonValueKind.Array)
        {
            foreach (var tag in tagList.EnumerateArray())
            {
                var key = tag.ValueKind == JsonValueKind.Object ? Text(tag, "key", false) : null;
                var value = tag.ValueKind == JsonValueKind.Object ? Text(tag, "value", false) : null;
                if (key is null || value is null)
                {
                    throw MlflowException.InvalidParameter($"Input tag key and value cannot be None (datasets[{index}].tags).");
                }

                Limit("Input tag key", key, MlflowValidation.MaxInputTagKeyLength);
                Limit("Input tag value", value, MlflowValidation.MaxInputTagValueLength);
                ordered.Add(new(key, value));
            }
        }
        else if (item.TryGetProperty("tags", out var bad) && bad.ValueKind != JsonValueKind.Null)
        {
            throw MlflowArgs.Invalid("datasets", list, $"Hint: datasets[{index}].tags must be a list of {{key, value}}.");
        }

        foreach (var (key, value) in ordered)
        {
            tags[key] = value;
        }

        return new DatasetInput(name, digest, sourceType, source, schema, profile, tags);
    }

    private static void Limit(string what, string? value, int limit)
    {
        if (value is not null && value.Length > limit)
        {
            throw MlflowException.InvalidParameter($"{what} exceeds the maximum length of {limit}");
        }
    }
}
