using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Tests.Support;

/// <summary>Small builders for run records and batches.</summary>
public static class TestRuns
{
    public static readonly DateTimeOffset Epoch = new(2024, 5, 1, 12, 0, 0, TimeSpan.Zero);

    public static RunRecord Record(string name = "run", string experiment = "Default", int startOffsetSeconds = 0, RunId? id = null) =>
        new()
        {
            Id = id ?? RunId.New(),
            Name = name,
            Experiment = experiment,
            StartTime = Epoch.AddSeconds(startOffsetSeconds),
            Command = ["python", "train.py"],
            WorkingDirectory = "project",
            Seed = 7,
        };

    public static RunRecord Create(this IRunStore store, RunRecord record)
    {
        store.Write(new RunWriteBatch(record.Id) { Create = record });
        return record;
    }

    public static RunRecord Create(this IRunStore store, string name = "run", string experiment = "Default", int startOffsetSeconds = 0) =>
        store.Create(Record(name, experiment, startOffsetSeconds));

    public static void Log(this IRunStore store, RunId id, params MetricPoint[] points) =>
        store.Write(new RunWriteBatch(id) { Metrics = points });

    public static RunId IdWithPrefix(string prefix) => new(prefix + RunId.New().Value[prefix.Length..]);

    public static long Bits(double value) => BitConverter.DoubleToInt64Bits(value);
}
