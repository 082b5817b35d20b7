using System.Net;
using System.Net.Sockets;
using System.Text;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Remote;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.Server.Tests.Remote;

public sealed class RemoteStoreTests : IDisposable
{
    private readonly TempDir _local = new();

    public void Dispose() => _local.Dispose();

    private static RunRecord NewRecord(string name, string experiment = "Default") => new()
    {
        Id = RunId.New(),
        Name = name,
        Experiment = experiment,
        StartTime = DateTimeOffset.FromUnixTimeMilliseconds(DateTimeOffset.UtcNow.ToUnixTimeMilliseconds()),
        Seed = 42,
        Command = ["python3", "train.py"],
        WorkingDirectory = "/work",
    };

    private static MetricPoint[] Points(string key, int count) =>
        [.. Enumerable.Range(0, count).Select(i => new MetricPoint(key, i * 0.5, i, 1_700_000_000_000 + i))];

    private TrackingConnection Connect(string url, string? token = null, TextWriter? warnings = null) =>
        new(new TrackingSettings { Uri = TrackingSettings.ParseUri(url), Token = token, StateDirectory = Path.Combine(_local.Path, "state") },
            Path.Combine(_local.Path, "pending"), Path.Combine(_local.Path, "tmp"), warnings ?? TextWriter.Null);

    private static string ClosedPortUrl()
    {
        using var listener = new TcpListener(IPAddress.Loopback, 0);
        listener.Start();
        var port = ((IPEndPoint)listener.LocalEndpoint).Port;
        listener.Stop();
        return $"http://127.0.0.1:{port}";
    }

