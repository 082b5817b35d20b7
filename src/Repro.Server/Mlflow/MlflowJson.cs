using System.Buffers;
using System.Text.Encodings.Web;
using System.Text.Json;
using Microsoft.AspNetCore.Http;
using Repro.Core.Runs;
using Repro.Storage.Tracking;

namespace Repro.Server.Mlflow;

/// <summary>
/// MLflow's response bodies, written field by field as MLflow's protobuf messages serialize: snake_case names in field-number
/// order, int64 as JSON numbers, unset optional fields and empty lists left out, NaN and infinities as "NaN", "Infinity" and
/// "-Infinity".
/// </summary>
internal static class MlflowJson
{
    private static readonly JsonWriterOptions WriterOptions = new()
    {
        Encoder = JavaScriptEncoder.UnsafeRelaxedJsonEscaping,
        SkipValidation = true,
    };

    private static readonly byte[] EmptyObject = "{}"u8.ToArray();

    public static Task WriteEmptyAsync(HttpContext http)
    {
        http.Response.ContentType = "application/json";
        http.Response.ContentLength = EmptyObject.Length;
        return http.Response.Body.WriteAsync(EmptyObject).AsTask();
    }

    /// <summary>Writes one JSON object; <paramref name="fields"/> writes its members.</summary>
    public static async Task WriteAsync(HttpContext http, Action<Utf8JsonWriter> fields)
    {
        var buffer = new ArrayBufferWriter<byte>(1024);
        using (var writer = new Utf8JsonWriter(buffer, WriterOptions))
        {
            writer.WriteStartObject();
            fields(writer);
            writer.WriteEndObject();
        }

        http.Response.ContentType = "application/json";
        http.Response.ContentLength = buffer.WrittenCount;
        await http.Response.Body.WriteAsync(buffer.WrittenMemory).ConfigureAwait(false);
    }

    /// <summary>Writes one page of results: the items as the list <paramref name="name"/> (left out when empty, as protobuf
    /// does), then next_page_token when there is a next page.</summary>
    public static Task WritePageAsync<T>(HttpContext http, SearchPage<T> page, string name, Action<Utf8JsonWriter, T> item) =>
        WriteAsync(http, w =>
        {
            if (page.Items.Count > 0)
            {
                w.WriteStartArray(name);
                foreach (var x in page.Items)
                {
                    item(w, x);
                }

                w.WriteEndArray();
            }

            if (page.NextPageToken is { } token)
            {
                w.WriteString("next_page_token", token);
            }
        });

    public static void Experiment(Utf8JsonWriter writer, ExperimentInfo experiment)
    {
        writer.WriteStartObject();
        writer.WriteString("experiment_id", experiment.Id);
        writer.WriteString("name", experiment.Name);
        writer.WriteString("artifact_location", experiment.ArtifactLocation);
        writer.WriteString("lifecycle_stage", Stage(experiment.Stage));
        writer.WriteNumber("last_update_time", experiment.LastUpdateTime.ToUnixTimeMilliseconds());
        writer.WriteNumber("creation_time", experiment.CreationTime.ToUnixTimeMilliseconds());
        KeyValues(writer, "tags", experiment.Tags);
        writer.WriteEndObject();
    }

