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
        var cmd = new Argument<string[]>("command") { Description = "The command to run, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("run", "Run a command and record everything that determines its result.")
        {
            name, experiment, seed, param, tag, cmd,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var argv = parse.GetValue(cmd) ?? [];
            if (argv.Length > 0 && argv[0].StartsWith('-'))
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    $"Unknown option '{argv[0]}' for `repro run`. Put the command after `--`: repro run [options] -- <command> [args...]" +
                    " (see `repro run --help`).");
            }

            var invocation = new RunInvocation
            {
                Command = argv,
                WorkingDirectory = Directory.GetCurrentDirectory(),
                Name = parse.GetValue(name),
                Experiment = parse.GetValue(experiment),
                Seed = parse.GetValue(seed) is { } s ? Seeds.Parse(s) : null,
                Params = KeyValues.Parse(parse.GetValue(param), "--param").Select(kv => new Param(kv.Key, kv.Value, ParamSource.Cli)).ToList(),
                Tags = KeyValues.Parse(parse.GetValue(tag), "--tag").ToDictionary(kv => kv.Key, kv => kv.Value, StringComparer.Ordinal),
            };
            using var workspace = ReproWorkspace.Open(invocation.WorkingDirectory);
            var result = RunLauncher.Launch(workspace, invocation, Console.Error);
            return result.ExitCode;
        }));
        return command;
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
