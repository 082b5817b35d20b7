using System.Globalization;
using Repro.Core.Protocol;
using Repro.Core.Runs;

namespace Repro.Core.Diffing;

/// <summary>Sections of a run diff, most consequential first.</summary>
public enum DiffCategory
{
    Data,
    Params,
    Code,
    Randomness,
    Command,
    Environment,
    Results,
}

/// <summary>One difference. <see cref="Note"/> says why it matters, when it can change results.</summary>
public sealed record DiffItem(DiffCategory Category, string Key, string? Left, string? Right, string? Note = null);

/// <summary>A data input's file-level change between two runs.</summary>
public sealed record DataChange(string Input, long Added, long Removed, long Changed, long BytesAdded, long BytesRemoved, IReadOnlyList<string> Examples);

/// <summary>A metric both runs logged: its final values and the first step where the series part.</summary>
public sealed record MetricComparison(string Key, double? LeftFinal, double? RightFinal, long? FirstDivergentStep, double? LeftAtDivergence, double? RightAtDivergence)
{
    public bool Identical => FirstDivergentStep is null && SameBits(LeftFinal, RightFinal);

    private static bool SameBits(double? a, double? b) =>
        a is null ? b is null : b is not null && BitConverter.DoubleToInt64Bits(a.Value) == BitConverter.DoubleToInt64Bits(b.Value);
}

/// <summary>What differs between two run records. Immutable; computed once by <see cref="RunDiff.Compare"/>.</summary>
public sealed record RunDiffReport(RunId Left, RunId Right, IReadOnlyList<DiffItem> Items, IReadOnlyList<MetricComparison> Metrics)
{
    /// <summary>No difference in anything that determines a result, and bit-equal metric series.</summary>
    public bool Identical => Items.Count == 0 && Metrics.All(m => m.Identical);

    /// <summary>Differences in what determines a result (everything but the results themselves).</summary>
    public IEnumerable<DiffItem> Causes => Items.Where(i => i.Category != DiffCategory.Results);
}

/// <summary>Extra material for a diff that lives outside the records: patches, data changes and metric series.</summary>
public sealed record DiffMaterial
{
    public string? LeftPatch { get; init; }
    public string? RightPatch { get; init; }
    public IReadOnlyList<DataChange> DataChanges { get; init; } = [];
    public IReadOnlyDictionary<string, IReadOnlyList<MetricPoint>> LeftSeries { get; init; } = new Dictionary<string, IReadOnlyList<MetricPoint>>();
    public IReadOnlyDictionary<string, IReadOnlyList<MetricPoint>> RightSeries { get; init; } = new Dictionary<string, IReadOnlyList<MetricPoint>>();
}

public static class RunDiff
{
    public static RunDiffReport Compare(RunRecord left, RunRecord right, DiffMaterial? material = null)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        material ??= new DiffMaterial();
        var items = new List<DiffItem>();
        Data(left, right, material, items);
        Params(left, right, items);
        Code(left.Code, right.Code, material, items);
        Randomness(left, right, items);
        if (!left.Command.SequenceEqual(right.Command, StringComparer.Ordinal))
        {
            items.Add(new DiffItem(DiffCategory.Command, "command", string.Join(' ', left.Command), string.Join(' ', right.Command)));
        }

        if (left.WorkingDirectory != right.WorkingDirectory)
        {
            items.Add(new DiffItem(DiffCategory.Command, "directory", left.WorkingDirectory, right.WorkingDirectory,
                "relative paths resolve elsewhere"));
        }

