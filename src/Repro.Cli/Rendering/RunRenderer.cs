using System.Globalization;
using Repro.Core.Runs;
using Spectre.Console;
using Spectre.Console.Rendering;

namespace Repro.Cli.Rendering;

/// <summary>Pure renderables for run records: tables on a terminal, the same text (no colour) when piped.</summary>
internal static class RunRenderer
{
    public static string StatusMarkup(RunStatus status) => status switch
    {
        RunStatus.Finished => "[green]FINISHED[/]",
        RunStatus.Running => "[blue]RUNNING[/]",
        RunStatus.Failed => "[red]FAILED[/]",
        RunStatus.Killed => "[red]KILLED[/]",
        RunStatus.Interrupted => "[yellow]INTERRUPTED[/]",
        _ => status.ToWire(),
    };

    public static string VerdictMarkup(Core.Verdicts.Verdict verdict) => verdict.Kind switch
    {
        Core.Verdicts.VerdictKind.Identical => "[green]IDENTICAL[/]",
        Core.Verdicts.VerdictKind.Equivalent => "[yellow]EQUIVALENT[/]",
        _ => "[red]DIVERGED[/]",
    };

    /// <summary>The metric keys most runs share (up to three), for the `ls` table.</summary>
    public static IReadOnlyList<string> MainMetrics(IReadOnlyList<RunRecord> runs) =>
        runs.SelectMany(r => r.LatestMetrics.Keys)
            .GroupBy(k => k, StringComparer.Ordinal)
            .OrderByDescending(g => g.Count())
            .ThenBy(g => g.Key, StringComparer.Ordinal)
            .Take(3)
            .Select(g => g.Key)
            .OrderBy(k => k, StringComparer.Ordinal)
            .ToList();

    public static Table List(IReadOnlyList<RunRecord> runs)
    {
        var metrics = MainMetrics(runs);
        var verdicts = runs.Any(r => r.Verdict is not null);
        var table = new Table().Border(TableBorder.Simple);
        table.AddColumns("id", "name", "experiment", "status", "start", "duration");
        if (verdicts)
        {
            table.AddColumn("verdict");
        }
        foreach (var m in metrics)
        {
            table.AddColumn(new TableColumn(Markup.Escape(m)).RightAligned());
        }

        foreach (var run in runs)
        {
            var cells = new List<IRenderable>
            {
                new Text(run.Id.Short),
                new Text(run.Name),
                new Text(run.Experiment),
                new Markup(StatusMarkup(run.Status)),
                new Text(Format.Time(run.StartTime)),
                new Text(run.Duration is { } d ? Format.Duration(d) : "-"),
            };
            if (verdicts)
            {
                cells.Add(run.Verdict is { } v ? new Markup(VerdictMarkup(v)) : new Text("-"));
            }
            foreach (var m in metrics)
            {
                cells.Add(new Text(run.LatestMetrics.TryGetValue(m, out var p) ? Format.Metric(p.Value) : "-"));
            }

            table.AddRow(cells);
        }

        return table;
    }

    public static IRenderable Show(RunRecord run)
    {
        var rows = new List<IRenderable>
        {
            new Markup($"[bold]Run {run.Id}[/]  {Markup.Escape(run.Name)}"),
            Grid(
                ("experiment", run.Experiment),
                ("status", run.Status.ToWire() + (run.Signal is not null ? $" ({run.Signal})" : run.ExitCode is { } c ? $" (exit code {c})" : "")),
                ("start", Format.Time(run.StartTime)),
                ("end", run.EndTime is { } e ? Format.Time(e) : "-"),
                ("duration", run.Duration is { } d ? Format.Duration(d) : "-"),
                ("command", Format.CommandLine(run.Command)),
                ("directory", run.WorkingDirectory),
                ("seed", $"{run.Seed} ({(run.SeedSource == "cli" ? "given with --seed" : run.SeedSource == "os" ? "drawn from the OS" : run.SeedSource)})"),
                ("mode", (run.Deterministic ? "deterministic" : "default (not deterministic)") +
                    (run.Threads is { } t ? string.Create(CultureInfo.InvariantCulture, $", {t} thread(s)") : ""))),
        };
        var lineage = new List<(string, string)>();
        if (run.Lineage.ResumedFrom is { } resumed)
        {
            lineage.Add(("resumed from", resumed.Value));
        }

        if (run.Lineage.ReproductionOf is { } original)
        {
            lineage.Add(("reproduction of", original.Value));
        }

        if (run.Lineage.Group is { } group)
        {
            lineage.Add(("group", group));
        }

        if (lineage.Count > 0)
        {
            rows.Add(Section("Lineage", Grid(lineage.ToArray())));
        }

        if (run.Verdict is { } verdict)
        {
            var lines = new List<IRenderable> { new Markup(VerdictMarkup(verdict) + " " + Markup.Escape(verdict.Summary)) };
            lines.AddRange(verdict.PossibleCauses.Select(c => new Text("possible cause: " + c)));
            rows.Add(Section("Verdict", new Rows(lines)));
        }

        rows.AddRange(
        [
            Section("Code", CodeGrid(run.Code)),
            Section("Data inputs", run.Inputs.Count == 0
                ? new Text("none recorded (record them with repro run --data PATH)")
                : Grid(run.Inputs.Select(i => (i.Path, string.Create(CultureInfo.InvariantCulture,
                    $"{i.FileCount} files, {Format.Bytes(i.TotalBytes)}, root {i.RootHash[..Math.Min(16, i.RootHash.Length)]}")
                    + (i.Warnings.Count > 0 ? "  ! " + string.Join("; ", i.Warnings) : ""))).ToArray())),
            Section("Params", ParamsTable(run.Params)),
        ]);
        if (run.SeedLedger.Count > 0)
        {
            rows.Add(Section("Random streams (seed ledger)", Grid(run.SeedLedger
                .Select(e => (e.Name, string.Create(CultureInfo.InvariantCulture, $"{e.Draws} draws, key {e.Key}"))).ToArray())));
        }
        if (run.Tags.Count > 0)
        {
            rows.Add(Section("Tags", Grid(run.Tags.Select(t => (t.Key, t.Value)).ToArray())));
        }

        rows.Add(Section("Metrics (last value)", MetricsTable(run.LatestMetrics.Values)));
        var checkpoints = run.Artifacts.Where(a => a.Path.StartsWith("checkpoints/", StringComparison.Ordinal)).ToList();
        var outputs = run.Artifacts.Except(checkpoints).Select(a => (a.Path, $"{Format.Bytes(a.Size)}  sha256:{a.Sha256[..12]}")).ToList();
        if (checkpoints.Count > 0)
        {
            outputs.Add(("checkpoints", string.Create(CultureInfo.InvariantCulture,
                $"{checkpoints.Count} (last: {checkpoints[^1].Path}, {Format.Bytes(checkpoints[^1].Size)}); resume with repro run --resume {run.Id.Short}")));
        }

        rows.Add(Section("Artifacts", outputs.Count == 0 ? new Text("none") : Grid(outputs.ToArray())));
        rows.Add(Section("Environment", EnvironmentGrid(run.Environment)));
        var warnings = run.Warnings.Concat(run.Code.Warnings).Concat(run.Environment.Warnings).ToList();
        if (warnings.Count > 0)
        {
            rows.Add(Section("Warnings", new Rows(warnings.Select(w => new Markup("[yellow]![/] " + Markup.Escape(w))))));
        }

        rows.Add(new Text(run.LogSha256 is null ? "Logs: not stored" : $"Logs: repro logs {run.Id.Short}"));
        return new Rows(rows);
    }

