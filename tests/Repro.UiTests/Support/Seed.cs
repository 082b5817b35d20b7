using System.Globalization;
using System.Text;
using Repro.Core.Runs;
using Repro.Core.Verdicts;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;

namespace Repro.UiTests.Support;

/// <summary>The ids of the runs <see cref="Seed.Standard"/> writes.</summary>
public sealed record SeededRuns(
    IReadOnlyList<RunId> Sweep,
    RunId Dirty,
    RunId Identical,
    RunId Diverged,
    RunId Failed,
    RunId Long,
    string Diff)
{
    /// <summary>The sweep runs with lr = 0.1 (seeds 1..3) and with lr = 0.01.</summary>
    public IReadOnlyList<RunId> HighLr => Sweep.Take(3).ToList();

    public IReadOnlyList<RunId> LowLr => Sweep.Skip(3).ToList();
}

/// <summary>One run of <see cref="Seed.ManyRuns"/>: its lr, its batch_size (null: not logged), its latest acc, and its loss (null: not logged).</summary>
public sealed record ManyRun(string Lr, string? BatchSize, double Acc, double? Loss);

/// <summary>Runs written straight through the workspace's store, as the CLI would record them.</summary>
public static class Seed
{
    public const int LongPoints = 20_000;
    public const int SpikeStep = 12_345;
    public const double Spike = 99.0;
    public const string Log = "epoch 1 loss 0.5\nepoch 2 loss 0.25\ndone\n";
    public const string Model = "weights: 1 2 3\n";

    /// <summary>acc of a sweep run: lr 0.1 → 0.90, 0.92, 0.94; lr 0.01 → 0.80, 0.81, 0.82.</summary>
    public static double SweepAcc(int config, int seed) => config == 0 ? 0.88 + (0.02 * seed) : 0.79 + (0.01 * seed);

    /// <summary>Writes nothing (the ids are fresh and name no run).</summary>
    public static SeededRuns Nothing(ReproWorkspace workspace)
    {
        _ = workspace;
        return new SeededRuns([], RunId.New(), RunId.New(), RunId.New(), RunId.New(), RunId.New(), "");
    }

    public static SeededRuns Standard(ReproWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var store = workspace.Runs;
        var start = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero);
        var sweep = new List<RunId>();
        var rates = new[] { "0.1", "0.01" };
        for (var c = 0; c < 2; c++)
        {
            for (var s = 1; s <= 3; s++)
            {
                var acc = SweepAcc(c, s);
                var id = Write(store, $"sweep-lr{rates[c]}-s{s}", start.AddMinutes(sweep.Count), RunStatus.Finished, s,
                    [new Param("lr", rates[c], ParamSource.Cli), new Param("epochs", "10", ParamSource.Default), new Param("seed", s.ToString(CultureInfo.InvariantCulture), ParamSource.Cli)],
                    Curve("loss", 100, step => (1.0 / (1 + step)) + (0.01 * s) + (c * 0.1)).Concat(Curve("acc", 100, step => acc * step / 99.0)).ToList(),
                    new Dictionary<string, string> { ["team"] = c == 0 ? "vision" : "nlp" });
                sweep.Add(id);
            }
        }

        const string Diff = "diff --git a/train.py b/train.py\n--- a/train.py\n+++ b/train.py\n@@ -1 +1 @@\n-lr = 0.1\n+lr = 0.2\n";
        var (diffSha, _) = workspace.Objects.Put(new MemoryStream(Encoding.UTF8.GetBytes(Diff)));
        var (logSha, _) = workspace.Objects.Put(new MemoryStream(Encoding.UTF8.GetBytes(Log)));
        var (modelSha, modelSize) = workspace.Objects.Put(new MemoryStream(Encoding.UTF8.GetBytes(Model)));
        var dirty = Write(store, "dirty-run", start.AddMinutes(10), RunStatus.Finished, 7,
            [new Param("lr", "0.2", ParamSource.File), new Param("optimizer", "adam", ParamSource.Default)],
            Curve("loss", 10, step => 1.0 / (1 + step)).ToList(), new Dictionary<string, string> { ["team"] = "vision" }, logSha);
        store.Write(new RunWriteBatch(dirty)
        {
            Artifacts = [new Artifact("models/final.txt", modelSha, modelSize)],
            Code = new CodeSnapshot { IsGitRepository = true, Commit = "0123456789abcdef0123456789abcdef01234567", Branch = "main", Dirty = true, DiffSha256 = diffSha },
            SeedLedger = [new StreamUsage("init", "abcd1234", 42), new StreamUsage("shuffle", "ef567890", 1000)],
            Inputs = [new DataInput("data/train", "f00dfeed" + new string('0', 56), 3, 4096, new string('1', 64))],
        });

        var identical = Write(store, "repro-identical", start.AddMinutes(11), RunStatus.Finished, 1, [new Param("lr", "0.1", ParamSource.Cli)],
            Curve("loss", 10, step => 1.0 / (1 + step)).ToList(), null);
        store.Write(new RunWriteBatch(identical) { Verdict = new Verdict(VerdictKind.Identical, sweep[0], "IDENTICAL: bit-equal") });
        var diverged = Write(store, "repro-diverged", start.AddMinutes(12), RunStatus.Finished, 1, [new Param("lr", "0.1", ParamSource.Cli)],
            Curve("loss", 10, step => 2.0 / (1 + step)).ToList(), null);
        store.Write(new RunWriteBatch(diverged) { Verdict = new Verdict(VerdictKind.Diverged, sweep[0], "DIVERGED: loss 0.1 → 0.2") });
        var failed = Write(store, "crashed", start.AddMinutes(13), RunStatus.Failed, 3, [], [], null);

