using System.Diagnostics;
using System.Globalization;
using System.Net.Http.Headers;
using System.Text;
using System.Text.Json;
using Repro.Core.Runs;
using Repro.Server;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Benchmarks.Server;

/// <summary>
/// <c>server-bench</c>: the tracking server's three targets, measured over HTTP on loopback with a load generator in this
/// process (or against a server started elsewhere with <c>--url</c>, for ingest only):
/// (a) MLflow log-batch ingestion of 1000-point batches from several concurrent clients, in points per second;
/// (b) runs search over N runs (default 100,000) with a params-and-metrics filter, one page of 100, median latency;
/// (c) a 1,000,000-point metric history downsampled to 1000 buckets by the chart endpoint, median latency (and the first,
/// cold call on its own).
/// <code>dotnet run -c Release --project bench/Repro.Benchmarks -- server-bench [--only ingest|search|series]
///   [--url http://127.0.0.1:5005] [--seconds 10] [--clients 4] [--runs 100000] [--points 1000000] [--repeat 20]</code>
/// </summary>
internal static class ServerBench
{
    public const string Command = "server-bench";

    private const int BatchPoints = 1000;

    /// <summary>Distinct pre-serialized bodies per ingest client.</summary>
    private const int BodyRing = 64;

    public static int Run(string[] args)
    {
        var options = Options.Parse(args);
        Console.WriteLine(
            $"# server-bench  {DateTime.UtcNow:yyyy-MM-dd HH:mm}Z  {Environment.ProcessorCount} logical cores  .NET {Environment.Version}");
        if (options.Only is null or "ingest")
        {
            WithServer(options, options.Url, (url, _) => Ingest(url, options));
        }

        if (options.Only is null or "search")
        {
            WithServer(options, null, (url, root) => Search(url, root, options), populate: root => PopulateRuns(root, options.Runs));
        }

        if (options.Only is null or "series")
        {
            WithServer(options, null, (url, root) => Series(url, root, options), populate: root => PopulateSeries(root, options.Points));
        }

        return 0;
    }

    private static void WithServer(Options options, string? url, Action<string, string?> body, Func<string, object?>? populate = null)
    {
        if (url is not null)
        {
            body(url.TrimEnd('/'), null);
            return;
        }

        var root = Path.Combine(options.Parent, "repro-server-bench-" + Guid.NewGuid().ToString("N")[..8]);
        Directory.CreateDirectory(root);
        try
        {
            ReproWorkspace.Init(root).Dispose();
            if (populate is not null)
            {
                var clock = Stopwatch.StartNew();
                populate(root);
                Console.WriteLine($"#   populated the workspace in {clock.Elapsed.TotalSeconds:F1} s");
            }

            var server = ReproServer.StartAsync(new ServerOptions { Port = 0, Workspace = root }).GetAwaiter().GetResult();
            try
            {
                body(server.Url, root);
            }
            finally
            {
                server.DisposeAsync().AsTask().GetAwaiter().GetResult();
            }
        }
        finally
        {
            Directory.Delete(root, recursive: true);
        }
    }

