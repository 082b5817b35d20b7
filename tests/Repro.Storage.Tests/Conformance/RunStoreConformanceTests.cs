using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Tests.Support;

namespace Repro.Storage.Tests.Conformance;

/// <summary>
/// What every <see cref="IRunStore"/> backend must do. A backend's subclass passes a factory that opens a store on
/// this test's own database: empty at the first call, the same data at every later call.
/// </summary>
public abstract class RunStoreConformanceTests : IDisposable
{
    private readonly Func<IRunStore> _openStore;
    private readonly List<IRunStore> _opened = [];

    protected RunStoreConformanceTests(Func<IRunStore> openStore)
    {
        _openStore = openStore;
        Store = OpenStore();
    }

    protected IRunStore Store { get; }

    /// <summary>Another store on the same data (a second connection or process, as the backend allows).</summary>
    protected IRunStore OpenStore()
    {
        var store = _openStore();
        _opened.Add(store);
        return store;
    }

    public virtual void Dispose()
    {
        foreach (var store in _opened)
        {
            store.Dispose();
        }
    }

    [Fact]
    public void A_created_run_reads_back_in_full()
    {
        var record = TestRuns.Record("baseline", "mnist") with
        {
            Status = RunStatus.Finished,
            EndTime = TestRuns.Epoch.AddMinutes(5),
            ExitCode = 0,
            Signal = null,
            Command = ["python", "train.py", "--lr", "0.1"],
            WorkingDirectory = "src/project",
            Seed = 4_294_967_295,
            SeedSource = "cli",
            Code = new CodeSnapshot
            {
                IsGitRepository = true,
                Commit = "0123abcd",
                Branch = "main",
                Dirty = true,
                DiffSha256 = new string('d', 64),
                Untracked = [new UntrackedFile("notes.txt", new string('e', 64), 12)],
            },
            Environment = new EnvironmentSnapshot { Os = "Linux", LogicalCores = 8, CpuFlags = ["avx2"], GpuSummary = "none" },
            Params = [new Param("lr", "0.1", ParamSource.Cli), new Param("epochs", "10", ParamSource.Default)],
            Tags = new Dictionary<string, string> { ["stage"] = "v1" },
            Artifacts = [new Artifact("model.bin", new string('a', 64), 2048)],
            Warnings = ["GPU nondeterminism"],
            LatestMetrics = new Dictionary<string, MetricPoint> { ["acc"] = new("acc", 0.9, 10, 1_714_565_000_000) },
            LogSha256 = new string('f', 64),
        };

        Store.Create(record);
        var back = Store.GetRun(record.Id);

        Assert.NotNull(back);
        Assert.Equal(record.Id, back.Id);
        Assert.Equal("baseline", back.Name);
        Assert.Equal("mnist", back.Experiment);
        Assert.Equal(RunStatus.Finished, back.Status);
        Assert.Equal(record.StartTime, back.StartTime);
        Assert.Equal(record.EndTime, back.EndTime);
        Assert.Equal(0, back.ExitCode);
        Assert.Null(back.Signal);
        Assert.Equal(record.Command, back.Command);
        Assert.Equal("src/project", back.WorkingDirectory);
        Assert.Equal(4_294_967_295, back.Seed);
        Assert.Equal("cli", back.SeedSource);
        Assert.Equal("0123abcd", back.Code.Commit);
        Assert.True(back.Code.Dirty);
        Assert.Equal(record.Code.Untracked, back.Code.Untracked);
        Assert.Equal("Linux", back.Environment.Os);
        Assert.Equal(["avx2"], back.Environment.CpuFlags);
        Assert.Equal([new Param("epochs", "10", ParamSource.Default), new Param("lr", "0.1", ParamSource.Cli)], back.Params);
        Assert.Equal("v1", Assert.Single(back.Tags).Value);
        Assert.Equal(record.Artifacts, back.Artifacts);
        Assert.Equal(["GPU nondeterminism"], back.Warnings);
        Assert.Equal(new MetricPoint("acc", 0.9, 10, 1_714_565_000_000), Assert.Single(back.LatestMetrics).Value);
        Assert.Equal(new string('f', 64), back.LogSha256);
    }

