using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Repro.Cli.Rendering;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Serialization;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

internal static class ReadCommands
{
    private static Option<bool> JsonOption() => new("--json") { Description = "Machine-readable JSON on stdout" };

    private static Argument<string> RunArgument() =>
        new("run") { Description = "A run: unique id prefix, name, or `last`" };

    public static Command Ls()
    {
        var experiment = new Option<string?>("--experiment") { Description = "Only runs of this experiment" };
        var limit = new Option<int>("--limit") { Description = "At most this many runs (newest first)", DefaultValueFactory = _ => 20 };
        var json = JsonOption();
        var command = new Command("ls", "List runs, newest first.") { experiment, limit, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            var max = parse.GetValue(limit);
            if (max <= 0)
            {
                throw new ReproException(ErrorCode.InvalidArgument, $"--limit must be a positive number, not {max}.");
            }

            using var workspace = Workspaces.OpenForRuns();
            var runs = workspace.Runs.ListRuns(new RunQuery(parse.GetValue(experiment), max));
            if (parse.GetValue(json))
            {
                WriteJson(runs.Select(Summary).ToList());
            }
            else if (runs.Count == 0)
            {
                Console.WriteLine("No runs yet. Record one with: repro run -- <command> [args...]");
            }
            else
            {
                AnsiConsole.Write(RunRenderer.List(runs));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Show()
    {
        var run = RunArgument();
        var json = JsonOption();
        var command = new Command("show", "Show the whole record of a run.") { run, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var record = workspace.Runs.ResolveRun(parse.GetValue(run)!);
            if (parse.GetValue(json))
            {
                WriteJson(record);
            }
            else
            {
                AnsiConsole.Write(RunRenderer.Show(record));
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Metrics()
    {
        var run = RunArgument();
        var key = new Argument<string?>("key") { Description = "One metric: print its whole series", Arity = ArgumentArity.ZeroOrOne };
        var json = JsonOption();
        var command = new Command("metrics", "Show a run's metrics: the last value of each, or one metric's whole series.") { run, key, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var record = workspace.Runs.ResolveRun(parse.GetValue(run)!);
            var metricKey = parse.GetValue(key);
            var points = workspace.Runs.GetMetricHistory(record.Id, metricKey);
            if (metricKey is not null && points.Count == 0)
            {
                var known = record.LatestMetrics.Keys.ToList();
                throw new ReproException(ErrorCode.NotFound,
                    $"Run {record.Id.Short} has no metric '{metricKey}'. " +
                    (known.Count == 0 ? "It logged no metrics." : "Its metrics: " + string.Join(", ", known) + "."));
            }

            if (parse.GetValue(json))
            {
                WriteJson(points.Select(p => new MetricJson(p.Key, p.Step, p.Value, p.TimestampMs)).ToList());
                return ExitCodes.Ok;
            }

            if (metricKey is null)
            {
                var table = new Table().Border(TableBorder.Simple);
                table.AddColumns("metric", "last", "step", "points", "min", "max");
                foreach (var group in points.GroupBy(p => p.Key, StringComparer.Ordinal))
                {
                    var last = record.LatestMetrics.TryGetValue(group.Key, out var l) ? l : group.Last();
                    var finite = group.Where(p => double.IsFinite(p.Value)).Select(p => p.Value).ToList();
                    table.AddRow(group.Key, Format.Metric(last.Value), last.Step.ToString(CultureInfo.InvariantCulture),
                        group.Count().ToString(CultureInfo.InvariantCulture),
                        finite.Count > 0 ? Format.Metric(finite.Min()) : "-", finite.Count > 0 ? Format.Metric(finite.Max()) : "-");
                }

                if (points.Count == 0)
                {
                    Console.WriteLine($"Run {record.Id.Short} logged no metrics.");
                }
                else
                {
                    AnsiConsole.Write(table);
                }
            }
            else
            {
                Console.WriteLine("step\tvalue\ttime");
                foreach (var p in points)
                {
                    Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"{p.Step}\t{Format.Exact(p.Value)}\t{DateTimeOffset.FromUnixTimeMilliseconds(p.TimestampMs):O}"));
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Logs()
    {
        var run = RunArgument();
        var json = JsonOption();
        var command = new Command("logs", "Print what a run wrote to stdout and stderr.") { run, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var record = workspace.Runs.ResolveRun(parse.GetValue(run)!);
            using var log = OpenLog(workspace, record)
                ?? throw new ReproException(ErrorCode.NotFound, $"Run {record.Id.Short} has no stored output.");
            if (parse.GetValue(json))
            {
                using var reader = new StreamReader(log, System.Text.Encoding.UTF8);
                WriteJson(new { runId = record.Id.Value, complete = record.LogSha256 is not null, sha256 = record.LogSha256, output = reader.ReadToEnd() });
                return ExitCodes.Ok;
            }

            using var stdout = Console.OpenStandardOutput();
            log.CopyTo(stdout);
            return ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>The stored log of an ended run, or the live one of a running run; null when there is none.</summary>
    private static Stream? OpenLog(ReproWorkspace workspace, RunRecord record)
    {
        if (record.LogSha256 is { } sha && workspace.Objects.Exists(sha))
        {
            return workspace.Objects.Open(sha);
        }

        var live = Path.Combine(workspace.ReproDirectory, "runs", record.Id.Value, "output.log");
        return File.Exists(live) ? new FileStream(live, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete) : null;
    }

    private static RunSummaryJson Summary(RunRecord r) => new(
        r.Id.Value, r.Name, r.Experiment, r.Status.ToWire(), r.StartTime, r.EndTime, r.Duration?.TotalSeconds, r.ExitCode, r.Signal,
        r.LatestMetrics.ToDictionary(m => m.Key, m => m.Value.Value, StringComparer.Ordinal));

    internal static void WriteJson<T>(T value)
    {
        Console.Out.WriteLine(JsonSerializer.Serialize(value, ReproJson.Indented));
    }

    private sealed record MetricJson(string Key, long Step, double Value, long TimestampMs);

    private sealed record RunSummaryJson(
        string Id, string Name, string Experiment, string Status, DateTimeOffset StartTime, DateTimeOffset? EndTime,
        double? DurationSeconds, int? ExitCode, string? Signal, IReadOnlyDictionary<string, double> Metrics);
}
