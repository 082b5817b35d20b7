using System.CommandLine;
using Repro.Cli.Commands;
using Repro.Core.Errors;
using Spectre.Console;

namespace Repro.Cli;

internal static class Program
{
    public static int Main(string[] args)
    {
        ConfigureConsole();
        var root = new RootCommand("Repro: record ML runs, re-run them, and tell whether results reproduce.");
        root.Subcommands.Add(WorkspaceCommands.Init());
        root.Subcommands.Add(WorkspaceCommands.Migrate());
        root.Subcommands.Add(RunCommand.Create());
        root.Subcommands.Add(ReadCommands.Ls());
        root.Subcommands.Add(ReadCommands.Show());
        root.Subcommands.Add(ReadCommands.Metrics());
        root.Subcommands.Add(ReadCommands.Logs());
        root.Subcommands.Add(DiffCommand.Create());
        root.Subcommands.Add(DataCommand.Create());
        root.Subcommands.Add(ReproduceCommand.Create());
        root.Subcommands.Add(SweepCommand.Create());
        root.Subcommands.Add(StatsCommands.Stats());
        root.Subcommands.Add(StatsCommands.Compare());
        root.Subcommands.Add(StatsCommands.CheckClaim());
        root.Subcommands.Add(ExportCommand.Create());
        root.Subcommands.Add(ImportCommand.Create());
        root.Subcommands.Add(VerifyCommand.Create());
        root.Subcommands.Add(CheckDeterminismCommand.Create());
        root.Subcommands.Add(DoctorCommand.Create());
        root.Subcommands.Add(DemoCommand.Create());
        root.Subcommands.Add(ServerCommands.Server());
        root.Subcommands.Add(ServerCommands.Ui());
        root.Subcommands.Add(SyncCommand.Create());
        return root.Parse(args).Invoke();
    }

    /// <summary>Colour and tables on a terminal; plain text (no escape codes, wide lines) when piped or redirected.</summary>
    private static void ConfigureConsole()
    {
        if (Console.IsOutputRedirected || Environment.GetEnvironmentVariable("NO_COLOR") is not null)
        {
            var console = AnsiConsole.Create(new AnsiConsoleSettings
            {
                Ansi = AnsiSupport.No,
                ColorSystem = ColorSystemSupport.NoColors,
                Interactive = InteractionSupport.No,
                Out = new AnsiConsoleOutput(Console.Out),
            });
            console.Profile.Width = Console.IsOutputRedirected ? 200 : console.Profile.Width;
            AnsiConsole.Console = console;
        }
    }

    /// <summary>Runs a command body, turning domain errors into a message and the documented exit code.</summary>
    public static int Guard(Func<int> body)
    {
        ArgumentNullException.ThrowIfNull(body);
        try
        {
            return body();
        }
        catch (ReproException e)
        {
            Console.Error.WriteLine($"repro: error: {e.Message}");
            return ExitCodes.For(e.Code);
        }
    }
}
