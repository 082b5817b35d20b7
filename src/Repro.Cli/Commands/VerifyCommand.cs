using System.CommandLine;
using System.Globalization;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Objects;
using Repro.Storage.Runs;
using Repro.Storage.Workspace;
using Spectre.Console;

namespace Repro.Cli.Commands;

/// <summary>
/// `repro verify RUN` / `repro verify --all`: checks that every object a record references is in the object store and
/// still hashes to its name. Exit 0 when all is well, 1 when anything is missing or corrupted.
/// </summary>
internal static class VerifyCommand
{
    public static Command Create()
    {
        var run = new Argument<string?>("run")
        {
            Description = "A run: unique id prefix, name, or `last`",
            Arity = ArgumentArity.ZeroOrOne,
        };
        var all = new Option<bool>("--all") { Description = "Verify every run in the workspace" };
        var json = new Option<bool>("--json") { Description = "Machine-readable JSON on stdout" };
        var command = new Command(
            "verify", "Check that the objects a run references (diff, untracked files, manifests, artifacts, log) are intact.")
        {
            run, all, json,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var reference = parse.GetValue(run);
            var everyRun = parse.GetValue(all);
            if (everyRun == (reference is not null))
            {
                throw new ReproException(
                    ErrorCode.InvalidArgument,
                    "Name one run or give --all, not both and not neither: `repro verify last` or `repro verify --all`.");
            }

            using var workspace = ReproWorkspace.Open();
            var runs = everyRun ? workspace.Runs.ListRuns(new RunQuery(Limit: int.MaxValue)) : [workspace.Runs.ResolveRun(reference!)];
            var checker = new Checker(workspace.Objects);
            var reports = runs.Select(checker.Check).ToList();
            if (parse.GetValue(json))
            {
                ReadCommands.WriteJson(reports.Select(RunReportJson.From).ToList());
            }
            else
            {
                Render(reports, everyRun);
            }

            return reports.All(r => r.Ok) ? ExitCodes.Ok : ExitCodes.Failure;
        }));
        return command;
    }

    private enum ObjectState
    {
        Ok,
        NotStored,
        Missing,
        Corrupted,
    }

    private sealed record ObjectCheck(ObjectReference Reference, ObjectState State)
    {
        public bool IsProblem => State is ObjectState.Missing or ObjectState.Corrupted;

        public string Explain() => State switch
        {
            ObjectState.Ok => "ok",
            ObjectState.NotStored => "not stored (hash recorded only)",
            ObjectState.Missing when Reference.Role == ObjectRole.Artifact =>
                "missing from the object store (a run imported from an export made without --with-artifacts has only its hash)",
            ObjectState.Missing => "missing from the object store",
            _ => "corrupted: its bytes no longer match its hash",
        };
    }

    private sealed record RunReport(RunRecord Run, IReadOnlyList<ObjectCheck> Objects)
    {
        public bool Ok => !Objects.Any(o => o.IsProblem);
    }

    /// <summary>Checks objects, re-hashing each one once even when several records share it.</summary>
    private sealed class Checker(IObjectStore store)
    {
        private readonly Dictionary<string, bool> _intact = new(StringComparer.Ordinal);

        public RunReport Check(RunRecord record) => new(record, [.. RecordObjects.Of(record).Select(CheckOne)]);

        private ObjectCheck CheckOne(ObjectReference reference)
        {
            if (!store.Exists(reference.Sha256))
            {
                return new ObjectCheck(reference, reference.MayBeUnstored ? ObjectState.NotStored : ObjectState.Missing);
            }

            if (!_intact.TryGetValue(reference.Sha256, out var intact))
            {
                intact = store.Verify(reference.Sha256);
                _intact[reference.Sha256] = intact;
            }

            return new ObjectCheck(reference, intact ? ObjectState.Ok : ObjectState.Corrupted);
        }
    }

    private static void Render(IReadOnlyList<RunReport> reports, bool everyRun)
    {
        foreach (var report in reports)
        {
            var run = report.Run;
            var intact = report.Objects.Count(o => o.State == ObjectState.Ok);
            var head = $"Run {run.Id.Short} ({Markup.Escape(run.Name)})";
            if (report.Ok)
            {
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[green]OK[/] {head}: {intact} object(s) intact"));
            }
            else
            {
                var problems = report.Objects.Count(o => o.IsProblem);
                AnsiConsole.MarkupLine(string.Create(CultureInfo.InvariantCulture, $"[red]FAILED[/] {head}: {problems} problem(s)"));
            }

            foreach (var check in report.Objects.Where(o => o.State != ObjectState.Ok))
            {
                var mark = check.IsProblem ? "[red]✗[/]" : "[blue]i[/]";
                var (role, sha, purpose) = (check.Reference.Role.Name(), check.Reference.Sha256, Markup.Escape(check.Reference.Purpose));
                AnsiConsole.MarkupLine($"  {mark} {role} {sha} ({purpose}): {Markup.Escape(check.Explain())}");
            }
        }

        var failed = reports.Count(r => !r.Ok);
        if (everyRun)
        {
            Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                $"{reports.Count} run(s) verified: {reports.Count - failed} OK, {failed} with problems."));
        }

        if (failed > 0)
        {
            Console.WriteLine(
                "Restore the missing or corrupted objects into .repro/objects from the workspace where the run was recorded "
                + "(or from a backup); a run whose objects are lost can no longer be exported or fully reproduced.");
        }
    }

    private sealed record ObjectJson(string Sha256, string Role, string Purpose, string State);

    private sealed record RunReportJson(string Id, string Name, bool Ok, IReadOnlyList<ObjectJson> Objects)
    {
        public static RunReportJson From(RunReport report) => new(
            report.Run.Id.Value,
            report.Run.Name,
            report.Ok,
            [.. report.Objects.Select(o =>
                new ObjectJson(o.Reference.Sha256, o.Reference.Role.Name(), o.Reference.Purpose, StateName(o.State)))]);

        private static string StateName(ObjectState state) => state switch
        {
            ObjectState.Ok => "ok",
            ObjectState.NotStored => "notStored",
            ObjectState.Missing => "missing",
            _ => "corrupted",
        };
    }
}
