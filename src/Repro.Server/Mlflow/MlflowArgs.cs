using System.Buffers;
using System.Globalization;
using System.Text.Json;
using Microsoft.AspNetCore.Http;

namespace Repro.Server.Mlflow;

/// <summary>
/// The fields of one MLflow request — the JSON body, or the query string of a GET — read with the checks MLflow's server
/// applies and the messages it gives ("Missing value for required parameter 'key'.", "Invalid value 31 for parameter
/// 'run_id' supplied: ..."). A field holding JSON null counts as absent, as it does for MLflow.
/// </summary>
internal sealed class MlflowArgs : IDisposable
{
    private const string DocsHint = " See the API docs for more information about request parameters.";

    private readonly JsonDocument _document;

    private MlflowArgs(JsonDocument document)
    {
        _document = document;
    }

    public JsonElement Root => _document.RootElement;

    /// <summary>
    /// Reads a GET's query string (fields named in <paramref name="repeated"/> become lists) or, for other methods and for a
    /// GET without a query, the JSON body. An empty body is an empty request.
    /// </summary>
    public static async Task<MlflowArgs> ReadAsync(HttpRequest request, params string[] repeated)
    {
        ArgumentNullException.ThrowIfNull(request);
        if (HttpMethods.IsGet(request.Method) && request.Query.Count > 0)
        {
            return FromQuery(request.Query, repeated);
        }

        var body = await ReadBodyAsync(request).ConfigureAwait(false);
        return FromJson(body);
    }

    public static MlflowArgs FromJson(ReadOnlyMemory<byte> body)
    {
        if (IsBlank(body.Span))
        {
            return new MlflowArgs(JsonDocument.Parse("{}"));
        }

        var document = JsonDocument.Parse(body);

        // Older clients post their JSON double-encoded as a string; MLflow decodes it a second time.
        if (document.RootElement.ValueKind == JsonValueKind.String)
        {
            var inner = document.RootElement.GetString()!;
            document.Dispose();
            document = JsonDocument.Parse(inner);
        }

        if (document.RootElement.ValueKind != JsonValueKind.Object)
        {
            var kind = PythonJson.TypeName(document.RootElement);
            document.Dispose();
            throw MlflowException.InvalidParameter(
                $"The request body must be a JSON object with the request's fields, not a {kind}." + DocsHint);
        }

        return new MlflowArgs(document);
    }

    public static MlflowArgs FromQuery(IQueryCollection query, IReadOnlyCollection<string> repeated)
    {
        ArgumentNullException.ThrowIfNull(query);
        var buffer = new ArrayBufferWriter<byte>();
        using (var writer = new Utf8JsonWriter(buffer))
        {
            writer.WriteStartObject();
            foreach (var (key, values) in query)
            {
                if (repeated.Contains(key))
                {
                    writer.WriteStartArray(key);
                    foreach (var value in values)
                    {
                        writer.WriteStringValue(value);
                    }

                    writer.WriteEndArray();
                }
                else
                {
                    writer.WriteString(key, values.Count > 0 ? values[0] : "");
                }
            }

            writer.WriteEndObject();
        }

        return new MlflowArgs(JsonDocument.Parse(buffer.WrittenMemory));
    }

    public static async Task<ReadOnlyMemory<byte>> ReadBodyAsync(HttpRequest request)
    {
        ArgumentNullException.ThrowIfNull(request);
        var length = request.ContentLength is { } l and > 0 and < int.MaxValue ? (int)l : 4096;
        var buffer = new MemoryStream(length);
        await request.Body.CopyToAsync(buffer).ConfigureAwait(false);
        return buffer.GetBuffer().AsMemory(0, (int)buffer.Length);
    }

    public bool Has(string name) => Root.TryGetProperty(name, out var value) && value.ValueKind != JsonValueKind.Null;

    public bool TryGet(string name, out JsonElement value) =>
        Root.TryGetProperty(name, out value) && value.ValueKind != JsonValueKind.Null;

    /// <summary>A string field; null when absent. Required fields must also be non-empty.</summary>
    public string? String(string name, bool required = false)
    {
        if (!TryGet(name, out var value))
        {
            return required ? throw Missing(name) : null;
        }

        if (value.ValueKind != JsonValueKind.String)
        {
            throw Invalid(name, value);
        }

        var text = value.GetString()!;
        return required && text.Length == 0 ? throw Missing(name) : text;
    }

