using System.CommandLine;
using System.Globalization;
using System.Text.Json;
using Repro.Capture;
using Repro.Cli.Running;
using Repro.Core.Data;
using Repro.Core.Diffing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Core.Verdicts;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>`repro reproduce RUN`: rebuild what the record says, run it again, and give a verdict.</summary>
internal static class ReproduceCommand
{
    public static Command Create()
    {
        var run = new Argument<string>("run") { Description = "The run to reproduce (id prefix, name or `last`)" };
        var into = new Option<string?>("--in") { Description = "Directory for the rebuilt code (kept afterwards); default: a temporary git worktree, removed afterwards" };
        var toleranceFile = new Option<string?>("--tolerance") { Description = "JSON file of tolerances: {\"rtol\":1e-5,\"atol\":1e-8,\"metrics\":{\"val_accuracy\":{\"atol\":0.01}}}" };
        var rtol = new Option<double?>("--rtol") { Description = "Relative tolerance for every metric (default 1e-5)" };
        var atol = new Option<double?>("--atol") { Description = "Absolute tolerance for every metric (default 1e-8)" };
        var drift = new Option<bool>("--allow-data-drift") { Description = "Run even when a data input no longer has its recorded fingerprint" };
        var command = new Command("reproduce", "Re-run a past run from its record and say whether the result reproduced (IDENTICAL, EQUIVALENT or DIVERGED).")
        {
            run, into, toleranceFile, rtol, atol, drift,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            if (parse.GetValue(toleranceFile) is not null && (parse.GetValue(rtol) is not null || parse.GetValue(atol) is not null))
            {
                throw new ReproException(ErrorCode.InvalidArgument, "Give either --tolerance FILE or --rtol/--atol, not both.");
            }

            var tolerances = parse.GetValue(toleranceFile) is { } file
                ? LoadTolerances(file)
                : new ToleranceSpec(new Tolerance(parse.GetValue(rtol) ?? Tolerance.Default.Rtol, parse.GetValue(atol) ?? Tolerance.Default.Atol),
                    new Dictionary<string, Tolerance>());
            var cwd = Directory.GetCurrentDirectory();
            using var workspace = Workspaces.OpenForRuns(cwd);
            var original = workspace.Runs.ResolveRun(parse.GetValue(run)!);
            var verdict = Reproduce(workspace, original, new ReproduceOptions(parse.GetValue(into), tolerances, parse.GetValue(drift)), cwd, Console.Error);
            return verdict.Kind == VerdictKind.Diverged ? ExitCodes.VerdictNotMet : ExitCodes.Ok;
        }));
        return command;
    }

    internal sealed record ReproduceOptions(string? Directory, ToleranceSpec Tolerances, bool AllowDataDrift, bool Quiet = false);

    internal static Verdict Reproduce(ReproWorkspace workspace, RunRecord original, ReproduceOptions options, string cwd, TextWriter messages)
    {
        RequireObjects(workspace, original);
        messages.WriteLine($"repro: reproducing run {original.Id.Short} ({original.Name}): `{Rendering.Format.CommandLine(original.Command)}`, seed {original.Seed}" +
            (original.Deterministic ? ", deterministic" : "") + (original.Threads is { } t ? string.Create(CultureInfo.InvariantCulture, $", {t} thread(s)") : ""));

        CodeCheckout? checkout = null;
        var workingDirectory = original.WorkingDirectory;
        if (original.Code.IsGitRepository)
        {
            var repository = CodeCheckout.FindRepository(original.Code, cwd);
            var directory = options.Directory is { } d ? Path.GetFullPath(d) : Path.Combine(workspace.TempDirectory, "reproduce-" + RunId.New().Short);
            checkout = CodeCheckout.Create(workspace, original.Code, repository, directory);
            var relative = original.Code.Root is { } root ? Path.GetRelativePath(root, original.WorkingDirectory) : ".";
            workingDirectory = Path.GetFullPath(Path.Combine(checkout.Directory, relative.StartsWith("..", StringComparison.Ordinal) ? "." : relative));
            Directory.CreateDirectory(workingDirectory);
            messages.WriteLine($"repro: code: commit {original.Code.Commit![..12]}" + (original.Code.DiffSha256 is null ? "" : " + the recorded uncommitted diff") +
                $", checked out in {checkout.Directory} (your working tree is untouched)");
            foreach (var w in checkout.Warnings)
            {
                messages.WriteLine("repro: warning: " + w);
            }
        }
        else
        {
            messages.WriteLine("repro: warning: the run was not recorded in a git repository; it runs again on the code now in " + original.WorkingDirectory);
            if (!Directory.Exists(workingDirectory))
            {
                throw new ReproException(ErrorCode.NotFound, $"The run's working directory {workingDirectory} no longer exists.");
            }
        }

        try
        {
            var dataPaths = PrepareData(workspace, original, workingDirectory, options.AllowDataDrift, messages);
            WarnEnvironment(original, workingDirectory, messages);
            var result = RunLauncher.Launch(workspace, new RunInvocation
            {
                Command = original.Command,
                WorkingDirectory = workingDirectory,
                Name = original.Name + "-repro",
                Experiment = original.Experiment,
                Seed = original.Seed,
                Params = [.. original.Params.Where(p => p.Source is ParamSource.Cli or ParamSource.Sweep)],
                Tags = new Dictionary<string, string>(original.Tags, StringComparer.Ordinal),
                Deterministic = original.Deterministic,
                Threads = original.Threads,
                DataPaths = dataPaths,
                Lineage = new RunLineage { ReproductionOf = original.Id, Group = original.Lineage.Group },
                StandardOutput = options.Quiet ? Stream.Null : null,
                StandardError = options.Quiet ? Stream.Null : null,
            }, messages);

            var reproduction = result.Record;
            var material = new DiffMaterial
            {
                LeftSeries = MetricSeries.Of(workspace, original),
                RightSeries = MetricSeries.Of(workspace, reproduction),
                DataChanges = DataInputs.Changes(workspace, original, reproduction),
            };
            var verdict = VerdictJudge.Judge(original, reproduction, material, options.Tolerances);
            workspace.Runs.Write(new RunWriteBatch(reproduction.Id) { Verdict = verdict });
            Render(verdict, reproduction);
            return verdict;
        }
        finally
        {
            if (checkout is not null && options.Directory is null)
            {
                checkout.Remove();
            }
        }
    }

    private static void RequireObjects(ReproWorkspace workspace, RunRecord run)
    {
        var needed = new List<(string Sha, string What)>();
        if (run.Code.DiffSha256 is { } diff)
        {
            needed.Add((diff, "the uncommitted diff"));
        }

        needed.AddRange(run.Inputs.Select(i => (i.ManifestSha256, $"the manifest of data input {i.Path}")));
        var problems = needed
            .Where(n => !workspace.Objects.Exists(n.Sha) || !workspace.Objects.Verify(n.Sha))
            .Select(n => $"{n.What} (sha256 {n.Sha[..12]}) is {(workspace.Objects.Exists(n.Sha) ? "corrupted" : "missing")}")
            .ToList();
        if (problems.Count > 0)
        {
            throw new ReproException(ErrorCode.Corrupted,
                $"Run {run.Id.Short}'s record cannot be reproduced: {string.Join("; ", problems)}. See `repro verify {run.Id.Short}`.");
        }
    }

    /// <summary>Checks each input still has its recorded fingerprint; links inputs that live outside the checkout into it.</summary>
    private static List<string> PrepareData(ReproWorkspace workspace, RunRecord original, string workingDirectory, bool allowDrift, TextWriter messages)
    {
        var paths = new List<string>();
        foreach (var input in original.Inputs)
        {
            var recordedFull = Path.GetFullPath(Path.Combine(original.WorkingDirectory, input.Path));
            var localFull = Path.GetFullPath(Path.Combine(workingDirectory, input.Path));
            if (!File.Exists(localFull) && !Directory.Exists(localFull))
            {
                if (!File.Exists(recordedFull) && !Directory.Exists(recordedFull))
                {
                    throw new ReproException(ErrorCode.NotFound,
                        $"Data input '{input.Path}' is missing: nothing at {recordedFull}. Put the data back there (root {input.RootHash[..16]}, {input.FileCount} files) and try again.");
                }

                Directory.CreateDirectory(Path.GetDirectoryName(localFull)!);
                File.CreateSymbolicLink(localFull, recordedFull);
            }

            var now = Capture.Data.DataFingerprinter.Fingerprint(localFull, DataInputs.Options(workspace, skipUnreadable: false));
            if (now.Root != input.RootHash)
            {
                var diff = ManifestDiff.Compare(DataInputs.LoadManifest(workspace, input.ManifestSha256), now.Manifest);
                var message = $"data input '{input.Path}' has changed since the run: {DataInputs.Describe(diff)}";
                if (!allowDrift)
                {
                    throw new ReproException(ErrorCode.Conflict, message + ". Restore the data, or pass --allow-data-drift to run on it anyway.");
                }

                messages.WriteLine("repro: warning: " + message + " (running anyway: --allow-data-drift)");
            }
            else
            {
                messages.WriteLine(string.Create(CultureInfo.InvariantCulture, $"repro: data {input.Path}: unchanged ({input.FileCount} files, root {input.RootHash[..16]})"));
            }

            paths.Add(input.Path);
        }

        return paths;
    }

    private static void WarnEnvironment(RunRecord original, string workingDirectory, TextWriter messages)
    {
        var now = EnvironmentCapture.Capture(new EnvironmentCaptureOptions { Command = original.Command, WorkingDirectory = workingDirectory });
        var probe = original with { Environment = now };
        foreach (var item in RunDiff.Compare(original, probe).Items.Where(i => i.Category == DiffCategory.Environment && i.Note is not null && !i.Key.StartsWith("env REPRO_", StringComparison.Ordinal)))
        {
            messages.WriteLine($"repro: warning: environment {item.Key}: {item.Left} → {item.Right} ({item.Note})");
        }
    }

    private static void Render(Verdict verdict, RunRecord reproduction)
    {
        var color = verdict.Kind switch { VerdictKind.Identical => "green", VerdictKind.Equivalent => "yellow", _ => "red" };
        AnsiConsole.MarkupLine($"[bold {color}]{Markup.Escape(verdict.Summary)}[/]");
        AnsiConsole.MarkupLine($"reproduction recorded as run {reproduction.Id.Short} ({Markup.Escape(reproduction.Name)})");
        if (verdict.Kind == VerdictKind.Identical)
        {
            return;
        }

        foreach (var m in verdict.Metrics.Where(m => !m.BitEqualSeries))
        {
            AnsiConsole.MarkupLine(Markup.Escape($"  {m.Key}: {Fmt(m.Original)} → {Fmt(m.Reproduced)}  " +
                (m.WithinTolerance ? "within" : "outside") + string.Create(CultureInfo.InvariantCulture, $" tolerance (rtol {m.Tolerance.Rtol}, atol {m.Tolerance.Atol})") +
                (m.FirstDivergentStep is { } s ? string.Create(CultureInfo.InvariantCulture, $"; series first differs at step {s}") : "")));
        }

        foreach (var a in verdict.ArtifactDifferences)
        {
            AnsiConsole.MarkupLine(Markup.Escape("  artifact " + a));
        }

        if (verdict.PossibleCauses.Count > 0)
        {
            AnsiConsole.MarkupLine("differences that could explain it:");
            foreach (var c in verdict.PossibleCauses)
            {
                AnsiConsole.MarkupLine(Markup.Escape("  - " + c));
            }
        }

        static string Fmt(double? v) => v is { } x ? Rendering.Format.Exact(x) : "(absent)";
    }

    private static ToleranceSpec LoadTolerances(string file)
    {
        try
        {
            using var doc = JsonDocument.Parse(File.ReadAllText(file));
            var root = doc.RootElement;
            Tolerance Read(JsonElement e, Tolerance fallback) => new(
                e.TryGetProperty("rtol", out var r) ? r.GetDouble() : fallback.Rtol,
                e.TryGetProperty("atol", out var a) ? a.GetDouble() : fallback.Atol);
            var defaults = Read(root, Tolerance.Default);
            var perMetric = new Dictionary<string, Tolerance>(StringComparer.Ordinal);
            if (root.TryGetProperty("metrics", out var metrics))
            {
                foreach (var m in metrics.EnumerateObject())
                {
                    perMetric[m.Name] = Read(m.Value, defaults);
                }
            }

            return new ToleranceSpec(defaults, perMetric);
        }
        catch (Exception e) when (e is IOException or JsonException or InvalidOperationException or FormatException)
        {
            throw new ReproException(ErrorCode.InvalidArgument,
                $"Tolerance file {file} could not be read ({e.Message}). Expected JSON like {{\"rtol\":1e-5,\"atol\":1e-8,\"metrics\":{{\"val_accuracy\":{{\"atol\":0.01}}}}}}.");
        }
    }
}
