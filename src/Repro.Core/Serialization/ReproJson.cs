using System.Text.Json;
using System.Text.Json.Serialization;
using System.Text.Json.Serialization.Metadata;
using Repro.Core.Runs;

namespace Repro.Core.Serialization;

/// <summary>
/// The JSON shape of run records and snapshots: camelCase names, <see cref="RunStatus"/> as "FINISHED",
/// <see cref="ParamSource"/> as "cli", other enums camelCase, run ids as plain strings, and NaN/±Infinity as the
/// strings "NaN", "Infinity", "-Infinity". Computed properties (no setter, such as <see cref="RunRecord.Duration"/>)
/// are not written: what is written is exactly what reads back.
/// </summary>
public static class ReproJson
{
    /// <summary>Compact (one line).</summary>
    public static JsonSerializerOptions Options { get; } = Create(indented: false);

    /// <summary>Indented, for files people read.</summary>
    public static JsonSerializerOptions Indented { get; } = Create(indented: true);

    public static string Serialize<T>(T value, bool indented = false) =>
        JsonSerializer.Serialize(value, indented ? Indented : Options);

    /// <summary>Reads a value; a JSON <c>null</c> or malformed text is a <see cref="JsonException"/>.</summary>
    public static T Deserialize<T>(string json)
    {
        ArgumentNullException.ThrowIfNull(json);
        return JsonSerializer.Deserialize<T>(json, Options)
            ?? throw new JsonException($"Expected a {typeof(T).Name}, found null.");
    }

    private static JsonSerializerOptions Create(bool indented)
    {
        var options = new JsonSerializerOptions
        {
            PropertyNamingPolicy = JsonNamingPolicy.CamelCase,
            DictionaryKeyPolicy = null,    // keys are data (param names, variable names), never renamed
            NumberHandling = JsonNumberHandling.AllowNamedFloatingPointLiterals,
            WriteIndented = indented,
            TypeInfoResolver = new DefaultJsonTypeInfoResolver { Modifiers = { SkipComputedProperties } },
        };
        options.Converters.Add(new RunIdJsonConverter());
        options.Converters.Add(new JsonStringEnumConverter<RunStatus>(JsonNamingPolicy.SnakeCaseUpper, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter<ParamSource>(JsonNamingPolicy.SnakeCaseLower, allowIntegerValues: false));
        options.Converters.Add(new JsonStringEnumConverter(JsonNamingPolicy.CamelCase, allowIntegerValues: false));
        options.MakeReadOnly();
        return options;
    }

    private static void SkipComputedProperties(JsonTypeInfo typeInfo)
    {
        if (typeInfo.Kind != JsonTypeInfoKind.Object)
        {
            return;
        }

        for (var i = typeInfo.Properties.Count - 1; i >= 0; i--)
        {
            var property = typeInfo.Properties[i];
            if (property.Set is null && property.AssociatedParameter is null)
            {
                typeInfo.Properties.RemoveAt(i);
            }
        }
    }
}
