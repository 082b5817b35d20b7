using System.CommandLine;
using System.Globalization;
using Repro.Capture.Data;
using Repro.Cli.Rendering;
using Repro.Cli.Running;
using Repro.Core.Data;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro data status` and `repro data diff`: what changed in a data input, file by file.</summary>
internal static class DataCommand
{
    private const int NamesShown = 10;

    public static Command Create()
    {
        var data = new Command("data", "Data fingerprints: has a dataset changed since a run used it?");
        data.Subcommands.Add(Status());
        data.Subcommands.Add(Diff());
        return data;
    }

    private static Command Status()
    {
        var path = new Argument<string>("path") { Description = "A data file or directory" };
        var against = new Option<string?>("--against") { Description = "Compare with the input of this run (default: the newest run that used PATH)" };
        var skip = new Option<bool>("--skip-unreadable") { Description = "Leave unreadable files out instead of refusing" };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("status", "Fingerprint PATH now and compare it with what a run recorded.") { path, against, skip, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            var cwd = Directory.GetCurrentDirectory();
            using var workspace = ReproWorkspace.Open(cwd);
            var given = parse.GetValue(path)!;
            var full = Path.GetFullPath(given);
            if (!File.Exists(full) && !Directory.Exists(full))
            {
                throw new ReproException(ErrorCode.NotFound, $"Data path '{given}' does not exist (looked at {full}).");
            }

            var now = DataFingerprinter.Fingerprint(full, DataInputs.Options(workspace, parse.GetValue(skip)));
            var (run, input) = FindRecorded(workspace, full, parse.GetValue(against));
            var diff = input is null ? null : ManifestDiff.Compare(DataInputs.LoadManifest(workspace, input.ManifestSha256), now.Manifest);
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(new
                {
                    path = full,
                    root = now.Root,
                    files = now.FileCount,
                    bytes = now.TotalBytes,
                    filesReadAgain = now.FilesHashed,
                    filesFromCache = now.FilesFromCache,
                    warnings = now.Warnings,
                    against = run is null ? null : new { run = run.Id.Value, input = input!.Path, root = input.RootHash },
                    changes = diff is null ? null : Changes(diff),
                });
                return ExitCodes.Ok;
            }

            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{full}: {now.FileCount} file(s), {Format.Bytes(now.TotalBytes)}, root {now.Root} ({now.FilesFromCache} unchanged file(s) not re-read)"));
            foreach (var w in now.Warnings)
            {
                Console.WriteLine("warning: " + w);
            }

            if (run is null || diff is null)
            {
                Console.WriteLine("No run recorded this input yet; nothing to compare with.");
                return ExitCodes.Ok;
            }

            Console.WriteLine($"Compared with run {run.Id.Short} ({run.Name}), input '{input!.Path}' recorded {Format.Time(run.StartTime)}:");
            PrintDiff(diff);
            return ExitCodes.Ok;
        }));
        return command;
    }

    private static Command Diff()
    {
        var a = new Argument<string>("run-a") { Description = "The first run" };
        var b = new Argument<string>("run-b") { Description = "The second run" };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command("diff", "Files added, removed and changed between the data inputs of two runs.") { a, b, json };
        command.SetAction(parse => Program.Guard(() =>
        {
            using var workspace = ReproWorkspace.Open();
            var left = workspace.Runs.ResolveRun(parse.GetValue(a)!);
            var right = workspace.Runs.ResolveRun(parse.GetValue(b)!);
            if (left.Inputs.Count == 0 && right.Inputs.Count == 0)
            {
                throw new ReproException(ErrorCode.NotFound,
                    $"Neither run {left.Id.Short} nor {right.Id.Short} recorded data inputs. Record them with `repro run --data PATH -- ...`.");
            }

            var pairs = DataInputs.Pair(left, right)
                .Select(p => (p.Name, p.Left, p.Right,
                    Diff: p.Left is not null && p.Right is not null
                        ? ManifestDiff.Compare(DataInputs.LoadManifest(workspace, p.Left.ManifestSha256), DataInputs.LoadManifest(workspace, p.Right.ManifestSha256))
                        : null))
                .ToList();
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(pairs.Select(p => new
                {
                    input = p.Name,
                    left = p.Left?.RootHash,
                    right = p.Right?.RootHash,
                    identical = p.Diff?.IsEmpty,
                    changes = p.Diff is null ? null : Changes(p.Diff),
                }).ToList());
                return ExitCodes.Ok;
            }

            foreach (var (name, l, r, diff) in pairs)
            {
                AnsiConsole.MarkupLine($"[bold]{Markup.Escape(name)}[/]");
                if (diff is null)
                {
                    Console.WriteLine(l is null ? $"  only in {right.Id.Short}" : $"  only in {left.Id.Short}");
                }
                else
                {
                    PrintDiff(diff);
                }
            }

            return ExitCodes.Ok;
        }));
        return command;
    }

    private static (RunRecord? Run, DataInput? Input) FindRecorded(ReproWorkspace workspace, string fullPath, string? against)
    {
        bool Matches(RunRecord r, DataInput i) =>
            string.Equals(Path.GetFullPath(Path.Combine(r.WorkingDirectory, i.Path)).TrimEnd('/'), fullPath.TrimEnd('/'), StringComparison.Ordinal);

        if (against is not null)
        {
            var run = workspace.Runs.ResolveRun(against);
            if (run.Inputs.Count == 0)
            {
                throw new ReproException(ErrorCode.NotFound, $"Run {run.Id.Short} recorded no data inputs.");
            }

            var input = run.Inputs.FirstOrDefault(i => Matches(run, i)) ?? (run.Inputs.Count == 1 ? run.Inputs[0] : null)
                ?? throw new ReproException(ErrorCode.NotFound,
                    $"Run {run.Id.Short} recorded no input at {fullPath}; its inputs: {string.Join(", ", run.Inputs.Select(i => i.Path))}.");
            return (run, input);
        }

        foreach (var run in workspace.Runs.ListRuns(new RunQuery(Limit: 500)))
        {
            var input = run.Inputs.FirstOrDefault(i => Matches(run, i));
            if (input is not null)
            {
                return (run, input);
            }
        }

        return (null, null);
    }

    private static object Changes(ManifestDiff d) => new
    {
        unchanged = d.IsEmpty,
        added = new { count = d.AddedCount, bytes = d.AddedBytes, first = d.Added.Take(NamesShown).Select(e => e.Path) },
        removed = new { count = d.RemovedCount, bytes = d.RemovedBytes, first = d.Removed.Take(NamesShown).Select(e => e.Path) },
        changed = new { count = d.ChangedCount, bytesBefore = d.ChangedBytesBefore, bytesAfter = d.ChangedBytesAfter, first = d.Changed.Take(NamesShown).Select(e => e.Path) },
    };

    private static void PrintDiff(ManifestDiff d)
    {
        if (d.IsEmpty)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"  unchanged ({d.UnchangedCount} file(s), root {d.RootAfter[..16]})"));
            return;
        }

        Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
            $"  + {d.AddedCount} added ({Format.Bytes(d.AddedBytes)})   − {d.RemovedCount} removed ({Format.Bytes(d.RemovedBytes)})   ~ {d.ChangedCount} changed   = {d.UnchangedCount} unchanged"));
        void Names(string mark, IEnumerable<string> names, int count)
        {
            foreach (var n in names.Take(NamesShown))
            {
                Console.WriteLine($"    {mark} {DataPathName.Quote(n)}");
            }

            if (count > NamesShown)
            {
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture, $"    {mark} ... and {count - NamesShown} more"));
            }
        }

        Names("+", d.Added.Select(e => e.Path), d.AddedCount);
        Names("−", d.Removed.Select(e => e.Path), d.RemovedCount);
        Names("~", d.Changed.Select(e => e.Path), d.ChangedCount);
    }
}
