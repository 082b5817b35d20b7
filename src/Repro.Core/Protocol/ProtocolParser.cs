using System.Globalization;
using System.Text;
using System.Text.Json;
using Repro.Core.Runs;

namespace Repro.Core.Protocol;

/// <summary>Parses event lines. Pure: never throws on bad input, reports why a line was rejected.</summary>
public static class ProtocolParser
{
    public const int MaxKeyLength = 250;
    public const int MaxValueLength = 64 * 1024;

    public static bool TryParse(string line, out ProtocolEvent? result, out string error)
    {
        ArgumentNullException.ThrowIfNull(line);
        result = null;
        error = "";
        if (string.IsNullOrWhiteSpace(line))
        {
            error = "empty line";
            return false;
        }

        JsonDocument doc;
        try
        {
            doc = JsonDocument.Parse(QuoteBareNonFinite(line));
        }
        catch (JsonException e)
        {
            var reason = e.Message;
            var cut = reason.IndexOf(" LineNumber:", StringComparison.Ordinal);
            reason = (cut > 0 ? reason[..cut] : reason).TrimEnd('.', ' ');
            error = e.BytePositionInLine is { } at
                ? string.Create(CultureInfo.InvariantCulture, $"not valid JSON ({reason}, at byte {at})")
                : $"not valid JSON ({reason})";
            return false;
        }

        using (doc)
        {
            var root = doc.RootElement;
            if (root.ValueKind != JsonValueKind.Object)
            {
                error = "a line must be a JSON object";
                return false;
            }

            if (!root.TryGetProperty("type", out var typeEl) || typeEl.ValueKind != JsonValueKind.String)
            {
                error = "missing \"type\" (metric, param, tag, artifact, stream or input)";
                return false;
            }

            var type = typeEl.GetString();
            switch (type)
            {
                case "metric":
                    return TryMetric(root, out result, out error);
                case "param":
                    return TryParam(root, out result, out error);
                case "tag":
                    if (!TryKey(root, out var tagKey, out error) || !TryText(root, "value", out var tagValue, out error))
                    {
                        return false;
                    }

                    result = new TagEvent(tagKey, tagValue);
                    return true;
                case "artifact":
                    if (!TryText(root, "path", out var path, out error))
                    {
                        return false;
                    }

                    if (path.Length == 0)
                    {
                        error = "\"path\" is empty";
                        return false;
                    }

                    string? name = null;
                    if (root.TryGetProperty("name", out var nameEl) && nameEl.ValueKind == JsonValueKind.String)
                    {
                        name = nameEl.GetString();
                    }

                    result = new ArtifactEvent(path, name);
                    return true;
                case "input":
                    if (!TryText(root, "path", out var inputPath, out error) || !TryText(root, "manifest", out var manifest, out error))
                    {
                        return false;
                    }

                    result = new InputEvent(inputPath, manifest);
                    return true;
                case "stream":
                    return TryStream(root, out result, out error);
                default:
                    error = $"unknown type \"{type}\" (expected metric, param, tag, artifact, stream or input)";
                    return false;
            }
        }
    }

    private static bool TryMetric(JsonElement root, out ProtocolEvent? result, out string error)
    {
        result = null;
        if (!TryKey(root, out var key, out error))
        {
            return false;
        }

        if (!root.TryGetProperty("value", out var valueEl) || !TryDouble(valueEl, out var value))
        {
            error = "\"value\" must be a number, NaN, Infinity or -Infinity";
            return false;
        }

        long? step = null;
        if (root.TryGetProperty("step", out var stepEl) && stepEl.ValueKind != JsonValueKind.Null)
        {
            if (stepEl.ValueKind != JsonValueKind.Number || !stepEl.TryGetInt64(out var s) || s < 0)
            {
                error = "\"step\" must be a non-negative integer";
                return false;
            }

            step = s;
        }

        long? time = null;
        if (root.TryGetProperty("time", out var timeEl) && timeEl.ValueKind != JsonValueKind.Null)
        {
            if (!TryDouble(timeEl, out var seconds) || !double.IsFinite(seconds) || seconds < 0 || seconds > 1e11)
            {
                error = "\"time\" must be epoch seconds";
                return false;
            }

            time = (long)Math.Round(seconds * 1000.0);
        }

        result = new MetricEvent(key, value, step, time);
        return true;
    }

    private static bool TryStream(JsonElement root, out ProtocolEvent? result, out string error)
    {
        result = null;
        if (!TryText(root, "name", out var name, out error) || !TryText(root, "key", out var key, out error))
        {
            return false;
        }

        if (!root.TryGetProperty("draws", out var drawsEl) || drawsEl.ValueKind != JsonValueKind.Number
            || !drawsEl.TryGetInt64(out var draws) || draws < 0)
        {
            error = "\"draws\" must be a non-negative integer";
            return false;
        }

        if (name.Length == 0 || name.Length > MaxKeyLength)
        {
            error = $"\"name\" must have 1 to {MaxKeyLength} characters";
            return false;
        }

        result = new StreamEvent(name, key, draws);
        return true;
    }

