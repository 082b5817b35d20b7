using Microsoft.Data.Sqlite;
using Repro.Core.Errors;

namespace Repro.Storage.Sqlite;

/// <summary>
/// Turns what a user types into a run: "last" (newest by start time), a full id, a unique id prefix of at least
/// <see cref="MinPrefixLength"/> hex characters, else an exact run name (the newest run of that name).
/// Deleted runs, and runs of deleted experiments, are not resolved.
/// </summary>
internal static class RunReferenceResolver
{
    public const int MinPrefixLength = 4;
    public const string Last = "last";
    private const int MaxCandidatesShown = 10;

    public static long Resolve(SqliteConnection connection, string reference)
    {
        ArgumentNullException.ThrowIfNull(reference);
        var text = reference.Trim();
        if (text.Length == 0)
        {
            throw new ReproException(ErrorCode.InvalidArgument, "No run given. Name a run by id, id prefix, name, or `last`.");
        }

        if (text == Last)
        {
            return ScalarPk(connection, $"SELECT r.pk FROM runs r WHERE {RunSelection.Visible} ORDER BY r.start_ms DESC, r.pk DESC LIMIT 1")
                ?? throw new ReproException(ErrorCode.NotFound, "There are no runs yet. Record one with `repro run -- <command>`.");
        }

        if (text.Length >= MinPrefixLength && text.Length <= 32 && text.All(char.IsAsciiHexDigit))
        {
            var lower = text.ToLowerInvariant();
            if (ByPrefix(connection, lower) is { } pk)
            {
                return pk;
            }
        }

        return ScalarPk(
                connection,
                $"SELECT r.pk FROM runs r WHERE r.name = $name AND {RunSelection.Visible} ORDER BY r.start_ms DESC, r.pk DESC LIMIT 1",
                ("$name", text))
            ?? throw new ReproException(ErrorCode.NotFound, $"Run '{text}' not found. List runs with `repro ls`.");
    }

    private static long? ByPrefix(SqliteConnection connection, string prefix)
    {
        // Ids are lowercase hex, so every id starting with the prefix sorts in [prefix, prefix + "g").
        using var command = connection.Command(
            $"""
            SELECT r.pk, r.id, r.name FROM runs r
            WHERE r.id >= $low AND r.id < $high AND {RunSelection.Visible} ORDER BY r.id LIMIT $limit
            """,
            ("$low", prefix),
            ("$high", prefix + "g"),
            ("$limit", MaxCandidatesShown + 1));
        using var reader = command.ExecuteReader();
        var matches = new List<(long Pk, string Id, string Name)>();
        while (reader.Read())
        {
            matches.Add((reader.GetInt64(0), reader.GetString(1), reader.GetString(2)));
        }

        if (matches.Count <= 1)
        {
            return matches.Count == 1 ? matches[0].Pk : null;
        }

        var shown = string.Join(", ", matches.Take(MaxCandidatesShown).Select(m => $"{m.Id} ({m.Name})"));
        var more = matches.Count > MaxCandidatesShown ? ", and more" : "";
        throw new ReproException(
            ErrorCode.InvalidArgument,
            $"Run id prefix '{prefix}' is ambiguous: it matches {shown}{more}. Give more characters of the id.");
    }

    private static long? ScalarPk(SqliteConnection connection, string sql, params (string, object?)[] parameters)
    {
        using var command = connection.Command(sql, parameters);
        return command.ExecuteScalar() is long pk ? pk : null;
    }
}
