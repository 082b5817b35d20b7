namespace Repro.Capture.Git;

/// <summary>Removes credentials from git remote URLs before they are recorded.</summary>
public static class RemoteUrl
{
    private static readonly string[] WebSchemes = ["http", "https", "ftp", "ftps"];

    /// <summary>
    /// <c>https://user:token@host/x.git</c> and <c>https://token@host/x.git</c> become <c>https://host/x.git</c>.
    /// For other schemes (<c>ssh://git:pw@host/x</c>) only the password is dropped, since the user name selects the account.
    /// scp-like addresses (<c>git@host:x.git</c>) and local paths carry no secret and are returned unchanged.
    /// </summary>
    public static string StripCredentials(string url)
    {
        ArgumentNullException.ThrowIfNull(url);
        var trimmed = url.Trim();
        var schemeEnd = trimmed.IndexOf("://", StringComparison.Ordinal);
        if (schemeEnd <= 0)
        {
            return trimmed;
        }

        var authorityStart = schemeEnd + 3;
        var authorityEnd = trimmed.IndexOfAny(['/', '?', '#'], authorityStart);
        if (authorityEnd < 0)
        {
            authorityEnd = trimmed.Length;
        }

        var authority = trimmed[authorityStart..authorityEnd];
        var at = authority.LastIndexOf('@');
        if (at < 0)
        {
            return trimmed;
        }

        var scheme = trimmed[..schemeEnd];
        var userInfo = authority[..at];
        var host = authority[(at + 1)..];
        string keptUser;
        if (WebSchemes.Contains(scheme, StringComparer.OrdinalIgnoreCase))
        {
            keptUser = "";
        }
        else
        {
            var colon = userInfo.IndexOf(':', StringComparison.Ordinal);
            var user = colon < 0 ? userInfo : userInfo[..colon];
            keptUser = user.Length == 0 ? "" : user + "@";
        }

        return trimmed[..authorityStart] + keptUser + host + trimmed[authorityEnd..];
    }
}