    public string RequiredString(string name) => String(name, required: true)!;

    /// <summary>run_id, or run_uuid (its older name) when run_id is absent.</summary>
    public string RunId()
    {
        if (!Has("run_id") && Has("run_uuid"))
        {
            var legacy = String("run_uuid");
            return string.IsNullOrEmpty(legacy) ? throw Missing("run_id") : legacy;
        }

        return RequiredString("run_id");
    }

    /// <summary>An int64 field: a JSON integer, an integral number, or a string holding one (as protobuf's JSON allows).</summary>
    public long? Long(string name, bool required = false)
    {
        if (!TryGet(name, out var value))
        {
            return required ? throw Missing(name) : null;
        }

        return TryLong(value, out var number) ? number : throw Invalid(name, value);
    }

    /// <summary>A double field: a JSON number, or a string with a number, "NaN", "Infinity" or "-Infinity".</summary>
    public double? Double(string name, bool required = false)
    {
        if (!TryGet(name, out var value))
        {
            return required ? throw Missing(name) : null;
        }

        return TryDouble(value, out var number) ? number : throw Invalid(name, value);
    }

    public JsonElement? Array(string name, bool required = false)
    {
        if (!TryGet(name, out var value))
        {
            return required ? throw Missing(name) : null;
        }

        return value.ValueKind == JsonValueKind.Array ? value : throw Invalid(name, value);
    }

    /// <summary>A list of strings (numbers are taken as their text, as ids often arrive that way).</summary>
    public IReadOnlyList<string> StringList(string name, bool required = false)
    {
        if (Array(name, required) is not { } array)
        {
            return [];
        }

        var list = new List<string>(array.GetArrayLength());
        foreach (var item in array.EnumerateArray())
        {
            list.Add(item.ValueKind switch
            {
                JsonValueKind.String => item.GetString()!,
                _ => throw Invalid(name, array),
            });
        }

        return list;
    }

    public static bool TryLong(JsonElement value, out long number)
    {
        number = 0;
        switch (value.ValueKind)
        {
            case JsonValueKind.Number:
                return value.TryGetInt64(out number) || (value.TryGetDouble(out var d) && TryWhole(d, out number));
            case JsonValueKind.String:
                return long.TryParse(value.GetString(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out number);
            default:
                return false;
        }
    }

    /// <summary>A number sent as a double (1e3, 5.0) is an int64 when it is whole and in range (protobuf's JSON parsing takes it so).</summary>
    public static bool TryWhole(double d, out long number)
    {
        var whole = Math.Floor(d) == d && Math.Abs(d) < 9.2e18;
        number = whole ? (long)d : 0;
        return whole;
    }

    public static bool TryDouble(JsonElement value, out double number)
    {
        number = 0;
        return value.ValueKind switch
        {
            JsonValueKind.Number => value.TryGetDouble(out number),
            JsonValueKind.String => TryParseDouble(value.GetString()!, out number),
            _ => false,
        };
    }

    public static bool TryParseDouble(string text, out double number)
    {
        switch (text)
        {
            case "NaN":
                number = double.NaN;
                return true;
            case "Infinity":
                number = double.PositiveInfinity;
                return true;
            case "-Infinity":
                number = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out number) && double.IsFinite(number);
        }
    }

    public static MlflowException Missing(string name) =>
        MlflowException.InvalidParameter($"Missing value for required parameter '{name}'." + DocsHint);

    public static MlflowException Invalid(string name, JsonElement value, string? hint = null) =>
        MlflowException.InvalidParameter(InvalidMessage(name, value, hint) + DocsHint);

    /// <summary>MLflow's invalid_value(): the value as compact, key-sorted JSON, then a hint.</summary>
    public static string InvalidMessage(string name, JsonElement value, string? hint = null) =>
        $"Invalid value {PythonJson.Dumps(value)} for parameter '{name}' supplied: "
        + (hint ?? $"Hint: Value was of type '{PythonJson.TypeName(value)}'.");

    public void Dispose() => _document.Dispose();

    private static bool IsBlank(ReadOnlySpan<byte> body)
    {
        foreach (var b in body)
        {
            if (b is not ((byte)' ' or (byte)'\t' or (byte)'\r' or (byte)'\n'))
            {
                return false;
            }
        }

        return true;
    }
}
