using System.Buffers.Text;
using System.Text;
using System.Text.Json;
using Repro.Core.Runs;

namespace Repro.Server.Mlflow;

/// <summary>What a log-batch request carries, in request order.</summary>
internal sealed class LogBatchRequest
{
    public string? RunId { get; set; }
    public List<MetricPoint> Metrics { get; } = [];
    public List<KeyValuePair<string, string>> Params { get; } = [];
    public List<KeyValuePair<string, string>> Tags { get; } = [];
}

/// <summary>
/// Reads log-batch bodies. <see cref="TryReadFast"/> is a single forward pass with <see cref="Utf8JsonReader"/> that interns
/// metric keys (a batch repeats a few keys many times); it gives up on anything unusual, and <see cref="Read"/> then
/// re-reads the body as a document to name exactly what is wrong, in MLflow's words.
/// </summary>
internal static class LogBatchReader
{
    private const int MaxInternedKeys = 64;

    public static LogBatchRequest Read(ReadOnlyMemory<byte> body) => TryReadFast(body.Span) ?? ReadChecked(body);

    /// <summary>The request, or null when the body is not a plain well-typed batch (the checked reader explains why).</summary>
    public static LogBatchRequest? TryReadFast(ReadOnlySpan<byte> json)
    {
        var reader = new Utf8JsonReader(json, new JsonReaderOptions { MaxDepth = 64 });
        var request = new LogBatchRequest();
        var keys = new KeyCache();
        try
        {
            if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
            {
                return null;
            }

            string? runId = null;
            string? runUuid = null;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("run_id"u8))
                {
                    if (!ReadOptionalString(ref reader, out runId))
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("run_uuid"u8))
                {
                    if (!ReadOptionalString(ref reader, out runUuid))
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("metrics"u8))
                {
                    if (!ReadMetrics(ref reader, request.Metrics, keys))
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("params"u8))
                {
                    if (!ReadPairs(ref reader, request.Params))
                    {
                        return null;
                    }
                }
                else if (reader.ValueTextEquals("tags"u8))
                {
                    if (!ReadPairs(ref reader, request.Tags))
                    {
                        return null;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || reader.Read())
            {
                return null;
            }

            request.RunId = string.IsNullOrEmpty(runId) ? runUuid : runId;
            return string.IsNullOrEmpty(request.RunId) ? null : request;
        }
        catch (JsonException)
        {
            return null;
        }
    }

    /// <summary>Reads the body with every check MLflow makes, throwing its INVALID_PARAMETER_VALUE messages.</summary>
    public static LogBatchRequest ReadChecked(ReadOnlyMemory<byte> body)
    {
        using var args = MlflowArgs.FromJson(body);
        var request = new LogBatchRequest { RunId = args.RunId() };
        if (args.Array("metrics") is { } metrics)
        {
            var index = 0;
            foreach (var m in metrics.EnumerateArray())
            {
                if (m.ValueKind != JsonValueKind.Object)
                {
                    throw MlflowArgs.Invalid(
                        "metrics", metrics, $"Hint: metrics[{index}] is not an object with key, value, timestamp and step.");
                }

                var key = Field(m, "key") ?? throw MissingIn("metrics", metrics, $"metrics[{index}].key");
                var value = Field(m, "value") ?? throw MissingIn("metrics", metrics, $"metrics[{index}].value");
                var timestamp = Field(m, "timestamp") ?? throw MissingIn("metrics", metrics, $"metrics[{index}].timestamp");
                if (key.ValueKind != JsonValueKind.String || key.GetString()!.Length == 0)
                {
                    throw key.ValueKind == JsonValueKind.String
                        ? MissingIn("metrics", metrics, $"metrics[{index}].key")
                        : MlflowArgs.Invalid("metrics", metrics, $"Hint: metrics[{index}].key must be a string.");
                }

                if (!MlflowArgs.TryDouble(value, out var v))
                {
                    throw MlflowArgs.Invalid(
                        "metrics", metrics, $"Hint: metrics[{index}].value must be a number (or \"NaN\", \"Infinity\", \"-Infinity\").");
                }

                if (!MlflowArgs.TryLong(timestamp, out var ts))
                {
                    throw MlflowArgs.Invalid(
                        "metrics", metrics, $"Hint: metrics[{index}].timestamp must be an integer (milliseconds since the epoch).");
                }

                long step = 0;
                if (Field(m, "step") is { } s && !MlflowArgs.TryLong(s, out step))
                {
                    throw MlflowArgs.Invalid("metrics", metrics, $"Hint: metrics[{index}].step must be an integer.");
                }

                request.Metrics.Add(new MetricPoint(key.GetString()!, v, step, ts));
                index++;
            }
        }

        ReadPairsChecked(args, "params", request.Params);
        ReadPairsChecked(args, "tags", request.Tags);
        return request;
    }

    private static void ReadPairsChecked(MlflowArgs args, string name, List<KeyValuePair<string, string>> into)
    {
        if (args.Array(name) is not { } array)
        {
            return;
        }

        var index = 0;
        foreach (var item in array.EnumerateArray())
        {
            if (item.ValueKind != JsonValueKind.Object)
            {
                throw MlflowArgs.Invalid(name, array, $"Hint: {name}[{index}] is not an object with key and value.");
            }

            var key = Field(item, "key");
            if (key is null || (key.Value.ValueKind == JsonValueKind.String && key.Value.GetString()!.Length == 0))
            {
                throw MissingIn(name, array, $"{name}[{index}].key");
            }

            var value = Field(item, "value");
            if (key.Value.ValueKind != JsonValueKind.String || (value is { } v && v.ValueKind != JsonValueKind.String))
            {
                throw MlflowArgs.Invalid(name, array, $"Hint: {name}[{index}] must have a string key and a string value.");
            }

            into.Add(new(key.Value.GetString()!, value?.GetString() ?? ""));
            index++;
        }
    }

