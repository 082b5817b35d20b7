using System.CommandLine;
using Repro.Cli.Rendering;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro demo`: a real training run recorded into a fresh temporary workspace, then shown.</summary>
internal static class DemoCommand
{
    public static Command Create()
    {
        var keep = new Option<string?>("--dir") { Description = "Directory for the demo workspace (default: a new temporary one)" };
        var seed = new Option<long>("--seed") { Description = "Seed of the demo run", DefaultValueFactory = _ => 42 };
        var command = new Command("demo", "Record a real training run (digits MLP) in a fresh workspace and show the record.") { keep, seed };
        command.SetAction(parse => Program.Guard(() =>
        {
            var digits = FindDigits();
            var dir = parse.GetValue(keep) ?? Path.Combine(Path.GetTempPath(), "repro-demo-" + Guid.NewGuid().ToString("N")[..8]);
            Directory.CreateDirectory(dir);
            using var workspace = ReproWorkspace.Init(dir);
            AnsiConsole.MarkupLine($"[bold]1. A fresh workspace[/] in {Markup.Escape(workspace.ReproDirectory)}");
            AnsiConsole.MarkupLine("[bold]2. repro run -- dotnet digits.dll[/] (a multilayer perceptron on the UCI digits data)");
            var invocation = new RunInvocation
            {
                Command = ["dotnet", digits],
                WorkingDirectory = dir,
                Name = "digits-demo",
                Experiment = "demo",
                Seed = parse.GetValue(seed),
            };
            var result = RunLauncher.Launch(workspace, invocation, Console.Error);
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine("[bold]3. The record (repro show last)[/]");
            AnsiConsole.Write(RunRenderer.Show(workspace.Runs.ResolveRun("last")));
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine($"Explore it: [bold]export REPRO_HOME={Markup.Escape(dir)}[/], then `./repro ls`, `./repro metrics last val_accuracy`, `./repro logs last`.");
            return result.ExitCode == 0 ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private static string FindDigits()
    {
        var candidates = new List<string?>
        {
            Environment.GetEnvironmentVariable("REPRO_DIGITS_DLL"),
            Path.Combine(AppContext.BaseDirectory, "..", "digits", "digits.dll"),
            Path.Combine(AppContext.BaseDirectory, "digits.dll"),
        };
        foreach (var c in candidates)
        {
            if (c is not null && File.Exists(c))
            {
                return Path.GetFullPath(c);
            }
        }

        throw new ReproException(ErrorCode.NotFound,
            "The digits example is not built. Run the demo through the launcher at the repository root: ./repro demo");
    }
}
