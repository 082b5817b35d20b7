using System.CommandLine;
using System.Globalization;
using Repro.Cli.Running;
using Repro.Core.Diffing;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Commands;

/// <summary>
/// `repro check-determinism`: runs a command several times with one seed (and once per thread count given), then
/// compares every metric series, every artifact's hash and the exit code; with nothing else to compare, the output.
/// </summary>
internal static class CheckDeterminismCommand
{
    public static Command Create()
    {
        var runs = new Option<int>("--runs") { Description = "How many times to run the command (default 2)", DefaultValueFactory = _ => 2 };
        var threads = new Option<string?>("--threads") { Description = "Thread counts to try, e.g. 1,2,4: one run each (sets REPRO_THREADS)" };
        var seed = new Option<string?>("--seed") { Description = "The one seed all runs get (default: drawn once)" };
        var deterministic = new Option<bool>("--deterministic") { Description = "Run in deterministic mode (REPRO_DETERMINISTIC=1)" };
        var param = new Option<string[]>("--param") { Description = "A parameter key=value (repeatable)" };
        var cmd = new Argument<string[]>("command") { Description = "The command, after --", Arity = ArgumentArity.OneOrMore };
        var command = new Command("check-determinism", "Run a command repeatedly with one seed and say whether its results are bit-identical.")
        {
            runs, threads, seed, deterministic, param, cmd,
        };
        command.SetAction(parse => Program.Guard(() =>
        {
            var argv = CommandArgs.Get(parse, cmd, "check-determinism");
            var count = parse.GetValue(runs);
            if (count is < 1 or > 1000)
            {
                throw new ReproException(ErrorCode.InvalidArgument, $"--runs must be between 1 and 1000, not {count}.");
            }

            var threadCounts = ParseThreads(parse.GetValue(threads));
            var plan = new List<int?>();
            plan.AddRange(threadCounts.Select(t => (int?)t));
            while (plan.Count < count)
            {
                plan.Add(threadCounts.Count > 0 ? threadCounts[0] : null);
            }

            if (plan.Count < 2)
            {
                throw new ReproException(ErrorCode.InvalidArgument, "Comparing needs at least 2 runs: use --runs 2 or more, or give 2+ thread counts.");
            }

            var chosenSeed = parse.GetValue(seed) is { } s ? Seeds.Parse(s) : Seeds.Draw();
            var parameters = KeyValues.Parse(parse.GetValue(param), "--param").Select(kv => new Param(kv.Key, kv.Value, ParamSource.Cli)).ToList();
            var cwd = Directory.GetCurrentDirectory();
            using var workspace = ReproWorkspace.Open(cwd);
            var group = "determinism-" + RunId.New().Short;
            Console.WriteLine($"check-determinism: {plan.Count} runs of `{Rendering.Format.CommandLine(argv)}` with seed {chosenSeed}" +
                (parse.GetValue(deterministic) ? " in deterministic mode" : "") + $" (group {group})");

            var results = new List<(RunRecord Record, int? Threads)>();
            for (var i = 0; i < plan.Count; i++)
            {
                var result = RunLauncher.Launch(workspace, new RunInvocation
                {
                    Command = argv,
                    WorkingDirectory = cwd,
                    Name = $"{group}-{i + 1}",
                    Seed = chosenSeed,
                    Params = parameters,
                    Deterministic = parse.GetValue(deterministic),
                    Threads = plan[i],
                    Lineage = new RunLineage { Group = group },
                    Tags = new Dictionary<string, string> { ["check-determinism"] = group },
                    StandardOutput = Stream.Null,
                    StandardError = Stream.Null,
                }, TextWriter.Null);
                var r = result.Record;
                Console.WriteLine(string.Create(CultureInfo.InvariantCulture,
                    $"  run {i + 1}  {r.Id.Short}  {r.Status.ToWire(),-11} threads={(plan[i]?.ToString(CultureInfo.InvariantCulture) ?? "auto")}  " +
                    $"{r.LatestMetrics.Count} metric(s), {r.Artifacts.Count} artifact(s)"));
                results.Add((r, plan[i]));
            }

            var comparison = Compare(workspace, results.Select(r => r.Record).ToList());
            foreach (var note in comparison.Notes)
            {
                Console.WriteLine("  note: " + note);
            }

            if (comparison.Divergence is null)
            {
                Console.WriteLine("IDENTICAL: " + comparison.Summary);
                return ExitCodes.Ok;
            }

            Console.WriteLine("DIVERGED: " + comparison.Divergence);
            return ExitCodes.VerdictNotMet;
        }));
        return command;
    }

    private static List<int> ParseThreads(string? text)
    {
        var list = new List<int>();
        if (string.IsNullOrWhiteSpace(text))
        {
            return list;
        }

        foreach (var part in text.Split(',', StringSplitOptions.RemoveEmptyEntries | StringSplitOptions.TrimEntries))
        {
            if (!int.TryParse(part, NumberStyles.None, CultureInfo.InvariantCulture, out var n) || n < 1 || n > 4096)
            {
                throw new ReproException(ErrorCode.InvalidArgument, $"--threads '{text}': '{part}' is not a thread count. Write e.g. --threads 1,2,4.");
            }

            list.Add(n);
        }

        return list;
    }

    internal sealed record Comparison(string? Divergence, string Summary, IReadOnlyList<string> Notes);