    [Fact]
    public void Determinism_mode_lineage_data_inputs_and_seed_ledger_read_back()
    {
        var original = RunId.New();
        var record = TestRuns.Record("lineage") with
        {
            Deterministic = true,
            Threads = 4,
            Lineage = new RunLineage { Group = "sweep-1", ResumedFrom = original, ReproductionOf = original },
            Inputs = [new DataInput("data/train", "ab12", 3, 300, "cd34") { Warnings = ["changed during the run"] }],
        };
        Store.Create(record);
        Store.Write(new RunWriteBatch(record.Id) { SeedLedger = [new StreamUsage("init", "00ff", 1024), new StreamUsage("dropout", "0a0b", 7)] });

        var back = Store.GetRun(record.Id)!;
        Assert.True(back.Deterministic);
        Assert.Equal(4, back.Threads);
        Assert.Equal(record.Lineage, back.Lineage);
        var input = Assert.Single(back.Inputs);
        Assert.Equal(record.Inputs[0] with { Warnings = [] }, input with { Warnings = [] });
        Assert.Equal(["changed during the run"], input.Warnings);
        Assert.Equal([new StreamUsage("init", "00ff", 1024), new StreamUsage("dropout", "0a0b", 7)], back.SeedLedger);
    }

    [Fact]
    public void Times_are_kept_to_the_millisecond_in_utc()
    {
        var start = new DateTimeOffset(2024, 5, 1, 14, 0, 0, 123, TimeSpan.FromHours(2)).AddTicks(4567);
        var run = Store.Create(TestRuns.Record() with { StartTime = start });

        var back = Store.GetRun(run.Id)!;

        Assert.Equal(new DateTimeOffset(2024, 5, 1, 12, 0, 0, 123, TimeSpan.Zero), back.StartTime);
        Assert.Equal(TimeSpan.Zero, back.StartTime.Offset);
    }

    [Fact]
    public void An_unknown_id_reads_as_null()
    {
        Assert.Null(Store.GetRun(RunId.New()));
    }

    [Fact]
    public void A_param_written_again_keeps_the_last_value_and_its_source()
    {
        var run = Store.Create();

        Store.Write(new RunWriteBatch(run.Id)
        {
            Params = [new Param("lr", "0.1", ParamSource.Default), new Param("bs", "32", ParamSource.File)],
        });
        Store.Write(new RunWriteBatch(run.Id) { Params = [new Param("lr", "0.01", ParamSource.Cli)] });
        Store.Write(new RunWriteBatch(run.Id)
        {
            Params = [new Param("bs", "64", ParamSource.Env), new Param("bs", "128", ParamSource.Sweep)],
        });

        Assert.Equal([new Param("bs", "128", ParamSource.Sweep), new Param("lr", "0.01", ParamSource.Cli)], Store.GetRun(run.Id)!.Params);
    }

    [Fact]
    public void Tags_are_set_by_key()
    {
        var run = Store.Create();

        Store.Write(new RunWriteBatch(run.Id) { Tags = new Dictionary<string, string> { ["stage"] = "draft", ["owner"] = "ana" } });
        Store.Write(new RunWriteBatch(run.Id) { Tags = new Dictionary<string, string> { ["stage"] = "final" } });

        var tags = Store.GetRun(run.Id)!.Tags;
        Assert.Equal(["owner", "stage"], tags.Keys);
        Assert.Equal("final", tags["stage"]);
        Assert.Equal("ana", tags["owner"]);
    }

