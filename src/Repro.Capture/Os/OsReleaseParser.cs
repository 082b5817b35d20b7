using System.Text;

namespace Repro.Capture.Os;

/// <summary>Parses <c>/etc/os-release</c> (shell-style KEY=value lines; values may be quoted; # starts a comment).</summary>
public static class OsReleaseParser
{
    public static OsRelease Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        var values = new SortedDictionary<string, string>(StringComparer.Ordinal);
        foreach (var rawLine in content.Split('\n'))
        {
            var line = rawLine.Trim();
            if (line.Length == 0 || line[0] == '#')
            {
                continue;
            }

            var equals = line.IndexOf('=', StringComparison.Ordinal);
            if (equals <= 0)
            {
                continue;
            }

            var key = line[..equals].Trim();
            if (!IsValidKey(key))
            {
                continue;
            }

            values[key] = Unquote(line[(equals + 1)..].Trim());
        }

        return new OsRelease(
            Get(values, "ID"),
            Get(values, "NAME"),
            Get(values, "PRETTY_NAME"),
            Get(values, "VERSION_ID"),
            values);
    }

    private static string? Get(SortedDictionary<string, string> values, string key) =>
        values.TryGetValue(key, out var value) && value.Length > 0 ? value : null;

    private static bool IsValidKey(string key) => key.All(c => char.IsAsciiLetterOrDigit(c) || c == '_');

    // Handles "double" (with backslash escapes), 'single' and bare values; a bare value ends at an unquoted '#'.
    private static string Unquote(string value)
    {
        if (value.Length == 0)
        {
            return value;
        }

        var quote = value[0];
        if (quote is '"' or '\'')
        {
            var result = new StringBuilder();
            for (var i = 1; i < value.Length; i++)
            {
                var c = value[i];
                if (c == quote)
                {
                    break;
                }

                if (quote == '"' && c == '\\' && i + 1 < value.Length && value[i + 1] is '"' or '\\' or '$' or '`')
                {
                    result.Append(value[++i]);
                    continue;
                }

                result.Append(c);
            }

            return result.ToString();
        }

        var hash = value.IndexOf(" #", StringComparison.Ordinal);
        return (hash >= 0 ? value[..hash] : value).Trim();
    }
}