    public static void Run(Utf8JsonWriter writer, TrackedRun run)
    {
        var record = run.Record;
        writer.WriteStartObject();
        writer.WritePropertyName("info");
        RunInfo(writer, run);

        writer.WriteStartObject("data");
        if (record.LatestMetrics.Count > 0)
        {
            writer.WriteStartArray("metrics");
            foreach (var metric in record.LatestMetrics.Values)
            {
                Metric(writer, metric);
            }

            writer.WriteEndArray();
        }

        if (record.Params.Count > 0)
        {
            writer.WriteStartArray("params");
            foreach (var param in record.Params)
            {
                writer.WriteStartObject();
                writer.WriteString("key", param.Key);
                writer.WriteString("value", param.Value);
                writer.WriteEndObject();
            }

            writer.WriteEndArray();
        }

        writer.WriteStartArray("tags");
        var hasRunName = false;
        foreach (var (key, value) in record.Tags)
        {
            hasRunName |= key == MlflowRuns.RunNameTag;
            Tag(writer, key, value);
        }

        if (!hasRunName)
        {
            Tag(writer, MlflowRuns.RunNameTag, record.Name);
        }

        writer.WriteEndArray();
        writer.WriteEndObject();

        writer.WriteStartObject("inputs");
        if (run.Datasets.Count > 0)
        {
            writer.WriteStartArray("dataset_inputs");
            foreach (var dataset in run.Datasets)
            {
                DatasetInput(writer, dataset);
            }

            writer.WriteEndArray();
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    public static void RunInfo(Utf8JsonWriter writer, TrackedRun run)
    {
        var record = run.Record;
        var id = record.Id.Value;
        writer.WriteStartObject();
        writer.WriteString("run_uuid", id);
        writer.WriteString("experiment_id", run.ExperimentId);
        writer.WriteString("run_name", record.Name);
        writer.WriteString("user_id", record.UserId ?? (record.Tags.TryGetValue(MlflowRuns.UserTag, out var user) ? user : ""));
        writer.WriteString("status", MlflowRuns.StatusName(record.Status));
        writer.WriteNumber("start_time", record.StartTime.ToUnixTimeMilliseconds());
        if (record.EndTime is { } end)
        {
            writer.WriteNumber("end_time", end.ToUnixTimeMilliseconds());
        }

        writer.WriteString("artifact_uri", run.ArtifactUri);
        writer.WriteString("lifecycle_stage", Stage(run.Stage));
        writer.WriteString("run_id", id);
        writer.WriteEndObject();
    }

    public static void Metric(Utf8JsonWriter writer, MetricPoint metric, string? runId = null)
    {
        writer.WriteStartObject();
        writer.WriteString("key", metric.Key);
        Double(writer, "value", metric.Value);
        writer.WriteNumber("timestamp", metric.TimestampMs);
        writer.WriteNumber("step", metric.Step);
        if (runId is not null)
        {
            writer.WriteString("run_id", runId);
        }

        writer.WriteEndObject();
    }

    public static void FileInfo(Utf8JsonWriter writer, string path, bool isDirectory, long size)
    {
        writer.WriteStartObject();
        writer.WriteString("path", path);
        writer.WriteBoolean("is_dir", isDirectory);
        if (!isDirectory)
        {
            writer.WriteNumber("file_size", size);
        }

        writer.WriteEndObject();
    }

    public static void Double(Utf8JsonWriter writer, string name, double value)
    {
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteString(name, double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity");
        }
    }

    public static void KeyValues(Utf8JsonWriter writer, string name, IReadOnlyDictionary<string, string> pairs)
    {
        if (pairs.Count == 0)
        {
            return;
        }

        writer.WriteStartArray(name);
        foreach (var (key, value) in pairs)
        {
            Tag(writer, key, value);
        }

        writer.WriteEndArray();
    }

    public static string Stage(LifecycleStage stage) => stage == LifecycleStage.Deleted ? "deleted" : "active";

    private static void DatasetInput(Utf8JsonWriter writer, DatasetInput input)
    {
        writer.WriteStartObject();
        KeyValues(writer, "tags", input.Tags);
        writer.WriteStartObject("dataset");
        writer.WriteString("name", input.Name);
        writer.WriteString("digest", input.Digest);
        writer.WriteString("source_type", input.SourceType);
        writer.WriteString("source", input.Source);
        if (input.Schema is not null)
        {
            writer.WriteString("schema", input.Schema);
        }

        if (input.Profile is not null)
        {
            writer.WriteString("profile", input.Profile);
        }

        writer.WriteEndObject();
        writer.WriteEndObject();
    }

    private static void Tag(Utf8JsonWriter writer, string key, string value)
    {
        writer.WriteStartObject();
        writer.WriteString("key", key);
        writer.WriteString("value", value);
        writer.WriteEndObject();
    }
}
