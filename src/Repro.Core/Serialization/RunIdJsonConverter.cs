using System.Text.Json;
using System.Text.Json.Serialization;
using Repro.Core.Runs;

namespace Repro.Core.Serialization;

/// <summary>Writes a <see cref="RunId"/> as its plain 32-hex string (also as a dictionary key).</summary>
public sealed class RunIdJsonConverter : JsonConverter<RunId>
{
    public override RunId Read(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        reader.TokenType == JsonTokenType.String
            ? Parse(reader.GetString())
            : throw new JsonException($"Expected a run id string, found {reader.TokenType}.");

    public override void Write(Utf8JsonWriter writer, RunId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WriteStringValue(value.Value);
    }

    public override RunId ReadAsPropertyName(ref Utf8JsonReader reader, Type typeToConvert, JsonSerializerOptions options) =>
        Parse(reader.GetString());

    public override void WriteAsPropertyName(Utf8JsonWriter writer, RunId value, JsonSerializerOptions options)
    {
        ArgumentNullException.ThrowIfNull(writer);
        writer.WritePropertyName(value.Value);
    }

    private static RunId Parse(string? text) =>
        RunId.IsValid(text)
            ? new RunId(text!)
            : throw new JsonException($"'{text}' is not a run id: expected 32 lowercase hex characters.");
}
