using System.Text;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Runs;

namespace Repro.Sdk.Params;

/// <summary>A value given for a parameter from outside the code, and where it came from.</summary>
internal readonly record struct ParamOverride(string Text, ParamSource Source, string Origin);

/// <summary>
/// Parameter values given from outside the code: the command line of <c>repro run</c> (REPRO_PARAMS, or
/// <see cref="RunOptions.Params"/> in-process), then REPRO_PARAM_&lt;KEY&gt; environment variables. Remembers which
/// command-line values the program read, so values nobody read can be reported.
/// </summary>
internal sealed class ParamOverrides
{
    public const string EnvPrefix = "REPRO_PARAM_";

    private readonly IReadOnlyDictionary<string, string> _cli;
    private readonly IReadOnlyDictionary<string, string> _environment;
    private readonly string _cliOrigin;
    private readonly HashSet<string> _read = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public ParamOverrides(IReadOnlyDictionary<string, string> cli, IReadOnlyDictionary<string, string> environment, string cliOrigin)
    {
        _cli = cli;
        _environment = environment;
        _cliOrigin = cliOrigin;
    }

    public static ParamOverrides None { get; } = new(
        new Dictionary<string, string>(StringComparer.Ordinal), new Dictionary<string, string>(StringComparer.Ordinal), "");

    public ParamOverride? Find(string key)
    {
        if (_cli.TryGetValue(key, out var text))
        {
            lock (_lock)
            {
                _read.Add(key);
            }

            return new ParamOverride(text, ParamSource.Cli, _cliOrigin);
        }

        var variable = EnvironmentVariableFor(key);
        return _environment.TryGetValue(variable, out var envText) && envText.Length > 0
            ? new ParamOverride(envText, ParamSource.Env, "environment variable " + variable)
            : null;
    }

    /// <summary>Command-line values the program never asked for (usually a typo in the key).</summary>
    public IReadOnlyList<string> Unread()
    {
        lock (_lock)
        {
            return [.. _cli.Keys.Where(k => !_read.Contains(k)).Order(StringComparer.Ordinal)];
        }
    }

    /// <summary>REPRO_PARAM_ followed by the key in upper case, with every character other than A-Z and 0-9 as '_'.</summary>
    public static string EnvironmentVariableFor(string key)
    {
        ArgumentNullException.ThrowIfNull(key);
        var sb = new StringBuilder(EnvPrefix, EnvPrefix.Length + key.Length);
        foreach (var c in key)
        {
            sb.Append(c is (>= 'a' and <= 'z') ? (char)(c - 'a' + 'A') : c is (>= 'A' and <= 'Z') or (>= '0' and <= '9') ? c : '_');
        }

        return sb.ToString();
    }

    /// <summary>Parses REPRO_PARAMS: a JSON object whose values are strings (numbers and booleans are taken as their text).</summary>
    public static IReadOnlyDictionary<string, string> ParseJson(string json, string variable)
    {
        ArgumentNullException.ThrowIfNull(json);
        var result = new Dictionary<string, string>(StringComparer.Ordinal);
        if (string.IsNullOrWhiteSpace(json))
        {
            return result;
        }

        try
        {
            using var doc = JsonDocument.Parse(json);
            if (doc.RootElement.ValueKind != JsonValueKind.Object)
            {
                throw Invalid(variable, json, "it is not a JSON object");
            }

            foreach (var property in doc.RootElement.EnumerateObject())
            {
                result[property.Name] = property.Value.ValueKind switch
                {
                    JsonValueKind.String => property.Value.GetString()!,
                    JsonValueKind.Number or JsonValueKind.True or JsonValueKind.False => property.Value.GetRawText(),
                    _ => throw Invalid(variable, json, $"the value of \"{property.Name}\" is not a string"),
                };
            }
        }
        catch (JsonException e)
        {
            throw Invalid(variable, json, e.Message);
        }

        return result;
    }

    private static ReproException Invalid(string variable, string json, string why) =>
        new(
            ErrorCode.InvalidArgument,
            $"{variable} must be a JSON object of parameter values like {{\"lr\":\"0.05\"}}, but it is '{json}' ({why}). " +
            "It is set by `repro run`; start the program with `repro run -- CMD`, or unset it to run without recording.");
}