    [Theory]
    [InlineData("file:///srv/repro")]
    [InlineData("/srv/repro")]
    [InlineData("localhost:5005")]
    [InlineData("htp://127.0.0.1:5005")]
    [InlineData("http://")]
    [InlineData("ftp://example.com")]
    public void A_tracking_uri_that_is_not_http_is_refused_naming_the_variable_and_the_form(string value)
    {
        var e = Assert.Throws<ReproException>(() => TrackingSettings.ParseUri(value));
        Assert.Equal(ErrorCode.InvalidArgument, e.Code);
        Assert.Contains("REPRO_TRACKING_URI", e.Message, StringComparison.Ordinal);
        Assert.Contains("http://host:port", e.Message, StringComparison.Ordinal);
        Assert.Contains(value, e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_http_or_https_tracking_uri_is_kept_without_its_trailing_slash_and_blank_means_local()
    {
        Assert.Equal("http://127.0.0.1:5005/", TrackingSettings.ParseUri("http://127.0.0.1:5005/")!.AbsoluteUri);
        Assert.Equal("https://tracking.example.com/repro", TrackingSettings.ParseUri(" https://tracking.example.com/repro/ ")!.AbsoluteUri);
        Assert.Null(TrackingSettings.ParseUri(null));
        Assert.Null(TrackingSettings.ParseUri("  "));
    }

    [Theory]
    [InlineData("not_found", 404, ErrorCode.NotFound)]
    [InlineData("invalid_argument", 400, ErrorCode.InvalidArgument)]
    [InlineData("already_exists", 409, ErrorCode.AlreadyExists)]
    [InlineData("conflict", 409, ErrorCode.Conflict)]
    [InlineData("malformed_request", 400, ErrorCode.InvalidArgument)]
    [InlineData("request_too_large", 413, ErrorCode.InvalidArgument)]
    [InlineData("schema_outdated", 503, ErrorCode.SchemaOutdated)]
    [InlineData(null, 404, ErrorCode.NotFound)]
    [InlineData(null, 502, ErrorCode.Io)]
    [InlineData("io", 500, ErrorCode.Io)]
    public void The_servers_error_code_maps_back_to_the_domain_code(string? code, int status, ErrorCode expected) =>
        Assert.Equal(expected, TrackingServerClient.MapCode(code, status));

    [Fact]
    public void A_batch_with_many_points_is_split_into_requests_the_server_accepts_with_the_create_first_and_the_end_last()
    {
        var record = NewRecord("big");
        var batch = new RunWriteBatch(record.Id)
        {
            Create = record,
            Metrics = Points("loss", (2 * RemoteRunStore.MetricsPerRequest) + 1),
            Tags = new Dictionary<string, string> { ["k"] = "v" },
            Complete = new RunCompletion(RunStatus.Finished, DateTimeOffset.UtcNow, 0, null, null),
        };

        var plan = RemoteRunStore.Plan(batch);

        Assert.Equal([PendingKind.Create, PendingKind.Batch, PendingKind.Batch, PendingKind.Batch], plan.Select(r => r.Kind));
        Assert.Equal(record.Id, plan[0].Record!.Id);
        Assert.Equal("v", plan[0].Record!.Tags["k"]);
        Assert.Equal([RemoteRunStore.MetricsPerRequest, RemoteRunStore.MetricsPerRequest, 1], plan.Skip(1).Select(r => r.Batch!.Metrics.Count));
        Assert.Equal(batch.Metrics, plan.Skip(1).SelectMany(r => r.Batch!.Metrics));
        Assert.Null(plan[1].Batch!.Complete);
        Assert.NotNull(plan[3].Batch!.Complete);
        Assert.Empty(plan[3].Batch!.Tags);
        Assert.All(plan.Skip(1), r => Assert.Null(r.Batch!.Create));
    }

    [Fact]
    public async Task Runs_written_through_the_remote_store_read_back_as_the_server_keeps_them()
    {
        await using var server = await RunningServer.StartAsync();
        using var connection = Connect(server.Url);
        var store = connection.Runs;
        var record = NewRecord("remote-one", "vision");
        store.Write(new RunWriteBatch(record.Id)
        {
            Create = record,
            Params = [new Param("lr", "0.1", ParamSource.Cli)],
            Tags = new Dictionary<string, string> { ["team"] = "a" },
        });
        store.Write(new RunWriteBatch(record.Id) { Metrics = Points("loss", RemoteRunStore.MetricsPerRequest + 10) });
        store.Write(new RunWriteBatch(record.Id) { Complete = new RunCompletion(RunStatus.Failed, DateTimeOffset.UtcNow, 3, null, null) });

        var read = store.ResolveRun("remote-one");
        Assert.Equal(record.Id, read.Id);
        Assert.Equal("vision", read.Experiment);
        Assert.Equal(RunStatus.Failed, read.Status);
        Assert.Equal(3, read.ExitCode);
        Assert.Equal(new Param("lr", "0.1", ParamSource.Cli), Assert.Single(read.Params));
        Assert.Equal("a", read.Tags["team"]);
        Assert.Equal(RemoteRunStore.MetricsPerRequest + 10, store.GetMetricHistory(record.Id, "loss").Count);
        Assert.Equal(RemoteRunStore.MetricsPerRequest + 9, read.LatestMetrics["loss"].Step);

        using (var direct = ReproWorkspace.Open(server.Root))
        {
            Assert.Equal(direct.Runs.GetRun(record.Id), store.GetRun(record.Id), RecordComparer.Instance);
        }

        Assert.Null(store.GetRun(RunId.New()));
        var missing = Assert.Throws<ReproException>(() => store.ResolveRun("no-such-run"));
        Assert.Equal(ErrorCode.NotFound, missing.Code);
        Assert.Contains("no-such-run", missing.Message, StringComparison.Ordinal);
        var conflict = Assert.Throws<ReproException>(() => store.Write(new RunWriteBatch(record.Id) { Create = record }));
        Assert.Equal(ErrorCode.Conflict, conflict.Code);
    }

    [Fact]
    public async Task Listing_runs_pages_through_the_server_newest_first_and_filters_by_experiment()
    {
        await using var server = await RunningServer.StartAsync();
        using var connection = Connect(server.Url);
        var ids = new List<RunId>();
        for (var i = 0; i < 5; i++)
        {
            var record = NewRecord($"r{i}", i % 2 == 0 ? "even" : "odd") with { StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + (i * 1000)) };
            connection.Runs.Write(new RunWriteBatch(record.Id) { Create = record });
            ids.Add(record.Id);
        }

        Assert.Equal(["r4", "r3", "r2", "r1", "r0"], connection.Runs.ListRuns(new RunQuery()).Select(r => r.Name));
        Assert.Equal(["r4", "r3"], connection.Runs.ListRuns(new RunQuery(Limit: 2)).Select(r => r.Name));
        Assert.Equal(["r4", "r2", "r0"], connection.Runs.ListRuns(new RunQuery("even")).Select(r => r.Name));
        Assert.Empty(connection.Runs.ListRuns(new RunQuery("no-such-experiment")));
        Assert.Contains("odd", connection.Runs.ListExperiments());
    }

    [Fact]
    public async Task A_sweep_groups_runs_are_listed_as_whole_records_with_one_request_per_page()
    {
        await using var server = await RunningServer.StartAsync();
        using var counter = new CountingHandler(new SocketsHttpHandler());
        using var client = new TrackingServerClient(new Uri(server.Url), token: null, counter);
        var store = new RemoteRunStore(client, pageSize: 2);
        var written = new List<RunRecord>();
        for (var i = 0; i < 5; i++)
        {
            var record = NewRecord($"s{i}") with
            {
                StartTime = DateTimeOffset.FromUnixTimeMilliseconds(1_700_000_000_000 + (i * 1000)),
                Lineage = new RunLineage { Group = "lr-sweep" },
                Params = [new Param("lr", i.ToString(System.Globalization.CultureInfo.InvariantCulture), ParamSource.Sweep)],
            };
            store.Write(new RunWriteBatch(record.Id)
            {
                Create = record,
                Metrics = Points("acc", 3),
                Complete = new RunCompletion(RunStatus.Finished, record.StartTime.AddMinutes(1), 0, null, null),
            });
            written.Add(record);
        }

        var other = NewRecord("other") with { Lineage = new RunLineage { Group = "other-sweep" } };
        store.Write(new RunWriteBatch(other.Id) { Create = other });
        var deleted = NewRecord("deleted") with { Lineage = new RunLineage { Group = "lr-sweep" } };
        store.Write(new RunWriteBatch(deleted.Id) { Create = deleted });
        (await server.Client.DeleteAsync($"api/v1/runs/{deleted.Id}")).EnsureSuccessStatusCode();

        counter.Requests.Clear();
        var listed = store.ListRuns(new RunQuery(Limit: int.MaxValue, Group: "lr-sweep"));

        Assert.Equal(["s4", "s3", "s2", "s1", "s0"], listed.Select(r => r.Name));
        Assert.Equal(3, counter.Requests.Count);
        Assert.All(counter.Requests, r => Assert.StartsWith("GET /api/v1/runs?group=lr-sweep&full=true&", r, StringComparison.Ordinal));
        using (var direct = ReproWorkspace.Open(server.Root))
        {
            foreach (var record in listed)
            {
                Assert.Equal(direct.Runs.GetRun(record.Id), record, RecordComparer.Instance);
            }
        }

        counter.Requests.Clear();
        Assert.Equal(["s4", "s3", "s2"], store.ListRuns(new RunQuery(Limit: 3, Group: "lr-sweep")).Select(r => r.Name));
        Assert.Equal(2, counter.Requests.Count);
        Assert.Contains("max_results=1", counter.Requests[1], StringComparison.Ordinal);

        counter.Requests.Clear();
        Assert.Equal(["s4", "s3", "s2", "s1", "s0"], Reports.SweepGroups.RunsOf(store, "lr-sweep").Select(r => r.Name));
        Assert.Equal(3, counter.Requests.Count);
        Assert.Empty(store.ListRuns(new RunQuery(Group: "no-such-sweep")));
    }

    /// <summary>Passes requests on to the real handler, noting each one's method and path.</summary>
    private sealed class CountingHandler(HttpMessageHandler inner) : DelegatingHandler(inner)
    {
        public List<string> Requests { get; } = [];

        protected override HttpResponseMessage Send(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
            }

            return base.Send(request, cancellationToken);
        }

        protected override Task<HttpResponseMessage> SendAsync(HttpRequestMessage request, CancellationToken cancellationToken)
        {
            lock (Requests)
            {
                Requests.Add($"{request.Method} {request.RequestUri!.PathAndQuery}");
            }

            return base.SendAsync(request, cancellationToken);
        }
    }

