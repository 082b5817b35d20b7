using System.CommandLine;
using Repro.Capture;
using Repro.Capture.Git;
using Repro.Core.Determinism;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro doctor`: what in this environment threatens determinism, each with what to do about it.</summary>
internal static class DoctorCommand
{
    public static Command Create()
    {
        var python = new Option<string?>("--python") { Description = "Python interpreter whose packages to inspect (default: python3 when present)" };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("doctor", "List what in this environment threatens determinism, and what to do about each.") { python, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            var cwd = Directory.GetCurrentDirectory();
            var interpreter = parse.GetValue(python) ?? "python3";
            var probeCommand = Running.ChildRunner.Resolve(interpreter, cwd) is not null ? new[] { interpreter } : [];
            var environment = EnvironmentCapture.Capture(new EnvironmentCaptureOptions
            {
                Command = probeCommand,
                WorkingDirectory = cwd,
                ProbeTimeout = TimeSpan.FromSeconds(15),
            });
            var code = GitProbe.Capture(cwd, s => { s.CopyTo(Stream.Null); return ""; });
            var findings = DeterminismAdvisor.Review(environment, code);
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(findings);
                return ExitCodes.Ok;
            }

            if (findings.Count == 0)
            {
                AnsiConsole.MarkupLine("[green]Nothing found that threatens determinism here.[/]");
                return ExitCodes.Ok;
            }

            foreach (var f in findings)
            {
                var mark = f.Level switch { FindingLevel.Risk => "[red]✗[/]", FindingLevel.Warning => "[yellow]![/]", _ => "[blue]i[/]" };
                AnsiConsole.MarkupLine($"{mark} [bold]{Markup.Escape(f.Topic)}[/]: {Markup.Escape(f.Problem)}");
                AnsiConsole.MarkupLine($"    fix: {Markup.Escape(f.Fix)}");
            }

            foreach (var w in environment.Warnings)
            {
                AnsiConsole.MarkupLine($"[dim]probe warning: {Markup.Escape(w)}[/]");
            }

            return ExitCodes.Ok;
        }));
        return command;
    }
}
