using Repro.Core.Errors;

namespace Repro.Storage.Remote;

/// <summary>
/// Where runs are recorded when a team server is used: <c>REPRO_TRACKING_URI</c> (an <c>http://</c> or <c>https://</c>
/// address of <c>repro server</c>) and <c>REPRO_TRACKING_TOKEN</c> (its bearer token, when it was started with --token).
/// </summary>
public sealed record TrackingSettings
{
    public const string UriVariable = "REPRO_TRACKING_URI";
    public const string TokenVariable = "REPRO_TRACKING_TOKEN";

    /// <summary>The server's base address (no trailing slash), or null to record in the local workspace.</summary>
    public Uri? Uri { get; init; }

    public string? Token { get; init; }

    /// <summary>
    /// Where runs tracked from outside any workspace keep their scratch files (logs while running, sweep plans) and the
    /// batches the server could not take yet: <c>$XDG_STATE_HOME/repro</c>, else <c>~/.local/state/repro</c>.
    /// </summary>
    public string StateDirectory { get; init; } = DefaultStateDirectory();

    /// <summary>The settings of this process's environment; InvalidArgument when REPRO_TRACKING_URI is not an http(s) address.</summary>
    public static TrackingSettings FromEnvironment() => new()
    {
        Uri = ParseUri(Environment.GetEnvironmentVariable(UriVariable)),
        Token = Environment.GetEnvironmentVariable(TokenVariable) is { Length: > 0 } token ? token.Trim() : null,
    };

    /// <summary>Null for an unset or blank value; the address without a trailing slash; InvalidArgument for anything else.</summary>
    public static Uri? ParseUri(string? text)
    {
        if (string.IsNullOrWhiteSpace(text))
        {
            return null;
        }

        var trimmed = text.Trim();
        if (!System.Uri.TryCreate(trimmed, UriKind.Absolute, out var uri)
            || (uri.Scheme != System.Uri.UriSchemeHttp && uri.Scheme != System.Uri.UriSchemeHttps)
            || string.IsNullOrEmpty(uri.Host)
            || !string.IsNullOrEmpty(uri.Query) || !string.IsNullOrEmpty(uri.Fragment) || !string.IsNullOrEmpty(uri.UserInfo))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"{UriVariable} is set to '{trimmed}', which is not the address of a tracking server. Set it to http://host:port "
                + $"(or https://...), the address `repro server` prints, e.g. {UriVariable}=http://127.0.0.1:5005; "
                + $"unset it to record in the local workspace.");
        }

        return new Uri(uri.GetLeftPart(UriPartial.Path).TrimEnd('/'), UriKind.Absolute);
    }

    public static string DefaultStateDirectory()
    {
        if (Environment.GetEnvironmentVariable("XDG_STATE_HOME") is { Length: > 0 } state && Path.IsPathRooted(state))
        {
            return Path.Combine(state, "repro");
        }

        if (OperatingSystem.IsWindows())
        {
            return Path.Combine(Environment.GetFolderPath(Environment.SpecialFolder.LocalApplicationData), "repro");
        }

        var home = Environment.GetFolderPath(Environment.SpecialFolder.UserProfile);
        return string.IsNullOrEmpty(home)
            ? Path.Combine(Path.GetTempPath(), "repro-state-" + Environment.UserName)
            : Path.Combine(home, ".local", "state", "repro");
    }
}