    [Fact]
    public void Metric_history_is_ordered_by_key_then_step_then_insertion()
    {
        var run = Store.Create();

        Store.Log(run.Id, new("loss", 3, 2, 100), new("acc", 0.5, 1, 101), new("loss", 1, 0, 102));
        Store.Log(run.Id, new("loss", 2, 1, 103), new("loss", 4, 2, 104), new("acc", 0.4, 0, 105));

        Assert.Equal(
            [new("acc", 0.4, 0, 105), new("acc", 0.5, 1, 101), new("loss", 1, 0, 102), new("loss", 2, 1, 103), new("loss", 3, 2, 100),
                new("loss", 4, 2, 104)],
            Store.GetMetricHistory(run.Id));
        Assert.Equal([0L, 1, 2, 2], Store.GetMetricHistory(run.Id, "loss").Select(p => p.Step));
        Assert.Empty(Store.GetMetricHistory(run.Id, "missing"));
    }

    [Fact]
    public void Latest_metric_is_the_highest_step_and_on_a_tie_the_last_written()
    {
        var run = Store.Create();

        Store.Log(run.Id, new("loss", 0.5, 5, 100), new("loss", 0.9, 3, 101), new("loss", 0.4, 5, 102));
        Store.Log(run.Id, new("loss", 0.1, 4, 103), new("acc", 0.7, 0, 104));
        Assert.Equal(new MetricPoint("loss", 0.4, 5, 102), Store.GetRun(run.Id)!.LatestMetrics["loss"]);

        Store.Log(run.Id, new MetricPoint("loss", 0.3, 5, 105));
        var latest = Store.GetRun(run.Id)!.LatestMetrics;

        Assert.Equal(new MetricPoint("loss", 0.3, 5, 105), latest["loss"]);
        Assert.Equal(new MetricPoint("acc", 0.7, 0, 104), latest["acc"]);
        Assert.Equal(["acc", "loss"], latest.Keys);
    }

    [Fact]
    public void Unusual_doubles_round_trip_bit_exactly()
    {
        double[] values = [double.NaN, double.PositiveInfinity, double.NegativeInfinity, BitConverter.Int64BitsToDouble(long.MinValue),
            0.0, double.Epsilon, -double.Epsilon, 0.1 + 0.2, double.MaxValue, double.MinValue, 1e-310, 3.0, -2.5e15, 9007199254740993.0];
        var run = Store.Create();

        Store.Log(run.Id, [.. values.Select((v, i) => new MetricPoint("v", v, i, 1000 + i))]);
        Store.Log(run.Id, [.. values.Select((v, i) => new MetricPoint(FormattableString.Invariant($"k{i:00}"), v, 0, 0))]);

        Assert.Equal(values.Select(TestRuns.Bits), Store.GetMetricHistory(run.Id, "v").Select(p => TestRuns.Bits(p.Value)));
        var latest = Store.GetRun(run.Id)!.LatestMetrics;
        Assert.Equal(values.Select(TestRuns.Bits), latest.Keys.Where(k => k[0] == 'k').Select(k => TestRuns.Bits(latest[k].Value)));
        Assert.Equal(TestRuns.Bits(values[^1]), TestRuns.Bits(latest["v"].Value));
    }

    [Fact]
    public void Random_doubles_round_trip_bit_exactly()
    {
        var random = new Random(12345);
        var values = Enumerable.Range(0, 2000).Select(_ => BitConverter.Int64BitsToDouble(random.NextInt64(long.MinValue, long.MaxValue)))
            .Where(v => !double.IsNaN(v)).ToArray();
        var run = Store.Create();

        Store.Log(run.Id, [.. values.Select((v, i) => new MetricPoint("x", v, i, 0))]);

        Assert.Equal(values.Select(TestRuns.Bits), Store.GetMetricHistory(run.Id, "x").Select(p => TestRuns.Bits(p.Value)));
    }

