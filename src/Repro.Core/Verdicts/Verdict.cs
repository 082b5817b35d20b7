using System.Globalization;
using Repro.Core.Diffing;
using Repro.Core.Protocol;
using Repro.Core.Runs;

namespace Repro.Core.Verdicts;

public enum VerdictKind
{
    /// <summary>Every metric series and every output artifact bit-equal.</summary>
    Identical,

    /// <summary>Every final metric within tolerance.</summary>
    Equivalent,

    /// <summary>At least one final metric outside tolerance, or a metric or artifact missing.</summary>
    Diverged,
}

/// <summary>Absolute and relative tolerance: |a − b| ≤ atol + rtol·|a| (numpy.isclose's rule, a = the original).</summary>
public sealed record Tolerance(double Rtol, double Atol)
{
    public static Tolerance Default { get; } = new(1e-5, 1e-8);

    public bool Accepts(double original, double reproduced)
    {
        if (double.IsNaN(original) || double.IsNaN(reproduced))
        {
            return double.IsNaN(original) && double.IsNaN(reproduced);
        }

        if (double.IsInfinity(original) || double.IsInfinity(reproduced))
        {
            return original.Equals(reproduced);
        }

        return Math.Abs(original - reproduced) <= Atol + (Rtol * Math.Abs(original));
    }
}

/// <summary>Per-metric tolerances with a default.</summary>
public sealed record ToleranceSpec(Tolerance Default, IReadOnlyDictionary<string, Tolerance> PerMetric)
{
    public static ToleranceSpec Standard { get; } = new(Tolerance.Default, new Dictionary<string, Tolerance>());

    public Tolerance For(string metric) => PerMetric.TryGetValue(metric, out var t) ? t : Default;
}

/// <summary>How one metric compared.</summary>
public sealed record MetricVerdict(string Key, double? Original, double? Reproduced, bool BitEqualSeries, bool WithinTolerance,
    long? FirstDivergentStep, double? OriginalAtDivergence, double? ReproducedAtDivergence, Tolerance Tolerance);

/// <summary>The outcome of comparing a reproduction with its original. Stored with the reproduction's record.</summary>
public sealed record Verdict(VerdictKind Kind, RunId Original, string Summary)
{
    public IReadOnlyList<MetricVerdict> Metrics { get; init; } = [];
    public IReadOnlyList<string> ArtifactDifferences { get; init; } = [];

    /// <summary>Differences between the two records that could explain a divergence (from the run diff).</summary>
    public IReadOnlyList<string> PossibleCauses { get; init; } = [];

    public string Label => Kind.ToString().ToUpperInvariant();
}

