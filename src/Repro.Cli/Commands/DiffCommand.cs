using System.CommandLine;
using System.Globalization;
using Repro.Cli.Rendering;
using Repro.Cli.Running;
using Repro.Core.Diffing;
using Repro.Core.Runs;
using Repro.Server.Reports;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro diff A B`: every difference between two records, most consequential first.</summary>
internal static class DiffCommand
{
    public static Command Create()
    {
        var a = new Argument<string>("run-a") { Description = "The first run (id prefix, name or `last`)" };
        var b = new Argument<string>("run-b") { Description = "The second run" };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("diff", "Show every difference between two runs: data, params, code, seed, command, environment, results.") { a, b, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = Workspaces.OpenForRuns();
            var left = workspace.Runs.ResolveRun(parse.GetValue(a)!);
            var right = workspace.Runs.ResolveRun(parse.GetValue(b)!);
            var report = DiffReport.Compute(workspace.Runs, workspace.Objects, left, right);
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(DiffReport.ToJson(report));
                return ExitCodes.Ok;
            }

            Render(left, right, report);
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static void Render(RunRecord left, RunRecord right, RunDiffReport report)
    {
        AnsiConsole.MarkupLine($"[bold]A[/] {left.Id.Short} {Markup.Escape(left.Name)}    [bold]B[/] {right.Id.Short} {Markup.Escape(right.Name)}");
        if (report.Identical)
        {
            AnsiConsole.MarkupLine("[green]The two records are identical[/]: same data, params, code, seed, command and environment, and bit-equal metrics.");
            return;
        }

        foreach (var group in report.Items.GroupBy(i => i.Category))
        {
            AnsiConsole.MarkupLine($"\n[bold underline]{group.Key}[/]");
            foreach (var item in group)
            {
                var line = $"  {Markup.Escape(item.Key)}: {Markup.Escape(item.Left ?? "(absent)")} → {Markup.Escape(item.Right ?? "(absent)")}";
                if (item.Category == DiffCategory.Data)
                {
                    line = $"  {Markup.Escape(item.Key)}: {Markup.Escape(item.Note ?? "")}";
                }

                AnsiConsole.MarkupLine(line);
                if (item.Note is not null && item.Category != DiffCategory.Data)
                {
                    AnsiConsole.MarkupLine($"    [yellow]{Markup.Escape(item.Note)}[/]");
                }
            }
        }

        if (report.Metrics.Count > 0)
        {
            AnsiConsole.MarkupLine("\n[bold underline]Results[/]");
            var table = new Table().Border(TableBorder.Simple);
            table.AddColumns("metric", "A final", "B final", "B − A", "series");
            foreach (var m in report.Metrics)
            {
                var delta = m.LeftFinal is { } l && m.RightFinal is { } r ? Format.Metric(r - l) : "-";
                var series = m.FirstDivergentStep is { } step
                    ? string.Create(CultureInfo.InvariantCulture, $"first differs at step {step}") +
                      (m.LeftAtDivergence is { } la && m.RightAtDivergence is { } ra ? $" ({Format.Exact(la)} vs {Format.Exact(ra)})" : "")
                    : "identical";
                table.AddRow(Markup.Escape(m.Key), Format.Metric(m.LeftFinal ?? double.NaN), Format.Metric(m.RightFinal ?? double.NaN), delta, Markup.Escape(series));
            }

            AnsiConsole.Write(table);
        }
    }
}
