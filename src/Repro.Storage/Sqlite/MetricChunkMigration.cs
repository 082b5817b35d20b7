using Microsoft.Data.Sqlite;

namespace Repro.Storage.Sqlite;

/// <summary>Schema v5's code step: the one-row-per-point <c>metrics</c> table becomes <c>metric_chunks</c>, in insertion order.</summary>
internal static class MetricChunkMigration
{
    public static void MoveRowsToChunks(SqliteConnection connection)
    {
        using (var select = connection.Command(
            "SELECT run_pk, key, step, value, value_text, timestamp_ms FROM metrics ORDER BY run_pk, key, seq"))
        using (var reader = select.ExecuteReader())
        {
            var steps = new List<long>();
            var values = new List<double>();
            var times = new List<long>();
            (long Pk, string Key)? current = null;

            void Flush()
            {
                if (current is not { } series || steps.Count == 0)
                {
                    return;
                }

                var columns = new MetricRows.Columns([.. steps], [.. values], [.. times]);
                var chunk = 0L;
                var start = 0;
                foreach (var data in MetricRows.Chunks(columns))
                {
                    var count = Math.Min(MetricRows.MaxChunkPoints, columns.Count - start);
                    MetricRows.InsertChunk(connection, series.Pk, series.Key, chunk++, data, count);
                    start += MetricRows.MaxChunkPoints;
                }

                steps.Clear();
                values.Clear();
                times.Clear();
            }

            while (reader.Read())
            {
                var row = (reader.GetInt64(0), reader.GetString(1));
                if (current != row)
                {
                    Flush();
                    current = row;
                }

                steps.Add(reader.GetInt64(2));
                values.Add(SqliteDoubles.Read(reader, 3, 4));
                times.Add(reader.GetInt64(5));
            }

            Flush();
        }

        using var drop = connection.Command("DROP TABLE metrics");
        drop.ExecuteNonQuery();
    }
}