    private static bool TryParam(JsonElement root, out ProtocolEvent? result, out string error)
    {
        result = null;
        if (!TryKey(root, out var key, out error) || !TryText(root, "value", out var value, out error))
        {
            return false;
        }

        var source = ParamSource.Default;
        if (root.TryGetProperty("source", out var sourceEl) && sourceEl.ValueKind != JsonValueKind.Null)
        {
            if (sourceEl.ValueKind != JsonValueKind.String || !RunEnumNames.TryParseSource(sourceEl.GetString(), out source))
            {
                error = "\"source\" must be one of default, file, env, cli, sweep";
                return false;
            }
        }

        result = new ParamEvent(key, value, source);
        return true;
    }

    private static bool TryKey(JsonElement root, out string key, out string error)
    {
        error = "";
        key = "";
        if (!root.TryGetProperty("key", out var el) || el.ValueKind != JsonValueKind.String)
        {
            error = "missing \"key\" (a string)";
            return false;
        }

        key = el.GetString()!;
        if (key.Length == 0 || key.Length > MaxKeyLength)
        {
            error = $"\"key\" must have 1 to {MaxKeyLength} characters";
            return false;
        }

        return true;
    }

    /// <summary>Strings as they are; numbers and booleans as their JSON text, so 0.1 stays "0.1".</summary>
    private static bool TryText(JsonElement root, string property, out string text, out string error)
    {
        error = "";
        text = "";
        if (!root.TryGetProperty(property, out var el))
        {
            error = $"missing \"{property}\"";
            return false;
        }

        text = el.ValueKind switch
        {
            JsonValueKind.String => el.GetString()!,
            JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => el.GetRawText(),
            _ => "",
        };
        if (el.ValueKind is not (JsonValueKind.String or JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False))
        {
            error = $"\"{property}\" must be a string, number or boolean";
            return false;
        }

        if (text.Length > MaxValueLength)
        {
            error = $"\"{property}\" is longer than {MaxValueLength} characters";
            return false;
        }

        return true;
    }

    public static bool TryDouble(JsonElement el, out double value)
    {
        value = 0;
        switch (el.ValueKind)
        {
            case JsonValueKind.Number:
                return el.TryGetDouble(out value);
            case JsonValueKind.String:
                return TryParseNumberText(el.GetString()!, out value);
            default:
                return false;
        }
    }

    /// <summary>Numbers written as text, including the non-finite spellings of Python, JavaScript and C.</summary>
    public static bool TryParseNumberText(string text, out double value)
    {
        ArgumentNullException.ThrowIfNull(text);
        switch (text.Trim().ToLowerInvariant())
        {
            case "nan" or "+nan" or "-nan":
                value = double.NaN;
                return true;
            case "infinity" or "+infinity" or "inf" or "+inf":
                value = double.PositiveInfinity;
                return true;
            case "-infinity" or "-inf":
                value = double.NegativeInfinity;
                return true;
            default:
                return double.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out value);
        }
    }

    /// <summary>Python's json module writes NaN, Infinity and -Infinity bare; quote them (outside strings) so the JSON is valid.</summary>
    internal static string QuoteBareNonFinite(string line)
    {
        if (!line.Contains("NaN", StringComparison.Ordinal) && !line.Contains("Infinity", StringComparison.Ordinal))
        {
            return line;
        }

        var sb = new StringBuilder(line.Length + 8);
        var inString = false;
        for (var i = 0; i < line.Length; i++)
        {
            var c = line[i];
            if (inString)
            {
                sb.Append(c);
                if (c == '\\' && i + 1 < line.Length)
                {
                    sb.Append(line[++i]);
                }
                else if (c == '"')
                {
                    inString = false;
                }

                continue;
            }

            if (c == '"')
            {
                inString = true;
                sb.Append(c);
                continue;
            }

            var token = MatchToken(line, i);
            if (token is not null)
            {
                sb.Append('"').Append(token).Append('"');
                i += token.Length - 1;
                continue;
            }

            sb.Append(c);
        }

        return sb.ToString();
    }

    private static string? MatchToken(string line, int i)
    {
        foreach (var token in (string[])["-Infinity", "Infinity", "NaN"])
        {
            if (string.CompareOrdinal(line, i, token, 0, token.Length) == 0)
            {
                var end = i + token.Length;
                if (end == line.Length || !char.IsLetterOrDigit(line[end]))
                {
                    return token;
                }
            }
        }

        return null;
    }
}
