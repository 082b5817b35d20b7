using Microsoft.Data.Sqlite;
using Repro.Core.Runs;
using Repro.Storage.Tracking;
using SQLitePCL;

namespace Repro.Storage.Sqlite;

/// <summary>
/// The metrics aggregate: the points of each (run, key) in <c>metric_chunks</c>, a few hundred to a few thousand points per
/// row in insertion order (see <see cref="MetricChunk"/>), and the last point of each key in <c>latest_metrics</c> (highest
/// step; on a tie, the last written). A write appends one chunk per key, or grows the key's last chunk while it is small,
/// so both large batches and one-point writes stay cheap and a long series reads back in a few hundred rows.
/// </summary>
internal static class MetricRows
{
    /// <summary>A last chunk with fewer points than this takes the next points of its key instead of a new chunk.</summary>
    internal const int GrowBelow = 512;

    /// <summary>Points are split into chunks of at most this many.</summary>
    internal const int MaxChunkPoints = 16_384;

    public static void Append(SqliteConnection connection, long pk, IReadOnlyList<MetricPoint> points)
    {
        if (points.Count == 0)
        {
            return;
        }

        using (var statements = new ChunkStatements(connection, pk))
        {
            foreach (var (key, columns) in Group(points))
            {
                AppendKey(statements, key, columns);
            }
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
        var keyParameter = latest.Parameters["$key"];
        var stepParameter = latest.Parameters["$step"];
        var valueParameter = latest.Parameters["$value"];
        var textParameter = latest.Parameters["$text"];
        var timeParameter = latest.Parameters["$time"];
        foreach (var point in LatestOf(points))
        {
            keyParameter.Value = point.Key;
            stepParameter.Value = point.Step;
            timeParameter.Value = point.TimestampMs;
            SqliteDoubles.BindSearchable(valueParameter, textParameter, point.Value);
            latest.ExecuteNonQuery();
        }
    }

    /// <summary>All points of one metric (or of every metric when key is null), ordered by key, step, then insertion.</summary>
    public static IReadOnlyList<MetricPoint> History(SqliteConnection connection, long pk, string? key)
    {
        var points = new List<MetricPoint>();
        foreach (var series in ReadSeries(connection, pk, key))
        {
            points.EnsureCapacity(points.Count + series.Count);
            for (var i = 0; i < series.Count; i++)
            {
                points.Add(new MetricPoint(series.Key, series.Values[i], series.Steps[i], series.TimestampsMs[i]));
            }
        }

        return points;
    }

    public static MetricSeries Series(SqliteConnection connection, long pk, string key) =>
        ReadSeries(connection, pk, key).SingleOrDefault() ?? new MetricSeries(key, [], [], []);

    /// <summary>Points of one metric in history order, from <paramref name="offset"/>, at most <paramref name="limit"/>.</summary>
    public static List<MetricPoint> Page(SqliteConnection connection, long pk, string key, long offset, int limit)
    {
        var series = Series(connection, pk, key);
        var points = new List<MetricPoint>();
        for (var i = offset; i < series.Count && points.Count < limit; i++)
        {
            points.Add(new MetricPoint(key, series.Values[i], series.Steps[i], series.TimestampsMs[i]));
        }

        return points;
    }

    /// <summary>Encodes points of one key (in insertion order) as chunks appended after <paramref name="next"/>.</summary>
    internal static IEnumerable<byte[]> Chunks(Columns columns)
    {
        for (var start = 0; start < columns.Count; start += MaxChunkPoints)
        {
            var length = Math.Min(MaxChunkPoints, columns.Count - start);
            yield return MetricChunk.Encode(
                columns.Steps.AsSpan(start, length), columns.Values.AsSpan(start, length), columns.Timestamps.AsSpan(start, length));
        }
    }

    internal static void InsertChunk(SqliteConnection connection, long pk, string key, long chunk, byte[] data, int count)
    {
        using var insert = connection.Command(
            "INSERT INTO metric_chunks (run_pk, key, chunk, count, data) VALUES ($run, $key, $chunk, $count, $data)",
            ("$run", pk),
            ("$key", key),
            ("$chunk", chunk),
            ("$count", count),
            ("$data", data));
        insert.ExecuteNonQuery();
    }

    private static void AppendKey(ChunkStatements statements, string key, Columns columns)
    {
        long? lastId = null;
        var nextChunk = 0L;
        var last = statements.Last;
        last.Parameters["$key"].Value = key;
        using (var reader = last.ExecuteReader())
        {
            if (reader.Read())
            {
                nextChunk = reader.GetInt64(1) + 1;
                var count = reader.GetInt32(2);
                if (count < GrowBelow && count + columns.Count <= MaxChunkPoints)
                {
                    lastId = reader.GetInt64(0);
                    columns = Columns.Decode((byte[])reader.GetValue(3), count).Concat(columns);
                }
            }
        }

        if (lastId is { } id)
        {
            var update = statements.Update;
            update.Parameters["$id"].Value = id;
            update.Parameters["$count"].Value = columns.Count;
            update.Parameters["$data"].Value = MetricChunk.Encode(columns.Steps, columns.Values, columns.Timestamps);
            update.ExecuteNonQuery();
            return;
        }

        var insert = statements.Insert;
        insert.Parameters["$key"].Value = key;
        var start = 0;
        foreach (var chunk in Chunks(columns))
        {
            insert.Parameters["$chunk"].Value = nextChunk++;
            insert.Parameters["$count"].Value = Math.Min(MaxChunkPoints, columns.Count - start);
            insert.Parameters["$data"].Value = chunk;
            insert.ExecuteNonQuery();
            start += MaxChunkPoints;
        }
    }

    /// <summary>The statements one write uses for every key it appends to, each prepared once, when first needed.</summary>
    private sealed class ChunkStatements(SqliteConnection connection, long pk) : IDisposable
    {
        private SqliteCommand? _last;
        private SqliteCommand? _update;
        private SqliteCommand? _insert;

        public SqliteCommand Last => _last ??= Bound(connection.Prepared(
            "SELECT id, chunk, count, data FROM metric_chunks WHERE run_pk = $run AND key = $key ORDER BY chunk DESC LIMIT 1",
            "$run",
            "$key"));

        public SqliteCommand Update => _update ??= connection.Prepared(
            "UPDATE metric_chunks SET count = $count, data = $data WHERE id = $id", "$id", "$count", "$data");

        public SqliteCommand Insert => _insert ??= Bound(connection.Prepared(
            "INSERT INTO metric_chunks (run_pk, key, chunk, count, data) VALUES ($run, $key, $chunk, $count, $data)",
            "$run", "$key", "$chunk", "$count", "$data"));

        public void Dispose()
        {
            _last?.Dispose();
            _update?.Dispose();
            _insert?.Dispose();
        }

        private SqliteCommand Bound(SqliteCommand command)
        {
            command.Set("$run", pk);
            return command;
        }
    }

    /// <summary>Each key's series (one, or none, when a key is given), in key order, each sorted by step then insertion.</summary>
    private static List<MetricSeries> ReadSeries(SqliteConnection connection, long pk, string? key)
    {
        var keyFilter = key is null ? "" : " AND key = $key";
        using var transaction = connection.BeginTransaction(deferred: true);
        var counts = new List<(string Key, int Count)>();
        using (var command = connection.Command(
            $"SELECT key, sum(count) FROM metric_chunks WHERE run_pk = $run{keyFilter} GROUP BY key ORDER BY key",
            ("$run", pk),
            ("$key", key)))
        using (var reader = command.ExecuteReader())
        {
            while (reader.Read())
            {
                counts.Add((reader.GetString(0), checked((int)reader.GetInt64(1))));
            }
        }

        var all = new List<MetricSeries>(counts.Count);
        if (counts.Count == 0)
        {
            return all;
        }

        // The chunks are read through SQLite's own API so that each blob is decoded where SQLite holds it, without a copy.
        var db = connection.Handle!;
        var rc = raw.sqlite3_prepare_v2(
            db,
            $"SELECT key, count, data FROM metric_chunks WHERE run_pk = ?1{(key is null ? "" : " AND key = ?2")} ORDER BY key, chunk",
            out var statement);
        Check(db, rc);
        using (statement)
        {
            raw.sqlite3_bind_int64(statement, 1, pk);
            if (key is not null)
            {
                raw.sqlite3_bind_text(statement, 2, key);
            }

            var index = -1;
            MetricSeries? current = null;
            var filled = 0;
            while ((rc = raw.sqlite3_step(statement)) == raw.SQLITE_ROW)
            {
                if (current is null || !Utf8Equals(raw.sqlite3_column_blob(statement, 0), current.Key))
                {
                    Finish(current, all);
                    index++;
                    var (seriesKey, total) = index < counts.Count ? counts[index] : throw Changed();
                    if (!Utf8Equals(raw.sqlite3_column_blob(statement, 0), seriesKey))
                    {
                        throw Changed();
                    }

                    // Every element is written by the decoder, so the arrays need not be zeroed first.
                    current = new MetricSeries(
                        seriesKey,
                        GC.AllocateUninitializedArray<long>(total),
                        GC.AllocateUninitializedArray<double>(total),
                        GC.AllocateUninitializedArray<long>(total));
                    filled = 0;
                }

                var count = raw.sqlite3_column_int(statement, 1);
                if (filled + count > current.Count)
                {
                    throw Changed();
                }

                MetricChunk.Decode(
                    raw.sqlite3_column_blob(statement, 2),
                    current.Steps.AsSpan(filled, count),
                    current.Values.AsSpan(filled, count),
                    current.TimestampsMs.AsSpan(filled, count));
                filled += count;
            }

            Check(db, rc == raw.SQLITE_DONE ? raw.SQLITE_OK : rc);
            Finish(current, all);
        }

        return all;
    }

    private static bool Utf8Equals(ReadOnlySpan<byte> utf8, string text)
    {
        Span<byte> buffer = stackalloc byte[256];
        var encoding = System.Text.Encoding.UTF8;
        return encoding.GetMaxByteCount(text.Length) <= buffer.Length && encoding.GetBytes(text, buffer) is var length
            ? utf8.SequenceEqual(buffer[..length])
            : utf8.SequenceEqual(encoding.GetBytes(text));
    }

    private static InvalidOperationException Changed() => new("The metric chunks changed while they were read.");

    /// <summary>Throws what Microsoft.Data.Sqlite would, so busy errors are retried like any other.</summary>
    private static void Check(sqlite3 db, int rc)
    {
        if (rc != raw.SQLITE_OK)
        {
            throw new SqliteException(raw.sqlite3_errmsg(db).utf8_to_string(), rc, raw.sqlite3_extended_errcode(db));
        }
    }

    private static void Finish(MetricSeries? series, List<MetricSeries> all)
    {
        if (series is null)
        {
            return;
        }

        var steps = series.Steps;
        for (var i = 1; i < steps.Length; i++)
        {
            if (steps[i] < steps[i - 1])
            {
                all.Add(SortedByStep(series));
                return;
            }
        }

        all.Add(series);
    }

    /// <summary>A stable sort by step: points with equal steps keep their insertion order.</summary>
    private static MetricSeries SortedByStep(MetricSeries series)
    {
        var order = new int[series.Count];
        for (var i = 0; i < order.Length; i++)
        {
            order[i] = i;
        }

        var steps = series.Steps;
        Array.Sort(order, (a, b) => steps[a] != steps[b] ? steps[a].CompareTo(steps[b]) : a.CompareTo(b));
        return new MetricSeries(
            series.Key,
            [.. order.Select(i => series.Steps[i])],
            [.. order.Select(i => series.Values[i])],
            [.. order.Select(i => series.TimestampsMs[i])]);
    }

    private static List<(string Key, Columns Columns)> Group(IReadOnlyList<MetricPoint> points)
    {
        // The common batch holds one key: take it without a dictionary.
        var first = points[0].Key;
        var single = true;
        for (var i = 1; i < points.Count && single; i++)
        {
            single = string.Equals(points[i].Key, first, StringComparison.Ordinal);
        }

        if (single)
        {
            return [(first, Columns.Of(points, null))];
        }

        var indexes = new Dictionary<string, List<int>>(StringComparer.Ordinal);
        var order = new List<string>();
        for (var i = 0; i < points.Count; i++)
        {
            if (!indexes.TryGetValue(points[i].Key, out var list))
            {
                indexes[points[i].Key] = list = [];
                order.Add(points[i].Key);
            }

            list.Add(i);
        }

        return [.. order.Select(key => (key, Columns.Of(points, indexes[key])))];
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

    /// <summary>Points of one key as columns, in insertion order.</summary>
    internal sealed record Columns(long[] Steps, double[] Values, long[] Timestamps)
    {
        public int Count => Steps.Length;

        public static Columns Of(IReadOnlyList<MetricPoint> points, List<int>? indexes)
        {
            var count = indexes?.Count ?? points.Count;
            var columns = new Columns(new long[count], new double[count], new long[count]);
            for (var i = 0; i < count; i++)
            {
                var point = points[indexes is null ? i : indexes[i]];
                columns.Steps[i] = point.Step;
                columns.Values[i] = point.Value;
                columns.Timestamps[i] = point.TimestampMs;
            }

            return columns;
        }

        public static Columns Decode(byte[] data, int count)
        {
            var columns = new Columns(new long[count], new double[count], new long[count]);
            MetricChunk.Decode(data, columns.Steps, columns.Values, columns.Timestamps);
            return columns;
        }

        public Columns Concat(Columns more) =>
            new([.. Steps, .. more.Steps], [.. Values, .. more.Values], [.. Timestamps, .. more.Timestamps]);
    }
}
