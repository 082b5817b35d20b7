using System.Text.RegularExpressions;

namespace Repro.Server.Mlflow;

/// <summary>MLflow's limits and name rules (mlflow/utils/validation.py), with its messages.</summary>
internal static partial class MlflowValidation
{
    public const int MaxParamsTagsPerBatch = 100;
    public const int MaxMetricsPerBatch = 1000;
    public const int MaxEntitiesPerBatch = 1000;
    public const int MaxDatasetsPerBatch = 1000;
    public const int MaxParamValueLength = 6000;
    public const int MaxTagValueLength = 8000;
    public const int MaxEntityKeyLength = 250;
    public const int MaxExperimentNameLength = 500;
    public const int MaxExperimentTagKeyLength = 250;
    public const int MaxExperimentTagValueLength = 5000;
    public const int MaxDatasetNameLength = 500;
    public const int MaxDatasetDigestLength = 36;
    public const int MaxDatasetSchemaLength = 1048575;
    public const int MaxDatasetSourceLength = 65535;
    public const int MaxDatasetProfileLength = 16777215;
    public const int MaxInputTagKeyLength = 255;
    public const int MaxInputTagValueLength = 500;
    public const int MaxSearchResults = 50000;
    public const int DefaultSearchResults = 1000;

    private const string BadCharacters =
        "Names may only contain alphanumerics, underscores (_), dashes (-), periods (.), spaces ( ), colon(:) and slashes (/).";

    public static void MetricName(string? name) => Name("metric", "Metric", name);

    public static void ParamName(string? name) => Name("parameter", "Parameter", name);

    public static void TagName(string? name) => Name("tag", "Tag", name);

    public static void Length(string entity, int limit, string? value)
    {
        if (value is not null && value.Length > limit)
        {
            throw MlflowException.InvalidParameter(
                $"{entity} '{value[..Math.Min(250, value.Length)]}' had length {value.Length}, which exceeded length limit of {limit}");
        }
    }

    public static void Param(string key, string value)
    {
        ParamName(key);
        Length("Param key", MaxEntityKeyLength, key);
        Length("Param value", MaxParamValueLength, value);
    }

    public static void Tag(string key, string value)
    {
        TagName(key);
        Length("Tag key", MaxEntityKeyLength, key);
        Length("Tag value", MaxTagValueLength, value);
    }

    public static void ExperimentTag(string key, string value)
    {
        TagName(key);
        Length("Tag key", MaxExperimentTagKeyLength, key);
        Length("Tag value", MaxExperimentTagValueLength, value);
    }

    public static void Metric(string key, double value, long timestamp)
    {
        MetricName(key);
        Length("Metric name", MaxEntityKeyLength, key);
        if (timestamp < 0)
        {
            throw MlflowException.InvalidParameter(
                $"Got invalid timestamp {timestamp} for metric '{key}' (value={PythonJson.FloatRepr(value)}). "
                + "Timestamp must be a nonnegative long (64-bit integer) ");
        }
    }

    public static void ExperimentName(string name)
    {
        if (name.Length == 0)
        {
            throw MlflowException.InvalidParameter("Invalid experiment name: ''");
        }

        if (name.Length > MaxExperimentNameLength)
        {
            throw MlflowException.InvalidParameter(
                $"Experiment name exceeds the maximum length of {MaxExperimentNameLength} characters");
        }
    }

    public static void BatchLimits(int metrics, int @params, int tags)
    {
        BatchLimit("metrics", MaxMetricsPerBatch, metrics);
        BatchLimit("params", MaxParamsTagsPerBatch, @params);
        BatchLimit("tags", MaxParamsTagsPerBatch, tags);
        BatchLimit("metrics, params, and tags", MaxEntitiesPerBatch, metrics + @params + tags);
    }

