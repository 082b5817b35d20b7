using System.Diagnostics;
using System.Globalization;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Sqlite;
using Repro.Storage.Tracking;

namespace Repro.Benchmarks.Storage;

/// <summary>
/// <c>storage-bench</c>: the tracking store's share of the server targets, measured on <see cref="SqliteRunStore"/> directly:
/// (a) metric ingestion: <see cref="IRunStore.Write"/> of 1000-point batches to one run, in points per second;
/// (b) runs search over N runs (default 100,000) with a params-and-metrics filter, a page of 100 ordered by start time and
/// by a metric, median latency;
/// (c) <see cref="ITrackingStore.GetMetricSeries"/> of a 1,000,000-point metric, median latency (and the first call).
/// <code>dotnet run -c Release --project bench/Repro.Benchmarks -- storage-bench [--only ingest|search|series]
///   [--seconds 5] [--runs 100000] [--points 1000000] [--repeat 20] [--dir /tmp]</code>
/// </summary>
internal static class StorageBench
{
    public const string Command = "storage-bench";

    private const int BatchPoints = 1000;

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        Console.WriteLine(
            $"# storage-bench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} logical cores  .NET {Environment.Version}");
        if (options.Only is null or "ingest")
        {
            WithStore(options, store => Ingest(store, options));
        }

        if (options.Only is null or "search")
        {
            WithStore(options, store => Search(store, options));
        }

        if (options.Only is null or "series")
        {
            WithStore(options, store => Series(store, options));
        }

