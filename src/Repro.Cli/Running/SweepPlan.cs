using System.Globalization;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Randomness;
using Repro.Core.Runs;
using Repro.Core.Serialization;
using Repro.Server.Reports;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>One cell of a sweep: a configuration (param values) and a seed.</summary>
internal sealed record SweepCell(IReadOnlyDictionary<string, string> Config, long Seed)
{
    public string ConfigLabel => SweepPlan.Label(Config);
}

/// <summary>
/// What a sweep runs: the product of parameter values and seeds, as one group. Seeds come from the group's master seed
/// (Philox stream "sweep-seeds"), so the plan itself reproduces. Kept in .repro/sweeps/GROUP.json for --resume.
/// </summary>
internal sealed record SweepPlan(string Group, long GroupSeed, IReadOnlyList<string> Command, IReadOnlyList<SweepCell> Cells, bool Deterministic, int? Threads)
{
    public const int ConfirmAbove = 10_000;

    public static string Label(IReadOnlyDictionary<string, string> config) => SweepGroups.Label(config);

    /// <summary>Seeds for a sweep: the given list, or <paramref name="count"/> drawn from the group seed.</summary>
    public static IReadOnlyList<long> Seeds(long groupSeed, int? count, IReadOnlyList<long>? list)
    {
        if (list is { Count: > 0 })
        {
            return list;
        }

        var stream = new RandomStreams(groupSeed).Get("sweep-seeds");
        var seeds = new List<long>();
        while (seeds.Count < count)
        {
            var s = (long)stream.NextUInt32();
            if (!seeds.Contains(s))
            {
                seeds.Add(s);
            }
        }

        return seeds;
    }

    /// <summary>
    /// "k=v1,v2,v3": values split on commas; write \, for a comma inside a value and \\ for a backslash. Spaces are
    /// kept (quote the whole argument in the shell).
    /// </summary>
    public static (string Key, IReadOnlyList<string> Values) ParseAxis(string text)
    {
        var eq = text.IndexOf('=', StringComparison.Ordinal);
        if (eq <= 0)
        {
            throw new ReproException(ErrorCode.InvalidArgument, $"--param '{text}' has no key=values. Write --param lr=0.1,0.01 (\\, for a literal comma).");
        }

        var values = new List<string>();
        var current = new StringBuilder();
        var rest = text[(eq + 1)..];
        for (var i = 0; i < rest.Length; i++)
        {
            if (rest[i] == '\\' && i + 1 < rest.Length && rest[i + 1] is ',' or '\\')
            {
                current.Append(rest[++i]);
            }
            else if (rest[i] == ',')
            {
                values.Add(current.ToString());
                current.Clear();
            }
            else
            {
                current.Append(rest[i]);
            }
        }

        values.Add(current.ToString());
        if (values.Any(v => v.Length == 0))
        {
            throw new ReproException(ErrorCode.InvalidArgument, $"--param '{text}' has an empty value. Write --param lr=0.1,0.01.");
        }

        return (text[..eq].Trim(), values.Distinct(StringComparer.Ordinal).ToList());
    }

    public static IReadOnlyList<IReadOnlyDictionary<string, string>> Product(IReadOnlyList<(string Key, IReadOnlyList<string> Values)> axes)
    {
        IEnumerable<Dictionary<string, string>> configs = [new Dictionary<string, string>(StringComparer.Ordinal)];
        foreach (var (key, values) in axes)
        {
            configs = configs.SelectMany(c => values.Select(v => new Dictionary<string, string>(c, StringComparer.Ordinal) { [key] = v })).ToList();
        }

        return [.. configs];
    }

    public static string PathOf(ReproWorkspace workspace, string group) =>
        Path.Combine(workspace.ReproDirectory, "sweeps", string.Concat(group.Select(c => char.IsLetterOrDigit(c) || c is '-' or '_' or '.' ? c : '_')) + ".json");

    public void Save(ReproWorkspace workspace)
    {
        var path = PathOf(workspace, Group);
        Directory.CreateDirectory(Path.GetDirectoryName(path)!);
        File.WriteAllText(path + ".tmp", JsonSerializer.Serialize(this, ReproJson.Indented));
        File.Move(path + ".tmp", path, overwrite: true);
    }

    public static SweepPlan Load(ReproWorkspace workspace, string group)
    {
        var path = PathOf(workspace, group);
        if (!File.Exists(path))
        {
            throw new ReproException(ErrorCode.NotFound, $"No sweep named '{group}' in this workspace (looked for {path}). List groups with `repro ls`.");
        }

        return JsonSerializer.Deserialize<SweepPlan>(File.ReadAllText(path), ReproJson.Options)
            ?? throw new ReproException(ErrorCode.Corrupted, $"The sweep plan {path} is empty.");
    }

    /// <summary>The runs of a group, newest first.</summary>
    public static IReadOnlyList<RunRecord> RunsOf(ReproWorkspace workspace, string group) => SweepGroups.RunsOf(workspace.Runs, group);

    public static string SeedText(long seed) => seed.ToString(CultureInfo.InvariantCulture);
}
