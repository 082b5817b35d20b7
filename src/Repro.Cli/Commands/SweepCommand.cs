using System.Collections.Concurrent;
using System.CommandLine;
using System.Diagnostics;
using System.Globalization;
using System.Runtime.InteropServices;
using Repro.Cli.Running;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro sweep`: run configs × seeds as one group, a few at a time.</summary>
internal static class SweepCommand
{
    public static Command Create()
    {
        var seeds = new Option<int?>("--seeds") { Description = "How many seeds per config (drawn from the group seed and recorded)" };
        var seedList = new Option<string?>("--seed-list") { Description = "Explicit seeds, e.g. 1,2,3" };
        var param = new Option<string[]>("--param") { Description = "key=v1,v2,... (repeatable; \\, for a literal comma)" };
        var parallel = new Option<int?>("--parallel") { Description = "At most this many runs at once (default: number of cores)" };
        var name = new Option<string?>("--name") { Description = "Group name (default: sweep-<id>)" };
        var groupSeed = new Option<string?>("--group-seed") { Description = "Master seed the run seeds are drawn from (default: drawn and recorded)" };
        var deterministic = new Option<bool>("--deterministic") { Description = "Run every command in deterministic mode" };
        var threads = new Option<int?>("--threads") { Description = "REPRO_THREADS for every run" };
        var resume = new Option<string?>("--resume") { Description = "Finish an interrupted sweep: run what is missing, failed or interrupted" };
        var yes = new Option<bool>("--yes") { Description = $"Allow a sweep of more than {SweepPlan.ConfirmAbove} runs" };
        var cmd = new Argument<string[]>("command") { Description = "The command, after --", Arity = ArgumentArity.ZeroOrMore };
        var command = new Command("sweep", "Run every combination of parameter values over several seeds, as one group.")
        {
            seeds, seedList, param, parallel, name, groupSeed, deterministic, threads, resume, yes, cmd,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var cwd = Directory.GetCurrentDirectory();
            using var workspace = Workspaces.OpenForRuns(cwd);
            SweepPlan plan;
            if (parse.GetValue(resume) is { } group)
            {
                plan = SweepPlan.Load(workspace, group);
            }
            else
            {
                var argv = CommandArgs.Get(parse, cmd, "sweep");
                if (argv.Length == 0)
                {
                    throw new ReproException(ErrorCode.InvalidArgument, "No command given. Put it after `--`: repro sweep --seeds 5 --param lr=0.1,0.01 -- python train.py");
                }

                var list = ParseSeedList(parse.GetValue(seedList));
                var count = parse.GetValue(seeds);
                if ((count is null) == (list is null))
                {
                    throw new ReproException(ErrorCode.InvalidArgument, "Give either --seeds N or --seed-list 1,2,3 (one of them).");
                }

                if (count is < 1)
                {
                    throw new ReproException(ErrorCode.InvalidArgument, $"--seeds must be at least 1, not {count}.");
                }

                var master = parse.GetValue(groupSeed) is { } gs ? Seeds.Parse(gs) : Seeds.Draw();
                var axes = (parse.GetValue(param) ?? []).Select(SweepPlan.ParseAxis).ToList();
                var configs = SweepPlan.Product(axes);
                var runSeeds = SweepPlan.Seeds(master, count, list);
                var total = (long)configs.Count * runSeeds.Count;
                if (total > SweepPlan.ConfirmAbove && !parse.GetValue(yes))
                {
                    throw new ReproException(ErrorCode.InvalidArgument,
                        $"This sweep would start {total} runs ({configs.Count} configs × {runSeeds.Count} seeds). Add --yes if you mean it.");
                }

                plan = new SweepPlan(parse.GetValue(name) ?? "sweep-" + RunId.New().Short, master, argv,
                    [.. configs.SelectMany(c => runSeeds.Select(s => new SweepCell(c, s)))], parse.GetValue(deterministic), parse.GetValue(threads));
                if (File.Exists(SweepPlan.PathOf(workspace, plan.Group)))
                {
                    throw new ReproException(ErrorCode.AlreadyExists, $"A sweep named '{plan.Group}' exists. Pick another --name, or finish it with --resume {plan.Group}.");
                }

                plan.Save(workspace);
            }

            var p = parse.GetValue(parallel) ?? Environment.ProcessorCount;
            if (p < 1)
            {
                throw new ReproException(ErrorCode.InvalidArgument, $"--parallel must be at least 1, not {p}.");
            }

            return Execute(workspace, plan, p, cwd, Console.Out);
        }));
        return command;
    }

    private static List<long>? ParseSeedList(string? text) =>
        text is null ? null : [.. text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries).Select(Seeds.Parse)];

    internal static int Execute(ReproWorkspace workspace, SweepPlan plan, int parallel, string cwd, TextWriter output)
    {
        var done = SweepPlan.RunsOf(workspace, plan.Group)
            .Where(r => r.Status == RunStatus.Finished)
            .Select(r => (Label: Label(r), r.Seed))
            .ToHashSet();
        var todo = plan.Cells.Where(c => !done.Contains((c.ConfigLabel, c.Seed))).ToList();
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sweep {plan.Group}: {plan.Cells.Count} runs ({plan.Cells.Select(c => c.ConfigLabel).Distinct().Count()} configs × {plan.Cells.Select(c => c.Seed).Distinct().Count()} seeds, group seed {plan.GroupSeed}); ") +
            (done.Count > 0 ? string.Create(CultureInfo.InvariantCulture, $"{plan.Cells.Count - todo.Count} already finished; ") : "") +
            string.Create(CultureInfo.InvariantCulture, $"running {todo.Count}, at most {parallel} at once"));

        using var stop = new CancellationTokenSource();
        using var sigint = OperatingSystem.IsWindows() ? null : PosixSignalRegistration.Create(PosixSignal.SIGINT, ctx =>
        {
            ctx.Cancel = true;
            if (!stop.IsCancellationRequested)
            {
                output.WriteLine($"sweep: interrupted; no new runs start, running ones are stopped and marked. Finish later with: repro sweep --resume {plan.Group}");
                stop.Cancel();
            }
        });

        var failed = new ConcurrentBag<string>();
        int finished = 0, running = 0, started = 0;
        var clock = Stopwatch.StartNew();
        var gate = new Lock();
        var live = ReferenceEquals(output, Console.Out) && !Console.IsOutputRedirected && AnsiConsole.Profile.Capabilities.Interactive;
        ProgressTask? bar = null;
        void Report(RunRecord record, SweepCell cell, int n)
        {
            var left = todo.Count - n;
            var eta = n == 0 ? TimeSpan.Zero : TimeSpan.FromSeconds(clock.Elapsed.TotalSeconds / n * left);
            var status = string.Create(CultureInfo.InvariantCulture,
                $"{Volatile.Read(ref running)} running, {failed.Count} failed, ~{Rendering.Format.Duration(eta)} left");
            lock (gate)
            {
                if (bar is not null)
                {
                    bar.Increment(1);
                    bar.Description = string.Create(CultureInfo.InvariantCulture, $"{plan.Group}: {n}/{todo.Count} done, {status}");
                    if (record.Status != RunStatus.Finished)
                    {
                        AnsiConsole.MarkupLine(Markup.Escape($"{record.Id.Short} {record.Status.ToWire()} {cell.ConfigLabel} seed {cell.Seed}"));
                    }
                }
                else
                {
                    output.WriteLine(string.Create(CultureInfo.InvariantCulture,
                        $"[{n}/{todo.Count}] {record.Id.Short} {record.Status.ToWire(),-11} {cell.ConfigLabel} seed {cell.Seed}   ({status})"));
                }
            }
        }

        void RunAll() => Parallel.ForEach(todo, new ParallelOptions { MaxDegreeOfParallelism = parallel }, cell =>
        {
            if (stop.IsCancellationRequested)
            {
                return;
            }

            Interlocked.Increment(ref running);
            var index = Interlocked.Increment(ref started);
            var result = RunLauncher.Launch(workspace, new RunInvocation
            {
                Command = plan.Command,
                WorkingDirectory = cwd,
                Name = $"{plan.Group}-{index}",
                Seed = cell.Seed,
                Params = [.. cell.Config.Select(kv => new Param(kv.Key, kv.Value, ParamSource.Sweep))],
                Deterministic = plan.Deterministic,
                Threads = plan.Threads,
                Lineage = new RunLineage { Group = plan.Group },
                Tags = new Dictionary<string, string> { ["sweep.config"] = cell.ConfigLabel },
                StandardOutput = Stream.Null,
                StandardError = Stream.Null,
            }, TextWriter.Null);
            Interlocked.Decrement(ref running);
            if (result.Record.Status != RunStatus.Finished)
            {
                failed.Add($"{result.Record.Id.Short} {cell.ConfigLabel} seed {cell.Seed}: {result.Record.Status.ToWire()}" +
                    (result.Record.ExitCode is { } code ? string.Create(CultureInfo.InvariantCulture, $" (exit {code})") : result.Record.Signal is { } s ? $" ({s})" : ""));
            }

            Report(result.Record, cell, Interlocked.Increment(ref finished));
        });

        if (live)
        {
            // On a terminal: one live bar (done, running, failed, time left); piped: one plain line per finished run.
            AnsiConsole.Progress().AutoClear(false).Columns(new ProgressBarColumn(), new PercentageColumn(), new TaskDescriptionColumn())
                .Start(ctx =>
                {
                    bar = ctx.AddTask(plan.Group, maxValue: Math.Max(1, todo.Count));
                    RunAll();
                });
        }
        else
        {
            RunAll();
        }

        var notStarted = todo.Count - started;
        output.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"sweep {plan.Group}: {finished - failed.Count} finished, {failed.Count} failed or stopped, {notStarted} not started, in {Rendering.Format.Duration(clock.Elapsed)}"));
        foreach (var f in failed.Order(StringComparer.Ordinal))
        {
            output.WriteLine("  not finished: " + f);
        }

        if (stop.IsCancellationRequested || notStarted > 0)
        {
            output.WriteLine($"Finish it with: repro sweep --resume {plan.Group}");
            return ExitCodes.Cancelled;
        }

        output.WriteLine($"Summarize it with: repro stats {plan.Group}");
        return failed.IsEmpty ? ExitCodes.Ok : ExitCodes.Failure;
    }

    /// <summary>The config label of a sweep run: its sweep params.</summary>
    internal static string Label(RunRecord run) =>
        SweepPlan.Label(run.Params.Where(p => p.Source == ParamSource.Sweep).ToDictionary(p => p.Key, p => p.Value, StringComparer.Ordinal));
}
