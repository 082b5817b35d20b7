using System.Globalization;
using Repro.Core.Errors;
using Repro.Core.Protocol;

namespace Repro.Sdk.Params;

/// <summary>
/// Converts parameter values to and from the text that is recorded: invariant culture, doubles round-trippable ("R"),
/// booleans as true/false, enums by name. What <see cref="Format{T}"/> writes, <see cref="Parse{T}"/> reads back.
/// </summary>
internal static class ParamText
{
    public static bool IsSupported(Type type) =>
        type == typeof(int) || type == typeof(long) || type == typeof(double) || type == typeof(float) ||
        type == typeof(bool) || type == typeof(string) || type.IsEnum;

    public static string Format<T>(T value)
    {
        ArgumentNullException.ThrowIfNull(value);
        return value switch
        {
            int i => i.ToString(CultureInfo.InvariantCulture),
            long l => l.ToString(CultureInfo.InvariantCulture),
            double d => ProtocolWriter.FormatDouble(d),
            float f => float.IsFinite(f) ? f.ToString("R", CultureInfo.InvariantCulture) : ProtocolWriter.FormatNonFinite(f),
            bool b => b ? "true" : "false",
            string s => s,
            Enum e => e.ToString(),
            _ => throw Unsupported(typeof(T)),
        };
    }

    /// <summary>Parses an override; a value that does not parse is a <see cref="ReproException"/> naming key, value and type.</summary>
    public static T Parse<T>(string key, ParamOverride given)
    {
        var text = given.Text;
        var type = typeof(T);
        object? value = null;
        if (type == typeof(string))
        {
            value = text;
        }
        else if (type == typeof(int))
        {
            if (int.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var i))
            {
                value = i;
            }
        }
        else if (type == typeof(long))
        {
            if (long.TryParse(text.Trim(), NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture, out var l))
            {
                value = l;
            }
        }
        else if (type == typeof(double))
        {
            if (ProtocolParser.TryParseNumberText(text, out var d))
            {
                value = d;
            }
        }
        else if (type == typeof(float))
        {
            if (float.TryParse(text, NumberStyles.Float, CultureInfo.InvariantCulture, out var f) && float.IsFinite(f))
            {
                value = f;
            }
            else if (ProtocolParser.TryParseNumberText(text, out var d) && !double.IsFinite(d))
            {
                value = (float)d;
            }
        }
        else if (type == typeof(bool))
        {
            value = text.Trim().ToLowerInvariant() switch
            {
                "true" or "1" => true,
                "false" or "0" => false,
                _ => null,
            };
        }
        else if (type.IsEnum)
        {
            var name = text.Trim();
            if (name.Length > 0 && !char.IsDigit(name[0]) && name[0] != '-' &&
                Enum.TryParse(type, name, ignoreCase: true, out var e) && Enum.IsDefined(type, e!))
            {
                value = e;
            }
        }
        else
        {
            throw Unsupported(type);
        }

        return value is T typed
            ? typed
            : throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Param '{key}' is '{text}' (from {given.Origin}), which is not {Expected(type)}. " +
                $"Give {Expected(type)} for '{key}', e.g. {key}={Example(type)}.");
    }

    private static string Expected(Type type) =>
        type == typeof(int) ? "a whole number (int)"
        : type == typeof(long) ? "a whole number (long)"
        : type == typeof(double) ? "a number (double)"
        : type == typeof(float) ? "a number (float)"
        : type == typeof(bool) ? "true or false"
        : type.IsEnum ? "one of " + string.Join(", ", Enum.GetNames(type))
        : type.Name;

    private static string Example(Type type) =>
        type == typeof(int) || type == typeof(long) ? "64"
        : type == typeof(double) || type == typeof(float) ? "0.05"
        : type == typeof(bool) ? "true"
        : type.IsEnum && Enum.GetNames(type).Length > 0 ? Enum.GetNames(type)[0]
        : "value";

    private static NotSupportedException Unsupported(Type type) =>
        new($"Run.Param does not support {type.Name}: use int, long, double, float, bool, string or an enum.");
}