    /// <summary>(a) Each client owns a run and posts pre-serialized log-batch bodies as fast as the server answers.</summary>
    private static void Ingest(string url, Options options)
    {
        using var http = NewClient(url);
        var runIds = new string[options.Clients];
        for (var c = 0; c < options.Clients; c++)
        {
            using var created = Post(http, "api/2.0/mlflow/runs/create",
                $$"""{"experiment_id":"0","run_name":"ingest-{{c}}","start_time":{{Now()}}}""");
            runIds[c] = created.RootElement.GetProperty("run").GetProperty("info").GetProperty("run_id").GetString()!;
        }

        // Warm up (JIT, connection, first chunk) before timing.
        Post(http, "api/2.0/mlflow/runs/log-batch", Batch(runIds[0], 0)).Dispose();
        var total = 0L;
        var batches = 0L;
        var sent = new long[options.Clients];
        var deadline = Stopwatch.StartNew();
        var duration = TimeSpan.FromSeconds(options.Seconds);
        var latencies = new List<double>[options.Clients];
        // Bodies are serialized before timing (a ring per client; steps repeat after it wraps, which MLflow allows), so
        // the 2 cores measure the server rather than the generator's string formatting.
        var bodies = runIds.Select(run => Enumerable.Range(0, BodyRing)
            .Select(k => Encoding.UTF8.GetBytes(Batch(run, 1 + (k * (BatchPoints / 10))))).ToArray()).ToArray();
        deadline.Restart();
        var workers = Enumerable.Range(0, options.Clients).Select(c => Task.Run(async () =>
        {
            latencies[c] = [];
            var next = 0;
            while (deadline.Elapsed < duration)
            {
                var content = new ByteArrayContent(bodies[c][next++ % BodyRing]);
                content.Headers.ContentType = new MediaTypeHeaderValue("application/json");
                var one = Stopwatch.StartNew();
                using var response = await http.PostAsync(
                    new Uri("api/2.0/mlflow/runs/log-batch", UriKind.Relative), content).ConfigureAwait(false);
                if (!response.IsSuccessStatusCode)
                {
                    throw new InvalidOperationException(
                        $"log-batch answered {(int)response.StatusCode}: {await response.Content.ReadAsStringAsync().ConfigureAwait(false)}");
                }

                latencies[c].Add(one.Elapsed.TotalMilliseconds);
                Interlocked.Add(ref total, BatchPoints);
                Interlocked.Increment(ref batches);
                sent[c]++;
            }
        })).ToArray();
        Task.WaitAll(workers);
        var seconds = deadline.Elapsed.TotalSeconds;
        var all = latencies.SelectMany(l => l).Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"ingest   {options.Clients} clients x 1000-point log-batch for {seconds:F1} s: {total / seconds:N0} points/s "
            + $"({batches / seconds:F0} batches/s; batch latency median {all[all.Length / 2]:F1} ms, p95 {all[(int)(all.Length * 0.95)]:F1} ms)"));

        // Check nothing was lost: every point posted is in the history.
        for (var c = 0; c < runIds.Length; c++)
        {
            var expected = (sent[c] + (c == 0 ? 1 : 0)) * (BatchPoints / 10);
            using var history = Get(http, $"api/v1/runs/{runIds[c]}/metrics?key=m0");
            var held = history.RootElement.GetProperty("metrics").GetArrayLength();
            Console.WriteLine($"#   run {c} holds {held:N0} points of m0, {expected:N0} sent{(held == expected ? "" : "  << LOST POINTS")}");
        }
    }

    /// <summary>Ten keys, 100 steps each: 1000 points, the shape an epoch-level logger sends.</summary>
    private static string Batch(string runId, int firstStep)
    {
        var text = new StringBuilder(70_000);
        text.Append(CultureInfo.InvariantCulture, $$"""{"run_id":"{{runId}}","metrics":[""");
        var now = Now();
        for (var i = 0; i < BatchPoints; i++)
        {
            if (i > 0)
            {
                text.Append(',');
            }

            var value = Math.Sin((firstStep + i) * 0.001);
            text.Append(CultureInfo.InvariantCulture,
                $$"""{"key":"m{{i % 10}}","value":{{value.ToString("R", CultureInfo.InvariantCulture)}},"timestamp":{{now}},"step":{{firstStep + (i / 10)}}}""");
        }

        text.Append("]}");
        return text.ToString();
    }

    private static object? PopulateRuns(string root, int count)
    {
        using var workspace = ReproWorkspace.Open(root);
        var store = workspace.Runs;
        var start = DateTimeOffset.UtcNow.AddDays(-30);
        var rates = new[] { "0.1", "0.03", "0.01", "0.003", "0.001" };
        for (var i = 0; i < count; i++)
        {
            var id = RunId.New();
            var lr = rates[i % rates.Length];
            var acc = 0.5 + (0.5 * ((i * 7919) % 1000) / 1000.0);
            var record = new RunRecord
            {
                Id = id,
                Name = "run-" + i.ToString(CultureInfo.InvariantCulture),
                StartTime = start.AddSeconds(i),
                Status = RunStatus.Finished,
                Seed = i,
            };
            store.Write(new RunWriteBatch(id)
            {
                Create = record,
                Params = [new Param("lr", lr, ParamSource.Cli), new Param("batch_size", ((i % 4 + 1) * 32).ToString(CultureInfo.InvariantCulture), ParamSource.Cli)],
                Metrics = [new MetricPoint("acc", acc, 10, 0), new MetricPoint("loss", 1 - acc, 10, 0)],
                Tags = new Dictionary<string, string> { ["team"] = i % 3 == 0 ? "vision" : "nlp" },
            });
        }

        return null;
    }

    /// <summary>(b) The page of 100 newest runs with lr = 0.01 and acc &gt; 0.9, through MLflow's runs/search.</summary>
    private static void Search(string url, string? root, Options options)
    {
        _ = root;
        using var http = NewClient(url);
        const string Body = """{"experiment_ids":["0"],"filter":"params.lr = '0.01' and metrics.acc > 0.9","max_results":100,"order_by":["attributes.start_time DESC"]}""";
        var found = 0;
        var times = Repeat(options.Repeat + 2, () =>
        {
            using var page = Post(http, "api/2.0/mlflow/runs/search", Body);
            found = page.RootElement.GetProperty("runs").GetArrayLength();
        }).Skip(2).ToArray();
        Report($"search   {options.Runs:N0} runs, params+metrics filter, page of {found}", times);

        const string Sorted = """{"experiment_ids":["0"],"filter":"params.lr = '0.01' and metrics.acc > 0.9","max_results":100,"order_by":["metrics.acc DESC"]}""";
        var sortedTimes = Repeat(options.Repeat + 2, () => Post(http, "api/2.0/mlflow/runs/search", Sorted).Dispose()).Skip(2).ToArray();
        Report($"search   same, ordered by metrics.acc DESC", sortedTimes);
    }

    private static object? PopulateSeries(string root, int points)
    {
        using var workspace = ReproWorkspace.Open(root);
        var id = RunId.New();
        workspace.Runs.Write(new RunWriteBatch(id)
        {
            Create = new RunRecord { Id = id, Name = "long", StartTime = DateTimeOffset.UtcNow, Status = RunStatus.Finished },
        });
        var t0 = DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();
        const int Chunk = 10_000;
        for (var first = 0; first < points; first += Chunk)
        {
            var batch = new MetricPoint[Math.Min(Chunk, points - first)];
            for (var i = 0; i < batch.Length; i++)
            {
                var step = first + i;
                var value = step == points / 3 ? 50.0 : Math.Exp(-step / 200_000.0) + (0.01 * Math.Sin(step));
                batch[i] = new MetricPoint("loss", value, step, t0 + step);
            }

            workspace.Runs.Write(new RunWriteBatch(id) { Metrics = batch });
        }

        return null;
    }

    /// <summary>(c) The chart endpoint over a 1M-point series, 1000 buckets.</summary>
    private static void Series(string url, string? root, Options options)
    {
        using var http = NewClient(url);
        string runId;
        using (var workspace = ReproWorkspace.Open(root))
        {
            runId = workspace.Runs.ResolveRun("long").Id.ToString();
        }

        var path = $"api/v1/series?run={runId}&key=loss&x=step&buckets=1000";
        var returned = 0;
        var spike = false;
        var cold = Repeat(1, () => Get(http, path).Dispose())[0];
        var times = Repeat(options.Repeat, () =>
        {
            using var answer = Get(http, path);
            var series = answer.RootElement.GetProperty("series")[0];
            returned = series.GetProperty("y").GetArrayLength();
            spike = series.GetProperty("y").EnumerateArray().Any(v => v.ValueKind == JsonValueKind.Number && v.GetDouble() == 50.0);
        });
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"series   first call (cold): {cold:F1} ms"));
        Report($"series   {options.Points:N0} points -> {returned} drawn (spike kept: {spike})", times);
    }

    private static double[] Repeat(int count, Action body)
    {
        var times = new double[count];
        for (var i = 0; i < count; i++)
        {
            var clock = Stopwatch.StartNew();
            body();
            times[i] = clock.Elapsed.TotalMilliseconds;
        }

        return times;
    }

    private static void Report(string what, double[] times)
    {
        var sorted = times.Order().ToArray();
        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"{what}: median {sorted[sorted.Length / 2]:F1} ms, min {sorted[0]:F1} ms, max {sorted[^1]:F1} ms over {sorted.Length}"));
    }

    private static HttpClient NewClient(string url)
    {
        var handler = new SocketsHttpHandler { MaxConnectionsPerServer = 64, UseProxy = false };
        var client = new HttpClient(handler) { BaseAddress = new Uri(url.TrimEnd('/') + "/"), Timeout = TimeSpan.FromMinutes(5) };
        client.DefaultRequestHeaders.Accept.Add(new MediaTypeWithQualityHeaderValue("application/json"));
        return client;
    }

    private static JsonDocument Post(HttpClient http, string path, string body)
    {
        using var response = http.PostAsync(new Uri(path, UriKind.Relative), new StringContent(body, Encoding.UTF8, "application/json")).GetAwaiter().GetResult();
        return Read(response, path);
    }

    private static JsonDocument Get(HttpClient http, string path)
    {
        using var response = http.GetAsync(new Uri(path, UriKind.Relative)).GetAwaiter().GetResult();
        return Read(response, path);
    }

    private static JsonDocument Read(HttpResponseMessage response, string path)
    {
        var text = response.Content.ReadAsStringAsync().GetAwaiter().GetResult();
        if (!response.IsSuccessStatusCode)
        {
            throw new InvalidOperationException($"{path} answered {(int)response.StatusCode}: {text}");
        }

        return JsonDocument.Parse(text);
    }

    private static long Now() => DateTimeOffset.UtcNow.ToUnixTimeMilliseconds();

    private sealed record Options(string? Only, string? Url, double Seconds, int Clients, int Runs, int Points, int Repeat, string Parent)
    {
        public static Options Parse(string[] args)
        {
            var options = new Options(null, null, 10, 4, 100_000, 1_000_000, 20, Path.GetTempPath());
            for (var i = 0; i < args.Length; i++)
            {
                var value = i + 1 < args.Length ? args[i + 1] : throw new ArgumentException($"{args[i]} needs a value.");
                options = args[i] switch
                {
                    "--only" => options with { Only = value },
                    "--url" => options with { Url = value },
                    "--seconds" => options with { Seconds = double.Parse(value, CultureInfo.InvariantCulture) },
                    "--clients" => options with { Clients = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--runs" => options with { Runs = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--points" => options with { Points = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--repeat" => options with { Repeat = int.Parse(value, CultureInfo.InvariantCulture) },
                    "--dir" => options with { Parent = value },
                    _ => throw new ArgumentException($"Unknown option {args[i]}. See the usage in ServerBench.cs."),
                };
                i++;
            }

            return options;
        }
    }
}