    private static JsonElement? Field(JsonElement item, string name) =>
        item.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null ? value : null;

    /// <summary>
    /// Both of MLflow's wordings for a batch item missing a field: older servers reject the whole list ("Invalid value [...]
    /// for parameter 'metrics' supplied"), newer ones name the field ("Missing value for required parameter 'metrics[0].timestamp'").
    /// </summary>
    private static MlflowException MissingIn(string name, JsonElement list, string path) =>
        MlflowArgs.Invalid(name, list, $"Missing value for required parameter '{path}'.");

    private static bool ReadOptionalString(ref Utf8JsonReader reader, out string? value)
    {
        value = null;
        reader.Read();
        switch (reader.TokenType)
        {
            case JsonTokenType.String:
                value = reader.GetString();
                return true;
            case JsonTokenType.Null:
                return true;
            default:
                return false;
        }
    }

    private static bool ReadMetrics(ref Utf8JsonReader reader, List<MetricPoint> into, KeyCache keys)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? key = null;
            double value = 0;
            long timestamp = 0;
            long step = 0;
            var seen = 0;
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                if (reader.ValueTextEquals("key"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    key = keys.Get(ref reader);
                    seen |= 1;
                }
                else if (reader.ValueTextEquals("value"u8))
                {
                    reader.Read();
                    if (!ReadDouble(ref reader, out value))
                    {
                        return false;
                    }

                    seen |= 2;
                }
                else if (reader.ValueTextEquals("timestamp"u8))
                {
                    reader.Read();
                    if (!ReadLong(ref reader, out timestamp))
                    {
                        return false;
                    }

                    seen |= 4;
                }
                else if (reader.ValueTextEquals("step"u8))
                {
                    reader.Read();
                    if (reader.TokenType != JsonTokenType.Null && !ReadLong(ref reader, out step))
                    {
                        return false;
                    }
                }
                else
                {
                    reader.Read();
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || seen != 7 || key!.Length == 0)
            {
                return false;
            }

            into.Add(new MetricPoint(key, value, step, timestamp));
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool ReadPairs(ref Utf8JsonReader reader, List<KeyValuePair<string, string>> into)
    {
        reader.Read();
        if (reader.TokenType == JsonTokenType.Null)
        {
            return true;
        }

        if (reader.TokenType != JsonTokenType.StartArray)
        {
            return false;
        }

        while (reader.Read() && reader.TokenType == JsonTokenType.StartObject)
        {
            string? key = null;
            var value = "";
            while (reader.Read() && reader.TokenType == JsonTokenType.PropertyName)
            {
                var isKey = reader.ValueTextEquals("key"u8);
                var isValue = !isKey && reader.ValueTextEquals("value"u8);
                reader.Read();
                if (isKey || isValue)
                {
                    if (reader.TokenType == JsonTokenType.Null)
                    {
                        continue;
                    }

                    if (reader.TokenType != JsonTokenType.String)
                    {
                        return false;
                    }

                    if (isKey)
                    {
                        key = reader.GetString();
                    }
                    else
                    {
                        value = reader.GetString()!;
                    }
                }
                else
                {
                    reader.Skip();
                }
            }

            if (reader.TokenType != JsonTokenType.EndObject || string.IsNullOrEmpty(key))
            {
                return false;
            }

            into.Add(new(key, value));
        }

        return reader.TokenType == JsonTokenType.EndArray;
    }

    private static bool ReadDouble(ref Utf8JsonReader reader, out double value)
    {
        value = 0;
        return reader.TokenType switch
        {
            JsonTokenType.Number => reader.TryGetDouble(out value),
            JsonTokenType.String => MlflowArgs.TryParseDouble(reader.GetString()!, out value),
            _ => false,
        };
    }

    private static bool ReadLong(ref Utf8JsonReader reader, out long value)
    {
        value = 0;
        switch (reader.TokenType)
        {
            case JsonTokenType.Number:
                return reader.TryGetInt64(out value) || (reader.TryGetDouble(out var d) && MlflowArgs.TryWhole(d, out value));
            case JsonTokenType.String:
                var span = reader.HasValueSequence || reader.ValueIsEscaped
                    ? Encoding.UTF8.GetBytes(reader.GetString()!)
                    : reader.ValueSpan;
                return Utf8Parser.TryParse(span, out value, out var consumed) && consumed == span.Length;
            default:
                return false;
        }
    }

    /// <summary>The few distinct metric keys of a batch, each decoded to a string once.</summary>
    private sealed class KeyCache
    {
        private readonly List<(byte[] Utf8, string Text)> _keys = [];

        public string Get(ref Utf8JsonReader reader)
        {
            if (reader.HasValueSequence || reader.ValueIsEscaped)
            {
                return reader.GetString()!;
            }

            var span = reader.ValueSpan;
            foreach (var (utf8, text) in _keys)
            {
                if (span.SequenceEqual(utf8))
                {
                    return text;
                }
            }

            var decoded = Encoding.UTF8.GetString(span);
            if (_keys.Count < MaxInternedKeys)
            {
                _keys.Add((span.ToArray(), decoded));
            }

            return decoded;
        }
    }
}
