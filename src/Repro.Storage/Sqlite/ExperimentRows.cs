using Microsoft.Data.Sqlite;

namespace Repro.Storage.Sqlite;

/// <summary>The experiments aggregate: a name per group of runs, created on first use.</summary>
internal static class ExperimentRows
{
    public static long GetOrCreate(SqliteConnection connection, string name)
    {
        // The no-op update makes RETURNING yield the id whether the row was inserted or already there.
        using var command = connection.Command(
            """
            INSERT INTO experiments (name, created_ms) VALUES ($name, $now)
            ON CONFLICT (name) DO UPDATE SET name = excluded.name
            RETURNING id
            """,
            ("$name", name),
            ("$now", DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()));
        return (long)command.ExecuteScalar()!;
    }

    public static IReadOnlyList<string> ListNames(SqliteConnection connection)
    {
        using var command = connection.Command("SELECT name FROM experiments ORDER BY name");
        using var reader = command.ExecuteReader();
        var names = new List<string>();
        while (reader.Read())
        {
            names.Add(reader.GetString(0));
        }

        return names;
    }
}