        EnvironmentDiff(left.Environment, right.Environment, items);
        var metrics = Results(left, right, material, items);
        return new RunDiffReport(left.Id, right.Id, items, metrics);
    }

    private static void Data(RunRecord left, RunRecord right, DiffMaterial material, List<DiffItem> items)
    {
        var l = left.Inputs.ToDictionary(i => i.Path, StringComparer.Ordinal);
        var r = right.Inputs.ToDictionary(i => i.Path, StringComparer.Ordinal);
        foreach (var path in l.Keys.Union(r.Keys).Order(StringComparer.Ordinal))
        {
            l.TryGetValue(path, out var a);
            r.TryGetValue(path, out var b);
            if (a is not null && b is not null && a.RootHash == b.RootHash)
            {
                continue;
            }

            var change = material.DataChanges.FirstOrDefault(c => c.Input == path);
            var note = change is null
                ? "the data differs"
                : string.Create(CultureInfo.InvariantCulture, $"+{change.Added} added, −{change.Removed} removed, ~{change.Changed} changed")
                    + (change.Examples.Count > 0 ? ": " + string.Join(", ", change.Examples) : "");
            items.Add(new DiffItem(DiffCategory.Data, path, Describe(a), Describe(b), a is null || b is null ? "input present on one side only" : note));
        }

        static string? Describe(DataInput? i) => i is null
            ? null
            : string.Create(CultureInfo.InvariantCulture, $"{i.FileCount} files, {i.TotalBytes} bytes, root {i.RootHash[..Math.Min(12, i.RootHash.Length)]}");
    }

    private static void Params(RunRecord left, RunRecord right, List<DiffItem> items)
    {
        var l = left.Params.ToDictionary(p => p.Key, StringComparer.Ordinal);
        var r = right.Params.ToDictionary(p => p.Key, StringComparer.Ordinal);
        foreach (var key in l.Keys.Union(r.Keys).Order(StringComparer.Ordinal))
        {
            l.TryGetValue(key, out var a);
            r.TryGetValue(key, out var b);
            if (a is not null && b is not null && a.Value == b.Value)
            {
                if (a.Source != b.Source)
                {
                    items.Add(new DiffItem(DiffCategory.Params, key, Show(a), Show(b), "same value, different provenance"));
                }

                continue;
            }

            items.Add(new DiffItem(DiffCategory.Params, key, a is null ? null : Show(a), b is null ? null : Show(b),
                a is null || b is null ? "present on one side only" : null));
        }

        static string Show(Param p) => $"{p.Value} ({p.Source.ToWire()})";
    }

    private static void Code(CodeSnapshot a, CodeSnapshot b, DiffMaterial material, List<DiffItem> items)
    {
        if (a.IsGitRepository != b.IsGitRepository)
        {
            items.Add(new DiffItem(DiffCategory.Code, "git", a.IsGitRepository ? "repository" : "none", b.IsGitRepository ? "repository" : "none",
                "the code state of one side is unknown"));
            return;
        }

        if (a.Commit != b.Commit)
        {
            items.Add(new DiffItem(DiffCategory.Code, "commit", a.Commit, b.Commit));
        }

        if (a.Dirty != b.Dirty)
        {
            items.Add(new DiffItem(DiffCategory.Code, "dirty", a.Dirty ? "yes" : "no", b.Dirty ? "yes" : "no", "uncommitted changes on one side"));
        }

        if (a.DiffSha256 != b.DiffSha256)
        {
            var pa = PatchSummary.Parse(material.LeftPatch);
            var pb = PatchSummary.Parse(material.RightPatch);
            foreach (var file in pa.Keys.Union(pb.Keys).Order(StringComparer.Ordinal))
            {
                pa.TryGetValue(file, out var fa);
                pb.TryGetValue(file, out var fb);
                if (fa is not null && fb is not null && fa.Sha256 == fb.Sha256)
                {
                    continue;
                }

                items.Add(new DiffItem(DiffCategory.Code, "uncommitted: " + file, Edit(fa), Edit(fb),
                    fa is null || fb is null ? "edited on one side only" : "edited differently"));
            }

            if (pa.Count == 0 && pb.Count == 0 && (a.DiffSha256 is not null || b.DiffSha256 is not null))
            {
                items.Add(new DiffItem(DiffCategory.Code, "uncommitted diff", a.DiffSha256 ?? "none", b.DiffSha256 ?? "none"));
            }
        }

        var ua = a.Untracked.ToDictionary(u => u.Path, u => u.Sha256, StringComparer.Ordinal);
        var ub = b.Untracked.ToDictionary(u => u.Path, u => u.Sha256, StringComparer.Ordinal);
        foreach (var file in ua.Keys.Union(ub.Keys).Order(StringComparer.Ordinal))
        {
            var has = ua.TryGetValue(file, out var ha);
            var hbs = ub.TryGetValue(file, out var hb);
            if (has && hbs && ha == hb)
            {
                continue;
            }

            items.Add(new DiffItem(DiffCategory.Code, "untracked: " + file, has ? "present" : null, hbs ? "present" : null,
                has && hbs ? "content differs" : "present on one side only"));
        }

        static string? Edit(PatchFile? f) => f is null ? null : f.Binary ? "binary change" : $"+{f.Added} −{f.Removed}";
    }

    private static void Randomness(RunRecord left, RunRecord right, List<DiffItem> items)
    {
        if (left.Seed != right.Seed)
        {
            items.Add(new DiffItem(DiffCategory.Randomness, "seed",
                $"{left.Seed} ({left.SeedSource})", $"{right.Seed} ({right.SeedSource})", "different random draws"));
        }

        if (left.Deterministic != right.Deterministic)
        {
            items.Add(new DiffItem(DiffCategory.Randomness, "deterministic", left.Deterministic ? "on" : "off", right.Deterministic ? "on" : "off",
                "parallel sums may be ordered differently"));
        }

        if (left.Threads != right.Threads)
        {
            items.Add(new DiffItem(DiffCategory.Randomness, "threads", left.Threads?.ToString(CultureInfo.InvariantCulture) ?? "auto",
                right.Threads?.ToString(CultureInfo.InvariantCulture) ?? "auto", left.Deterministic && right.Deterministic ? null : "thread count changes reduction order"));
        }

        var la = left.SeedLedger.ToDictionary(s => s.Name, StringComparer.Ordinal);
        var lb = right.SeedLedger.ToDictionary(s => s.Name, StringComparer.Ordinal);
        foreach (var name in la.Keys.Union(lb.Keys).Order(StringComparer.Ordinal))
        {
            la.TryGetValue(name, out var a);
            lb.TryGetValue(name, out var b);
            if (a?.Draws != b?.Draws)
            {
                items.Add(new DiffItem(DiffCategory.Randomness, "stream " + name,
                    a is null ? null : a.Draws.ToString(CultureInfo.InvariantCulture) + " draws",
                    b is null ? null : b.Draws.ToString(CultureInfo.InvariantCulture) + " draws",
                    "the code drew a different amount of randomness"));
            }
        }
    }

    private static void EnvironmentDiff(EnvironmentSnapshot a, EnvironmentSnapshot b, List<DiffItem> items)
    {
        void Field(string key, string? l, string? r, string? note = null)
        {
            if (!string.Equals(l, r, StringComparison.Ordinal))
            {
                items.Add(new DiffItem(DiffCategory.Environment, key, l, r, note));
            }
        }

        Field("cpu flags", string.Join(' ', a.CpuFlags), string.Join(' ', b.CpuFlags),
            "instruction sets differ: vectorized maths may take other code paths and round differently");
        Field("logical cores", a.LogicalCores.ToString(CultureInfo.InvariantCulture), b.LogicalCores.ToString(CultureInfo.InvariantCulture),
            "default thread counts follow the core count; parallel sums may be ordered differently");
        Field("gpu", a.GpuSummary, b.GpuSummary, "GPU kernels (cuDNN/cuBLAS algorithms) differ between GPUs, drivers and CUDA versions");
        Field("cpu", a.CpuModel, b.CpuModel);
        Field(".NET", a.DotnetRuntime, b.DotnetRuntime, "runtime and JIT changes can change generated maths code");
        Field("python", a.Python?.Version, b.Python?.Version, "interpreter version differs");
        var pa = a.Python?.Packages ?? new Dictionary<string, string>();
        var pb = b.Python?.Packages ?? new Dictionary<string, string>();
        foreach (var name in pa.Keys.Union(pb.Keys).Order(StringComparer.OrdinalIgnoreCase))
        {
            pa.TryGetValue(name, out var va);
            pb.TryGetValue(name, out var vb);
            Field("package " + name, va, vb, "library versions change numerics and defaults");
        }

        foreach (var name in a.Variables.Keys.Union(b.Variables.Keys).Order(StringComparer.Ordinal))
        {
            a.Variables.TryGetValue(name, out var va);
            b.Variables.TryGetValue(name, out var vb);
            Field("env " + name, va ?? "(unset)", vb ?? "(unset)", "this variable affects determinism");
        }

        Field("os", a.Distribution, b.Distribution);
        Field("kernel", a.Kernel, b.Kernel);
        Field("architecture", a.Architecture, b.Architecture, "a different architecture rounds some operations differently");
        Field("container", a.Container, b.Container);
        Field("memory", a.MemoryBytes.ToString(CultureInfo.InvariantCulture), b.MemoryBytes.ToString(CultureInfo.InvariantCulture));
        Field("host", a.Hostname, b.Hostname);
    }

    private static List<MetricComparison> Results(RunRecord left, RunRecord right, DiffMaterial material, List<DiffItem> items)
    {
        var comparisons = new List<MetricComparison>();
        var keys = left.LatestMetrics.Keys.Union(right.LatestMetrics.Keys).Order(StringComparer.Ordinal);
        foreach (var key in keys)
        {
            var hasL = left.LatestMetrics.TryGetValue(key, out var l);
            var hasR = right.LatestMetrics.TryGetValue(key, out var r);
            if (!hasL || !hasR)
            {
                items.Add(new DiffItem(DiffCategory.Results, key, hasL ? ProtocolWriter.FormatDouble(l.Value) : null,
                    hasR ? ProtocolWriter.FormatDouble(r.Value) : null, "metric logged on one side only"));
                continue;
            }

            long? firstStep = null;
            double? atL = null, atR = null;
            if (material.LeftSeries.TryGetValue(key, out var sl) && material.RightSeries.TryGetValue(key, out var sr))
            {
                (firstStep, atL, atR) = FirstDivergence(sl, sr);
            }
            else if (BitConverter.DoubleToInt64Bits(l.Value) != BitConverter.DoubleToInt64Bits(r.Value))
            {
                firstStep = Math.Min(l.Step, r.Step);
            }

            comparisons.Add(new MetricComparison(key, l.Value, r.Value, firstStep, atL, atR));
        }

        return comparisons;
    }

    /// <summary>The first step (in step order) whose values differ bitwise, or where one series has a point the other lacks.</summary>
    public static (long? Step, double? Left, double? Right) FirstDivergence(IReadOnlyList<MetricPoint> left, IReadOnlyList<MetricPoint> right)
    {
        ArgumentNullException.ThrowIfNull(left);
        ArgumentNullException.ThrowIfNull(right);
        var l = Ordered(left);
        var r = Ordered(right);
        var n = Math.Min(l.Count, r.Count);
        for (var i = 0; i < n; i++)
        {
            if (l[i].Step != r[i].Step)
            {
                var step = Math.Min(l[i].Step, r[i].Step);
                return (step, l[i].Step == step ? l[i].Value : null, r[i].Step == step ? r[i].Value : null);
            }

            if (BitConverter.DoubleToInt64Bits(l[i].Value) != BitConverter.DoubleToInt64Bits(r[i].Value))
            {
                return (l[i].Step, l[i].Value, r[i].Value);
            }
        }

        if (l.Count != r.Count)
        {
            var longer = l.Count > r.Count ? l[n] : r[n];
            return (longer.Step, l.Count > n ? l[n].Value : null, r.Count > n ? r[n].Value : null);
        }

        return (null, null, null);
    }

    private static List<MetricPoint> Ordered(IReadOnlyList<MetricPoint> points) =>
        points.Select((p, i) => (p, i)).OrderBy(x => x.p.Step).ThenBy(x => x.i).Select(x => x.p).ToList();

    /// <summary>Distance between two doubles in units in the last place (0 when bit-equal; long.MaxValue across NaN).</summary>
    public static long UlpDistance(double a, double b)
    {
        if (double.IsNaN(a) || double.IsNaN(b))
        {
            return double.IsNaN(a) && double.IsNaN(b) ? 0 : long.MaxValue;
        }

        static long Ordered(double x)
        {
            var bits = BitConverter.DoubleToInt64Bits(x);
            return bits < 0 ? long.MinValue - bits : bits;
        }

        var d = (decimal)Ordered(a) - Ordered(b);
        return d > long.MaxValue || d < -long.MaxValue ? long.MaxValue : (long)Math.Abs(d);
    }
}