    internal static Comparison Compare(ReproWorkspace workspace, IReadOnlyList<RunRecord> runs)
    {
        var reference = runs[0];
        var refSeries = MetricSeries.Of(workspace, reference, withoutSystem: true);
        var notes = new List<string>();
        var points = refSeries.Values.Sum(s => s.Count);
        var systemKeys = reference.LatestMetrics.Keys.Where(MetricKeys.IsSystem).ToList();
        if (systemKeys.Count > 0)
        {
            notes.Add($"not compared (machine metrics under {MetricKeys.SystemPrefix}): {string.Join(", ", systemKeys)}");
        }

        if (refSeries.Count == 0)
        {
            notes.Add("the command logged no metrics: comparing exit codes, artifacts" + (reference.Artifacts.Count == 0 ? " (none either) and output" : ""));
        }

        for (var i = 1; i < runs.Count; i++)
        {
            var other = runs[i];
            var label = $"run {i + 1} ({other.Id.Short}{ThreadsLabel(other)}) differs from run 1 ({reference.Id.Short}{ThreadsLabel(reference)})";
            if (other.Status != reference.Status || other.ExitCode != reference.ExitCode || other.Signal != reference.Signal)
            {
                return new Comparison($"{label}: ended {other.Status.ToWire()} (exit {other.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? other.Signal}) " +
                    $"vs {reference.Status.ToWire()} (exit {reference.ExitCode?.ToString(CultureInfo.InvariantCulture) ?? reference.Signal})", "", notes);
            }

            var otherSeries = MetricSeries.Of(workspace, other, withoutSystem: true);
            foreach (var key in refSeries.Keys.Union(otherSeries.Keys).Order(StringComparer.Ordinal))
            {
                if (!refSeries.TryGetValue(key, out var a) || !otherSeries.TryGetValue(key, out var b))
                {
                    return new Comparison($"{label}: metric '{key}' was logged by only one of them", "", notes);
                }

                var (step, l, r) = RunDiff.FirstDivergence(a, b);
                if (step is not null)
                {
                    var detail = l is { } lv && r is { } rv
                        ? $"{Rendering.Format.Exact(lv)} vs {Rendering.Format.Exact(rv)} ({Ulps(lv, rv)} ULPs apart)"
                        : $"{(l is null ? "no point" : Rendering.Format.Exact(l.Value))} vs {(r is null ? "no point" : Rendering.Format.Exact(r.Value))}";
                    return new Comparison($"{label}: metric '{key}' first differs at step {step}: {detail}", "", notes);
                }
            }

            var refArtifacts = reference.Artifacts.ToDictionary(x => x.Path, x => x.Sha256, StringComparer.Ordinal);
            var otherArtifacts = other.Artifacts.ToDictionary(x => x.Path, x => x.Sha256, StringComparer.Ordinal);
            foreach (var path in refArtifacts.Keys.Union(otherArtifacts.Keys).Order(StringComparer.Ordinal))
            {
                refArtifacts.TryGetValue(path, out var ha);
                otherArtifacts.TryGetValue(path, out var hb);
                if (ha != hb)
                {
                    return new Comparison($"{label}: artifact '{path}' " +
                        (ha is null || hb is null ? "exists in only one of them" : $"has different content (sha256 {ha[..12]} vs {hb[..12]})"), "", notes);
                }
            }

            if (refSeries.Count == 0 && reference.Artifacts.Count == 0 && reference.LogSha256 != other.LogSha256)
            {
                var line = FirstDifferentLine(workspace, reference, other);
                return new Comparison($"{label}: the output differs{line}", "", notes);
            }
        }

        var summary = string.Create(CultureInfo.InvariantCulture,
            $"{refSeries.Count} metric series ({points} points) and {reference.Artifacts.Count} artifact(s) bit-equal across {runs.Count} runs");
        if (refSeries.Count == 0 && reference.Artifacts.Count == 0)
        {
            summary = string.Create(CultureInfo.InvariantCulture, $"exit codes and output equal across {runs.Count} runs (no metrics or artifacts to compare)");
        }

        return new Comparison(null, summary, notes);
    }

    private static string ThreadsLabel(RunRecord r) =>
        r.Threads is { } t ? string.Create(CultureInfo.InvariantCulture, $", threads={t}") : "";

    private static string Ulps(double a, double b)
    {
        var d = RunDiff.UlpDistance(a, b);
        return d == long.MaxValue ? "∞" : d.ToString(CultureInfo.InvariantCulture);
    }
    private static string FirstDifferentLine(ReproWorkspace workspace, RunRecord a, RunRecord b)
    {
        if (a.LogSha256 is null || b.LogSha256 is null)
        {
            return "";
        }

        using var ra = new StreamReader(workspace.Objects.Open(a.LogSha256));
        using var rb = new StreamReader(workspace.Objects.Open(b.LogSha256));
        for (var n = 1; ; n++)
        {
            var la = ra.ReadLine();
            var lb = rb.ReadLine();
            if (la is null && lb is null)
            {
                return "";
            }

            if (la != lb)
            {
                return string.Create(CultureInfo.InvariantCulture, $" at line {n}: \"{Clip(la)}\" vs \"{Clip(lb)}\"");
            }
        }

        static string Clip(string? s) => s is null ? "(end)" : s.Length > 80 ? s[..80] + "..." : s;
    }
}