    [Fact]
    public async Task Objects_are_uploaded_once_and_read_back_byte_for_byte()
    {
        await using var server = await RunningServer.StartAsync();
        using var connection = Connect(server.Url);
        var bytes = Encoding.UTF8.GetBytes("weights " + new string('x', 100_000));
        var (sha, size) = connection.Objects.Put(new MemoryStream(bytes));
        Assert.Equal(bytes.Length, size);
        Assert.Equal(Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData(bytes)), sha);
        Assert.True(connection.Objects.Exists(sha));
        Assert.Equal((sha, size), connection.Objects.Put(new MemoryStream(bytes)));
        using (var stream = connection.Objects.Open(sha))
        using (var copy = new MemoryStream())
        {
            stream.CopyTo(copy);
            Assert.Equal(bytes, copy.ToArray());
        }

        Assert.True(connection.Objects.Verify(sha));
        var absent = new string('0', 64);
        Assert.False(connection.Objects.Exists(absent));
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => connection.Objects.Open(absent)).Code);
        Assert.Empty(Directory.EnumerateFiles(Path.Combine(_local.Path, "tmp")));
    }

    [Fact]
    public void An_unreachable_server_is_an_io_error_naming_the_address_and_asking_whether_it_runs()
    {
        var url = ClosedPortUrl();
        using var connection = Connect(url);
        var e = Assert.Throws<ReproException>(() => connection.Runs.ListRuns(new RunQuery()));
        Assert.Equal(ErrorCode.Io, e.Code);
        Assert.Contains(url, e.Message, StringComparison.Ordinal);
        Assert.Contains("`repro server` running", e.Message, StringComparison.Ordinal);
        Assert.Contains("REPRO_TRACKING_URI", e.Message, StringComparison.Ordinal);
    }

    [Fact]
    public async Task Without_the_token_a_write_is_refused_naming_the_variable_and_with_it_succeeds()
    {
        await using var server = await RunningServer.StartAsync(token: "s3cret");
        using (var anonymous = Connect(server.Url))
        {
            var record = NewRecord("no-token");
            var e = Assert.Throws<ReproException>(() => anonymous.Runs.Write(new RunWriteBatch(record.Id) { Create = record }));
            Assert.Equal(ErrorCode.InvalidArgument, e.Code);
            Assert.Contains("REPRO_TRACKING_TOKEN", e.Message, StringComparison.Ordinal);
            Assert.Empty(anonymous.Runs.ListRuns(new RunQuery()));
        }

        using (var wrong = Connect(server.Url, token: "guess"))
        {
            var record = NewRecord("wrong-token");
            var e = Assert.Throws<ReproException>(() => wrong.Runs.Write(new RunWriteBatch(record.Id) { Create = record }));
            Assert.Contains("did not accept the token", e.Message, StringComparison.Ordinal);
        }

        using var authorized = Connect(server.Url, token: "s3cret");
        var ok = NewRecord("with-token");
        authorized.Runs.Write(new RunWriteBatch(ok.Id) { Create = ok });
        Assert.Equal("with-token", authorized.Runs.GetRun(ok.Id)!.Name);
    }

    [Fact]
    public void With_the_server_away_writes_are_spooled_in_order_with_one_warning_and_the_run_reads_back_as_written()
    {
        var warnings = new StringWriter();
        using var connection = Connect(ClosedPortUrl(), warnings: warnings);
        var runs = new SpoolingRunStore(connection);
        var objects = new SpoolingObjectStore(connection);
        var record = NewRecord("offline");

        runs.Write(new RunWriteBatch(record.Id) { Create = record, Params = [new Param("lr", "0.1", ParamSource.Cli)] });
        var (sha, _) = objects.Put(new MemoryStream(Encoding.UTF8.GetBytes("model")));
        runs.Write(new RunWriteBatch(record.Id) { Metrics = Points("loss", 3), Artifacts = [new Artifact("model.bin", sha, 5)] });
        runs.Write(new RunWriteBatch(record.Id) { Complete = new RunCompletion(RunStatus.Finished, DateTimeOffset.UtcNow, 0, null, null) });

        Assert.True(connection.IsLost);
        Assert.Equal(3, connection.SpooledFor(record.Id));
        Assert.Single(warnings.ToString().Split('\n', StringSplitOptions.RemoveEmptyEntries));
        Assert.Contains("repro sync", warnings.ToString(), StringComparison.Ordinal);
        Assert.True(objects.Exists(sha));
        var shadow = runs.GetRun(record.Id)!;
        Assert.Equal(RunStatus.Finished, shadow.Status);
        Assert.Equal(2, shadow.LatestMetrics["loss"].Step);
        Assert.Equal("model.bin", Assert.Single(shadow.Artifacts).Path);
        var entries = Directory.GetFiles(Path.Combine(connection.Spool.TargetDirectory, "runs", record.Id.Value), "*.json");
        Assert.Equal(["000001.json", "000002.json", "000003.json"], entries.Select(Path.GetFileName).Order(StringComparer.Ordinal));
    }

    [Fact]
    public async Task Delivering_the_spool_sends_each_request_once_and_a_create_the_server_already_has_is_fine()
    {
        await using var server = await RunningServer.StartAsync();
        var pending = Path.Combine(_local.Path, "pending");
        var target = TrackingSettings.ParseUri(server.Url)!;
        var record = NewRecord("spooled");
        var (sha, _) = (Convert.ToHexStringLower(System.Security.Cryptography.SHA256.HashData("log"u8.ToArray())), 3L);
        using (var spool = new PendingSpool(pending, target))
        {
            spool.Objects.Put(new MemoryStream("log"u8.ToArray()));
            foreach (var request in RemoteRunStore.Plan(new RunWriteBatch(record.Id) { Create = record, Metrics = Points("loss", 4) }))
            {
                spool.Append(request);
            }

            spool.Append(new PendingRequest(PendingKind.Batch, record.Id)
            {
                Batch = new RunWriteBatch(record.Id) { Complete = new RunCompletion(RunStatus.Finished, DateTimeOffset.UtcNow, 0, null, sha) },
            });
        }

        using var connection = Connect(server.Url);
        // The create arrived once already (its acknowledgement was lost): delivering it again is not an error.
        connection.Runs.Send(new PendingRequest(PendingKind.Create, record.Id) { Record = record });

        using (var spool = new PendingSpool(pending, target))
        {
            var report = spool.Deliver(connection.Runs, connection.Objects);
            Assert.Equal(3, report.Requests);
            Assert.Equal(1, report.Objects);
            Assert.Equal([record.Id.Value], report.Runs);
            Assert.Empty(report.Failed);

            var again = spool.Deliver(connection.Runs, connection.Objects);
            Assert.Equal(0, again.Requests + again.Objects);
        }

        Assert.Equal(4, connection.Runs.GetMetricHistory(record.Id, "loss").Count);
        Assert.Equal(RunStatus.Finished, connection.Runs.GetRun(record.Id)!.Status);
        Assert.True(connection.Objects.Exists(sha));
        Assert.Empty(PendingSpool.Summarize(pending));
    }

    [Fact]
    public async Task A_run_another_process_is_still_spooling_is_left_for_later()
    {
        await using var server = await RunningServer.StartAsync();
        var pending = Path.Combine(_local.Path, "pending");
        var target = TrackingSettings.ParseUri(server.Url)!;
        var record = NewRecord("busy");
        using var writer = new PendingSpool(pending, target);
        writer.Append(new PendingRequest(PendingKind.Create, record.Id) { Record = record });

        using var connection = Connect(server.Url);
        using var syncer = new PendingSpool(pending, target);
        var report = syncer.Deliver(connection.Runs, connection.Objects);
        Assert.Equal([record.Id.Value], report.Busy);
        Assert.Equal(0, report.Requests);
        Assert.Null(connection.Runs.GetRun(record.Id));

        writer.Dispose();
        Assert.Equal(1, syncer.Deliver(connection.Runs, connection.Objects).Requests);
        Assert.Equal("busy", connection.Runs.GetRun(record.Id)!.Name);
    }

    [Fact]
    public async Task A_workspace_opened_for_tracking_records_to_the_server_and_keeps_the_local_store_untouched()
    {
        await using var server = await RunningServer.StartAsync();
        var project = Path.Combine(_local.Path, "project");
        ReproWorkspace.Init(project).Dispose();
        var settings = new TrackingSettings { Uri = TrackingSettings.ParseUri(server.Url), StateDirectory = Path.Combine(_local.Path, "state") };
        var record = NewRecord("via-workspace");
        using (var tracked = ReproWorkspace.OpenForTracking(Path.Combine(project), settings, TextWriter.Null))
        {
            Assert.NotNull(tracked.Tracking);
            Assert.True(tracked.HasLocalWorkspace);
            Assert.Null(tracked.DatabasePath);
            Assert.Equal(Path.Combine(project, ".repro"), tracked.ReproDirectory);
            tracked.Runs.Write(new RunWriteBatch(record.Id) { Create = record });
        }

        using (var local = ReproWorkspace.Open(project))
        {
            Assert.Null(local.Runs.GetRun(record.Id));
            Assert.Null(local.Tracking);
        }

        using (var direct = ReproWorkspace.Open(server.Root))
        {
            Assert.Equal("via-workspace", direct.Runs.GetRun(record.Id)!.Name);
        }

        var outside = Path.Combine(_local.Path, "no-workspace");
        Directory.CreateDirectory(outside);
        using var bare = ReproWorkspace.OpenForTracking(outside, settings, TextWriter.Null);
        Assert.False(bare.HasLocalWorkspace);
        Assert.Equal(Path.GetFullPath(settings.StateDirectory), bare.ReproDirectory);
        Assert.Equal("via-workspace", bare.Runs.ResolveRun("via-workspace").Name);

        using var unset = ReproWorkspace.OpenForTracking(project, new TrackingSettings(), TextWriter.Null);
        Assert.Null(unset.Tracking);
        Assert.NotNull(unset.DatabasePath);
    }
}