    public static void MaxResults(long? maxResults)
    {
        if (maxResults is { } n && (n < 1 || n > MaxSearchResults))
        {
            throw MlflowException.InvalidParameter(
                $"Invalid value for request parameter max_results. It must be at most {MaxSearchResults} and at least 1, "
                + $"but got value {n}");
        }
    }

    /// <summary>
    /// An artifact path as MLflow's validate_path_is_safe checks it: percent-decoded until stable, then refused
    /// ("Invalid path") when it holds a backslash, NUL, '#', a ".." segment, or is absolute (POSIX, Windows drive or UNC).
    /// </summary>
    public static string SafePath(string path)
    {
        var decoded = PercentDecodeFully(path);
        if (decoded.Contains('\\', StringComparison.Ordinal) || decoded.Contains('\0', StringComparison.Ordinal)
            || decoded.Contains('#', StringComparison.Ordinal)
            || decoded.StartsWith('/')
            || (decoded.Length >= 2 && decoded[1] == ':')
            || decoded.Split('/').Any(segment => segment == ".."))
        {
            throw MlflowException.InvalidParameter("Invalid path");
        }

        if (decoded.StartsWith("file:", StringComparison.OrdinalIgnoreCase))
        {
            throw MlflowException.InvalidParameter("Invalid path");
        }

        return decoded;
    }

    /// <summary>Decodes %XX escapes until the text no longer changes (so %252e%252e is caught as ..).</summary>
    public static string PercentDecodeFully(string text)
    {
        for (var i = 0; i < 10; i++)
        {
            if (!text.Contains('%', StringComparison.Ordinal))
            {
                return text;
            }

            var decoded = Uri.UnescapeDataString(text);
            if (decoded == text)
            {
                return text;
            }

            text = decoded;
        }

        throw MlflowException.InvalidParameter("Invalid path");
    }

    /// <summary>Python's posixpath.normpath, for MLflow's "would resolve to another name" check.</summary>
    public static string NormPath(string path)
    {
        if (path.Length == 0)
        {
            return ".";
        }

        // POSIX keeps exactly two leading slashes, and folds one or three or more into one.
        var initialSlashes = !path.StartsWith('/') ? 0
            : path.StartsWith("//", StringComparison.Ordinal) && !path.StartsWith("///", StringComparison.Ordinal) ? 2 : 1;
        var parts = new List<string>();
        foreach (var part in path.Split('/'))
        {
            if (part.Length == 0 || part == ".")
            {
                continue;
            }

            if (part != ".." || (initialSlashes == 0 && parts.Count == 0) || (parts.Count > 0 && parts[^1] == ".."))
            {
                parts.Add(part);
            }
            else if (parts.Count > 0)
            {
                parts.RemoveAt(parts.Count - 1);
            }
        }

        var joined = new string('/', initialSlashes) + string.Join('/', parts);
        return joined.Length == 0 ? "." : joined;
    }

    private static void Name(string kind, string title, string? name)
    {
        if (name is null)
        {
            throw MlflowException.InvalidParameter($"{title} name cannot be None. A key name must be provided.");
        }

        if (!ValidName().IsMatch(name))
        {
            throw MlflowException.InvalidParameter($"Invalid {kind} name: '{name}'. {BadCharacters}");
        }

        var norm = NormPath(name);
        if (norm != name || norm == "." || norm.StartsWith("..", StringComparison.Ordinal) || norm.StartsWith('/'))
        {
            throw MlflowException.InvalidParameter(
                $"Invalid {kind} name: '{name}'. Names may be treated as files in certain cases, and must not resolve to other "
                + $"names when treated as such. This name would resolve to '{norm}'");
        }
    }

    private static void BatchLimit(string entity, int limit, int length)
    {
        if (length > limit)
        {
            throw MlflowException.InvalidParameter(
                $"A batch logging request can contain at most {limit} {entity}. Got {length} {entity}. "
                + $"Please split up {entity} across multiple requests and try again.");
        }
    }

    [GeneratedRegex(@"^[/\w.\- :]*$")]
    private static partial Regex ValidName();
}