/// <summary>Judges a reproduction against its original. Pure.</summary>
public static class VerdictJudge
{
    public static Verdict Judge(RunRecord original, RunRecord reproduction, DiffMaterial material, ToleranceSpec tolerances)
    {
        ArgumentNullException.ThrowIfNull(original);
        ArgumentNullException.ThrowIfNull(reproduction);
        ArgumentNullException.ThrowIfNull(material);
        ArgumentNullException.ThrowIfNull(tolerances);

        var metrics = new List<MetricVerdict>();
        foreach (var key in original.LatestMetrics.Keys.Union(reproduction.LatestMetrics.Keys).Where(k => !MetricKeys.IsSystem(k)).Order(StringComparer.Ordinal))
        {
            var hasO = original.LatestMetrics.TryGetValue(key, out var o);
            var hasR = reproduction.LatestMetrics.TryGetValue(key, out var r);
            var tolerance = tolerances.For(key);
            if (!hasO || !hasR)
            {
                metrics.Add(new MetricVerdict(key, hasO ? o.Value : null, hasR ? r.Value : null, false, false, null, null, null, tolerance));
                continue;
            }

            material.LeftSeries.TryGetValue(key, out var so);
            material.RightSeries.TryGetValue(key, out var sr);
            var (step, atO, atR) = RunDiff.FirstDivergence(so ?? [o], sr ?? [r]);
            metrics.Add(new MetricVerdict(key, o.Value, r.Value, step is null, tolerance.Accepts(o.Value, r.Value), step, atO, atR, tolerance));
        }

        var artifactDiffs = new List<string>();
        var ao = original.Artifacts.GroupBy(a => a.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Sha256, StringComparer.Ordinal);
        var ar = reproduction.Artifacts.GroupBy(a => a.Path, StringComparer.Ordinal).ToDictionary(g => g.Key, g => g.Last().Sha256, StringComparer.Ordinal);
        foreach (var path in ao.Keys.Union(ar.Keys).Order(StringComparer.Ordinal))
        {
            ao.TryGetValue(path, out var ho);
            ar.TryGetValue(path, out var hr);
            if (ho != hr)
            {
                artifactDiffs.Add(ho is null ? $"{path}: only in the reproduction" : hr is null ? $"{path}: missing from the reproduction" : $"{path}: content differs");
            }
        }

        var diff = RunDiff.Compare(original, reproduction, material);
        var causes = diff.Causes
            .Where(i => i.Category != DiffCategory.Environment || i.Note is not null)
            .Where(i => !(i.Category == DiffCategory.Command && i.Key == "directory"))
            .Select(i => $"{i.Category.ToString().ToLowerInvariant()}: {i.Key} {i.Left ?? "(absent)"} → {i.Right ?? "(absent)"}" + (i.Note is null ? "" : $" ({i.Note})"))
            .ToList();

        var allBitEqual = metrics.All(m => m.BitEqualSeries) && artifactDiffs.Count == 0;
        var allWithin = metrics.All(m => m.WithinTolerance);
        if (allBitEqual && original.Status == reproduction.Status)
        {
            return new Verdict(VerdictKind.Identical, original.Id, string.Create(CultureInfo.InvariantCulture,
                $"IDENTICAL: {metrics.Count} metric series and {ao.Count} artifact(s) bit-equal to run {original.Id.Short}"))
            {
                Metrics = metrics,
                PossibleCauses = causes,
            };
        }

        if (allWithin && metrics.Count > 0 && original.Status == reproduction.Status)
        {
            var worst = metrics.Where(m => !m.BitEqualSeries).Select(m => m.Key).ToList();
            return new Verdict(VerdictKind.Equivalent, original.Id, string.Create(CultureInfo.InvariantCulture,
                $"EQUIVALENT: every final metric within tolerance of run {original.Id.Short}") +
                (worst.Count > 0 ? "; not bit-equal: " + string.Join(", ", worst) : "") +
                (artifactDiffs.Count > 0 ? $"; {artifactDiffs.Count} artifact(s) differ" : ""))
            {
                Metrics = metrics,
                ArtifactDifferences = artifactDiffs,
                PossibleCauses = causes,
            };
        }

        var diverged = metrics.Where(m => !m.WithinTolerance).Select(Describe).ToList();
        if (original.Status != reproduction.Status)
        {
            diverged.Insert(0, $"status {original.Status.ToWire()} → {reproduction.Status.ToWire()}");
        }

        if (metrics.Count == 0 && artifactDiffs.Count > 0)
        {
            diverged.Add("no metrics to compare, and artifacts differ");
        }

        return new Verdict(VerdictKind.Diverged, original.Id, "DIVERGED: " + string.Join("; ", diverged))
        {
            Metrics = metrics,
            ArtifactDifferences = artifactDiffs,
            PossibleCauses = causes,
        };
    }

    private static string Describe(MetricVerdict m)
    {
        if (m.Original is null || m.Reproduced is null)
        {
            return $"{m.Key} logged by only one run";
        }

        var text = $"{m.Key} {ProtocolWriter.FormatDouble(m.Original.Value)} → {ProtocolWriter.FormatDouble(m.Reproduced.Value)}";
        if (m.FirstDivergentStep is { } step)
        {
            text += string.Create(CultureInfo.InvariantCulture, $" (series first differs at step {step}") +
                (m.OriginalAtDivergence is { } a && m.ReproducedAtDivergence is { } b
                    ? $": {ProtocolWriter.FormatDouble(a)} vs {ProtocolWriter.FormatDouble(b)})"
                    : ")");
        }

        return text;
    }
}
