using Microsoft.Data.Sqlite;
using Repro.Core.Runs;
using Repro.Storage.Tracking;

namespace Repro.Storage.Sqlite;

/// <summary>
/// The metrics aggregate: every point in <c>metrics</c> (insertion order kept by <c>seq</c>) and the last point of each
/// key in <c>latest_metrics</c> (highest step; on a tie, the last written).
/// </summary>
internal static class MetricRows
{
    public static void Append(SqliteConnection connection, long pk, IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        using (var insert = connection.Prepared(
            """
            INSERT INTO metrics (run_pk, key, step, value, value_text, timestamp_ms)
            VALUES ($run, $key, $step, $value, $text, $time)
            """,
            "$run", "$key", "$step", "$value", "$text", "$time"))
        {
            insert.Set("$run", pk);
            Bind(insert, points, searchable: false);
        }

        using var latest = connection.Prepared(
            """
            INSERT INTO latest_metrics (run_pk, key, step, value, value_text, timestamp_ms)
            VALUES ($run, $key, $step, $value, $text, $time)
            ON CONFLICT (run_pk, key) DO UPDATE
                SET step = excluded.step, value = excluded.value, value_text = excluded.value_text, timestamp_ms = excluded.timestamp_ms
                WHERE excluded.step >= latest_metrics.step
            """,
            "$run", "$key", "$step", "$value", "$text", "$time");
        latest.Set("$run", pk);
        Bind(latest, LatestOf(points), searchable: true);
    }

    public static IReadOnlyList<MetricPoint> History(SqliteConnection connection, long pk, string? key)
    {
        var keyFilter = key is null ? "" : " AND key = $key";
        using var command = connection.Command(
            $"SELECT key, step, value, value_text, timestamp_ms FROM metrics WHERE run_pk = $run{keyFilter} ORDER BY key, step, seq",
            ("$run", pk),
            ("$key", key));
        using var reader = command.ExecuteReader();
        var points = new List<MetricPoint>();
        while (reader.Read())
        {
            points.Add(new MetricPoint(reader.GetString(0), SqliteDoubles.Read(reader, 2, 3), reader.GetInt64(1), reader.GetInt64(4)));
        }

        return points;
    }

    public static MetricSeries Series(SqliteConnection connection, long pk, string key)
    {
        var points = Page(connection, pk, key, 0, int.MaxValue);
        return ToSeries(key, points);
    }

    /// <summary>Points of one metric in history order, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    public static List<MetricPoint> Page(SqliteConnection connection, long pk, string key, long offset, int limit)
    {
        using var command = connection.Command(
            "SELECT key, step, value, value_text, timestamp_ms FROM metrics WHERE run_pk = $run AND key = $key ORDER BY step, seq LIMIT $limit OFFSET $offset",
            ("$run", pk),
            ("$key", key),
            ("$limit", limit),
            ("$offset", offset));
        using var reader = command.ExecuteReader();
        var points = new List<MetricPoint>();
        while (reader.Read())
        {
            points.Add(new MetricPoint(reader.GetString(0), SqliteDoubles.Read(reader, 2, 3), reader.GetInt64(1), reader.GetInt64(4)));
        }

        return points;
    }

    private static MetricSeries ToSeries(string key, List<MetricPoint> points)
    {
        var steps = new long[points.Count];
        var values = new double[points.Count];
        var times = new long[points.Count];
        for (var i = 0; i < points.Count; i++)
        {
            steps[i] = points[i].Step;
            values[i] = points[i].Value;
            times[i] = points[i].TimestampMs;
        }

        return new MetricSeries(key, steps, values, times);
    }

    /// <summary>The point of each key that should end up in latest_metrics, applying the same rule as the upsert.</summary>
    private static List<MetricPoint> LatestOf(IReadOnlyList<MetricPoint> points)
    {
        var latest = new Dictionary<string, MetricPoint>(StringComparer.Ordinal);
        foreach (var point in points)
        {
            if (!latest.TryGetValue(point.Key, out var current) || point.Step >= current.Step)
            {
                latest[point.Key] = point;
            }
        }

        return [.. latest.Values];
    }

    private static void Bind(SqliteCommand command, IReadOnlyList<MetricPoint> points, bool searchable)
    {
        var key = command.Parameters["$key"];
        var step = command.Parameters["$step"];
        var value = command.Parameters["$value"];
        var text = command.Parameters["$text"];
        var time = command.Parameters["$time"];
        foreach (var point in points)
        {
            key.Value = point.Key;
            step.Value = point.Step;
            time.Value = point.TimestampMs;
            if (searchable)
            {
                SqliteDoubles.BindSearchable(value, text, point.Value);
            }
            else
            {
                SqliteDoubles.Bind(value, text, point.Value);
            }

            command.ExecuteNonQuery();
        }
    }
}
