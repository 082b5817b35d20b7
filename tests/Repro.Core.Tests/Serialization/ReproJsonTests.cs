using System.Text.Json;
using Repro.Core.Runs;
using Repro.Core.Serialization;

namespace Repro.Core.Tests.Serialization;

public sealed class ReproJsonTests
{
    private static readonly RunId Id = new("0123456789abcdef0123456789abcdef");

    [Fact]
    public void A_full_run_record_round_trips()
    {
        var record = FullRecord();

        var json = ReproJson.Serialize(record);
        var back = ReproJson.Deserialize<RunRecord>(json);

        Assert.Equal(json, ReproJson.Serialize(back));
        Assert.Equal(record.Id, back.Id);
        Assert.Equal(record.StartTime, back.StartTime);
        Assert.Equal(record.EndTime, back.EndTime);
        Assert.Equal(RunStatus.Finished, back.Status);
        Assert.Equal(record.Command, back.Command);
        Assert.Equal(record.Params, back.Params);
        Assert.Equal("v1", back.Tags["stage"]);
        Assert.Equal(record.Artifacts, back.Artifacts);
        Assert.Equal(record.Code.Untracked, back.Code.Untracked);
        Assert.Equal("3.12.1", back.Environment.Python!.Version);
        Assert.Equal("2.1.0", back.Environment.Python.Packages["torch"]);
        Assert.Equal(record.Environment.Gpus, back.Environment.Gpus);
        Assert.Equal(record.LatestMetrics["loss"], back.LatestMetrics["loss"]);
    }

    [Fact]
    public void Enums_and_run_ids_are_written_as_readable_strings()
    {
        var json = ReproJson.Serialize(FullRecord());

        Assert.Contains("\"id\":\"0123456789abcdef0123456789abcdef\"", json, StringComparison.Ordinal);
        Assert.Contains("\"status\":\"FINISHED\"", json, StringComparison.Ordinal);
        Assert.Contains("\"source\":\"cli\"", json, StringComparison.Ordinal);
        Assert.Contains("\"startTime\":", json, StringComparison.Ordinal);
        Assert.DoesNotContain('\n', json);
    }

    [Fact]
    public void Computed_properties_are_not_written()
    {
        var json = ReproJson.Serialize(FullRecord());

        Assert.DoesNotContain("duration", json, StringComparison.OrdinalIgnoreCase);
        Assert.DoesNotContain("short", json, StringComparison.OrdinalIgnoreCase);
    }

    [Theory]
    [InlineData(double.NaN)]
    [InlineData(double.PositiveInfinity)]
    [InlineData(double.NegativeInfinity)]
    [InlineData(-0.0)]
    [InlineData(double.Epsilon)]
    [InlineData(0.1 + 0.2)]
    [InlineData(double.MaxValue)]
    public void Metric_values_round_trip_bit_exactly(double value)
    {
        var point = new MetricPoint("loss", value, 3, 1_700_000_000_123);

        var back = ReproJson.Deserialize<MetricPoint>(ReproJson.Serialize(point));

        Assert.Equal(BitConverter.DoubleToInt64Bits(value), BitConverter.DoubleToInt64Bits(back.Value));
        Assert.Equal(point.Step, back.Step);
        Assert.Equal(point.TimestampMs, back.TimestampMs);
    }

    [Fact]
    public void Non_finite_values_are_written_as_named_literals()
    {
        var json = ReproJson.Serialize(new[] { double.NaN, double.PositiveInfinity, double.NegativeInfinity });

        Assert.Equal("[\"NaN\",\"Infinity\",\"-Infinity\"]", json);
    }

    [Fact]
    public void Snapshots_round_trip_on_their_own()
    {
        var record = FullRecord();

        var code = ReproJson.Deserialize<CodeSnapshot>(ReproJson.Serialize(record.Code));
        var env = ReproJson.Deserialize<EnvironmentSnapshot>(ReproJson.Serialize(record.Environment));

        Assert.Equal(ReproJson.Serialize(record.Code), ReproJson.Serialize(code));
        Assert.Equal(ReproJson.Serialize(record.Environment), ReproJson.Serialize(env));
        Assert.Equal("abc123", code.Commit);
        Assert.Equal(["avx2", "fma"], env.CpuFlags);
        Assert.Equal("1", env.Variables["CUBLAS_WORKSPACE_CONFIG_SET"]);
    }

