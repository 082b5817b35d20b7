using System.Globalization;

namespace Repro.Capture.Git;

/// <summary>Parses the output of <c>git status --porcelain=v2 --branch -z</c> (records separated by NUL).</summary>
public static class GitStatusParser
{
    public static GitStatus Parse(string porcelainV2)
    {
        ArgumentNullException.ThrowIfNull(porcelainV2);

        string? commit = null;
        string? branch = null;
        string? upstream = null;
        int? ahead = null;
        int? behind = null;
        var entries = new List<GitStatusEntry>();

        var records = porcelainV2.Split('\0');
        for (var i = 0; i < records.Length; i++)
        {
            var record = records[i];
            if (record.Length == 0)
            {
                continue;
            }

            if (record.StartsWith("# ", StringComparison.Ordinal))
            {
                ParseHeader(record, ref commit, ref branch, ref upstream, ref ahead, ref behind);
                continue;
            }

            switch (record[0])
            {
                case '1':
                    // 1 XY sub mH mI mW hH hI path
                    if (SplitFields(record, 9) is { } changed)
                    {
                        entries.Add(new GitStatusEntry(GitEntryKind.Changed, changed[8], changed[1][0], changed[1][1]));
                    }

                    break;
                case '2':
                    // 2 XY sub mH mI mW hH hI Xscore path NUL origPath
                    if (SplitFields(record, 10) is { } renamed)
                    {
                        var original = i + 1 < records.Length ? records[++i] : null;
                        entries.Add(new GitStatusEntry(GitEntryKind.Renamed, renamed[9], renamed[1][0], renamed[1][1], original));
                    }

                    break;
                case 'u':
                    // u XY sub m1 m2 m3 mW h1 h2 h3 path
                    if (SplitFields(record, 11) is { } unmerged)
                    {
                        entries.Add(new GitStatusEntry(GitEntryKind.Unmerged, unmerged[10], unmerged[1][0], unmerged[1][1]));
                    }

                    break;
                case '?':
                    entries.Add(new GitStatusEntry(GitEntryKind.Untracked, record[2..], '?', '?'));
                    break;
                case '!':
                    entries.Add(new GitStatusEntry(GitEntryKind.Ignored, record[2..], '!', '!'));
                    break;
                default:
                    // Unknown record types from newer git versions are skipped rather than misread.
                    break;
            }
        }

        return new GitStatus(commit, branch, upstream, ahead, behind, entries);
    }

    private static void ParseHeader(
        string record, ref string? commit, ref string? branch, ref string? upstream, ref int? ahead, ref int? behind)
    {
        var body = record[2..];
        var space = body.IndexOf(' ', StringComparison.Ordinal);
        if (space < 0)
        {
            return;
        }

        var key = body[..space];
        var value = body[(space + 1)..];
        switch (key)
        {
            case "branch.oid":
                commit = value == "(initial)" ? null : value;
                break;
            case "branch.head":
                branch = value == "(detached)" ? null : value;
                break;
            case "branch.upstream":
                upstream = value;
                break;
            case "branch.ab":
                var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
                if (parts.Length == 2
                    && int.TryParse(parts[0].TrimStart('+'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var a)
                    && int.TryParse(parts[1].TrimStart('-'), NumberStyles.Integer, CultureInfo.InvariantCulture, out var b))
                {
                    ahead = a;
                    behind = b;
                }

                break;
            default:
                break;
        }
    }

    // Splits into exactly `count` fields; the last one (the path) keeps its spaces.
    private static string[]? SplitFields(string record, int count)
    {
        var fields = record.Split(' ', count);
        return fields.Length == count && fields[1].Length == 2 ? fields : null;
    }
}