        return 0;
    }

    private static void WithStore(Options options, Action<SqliteRunStore> body)
    {
        var directory = Path.Combine(options.Parent, "repro-storage-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(directory);
        try
        {
            using var store = SqliteRunStore.Open(Path.Combine(directory, SqliteRunStore.FileName));
            body(store);
        }
        finally
        {
            Directory.Delete(directory, recursive: true);
        }
    }

    /// <summary>(a) One writer appends 1000-point batches of one key to one run for a few seconds.</summary>
    private static void Ingest(SqliteRunStore store, Options options)
    {
        var run = NewRun("ingest", 0);
        store.Write(new RunWriteBatch(run.Id) { Create = run });
        var step = 0L;
        RunWriteBatch Next(string key)
        {
            var now = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
            var points = new MetricPoint[BatchPoints];
            for (var i = 0; i < points.Length; i++, step++)
            {
                points[i] = new MetricPoint(key, Math.Sin(step * 1e-3), step, now);
            }

            return new RunWriteBatch(run.Id) { Metrics = points };
        }

        for (var i = 0; i < 50; i++)
        {
            store.Write(Next("warmup"));
        }

        // Batches are built before the clock starts: the figure is the store's, not the generator's.
        var batches = Enumerable.Range(0, 500).Select(_ => Next("loss")).ToArray();
        var written = 0L;
        var clock = Stopwatch.StartNew();
        while (clock.Elapsed.TotalSeconds < options.Seconds)
        {
            foreach (var batch in batches)
            {
                store.Write(batch);
                written += batch.Metrics.Count;
            }
        }

        clock.Stop();
        Console.WriteLine(
            $"ingest   {written / clock.Elapsed.TotalSeconds,12:N0} points/s   ({written:N0} points in 1000-point batches, one run, one writer, "
            + $"{clock.Elapsed.TotalSeconds:F1} s; target >= 1,000,000)");

        var mixed = new RunWriteBatch(run.Id)
        {
            Metrics = [.. Enumerable.Range(0, BatchPoints).Select(i => new MetricPoint("k" + (i % 10).ToString(CultureInfo.InvariantCulture), i, step + (i / 10), 0))],
        };
        var mixedCount = 0L;
        clock.Restart();
        while (clock.Elapsed.TotalSeconds < Math.Min(2, options.Seconds))
        {
            store.Write(mixed);
            mixedCount += BatchPoints;
        }

        Console.WriteLine($"ingest   {mixedCount / clock.Elapsed.TotalSeconds,12:N0} points/s   (1000-point batches over 10 keys)");
    }

    /// <summary>(b) N finished runs with two params, two metrics and a tag; then one page of 100 for the filter.</summary>
    private static void Search(SqliteRunStore store, Options options)
    {
        var clock = Stopwatch.StartNew();
        var rates = new[] { "0.1", "0.03", "0.01", "0.003", "0.001" };
        for (var i = 0; i < options.Runs; i++)
        {
            var record = NewRun("run-" + i.ToString(CultureInfo.InvariantCulture), i) with { Status = RunStatus.Finished };
            var acc = 0.5 + (0.5 * ((i * 7919) % 1000) / 1000.0);
            store.Write(new RunWriteBatch(record.Id)
            {
                Create = record,
                Params = [new Param("lr", rates[i % rates.Length], ParamSource.Cli),
                    new Param("batch_size", ((i % 4 + 1) * 32).ToString(CultureInfo.InvariantCulture), ParamSource.Cli)],
                Metrics = [new MetricPoint("acc", acc, 10, 0), new MetricPoint("loss", 1 - acc, 10, 0)],
                Tags = new Dictionary<string, string> { ["team"] = i % 3 == 0 ? "vision" : "nlp" },
            });
        }

        Console.WriteLine($"#   wrote {options.Runs:N0} runs in {clock.Elapsed.TotalSeconds:F1} s");
        const string Filter = "params.lr = '0.01' and metrics.acc > 0.9";
        Measure(store, options, $"{Filter}, by start_time", new RunSearchQuery { Filter = Filter, MaxResults = 100 });
        Measure(store, options, $"{Filter}, by metrics.acc DESC", new RunSearchQuery { Filter = Filter, MaxResults = 100, OrderBy = ["metrics.acc DESC"] });
        Measure(store, options, $"{Filter}, experiment 0, 2nd page", SecondPage(store, new RunSearchQuery
        {
            Filter = Filter,
            MaxResults = 100,
            ExperimentIds = ["0"],
        }));
        Measure(store, options, "params.lr = '0.01' and metrics.acc > 0.999 (rare)", new RunSearchQuery { Filter = "params.lr = '0.01' and metrics.acc > 0.999", MaxResults = 100 });
        Measure(store, options, "no filter, by start_time", new RunSearchQuery { MaxResults = 100 });
    }

    private static RunSearchQuery SecondPage(SqliteRunStore store, RunSearchQuery query) =>
        query with { PageToken = store.SearchRuns(query).NextPageToken };

    private static void Measure(SqliteRunStore store, Options options, string what, RunSearchQuery query)
    {
        var first = Stopwatch.StartNew();
        var found = store.SearchRuns(query).Items.Count;
        first.Stop();
        for (var i = 0; i < 5; i++)
        {
            store.SearchRuns(query);
        }

        var times = new List<double>();
        for (var i = 0; i < options.Repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            store.SearchRuns(query);
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(
            $"search   {Median(times),8:F2} ms median  {times.Min(),6:F2} ms best  (first {first.Elapsed.TotalMilliseconds:F1} ms, {found} runs)  {what}; target <= 20 ms");
    }

    /// <summary>(c) One run with a 1M-point metric written in 1000-point batches; then the whole series in columns.</summary>
    private static void Series(SqliteRunStore store, Options options)
    {
        var run = NewRun("series", 0);
        store.Write(new RunWriteBatch(run.Id) { Create = run });
        var start = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        for (var offset = 0; offset < options.Points; offset += BatchPoints)
        {
            var count = Math.Min(BatchPoints, options.Points - offset);
            store.Write(new RunWriteBatch(run.Id)
            {
                Metrics = [.. Enumerable.Range(offset, count).Select(i => new MetricPoint("loss", Math.Exp(-i * 1e-6) + (i % 7 * 1e-3), i, start + (i / 10)))],
            });
        }

        var first = Stopwatch.StartNew();
        var series = store.GetMetricSeries(run.Id, "loss");
        first.Stop();

        // Warm up until the decoder is compiled at its final tier; the figure is the steady state of a running server.
        for (var i = 0; i < 10; i++)
        {
            store.GetMetricSeries(run.Id, "loss");
        }

        var times = new List<double>();
        for (var i = 0; i < options.Repeat; i++)
        {
            var clock = Stopwatch.StartNew();
            store.GetMetricSeries(run.Id, "loss");
            times.Add(clock.Elapsed.TotalMilliseconds);
        }

        Console.WriteLine(
            $"series   {Median(times),8:F2} ms median  {times.Min(),6:F2} ms best  (first {first.Elapsed.TotalMilliseconds:F1} ms, {series.Count:N0} points)  "
            + "GetMetricSeries; target <= 20 ms");
    }

    private static RunRecord NewRun(string name, int second) => new()
    {
        Id = RunId.New(),
        Name = name,
        StartTime = new DateTimeOffset(2026, 1, 1, 0, 0, 0, TimeSpan.Zero).AddSeconds(second),
        Seed = second,
    };

    private static double Median(List<double> values)
    {
        values.Sort();
        return values.Count == 0 ? double.NaN : values[values.Count / 2];
    }

    private sealed record Options(string? Only, double Seconds, int Runs, int Points, int Repeat, string Parent)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(null, 5, 100_000, 1_000_000, 20, Path.GetTempPath());
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                options = args[i] switch
                {
                    "--only" => options with { Only = value },
                    "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--runs" => options with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--points" => options with { Points = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--repeat" => options with { Repeat = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--dir" => options with { Parent = value },
                    _ => throw new ArgumentException($"Unknown option {args[i]}. See the usage in StorageBench.cs."),
                };
                i++;
            }

            return options;
        }
    }
}