        var longRun = Write(store, "long-history", start.AddMinutes(14), RunStatus.Finished, 5, [], [], null);
        var points = Curve("loss", LongPoints, step => step == SpikeStep ? Spike : Math.Exp(-step / 5000.0)).ToList();
        for (var first = 0; first < points.Count; first += 5000)
        {
            store.Write(new RunWriteBatch(longRun) { Metrics = points.Skip(first).Take(5000).ToList() });
        }

        return new SeededRuns(sweep, dirty, identical, diverged, failed, longRun, Diff);
    }

    /// <summary>How many runs <see cref="Many"/> writes to experiment <see cref="ManyExperiment"/>: more than the runs table loads at once.</summary>
    public const int ManyCount = 1200;

    public const string ManyExperiment = "many";

    /// <summary>How many runs <see cref="Many"/> writes to experiment "other" (lr 0.1, batch_size 32, acc 0).</summary>
    public const int OtherCount = 5;

    /// <summary>
    /// The runs <see cref="Many"/> writes to experiment "many", in order: lr cycles 0.1, 0.01, 0.001; batch_size alternates
    /// 32, 128 and is missing on every tenth run; every fourth run logs no loss; run 600's acc is NaN.
    /// </summary>
    public static IReadOnlyList<ManyRun> ManyRuns { get; } = [.. Enumerable.Range(0, ManyCount).Select(i =>
    {
        var acc = 0.5 + (i * 7919 % 1000 / 2000.0);
        return new ManyRun(
            (i % 3) switch { 0 => "0.1", 1 => "0.01", _ => "0.001" },
            i % 10 == 9 ? null : i % 2 == 0 ? "32" : "128",
            i == 600 ? double.NaN : acc,
            i % 4 == 3 ? null : 1.5 - acc + (i % 7 / 100.0));
    })];

    /// <summary><see cref="ManyRuns"/> (one batch each: params, acc at steps 0 and 1, loss, finished) and the "other" runs.</summary>
    public static SeededRuns Many(ReproWorkspace workspace)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        var start = new DateTimeOffset(2025, 4, 1, 0, 0, 0, TimeSpan.Zero);
        var t = start.ToUnixTimeMilliseconds();
        for (var i = 0; i < ManyCount + OtherCount; i++)
        {
            var other = i >= ManyCount;
            var run = other ? new ManyRun("0.1", "32", 0, null) : ManyRuns[i];
            var parameters = new List<Param> { new("lr", run.Lr, ParamSource.Sweep), new("seed", i.ToString(CultureInfo.InvariantCulture), ParamSource.Sweep) };
            if (run.BatchSize is { } batch)
            {
                parameters.Add(new Param("batch_size", batch, ParamSource.Sweep));
            }

            // acc's first point differs from its last: the groups must use the latest value.
            var metrics = new List<MetricPoint> { new("acc", -1, 0, t), new("acc", run.Acc, 1, t + 1000) };
            if (run.Loss is { } loss)
            {
                metrics.Add(new MetricPoint("loss", loss, 1, t + 1000));
            }

            var id = RunId.New();
            var started = start.AddSeconds(i);
            workspace.Runs.Write(new RunWriteBatch(id)
            {
                Create = new RunRecord
                {
                    Id = id, Name = $"many-{i}", Experiment = other ? "other" : ManyExperiment, StartTime = started, EndTime = started.AddSeconds(30),
                    Status = RunStatus.Finished, Seed = i, SeedSource = "sweep", Command = ["python", "train.py"],
                },
                Params = parameters,
                Metrics = metrics,
            });
        }

        return Nothing(workspace);
    }

    private static IEnumerable<MetricPoint> Curve(string key, int steps, Func<int, double> value)
    {
        var t0 = new DateTimeOffset(2025, 3, 1, 12, 0, 0, TimeSpan.Zero).ToUnixTimeMilliseconds();
        for (var step = 0; step < steps; step++)
        {
            yield return new MetricPoint(key, value(step), step, t0 + (step * 1000L));
        }
    }

    private static RunId Write(IRunStore store, string name, DateTimeOffset start, RunStatus status, long seed, IReadOnlyList<Param> parameters,
        IReadOnlyList<MetricPoint> metrics, IReadOnlyDictionary<string, string>? tags, string? logSha = null)
    {
        var id = RunId.New();
        store.Write(new RunWriteBatch(id)
        {
            Create = new RunRecord { Id = id, Name = name, StartTime = start, Status = RunStatus.Running, Seed = seed, SeedSource = "cli", Command = ["python", "train.py"] },
            Params = parameters,
            Metrics = metrics,
            Tags = tags ?? new Dictionary<string, string>(),
        });
        store.Write(new RunWriteBatch(id) { Complete = new RunCompletion(status, start.AddSeconds(90), status == RunStatus.Finished ? 0 : 1, null, logSha) });
        return id;
    }
}
