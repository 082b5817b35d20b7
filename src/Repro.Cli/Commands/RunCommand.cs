using System.CommandLine;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Commands;

internal static class RunCommand
{
    public static Command Create()
    {
        var name = new Option<string?>("--name") { Description = "Run name (default: a generated one)" };
        var experiment = new Option<string?>("--experiment") { Description = "Experiment to file the run under (default: Default)" };
        var seed = new Option<string?>("--seed") { Description = "Master seed, 0..4294967295 (default: drawn from the OS and recorded)" };
        var param = new Option<string[]>("--param") { Description = "A parameter key=value, passed to the command in REPRO_PARAMS (repeatable)" };
        var tag = new Option<string[]>("--tag") { Description = "A tag key=value (repeatable)" };
        var deterministic = new Option<bool>("--deterministic") { Description = "Ask for deterministic maths: sets REPRO_DETERMINISTIC=1 for the command" };
        var threads = new Option<int?>("--threads") { Description = "Thread count for the command's maths: sets REPRO_THREADS" };
        var data = new Option<string[]>("--data") { Description = "A data input (file or directory) to fingerprint before the command starts (repeatable)" };
        var skipUnreadable = new Option<bool>("--skip-unreadable") { Description = "Leave unreadable data files out of the fingerprint (listed as warnings) instead of refusing" };
        var resume = new Option<string?>("--resume") { Description = "Continue RUN from its last checkpoint, as a new run linked to it (same seed, params and mode unless given)" };
        var cmd = new Argument<string[]>("command") { Description = "The command to run, after -- (with --resume: default the resumed run's)", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("run", "Run a command and record everything that determines its result.")
        {
            name, experiment, seed, param, tag, deterministic, threads, data, skipUnreadable, resume, cmd,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var argv = CommandArgs.Get(parse, cmd, "run");

            var threadCount = parse.GetValue(threads);
            if (threadCount is < 1 or > 4096)
            {
                throw new ReproException(ErrorCode.InvalidArgument, $"--threads must be between 1 and 4096, not {threadCount}.");
            }

            var invocation = new RunInvocation
            {
                Command = argv,
                Deterministic = parse.GetValue(deterministic),
                Threads = threadCount,
                DataPaths = parse.GetValue(data) ?? [],
                SkipUnreadable = parse.GetValue(skipUnreadable),
                WorkingDirectory = Directory.GetCurrentDirectory(),
                Name = parse.GetValue(name),
                Experiment = parse.GetValue(experiment),
                Seed = parse.GetValue(seed) is { } s ? Seeds.Parse(s) : null,
                Params = KeyValues.Parse(parse.GetValue(param), "--param").Select(kv => new Param(kv.Key, kv.Value, ParamSource.Cli)).ToList(),
                Tags = KeyValues.Parse(parse.GetValue(tag), "--tag").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
            using var workspace = Workspaces.OpenForRuns(invocation.WorkingDirectory);
            if (parse.GetValue(resume) is { } resumeRef)
            {
                invocation = Resumption.Prepare(workspace, resumeRef, invocation, parse.GetValue(seed) is not null, parse.GetValue(deterministic));
            }
            else if (invocation.Command.Count == 0)
            {
                throw new ReproException(ErrorCode.InvalidArgument, "No command given. Put it after `--`, e.g. `repro run -- python train.py`.");
            }

            var result = RunLauncher.Launch(workspace, invocation, Console.Error);
            return result.ExitCode;
        }));
        return command;
    }
}

internal static class CommandArgs
{
    /// <summary>The command after `--`; an unknown option before it lands here too, and is refused by name.</summary>
    public static string[] Get(ParseResult parse, Argument<string[]> argument, string verb)
    {
        ArgumentNullException.ThrowIfNull(parse);
        var argv = parse.GetValue(argument) ?? [];
        if (argv.Length > 0 && argv[0].StartsWith('-'))
        {
            throw new ReproException(
                ErrorCode.InvalidArgument,
                $"Unknown option '{argv[0]}' for `repro {verb}`. Put the command after `--`: repro {verb} [options] -- <command> [args...]" +
                $" (see `repro {verb} --help`).");
        }

        return argv;
    }
}

internal static class KeyValues
{
    /// <summary>Parses key=value pairs; the value may contain '=' (only the first one splits). Later duplicates win.</summary>
    public static IReadOnlyList<KeyValuePair<string, string>> Parse(IEnumerable<string>? items, string option)
    {
        var result = new List<KeyValuePair<string, string>>();
        foreach (var item in items ?? [])
        {
            var eq = item.IndexOf('=', StringComparison.Ordinal);
            if (eq <= 0)
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    eq == 0
                        ? $"{option} '{item}' has an empty key. Write {option} key=value, e.g. {option} lr=0.1."
                        : $"{option} '{item}' has no '='. Write {option} key=value, e.g. {option} lr=0.1.");
            }

            var key = item[..eq].Trim();
            result.RemoveAll(kv => kv.Key == key);
            result.Add(new KeyValuePair<string, string>(key, item[(eq + 1)..]));
        }

        return result;
    }
}