    [Fact]
    public void Artifacts_and_warnings_append_in_order()
    {
        var run = Store.Create(TestRuns.Record() with { Warnings = ["first"] });

        Store.Write(new RunWriteBatch(run.Id) { Artifacts = [new("b.bin", new string('1', 64), 1)], Warnings = ["second"] });
        Store.Write(new RunWriteBatch(run.Id) { Artifacts = [new("a.bin", new string('2', 64), 2), new("b.bin", new string('3', 64), 3)] });

        var back = Store.GetRun(run.Id)!;
        Assert.Equal(["b.bin", "a.bin", "b.bin"], back.Artifacts.Select(a => a.Path));
        Assert.Equal([1L, 2, 3], back.Artifacts.Select(a => a.Size));
        Assert.Equal(["first", "second"], back.Warnings);
    }

    [Fact]
    public void Completion_records_the_end_of_the_run()
    {
        var run = Store.Create();
        var end = TestRuns.Epoch.AddSeconds(90);

        Store.Write(new RunWriteBatch(run.Id) { Complete = new RunCompletion(RunStatus.Killed, end, 137, "SIGKILL", new string('c', 64)) });

        var back = Store.GetRun(run.Id)!;
        Assert.Equal(RunStatus.Killed, back.Status);
        Assert.Equal(end, back.EndTime);
        Assert.Equal(137, back.ExitCode);
        Assert.Equal("SIGKILL", back.Signal);
        Assert.Equal(new string('c', 64), back.LogSha256);
        Assert.Equal(TimeSpan.FromSeconds(90), back.Duration);
    }

    [Fact]
    public void Code_and_environment_can_be_replaced_after_creation()
    {
        var run = Store.Create();

        Store.Write(new RunWriteBatch(run.Id)
        {
            Code = new CodeSnapshot { IsGitRepository = true, Commit = "feed" },
            Environment = new EnvironmentSnapshot
            {
                Hostname = "box",
                Variables = new Dictionary<string, string> { ["OMP_NUM_THREADS"] = "1" },
            },
        });

        var back = Store.GetRun(run.Id)!;
        Assert.Equal("feed", back.Code.Commit);
        Assert.Equal("box", back.Environment.Hostname);
        Assert.Equal("1", back.Environment.Variables["OMP_NUM_THREADS"]);
    }

    [Fact]
    public void Creating_a_run_that_exists_is_a_conflict_and_changes_nothing()
    {
        var run = Store.Create(TestRuns.Record("original"));

        var error = Assert.Throws<ReproException>(() => Store.Write(new RunWriteBatch(run.Id)
        {
            Create = run with { Name = "copy" },
            Metrics = [new("loss", 1, 0, 0)],
        }));

        Assert.Equal(ErrorCode.Conflict, error.Code);
        Assert.Contains(run.Id.Value, error.Message, StringComparison.Ordinal);
        Assert.Equal("original", Store.GetRun(run.Id)!.Name);
        Assert.Empty(Store.GetMetricHistory(run.Id));
    }