    private static IRenderable CodeGrid(CodeSnapshot code)
    {
        if (!code.IsGitRepository)
        {
            return new Text("not a git repository (code state unknown)");
        }

        var untracked = code.Untracked.Count == 0
            ? "none"
            : string.Join(", ", code.Untracked.Take(5).Select(u => u.Path)) + (code.Untracked.Count > 5 ? $", ... ({code.Untracked.Count} files)" : "");
        return Grid(
            ("commit", code.Commit ?? "(no commits yet)"),
            ("branch", code.Branch ?? "-"),
            ("remote", code.RemoteUrl ?? "-"),
            ("dirty", code.Dirty ? "yes: uncommitted changes" + (code.DiffSha256 is { } sha ? $" (diff stored, sha256:{sha[..12]})" : "") : "no"),
            ("untracked", untracked));
    }

    private static IRenderable ParamsTable(IReadOnlyList<Param> parameters)
    {
        if (parameters.Count == 0)
        {
            return new Text("none");
        }

        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumns("key", "value", "source");
        foreach (var p in parameters.OrderBy(p => p.Key, StringComparer.Ordinal))
        {
            table.AddRow(new Text(p.Key), new Text(p.Value), new Text($"({p.Source.ToWire()})"));
        }

        return table;
    }

    private static IRenderable MetricsTable(IEnumerable<MetricPoint> points)
    {
        var list = points.OrderBy(p => p.Key, StringComparer.Ordinal).ToList();
        if (list.Count == 0)
        {
            return new Text("none");
        }

        var table = new Table().Border(TableBorder.None).HideHeaders();
        table.AddColumns("key", "value", "step");
        foreach (var p in list)
        {
            table.AddRow(new Text(p.Key), new Text(Format.Metric(p.Value)), new Text("step " + p.Step.ToString(CultureInfo.InvariantCulture)));
        }

        return table;
    }

    private static Grid EnvironmentGrid(EnvironmentSnapshot env)
    {
        var items = new List<(string, string)>
        {
            ("os", $"{env.Distribution} ({env.Os}, {env.Architecture})"),
            ("kernel", env.Kernel),
            ("cpu", $"{env.CpuModel}, {env.LogicalCores} logical cores"),
            ("cpu flags", env.CpuFlags.Count == 0 ? EnvironmentSnapshot.Unknown : string.Join(' ', env.CpuFlags)),
            ("memory", env.MemoryBytes > 0 ? Format.Bytes(env.MemoryBytes) : EnvironmentSnapshot.Unknown),
            ("container", env.Container),
            (".NET", env.DotnetRuntime),
            ("gpu", env.GpuSummary),
        };
        if (env.Python is { } py)
        {
            items.Add(("python", $"{py.Version} ({py.Executable}), {py.Packages.Count} packages"));
        }

        items.Add(("variables", env.Variables.Count == 0 ? "none of the determinism-relevant ones set" :
            string.Join(' ', env.Variables.Select(v => $"{v.Key}={v.Value}"))));
        return Grid(items.ToArray());
    }

    private static Grid Grid(params (string Key, string Value)[] items)
    {
        var grid = new Grid().AddColumn(new GridColumn().NoWrap().PadRight(2)).AddColumn();
        foreach (var (key, value) in items)
        {
            grid.AddRow(new Text(key, new Style(decoration: Decoration.Dim)), new Text(value));
        }

        return grid;
    }

    private static Rows Section(string title, IRenderable body) =>
        new(new Text(""), new Markup($"[bold underline]{Markup.Escape(title)}[/]"), new Padder(body, new Padding(2, 0, 0, 0)));
}
