using System.CommandLine;
using System.Globalization;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Statistics;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro stats`, `repro compare`, `repro check-claim`: seeds are samples; judge conclusions with numbers.</summary>
internal static class StatsCommands
{
    private static Option<string> AggOption() => new("--agg")
    {
        Description = "Which value of each run: last (default), best, min or max (best = min for metrics named *loss*/*error*, else max)",
        DefaultValueFactory = _ => "last",
    };

    public static Command Stats()
    {
        var group = new Argument<string>("group") { Description = "A sweep group" };
        var metric = new Option<string[]>("--metric") { Description = "Metrics to summarize (repeatable; default: all)" };
        var agg = AggOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("stats", "Per config of a group: n, mean, std, 95% CI, min, median, max of each metric.") { group, metric, agg, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var name = parse.GetValue(group)!;
            var runs = SweepPlan.RunsOf(workspace, name);
            if (runs.Count == 0)
            {
                throw new ReproException(ErrorCode.NotFound, $"No runs in group '{name}'. Start one with `repro sweep --name {name} --seeds 5 -- <command>`.");
            }

            var how = ParseAgg(parse.GetValue(agg)!);
            var metrics = parse.GetValue(metric) is { Length: > 0 } given ? given
                : [.. runs.SelectMany(r => r.LatestMetrics.Keys).Where(k => !MetricKeys.IsSystem(k)).Distinct().Order(StringComparer.Ordinal)];
            var rows = new List<StatsRow>();
            foreach (var config in runs.GroupBy(SweepCommand.Label).OrderBy(g => g.Key, StringComparer.Ordinal))
            {
                var ok = config.Where(r => r.Status == RunStatus.Finished).ToList();
                var failed = config.Count() - ok.Count;
                foreach (var m in metrics)
                {
                    var values = ok.Select(r => Value(workspace, r, m, how)).ToList();
                    var missing = values.Count(v => v is null);
                    var summary = Summary.Of(values.Where(v => v is not null).Select(v => v!.Value));
                    rows.Add(new StatsRow(config.Key, m, summary, failed, missing));
                }
            }

            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(rows);
                return ExitCodes.Ok;
            }

            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("config", "metric", "n", "mean", "std", "95% CI", "min", "median", "max", "failed", "missing");
            foreach (var r in rows)
            {
                var s = r.Summary;
                table.AddRow(Markup.Escape(r.Config), Markup.Escape(r.Metric), N(s.Count) + (s.NaNCount > 0 ? $" (+{s.NaNCount} NaN)" : ""),
                    F(s.Mean), F(s.StandardDeviation), s.MeanInterval.IsDefined ? $"{F(s.MeanInterval.Lower)} to {F(s.MeanInterval.Upper)}" : "-",
                    F(s.Min), F(s.Median), F(s.Max), N(r.Failed), N(r.Missing));
            }

            AnsiConsole.Write(table);
            foreach (var r in rows.Where(r => r.Missing > 0).Select(r => (r.Config, r.Metric, r.Missing)).Distinct())
            {
                Console.WriteLine($"note: {r.Missing} finished run(s) of {r.Config} did not log '{r.Metric}'; they are left out of its row.");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Compare()
    {
        var a = new Argument<string>("a") { Description = "A group, a config inside a group (G:lr=0.1), or runs (id1,id2,...)" };
        var b = new Argument<string>("b") { Description = "The same for the other side" };
        var metric = new Option<string>("--metric") { Description = "The metric to compare", Required = true };
        var higher = new Option<bool>("--higher-is-better") { Description = "Larger is better (default for metrics not named *loss*/*error*)" };
        var lower = new Option<bool>("--lower-is-better") { Description = "Smaller is better (default for *loss*/*error*)" };
        var agg = AggOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("compare", "Is A better than B on a metric, across seeds? Welch, Mann-Whitney, effect size, bootstrap and a verdict in words.")
        {
            a, b, metric, higher, lower, agg, json,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            if (parse.GetValue(higher) && parse.GetValue(lower))
            {
                throw new ReproException(ErrorCode.InvalidArgument, "Give --higher-is-better or --lower-is-better, not both.");
            }

            using var workspace = Workspaces.OpenForRuns();
            var m = parse.GetValue(metric)!;
            var how = ParseAgg(parse.GetValue(agg)!);
            var (nameA, va, notesA) = Values(workspace, parse.GetValue(a)!, m, how);
            var (nameB, vb, notesB) = Values(workspace, parse.GetValue(b)!, m, how);
            var higherIsBetter = parse.GetValue(higher) || (!parse.GetValue(lower) && !LowerIsBetterByName(m));
            var comparison = Comparison.Of(va, vb, new ComparisonOptions { HigherIsBetter = higherIsBetter, NameA = nameA, NameB = nameB });
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(comparison);
            }
            else
            {
                foreach (var note in notesA.Concat(notesB))
                {
                    Console.WriteLine("note: " + note);
                }

                Console.WriteLine($"{m} ({(higherIsBetter ? "higher" : "lower")} is better, {how.ToString().ToLowerInvariant()} value of each run)");
                Console.WriteLine($"  {nameA}: n={N(comparison.A.Count)}  mean {F(comparison.A.Mean)} ± {F(comparison.A.StandardDeviation)}");
                Console.WriteLine($"  {nameB}: n={N(comparison.B.Count)}  mean {F(comparison.B.Mean)} ± {F(comparison.B.StandardDeviation)}");
                Console.WriteLine($"  difference of means {F(comparison.Difference)}, 95% CI {F(comparison.DifferenceInterval.Lower)} to {F(comparison.DifferenceInterval.Upper)} (Welch)");
                Console.WriteLine($"  Welch t = {F(comparison.Welch.T)}, df = {F(comparison.Welch.DegreesOfFreedom)}, p = {P(comparison.Welch.PValue)}");
                Console.WriteLine($"  Mann-Whitney U = {F(comparison.MannWhitney.U)}, p = {P(comparison.MannWhitney.PValue)}{(comparison.MannWhitney.Exact ? " (exact)" : "")}");
                Console.WriteLine($"  Hedges' g = {F(comparison.HedgesG)}; bootstrap 95% CI {F(comparison.BootstrapInterval.Lower)} to {F(comparison.BootstrapInterval.Upper)}");
                Console.WriteLine(comparison.Sentence);
            }

            return comparison.Verdict == ComparisonVerdict.Holds ? ExitCodes.Ok : ExitCodes.VerdictNotMet;
        }));
        return command;
    }

    public static Command CheckClaim()
    {
        var group = new Argument<string>("group") { Description = "A group, a config inside a group (G:lr=0.1), or runs (id1,id2,...)" };
        var metric = new Option<string>("--metric") { Description = "The metric", Required = true };
        var value = new Option<double>("--value") { Description = "The reported value, e.g. 0.303", Required = true };
        var agg = AggOption();
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("check-claim", "Is a reported value consistent with the distribution of a group's results?") { group, metric, value, agg, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var (name, values, notes) = Values(workspace, parse.GetValue(group)!, parse.GetValue(metric)!, ParseAgg(parse.GetValue(agg)!));
            var check = ClaimCheck.Of(values, parse.GetValue(value));
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(check);
                return ExitCodes.Ok;
            }

            foreach (var note in notes)
            {
                Console.WriteLine("note: " + note);
            }

            Console.WriteLine($"{name}: n={N(check.Summary.Count)}, mean {F(check.Summary.Mean)} ± {F(check.Summary.StandardDeviation)}; claim {F(check.ClaimedValue)}: " +
                $"z = {F(check.ZScore)}, percentile {F(check.Percentile)}, 95% prediction interval {F(check.PredictionInterval.Lower)} to {F(check.PredictionInterval.Upper)}");
            Console.WriteLine(check.Sentence);
            return check.InsidePredictionInterval ? ExitCodes.Ok : ExitCodes.VerdictNotMet;
        }));
        return command;
    }

    private sealed record StatsRow(string Config, string Metric, Summary Summary, int Failed, int Missing);

    private enum Agg
    {
        Last,
        Best,
        Min,
        Max,
    }

    private static Agg ParseAgg(string text) => text.ToLowerInvariant() switch
    {
        "last" => Agg.Last,
        "best" => Agg.Best,
        "min" => Agg.Min,
        "max" => Agg.Max,
        _ => throw new ReproException(ErrorCode.InvalidArgument, $"--agg '{text}' is not one of last, best, min, max."),
    };

    private static bool LowerIsBetterByName(string metric) =>
        metric.Contains("loss", StringComparison.OrdinalIgnoreCase) || metric.Contains("error", StringComparison.OrdinalIgnoreCase)
        || metric.Contains("err", StringComparison.OrdinalIgnoreCase) || metric.Contains("perplexity", StringComparison.OrdinalIgnoreCase);

    private static double? Value(ReproWorkspace workspace, RunRecord run, string metric, Agg how)
    {
        if (!run.LatestMetrics.TryGetValue(metric, out var last))
        {
            return null;
        }

        if (how == Agg.Last)
        {
            return last.Value;
        }

        var series = workspace.Runs.GetMetricHistory(run.Id, metric).Select(p => p.Value).Where(v => !double.IsNaN(v)).ToList();
        if (series.Count == 0)
        {
            return double.NaN;
        }

        var min = how == Agg.Min || (how == Agg.Best && LowerIsBetterByName(metric));
        return min ? series.Min() : series.Max();
    }

    /// <summary>Resolves a side: "G:k=v,...", a group, or a comma list of runs. Failed runs and runs without the metric are left out and named.</summary>
    private static (string Name, List<double> Values, List<string> Notes) Values(ReproWorkspace workspace, string side, string metric, Agg how)
    {
        IReadOnlyList<RunRecord> runs;
        var colon = side.IndexOf(':', StringComparison.Ordinal);
        if (colon > 0)
        {
            var group = side[..colon];
            var wanted = KeyValues.Parse(side[(colon + 1)..].Split(',', StringSplitOptions.RemoveEmptyEntries), "config");
            runs = [.. SweepPlan.RunsOf(workspace, group).Where(r => wanted.All(kv => r.Params.Any(p => p.Key == kv.Key && p.Value == kv.Value)))];
            if (runs.Count == 0)
            {
                throw new ReproException(ErrorCode.NotFound, $"No run of group '{group}' has {side[(colon + 1)..]}. See the configs with `repro stats {group}`.");
            }
        }
        else if (SweepPlan.RunsOf(workspace, side) is { Count: > 0 } groupRuns)
        {
            runs = groupRuns;
        }
        else
        {
            runs = [.. side.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(workspace.Runs.ResolveRun)];
        }

        var notes = new List<string>();
        var values = new List<double>();
        var failed = runs.Where(r => r.Status != RunStatus.Finished).ToList();
        if (failed.Count > 0)
        {
            notes.Add($"{side}: {failed.Count} run(s) did not finish and are left out ({string.Join(", ", failed.Take(5).Select(r => r.Id.Short + " " + r.Status.ToWire()))})");
        }

        var missing = new List<string>();
        foreach (var run in runs.Where(r => r.Status == RunStatus.Finished))
        {
            if (Value(workspace, run, metric, how) is { } v)
            {
                values.Add(v);
            }
            else
            {
                missing.Add(run.Id.Short);
            }
        }

        if (missing.Count > 0)
        {
            notes.Add($"{side}: {missing.Count} run(s) did not log '{metric}' and are left out ({string.Join(", ", missing.Take(5))})");
        }

        return (side, values, notes);
    }

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("G5", CultureInfo.InvariantCulture);

    private static string P(double p) => double.IsNaN(p) ? "-" : p < 1e-3 ? p.ToString("0.#e0", CultureInfo.InvariantCulture) : p.ToString("0.###", CultureInfo.InvariantCulture);

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
