using System.CommandLine;
using Repro.Core.Errors;
using Repro.Storage.Workspace;

namespace Repro.Cli.Commands;

internal static class WorkspaceCommands
{
    public static Command Init()
    {
        var dir = new Argument<string?>("dir") { Description = "Directory to create .repro/ in (default: the current directory)", Arity = ArgumentArity.ZeroOrOne };
        var command = new Command("init", "Create a Repro workspace (.repro/: SQLite database + object store) in a directory.") { dir };
        command.SetAction(parse => Program.Guard(() =>
        {
            var target = Path.GetFullPath(parse.GetValue(dir) ?? Directory.GetCurrentDirectory());
            if (!Directory.Exists(target))
            {
                throw new ReproException(ErrorCode.NotFound, $"Directory '{target}' does not exist. Create it first (mkdir -p {target}).");
            }

            if (File.Exists(Path.Combine(target, ReproWorkspace.DirectoryName, "repro.db")))
            {
                Console.WriteLine($"A Repro workspace already exists in {Path.Combine(target, ReproWorkspace.DirectoryName)}; nothing changed.");
                return ExitCodes.Ok;
            }

            using var workspace = ReproWorkspace.Init(target);
            Console.WriteLine($"Initialized an empty Repro workspace in {workspace.ReproDirectory}");
            Console.WriteLine("Record a run with: repro run -- <command> [args...]");
            return ExitCodes.Ok;
        }));
        return command;
    }

    public static Command Migrate()
    {
        var command = new Command("migrate", "Upgrade the workspace database to this version of repro (a backup is written first).");
        command.SetAction(_ => Program.Guard(() =>
        {
            ReproWorkspace.Migrate(Directory.GetCurrentDirectory());
            Console.WriteLine("The workspace database is up to date.");
            return ExitCodes.Ok;
        }));
        return command;
    }
}
