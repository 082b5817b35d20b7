using Microsoft.Data.Sqlite;

namespace Repro.Storage.Tests.Sqlite;

/// <summary>Raw access to a database file, for setting up and inspecting what the store does not expose.</summary>
internal static class SqliteTestDatabase
{
    public static object? Scalar(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        return command.ExecuteScalar();
    }

    public static void Execute(string path, string sql)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = sql;
        command.ExecuteNonQuery();
    }

    /// <summary>The details of <c>EXPLAIN QUERY PLAN</c> for a run selection, one per step.</summary>
    public static IReadOnlyList<string> QueryPlan(string path, Repro.Storage.Sqlite.RunSelection selection)
    {
        using var connection = Connect(path);
        using var command = connection.CreateCommand();
        command.CommandText = "EXPLAIN QUERY PLAN " + selection.Sql;
        foreach (var (name, value) in selection.Parameters)
        {
            command.Parameters.AddWithValue(name, value ?? DBNull.Value);
        }

        using var reader = command.ExecuteReader();
        var steps = new List<string>();
        while (reader.Read())
        {
            steps.Add(reader.GetString(3));
        }

        return steps;
    }

    private static SqliteConnection Connect(string path)
    {
        var connection = new SqliteConnection(new SqliteConnectionStringBuilder { DataSource = path, Pooling = false }.ToString());
        connection.Open();
        return connection;
    }
}
