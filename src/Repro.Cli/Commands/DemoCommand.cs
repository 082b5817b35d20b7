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
            InitGit(dir);
            AnsiConsole.MarkupLine("[bold]2. repro run --deterministic -- dotnet digits.dll[/] (a multilayer perceptron on the UCI digits data)");
            var invocation = new RunInvocation
            {
                Command = ["dotnet", digits],
                WorkingDirectory = dir,
                Name = "digits-demo",
                Experiment = "demo",
                Seed = parse.GetValue(seed),
                Deterministic = true,
            };
            var result = RunLauncher.Launch(workspace, invocation, Console.Error);
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine("[bold]3. The record (repro show last)[/]");
            AnsiConsole.Write(RunRenderer.Show(workspace.Runs.ResolveRun("last")));
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine("[bold]4. repro reproduce last[/]: rebuild the run from its record, run it again, compare");
            var verdict = ReproduceCommand.Reproduce(workspace, workspace.Runs.ResolveRun("digits-demo"),
                new ReproduceCommand.ReproduceOptions(null, Core.Verdicts.ToleranceSpec.Standard, AllowDataDrift: false, Quiet: true), dir, Console.Error);
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine("[bold]5. repro sweep --seeds 5 --param hidden=8,128 -- dotnet digits.dll[/]: one seed proves nothing; compare configs across seeds");
            var configs = SweepPlan.Product([("hidden", ["8", "128"]), ("epochs", ["15"]), ("checkpoint_every", ["0"])]);
            var seeds = SweepPlan.Seeds(parse.GetValue(seed), 5, null);
            var plan = new SweepPlan("demo-sweep", parse.GetValue(seed), ["dotnet", digits],
                [.. configs.SelectMany(c => seeds.Select(s => new SweepCell(c, s)))], Deterministic: false, Threads: null);
            plan.Save(workspace);
            SweepCommand.Execute(workspace, plan, Environment.ProcessorCount, dir, Console.Out);
            var a = SweepPlan.RunsOf(workspace, plan.Group).Where(r => r.Params.Any(p => p.Key == "hidden" && p.Value == "128"));
            var b = SweepPlan.RunsOf(workspace, plan.Group).Where(r => r.Params.Any(p => p.Key == "hidden" && p.Value == "8"));
            double Accuracy(Core.Runs.RunRecord r) => r.LatestMetrics.TryGetValue("val_accuracy", out var m) ? m.Value : double.NaN;
            var comparison = Core.Statistics.Comparison.Of(a.Select(Accuracy), b.Select(Accuracy),
                new Core.Statistics.ComparisonOptions { NameA = "hidden=128", NameB = "hidden=8" });
            AnsiConsole.MarkupLine("[bold]6. repro compare demo-sweep:hidden=128 demo-sweep:hidden=8 --metric val_accuracy[/]");
            AnsiConsole.WriteLine(comparison.Sentence);
            AnsiConsole.WriteLine();
            AnsiConsole.MarkupLine($"Explore it: [bold]export REPRO_HOME={Markup.Escape(dir)}[/], then `./repro ls`, `./repro metrics last val_accuracy`, `./repro logs last`.");
            return result.ExitCode != 0 ? ExitCodes.Failure : verdict.Kind == Core.Verdicts.VerdictKind.Diverged ? ExitCodes.VerdictNotMet : ExitCodes.Ok;
        }));
        return command;
    }

    /// <summary>Makes the demo directory a git repository with one commit, so the record shows code capture (skipped without git).</summary>
    private static void InitGit(string dir)
    {
        File.WriteAllText(Path.Combine(dir, "README.md"), "Repro demo project: trains the digits example under `repro run`.\n");
        File.WriteAllText(Path.Combine(dir, ".gitignore"), "out/\n");
        string[][] steps =
        [
            ["init", "-q"],
            ["add", "README.md", ".gitignore"],
            ["-c", "user.name=Repro demo", "-c", "user.email=demo@example.invalid", "commit", "-q", "-m", "demo project"],
        ];
        foreach (var step in steps)
        {
            if (!Capture.Processes.ProcessRunner.Run("git", step, new Capture.Processes.ProcessRunOptions { WorkingDirectory = dir }).Succeeded)
            {
                AnsiConsole.MarkupLine("[dim](git is not available: the demo runs without code capture)[/]");
                return;
            }
        }
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