    [Fact]
    public void Writing_to_an_unknown_run_is_not_found_and_writes_nothing()
    {
        var id = RunId.New();

        var error = Assert.Throws<ReproException>(() => Store.Log(id, new MetricPoint("loss", 1, 0, 0)));

        Assert.Equal(ErrorCode.NotFound, error.Code);
        Assert.Contains("repro ls", error.Message, StringComparison.Ordinal);
        Assert.Null(Store.GetRun(id));
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.GetMetricHistory(id)).Code);
    }

    [Fact]
    public void A_batch_whose_create_is_for_another_run_is_rejected()
    {
        Assert.Throws<ArgumentException>(() => Store.Write(new RunWriteBatch(RunId.New()) { Create = TestRuns.Record() }));
    }

    [Fact]
    public void Last_resolves_to_the_newest_run_by_start_time()
    {
        Store.Create("a", startOffsetSeconds: 10);
        var newest = Store.Create("b", startOffsetSeconds: 30);
        Store.Create("c", startOffsetSeconds: 20);

        Assert.Equal(newest.Id, Store.ResolveRun("last").Id);
    }

    [Fact]
    public void Last_with_no_runs_is_not_found()
    {
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.ResolveRun("last")).Code);
    }

    [Fact]
    public void A_full_id_or_a_unique_prefix_resolves_to_its_run()
    {
        var run = Store.Create(TestRuns.Record(id: TestRuns.IdWithPrefix("abcd1")));
        Store.Create(TestRuns.Record(id: TestRuns.IdWithPrefix("abcd2")));

        Assert.Equal(run.Id, Store.ResolveRun(run.Id.Value).Id);
        Assert.Equal(run.Id, Store.ResolveRun("abcd1").Id);
        Assert.Equal(run.Id, Store.ResolveRun("ABCD1").Id);
        Assert.Equal(run.Id, Store.ResolveRun(run.Id.Value[..20]).Id);
    }

    [Fact]
    public void An_ambiguous_prefix_lists_the_candidates()
    {
        var first = Store.Create(TestRuns.Record("first", id: TestRuns.IdWithPrefix("beef1")));
        var second = Store.Create(TestRuns.Record("second", id: TestRuns.IdWithPrefix("beef2")));

        var error = Assert.Throws<ReproException>(() => Store.ResolveRun("beef"));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains(first.Id.Value, error.Message, StringComparison.Ordinal);
        Assert.Contains(second.Id.Value, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_prefix_shorter_than_four_characters_is_not_used()
    {
        Store.Create(TestRuns.Record(id: TestRuns.IdWithPrefix("cafe")));

        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => Store.ResolveRun("caf")).Code);
    }

    [Fact]
    public void A_name_resolves_to_the_newest_run_of_that_name()
    {
        Store.Create("baseline", startOffsetSeconds: 1);
        var newest = Store.Create("baseline", startOffsetSeconds: 3);
        Store.Create("baseline-2", startOffsetSeconds: 5);

        Assert.Equal(newest.Id, Store.ResolveRun("baseline").Id);
    }

    [Fact]
    public void A_hex_looking_name_resolves_when_no_id_has_that_prefix()
    {
        var run = Store.Create(TestRuns.Record("deadbeef", id: TestRuns.IdWithPrefix("0000")));

        Assert.Equal(run.Id, Store.ResolveRun("deadbeef").Id);
    }

    [Fact]
    public void A_reference_to_nothing_is_not_found_with_a_hint()
    {
        Store.Create("baseline");

        var error = Assert.Throws<ReproException>(() => Store.ResolveRun("nosuch"));

        Assert.Equal(ErrorCode.NotFound, error.Code);
        Assert.Equal("Run 'nosuch' not found. List runs with `repro ls`.", error.Message);
    }

    [Fact]
    public void A_resolved_run_is_the_full_record()
    {
        var run = Store.Create(TestRuns.Record("named") with { Params = [new Param("lr", "1", ParamSource.Cli)] });
        Store.Log(run.Id, new MetricPoint("loss", 0.25, 3, 9));

        var back = Store.ResolveRun("named");

        Assert.Equal([new Param("lr", "1", ParamSource.Cli)], back.Params);
        Assert.Equal(0.25, back.LatestMetrics["loss"].Value);
    }

    [Fact]
    public void Runs_list_newest_first_filtered_by_experiment_and_limited()
    {
        var a1 = Store.Create("a1", "alpha", 1);
        var b1 = Store.Create("b1", "beta", 2);
        var a2 = Store.Create("a2", "alpha", 3);
        var a3 = Store.Create("a3", "alpha", 4);
        Store.Write(new RunWriteBatch(a2.Id) { Tags = new Dictionary<string, string> { ["t"] = "x" } });

        Assert.Equal([a3.Id, a2.Id, b1.Id, a1.Id], Store.ListRuns(new RunQuery()).Select(r => r.Id));
        Assert.Equal([a3.Id, a2.Id, a1.Id], Store.ListRuns(new RunQuery("alpha")).Select(r => r.Id));
        Assert.Equal([a3.Id, a2.Id], Store.ListRuns(new RunQuery("alpha", Limit: 2)).Select(r => r.Id));
        Assert.Equal([a3.Id], Store.ListRuns(new RunQuery(Limit: 1)).Select(r => r.Id));
        Assert.Empty(Store.ListRuns(new RunQuery("gamma")));
        Assert.Equal("x", Store.ListRuns(new RunQuery("alpha")).Single(r => r.Id == a2.Id).Tags["t"]);
        Assert.Empty(Store.ListRuns(new RunQuery("alpha")).Single(r => r.Id == a3.Id).Tags);
    }

    [Fact]
    public void Runs_list_by_sweep_group_newest_first_within_an_experiment_and_limited()
    {
        RunRecord InGroup(string name, string experiment, int start, string? group) =>
            Store.Create(TestRuns.Record(name, experiment, start) with { Lineage = new RunLineage { Group = group } });
        var s1 = InGroup("s1", "alpha", 1, "sweep");
        var other = InGroup("o1", "alpha", 2, "sweep-2");
        var s2 = InGroup("s2", "beta", 3, "sweep");
        var loose = InGroup("l1", "alpha", 4, null);
        var s3 = InGroup("s3", "alpha", 5, "sweep");

        Assert.Equal([s3.Id, s2.Id, s1.Id], Store.ListRuns(new RunQuery(Group: "sweep")).Select(r => r.Id));
        Assert.Equal([s3.Id, s1.Id], Store.ListRuns(new RunQuery("alpha", Group: "sweep")).Select(r => r.Id));
        Assert.Equal([s3.Id, s2.Id], Store.ListRuns(new RunQuery(Limit: 2, Group: "sweep")).Select(r => r.Id));
        Assert.Equal([other.Id], Store.ListRuns(new RunQuery(Group: "sweep-2")).Select(r => r.Id));
        Assert.Empty(Store.ListRuns(new RunQuery(Group: "Sweep")));
        Assert.Empty(Store.ListRuns(new RunQuery(Group: "swe")));
        Assert.Empty(Store.ListRuns(new RunQuery("gamma", Group: "sweep")));
        Assert.Equal(5, Store.ListRuns(new RunQuery()).Count);
        Assert.Contains(loose.Id, Store.ListRuns(new RunQuery()).Select(r => r.Id));
        Assert.Equal("sweep", Store.ListRuns(new RunQuery(Group: "sweep"))[0].Lineage.Group);
    }

    [Fact]
    public void Experiments_are_created_on_first_use_beside_the_default_one()
    {
        Assert.Equal(["Default"], Store.ListExperiments());

        Store.Create("a", "vision");
        Store.Create("b", "audio");
        Store.Create("c", "vision");

        Assert.Equal(["Default", "audio", "vision"], Store.ListExperiments());
    }

    [Fact]
    public void A_hundred_thousand_points_in_one_batch_are_all_kept()
    {
        var run = Store.Create();
        var points = Enumerable.Range(0, 100_000).Select(i => new MetricPoint(i % 2 == 0 ? "loss" : "acc", i * 0.5, i / 2, i)).ToArray();

        Store.Log(run.Id, points);

        var history = Store.GetMetricHistory(run.Id, "loss");
        Assert.Equal(50_000, history.Count);
        Assert.Equal(99_998 * 0.5, history[^1].Value);
        Assert.Equal(new MetricPoint("acc", 99_999 * 0.5, 49_999, 99_999), Store.GetRun(run.Id)!.LatestMetrics["acc"]);
    }

    [Fact]
    public void Another_store_on_the_same_data_sees_the_writes()
    {
        var run = Store.Create();
        Store.Log(run.Id, new MetricPoint("loss", 1.5, 0, 0));

        var other = OpenStore();
        Assert.Equal(1.5, other.GetRun(run.Id)!.LatestMetrics["loss"].Value);
    }
}
