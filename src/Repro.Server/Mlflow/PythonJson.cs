using System.Globalization;
using System.Text;
using System.Text.Json;

namespace Repro.Server.Mlflow;

/// <summary>
/// Renders a JSON value the way MLflow's server quotes a bad value in its messages
/// (<c>json.dumps(value, sort_keys=True, separators=(",", ":"))</c>), and names its Python type.
/// </summary>
internal static class PythonJson
{
    public static string Dumps(JsonElement value)
    {
        var text = new StringBuilder();
        Append(text, value);
        return text.ToString();
    }

    /// <summary>The Python type json.loads gives the value: str, int, float, bool, list, dict or NoneType.</summary>
    public static string TypeName(JsonElement value) => value.ValueKind switch
    {
        JsonValueKind.String => "str",
        JsonValueKind.Number => IsIntegerToken(value.GetRawText()) ? "int" : "float",
        JsonValueKind.True or JsonValueKind.False => "bool",
        JsonValueKind.Array => "list",
        JsonValueKind.Object => "dict",
        _ => "NoneType",
    };

    /// <summary>Python's repr of a float: shortest round-trip digits, ".0" on integers, exponent outside [1e-4, 1e16).</summary>
    public static string FloatRepr(double value)
    {
        if (double.IsNaN(value))
        {
            return "NaN";
        }

        if (double.IsInfinity(value))
        {
            return value > 0 ? "Infinity" : "-Infinity";
        }

        if (value == 0)
        {
            return double.IsNegative(value) ? "-0.0" : "0.0";
        }

        // "R" gives the shortest round-trip digits, which are re-laid-out the way Python prints them.
        var shortest = value.ToString("R", CultureInfo.InvariantCulture);
        var negative = shortest.StartsWith('-');
        var (digits, exponent) = Decompose(negative ? shortest[1..] : shortest);
        var sign = negative ? "-" : "";
        if (exponent is >= -4 and < 16)
        {
            string body;
            if (exponent < 0)
            {
                body = "0." + new string('0', -exponent - 1) + digits;
            }
            else if (digits.Length <= exponent + 1)
            {
                body = digits + new string('0', exponent + 1 - digits.Length) + ".0";
            }
            else
            {
                body = digits[..(exponent + 1)] + "." + digits[(exponent + 1)..];
            }

            return sign + body;
        }

        var mantissa = digits.Length == 1 ? digits : digits[0] + "." + digits[1..];
        var exp = (exponent < 0 ? "-" : "+") + Math.Abs(exponent).ToString("00", CultureInfo.InvariantCulture);
        return sign + mantissa + "e" + exp;
    }

    private static (string Digits, int Exponent) Decompose(string text)
    {
        // text is a positive number like "123.456", "1E+16", "1.5E-05", "0.001".
        var e = text.IndexOfAny(['E', 'e']);
        var exponent = e >= 0 ? int.Parse(text[(e + 1)..], NumberStyles.AllowLeadingSign, CultureInfo.InvariantCulture) : 0;
        var mantissa = e >= 0 ? text[..e] : text;
        var dot = mantissa.IndexOf('.', StringComparison.Ordinal);
        var intPart = dot >= 0 ? mantissa[..dot] : mantissa;
        var fracPart = dot >= 0 ? mantissa[(dot + 1)..] : "";
        var all = (intPart + fracPart).TrimStart('0');
        var leadingZeros = (intPart + fracPart).Length - all.Length;
        exponent += intPart.Length - 1 - leadingZeros;
        all = all.TrimEnd('0');
        return (all.Length == 0 ? "0" : all, exponent);
    }

    private static bool IsIntegerToken(string raw) => raw.IndexOfAny(['.', 'e', 'E']) < 0;

    private static void Append(StringBuilder text, JsonElement value)
    {
        switch (value.ValueKind)
        {
            case JsonValueKind.Object:
                text.Append('{');
                var first = true;
                foreach (var property in value.EnumerateObject().OrderBy(p => p.Name, StringComparer.Ordinal))
                {
                    if (!first)
                    {
                        text.Append(',');
                    }

                    first = false;
                    AppendString(text, property.Name);
                    text.Append(':');
                    Append(text, property.Value);
                }

                text.Append('}');
                break;
            case JsonValueKind.Array:
                text.Append('[');
                var i = 0;
                foreach (var item in value.EnumerateArray())
                {
                    if (i++ > 0)
                    {
                        text.Append(',');
                    }

                    Append(text, item);
                }

                text.Append(']');
                break;
            case JsonValueKind.String:
                AppendString(text, value.GetString()!);
                break;
            case JsonValueKind.Number:
                var raw = value.GetRawText();
                if (IsIntegerToken(raw))
                {
                    text.Append(raw == "-0" ? "0" : raw);
                }
                else
                {
                    text.Append(value.TryGetDouble(out var d) ? FloatRepr(d) : raw);
                }

                break;
            case JsonValueKind.True:
                text.Append("true");
                break;
            case JsonValueKind.False:
                text.Append("false");
                break;
            default:
                text.Append("null");
                break;
        }
    }

    /// <summary>A JSON string with ensure_ascii: every non-ASCII character as \uXXXX.</summary>
    private static void AppendString(StringBuilder text, string value)
    {
        text.Append('"');
        foreach (var c in value)
        {
            switch (c)
            {
                case '"':
                    text.Append("\\\"");
                    break;
                case '\\':
                    text.Append("\\\\");
                    break;
                case '\n':
                    text.Append("\\n");
                    break;
                case '\r':
                    text.Append("\\r");
                    break;
                case '\t':
                    text.Append("\\t");
                    break;
                case '\b':
                    text.Append("\\b");
                    break;
                case '\f':
                    text.Append("\\f");
                    break;
                default:
                    if (c < 0x20 || c > 0x7f)
                    {
                        text.Append("\\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        text.Append(c);
                    }

                    break;
            }
        }

        text.Append('"');
    }
}
