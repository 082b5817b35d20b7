using System.CommandLine;
using System.Globalization;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Statistics;
using Repro.Server.Reports;
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
            var rows = GroupStats.OfGroup(workspace.Runs, parse.GetValue(group)!, parse.GetValue(metric) ?? [], ParseAgg(parse.GetValue(agg)!));
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
            bool? direction = parse.GetValue(higher) ? true : parse.GetValue(lower) ? false : null;
            var (comparison, notes) = GroupStats.Compare(workspace.Runs, parse.GetValue(a)!, parse.GetValue(b)!, m, how, direction);
            var higherIsBetter = comparison.Options.HigherIsBetter;
            var (nameA, nameB) = (comparison.Options.NameA, comparison.Options.NameB);
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(comparison);
            }
            else
            {
                foreach (var note in notes)
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
            var (name, values, notes) = GroupStats.Side(workspace.Runs, parse.GetValue(group)!, parse.GetValue(metric)!, ParseAgg(parse.GetValue(agg)!));
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

    private static MetricAggregate ParseAgg(string text) => GroupStats.ParseAggregate(text);

    private static string F(double v) => double.IsNaN(v) ? "-" : v.ToString("G5", CultureInfo.InvariantCulture);

    private static string P(double p) => double.IsNaN(p) ? "-" : p < 1e-3 ? p.ToString("0.#e0", CultureInfo.InvariantCulture) : p.ToString("0.###", CultureInfo.InvariantCulture);

    private static string N(int n) => n.ToString(CultureInfo.InvariantCulture);
}