    [Fact]
    public void A_minimal_record_reads_with_defaults()
    {
        var json = """{"id":"0123456789abcdef0123456789abcdef","name":"r","startTime":"2024-05-01T10:00:00+00:00"}""";

        var record = ReproJson.Deserialize<RunRecord>(json);

        Assert.Equal("Default", record.Experiment);
        Assert.Equal(RunStatus.Running, record.Status);
        Assert.False(record.Code.IsGitRepository);
        Assert.Empty(record.Params);
        Assert.Empty(record.Tags);
    }

    [Fact]
    public void Indented_options_write_several_lines()
    {
        var json = ReproJson.Serialize(FullRecord().Code, indented: true);

        Assert.Contains('\n', json);
        Assert.Equal(ReproJson.Serialize(FullRecord().Code), ReproJson.Serialize(ReproJson.Deserialize<CodeSnapshot>(json)));
    }

    [Theory]
    [InlineData("""{"id":"not-an-id","name":"r","startTime":"2024-05-01T10:00:00+00:00"}""")]
    [InlineData("""{"id":"0123456789ABCDEF0123456789ABCDEF","name":"r","startTime":"2024-05-01T10:00:00+00:00"}""")]
    [InlineData("""{"id":"0123456789abcdef0123456789abcdef","name":"r","startTime":"2024-05-01T10:00:00+00:00","status":"DONE"}""")]
    [InlineData("""{"id":"0123456789abcdef0123456789abcdef","startTime":"2024-05-01T10:00:00+00:00"}""")]
    [InlineData("null")]
    public void Invalid_records_are_rejected(string json)
    {
        Assert.ThrowsAny<JsonException>(() => ReproJson.Deserialize<RunRecord>(json));
    }

    private static RunRecord FullRecord() => new()
    {
        Id = Id,
        Name = "baseline",
        Experiment = "mnist",
        Status = RunStatus.Finished,
        StartTime = new DateTimeOffset(2024, 5, 1, 10, 0, 0, 123, TimeSpan.FromHours(2)),
        EndTime = new DateTimeOffset(2024, 5, 1, 10, 5, 0, 456, TimeSpan.FromHours(2)),
        ExitCode = 0,
        Command = ["python", "train.py", "--lr", "0.1"],
        WorkingDirectory = "project",
        Seed = 42,
        SeedSource = "cli",
        Code = new CodeSnapshot
        {
            IsGitRepository = true,
            Commit = "abc123",
            Branch = "main",
            Dirty = true,
            DiffSha256 = new string('d', 64),
            Untracked = [new UntrackedFile("notes.txt", new string('e', 64), 12), new UntrackedFile("big.bin", null, 1L << 40)],
            Warnings = ["diff too large"],
        },
        Environment = new EnvironmentSnapshot
        {
            Os = "Linux",
            LogicalCores = 16,
            CpuFlags = ["avx2", "fma"],
            MemoryBytes = 64L << 30,
            Gpus = [new GpuInfo("NVIDIA H100", "550.54", "12.4", "81559 MiB")],
            GpuSummary = "1 x NVIDIA H100",
            Python = new PythonInfo("/usr/bin/python3", "3.12.1", new Dictionary<string, string> { ["torch"] = "2.1.0" }),
            Variables = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["CUBLAS_WORKSPACE_CONFIG_SET"] = "1" },
        },
        Params = [new Param("lr", "0.1", ParamSource.Cli), new Param("epochs", "10", ParamSource.Default)],
        Tags = new SortedDictionary<string, string>(StringComparer.Ordinal) { ["stage"] = "v1" },
        Artifacts = [new Artifact("model.bin", new string('a', 64), 1024)],
        Warnings = ["GPU nondeterminism"],
        LatestMetrics = new SortedDictionary<string, MetricPoint>(StringComparer.Ordinal)
        {
            ["loss"] = new("loss", double.NaN, 9, 1_714_550_700_000),
        },
        LogSha256 = new string('f', 64),
    };
}
