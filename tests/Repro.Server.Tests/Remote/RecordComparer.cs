using Repro.Core.Runs;
using Repro.Core.Serialization;

namespace Repro.Server.Tests.Remote;

/// <summary>Two records are equal when they serialize to the same JSON (records hold lists, so == compares references).</summary>
internal sealed class RecordComparer : IEqualityComparer<RunRecord?>
{
    public static RecordComparer Instance { get; } = new();

    public bool Equals(RunRecord? x, RunRecord? y) => ReproJson.Serialize(x) == ReproJson.Serialize(y);

    public int GetHashCode(RunRecord? obj) => ReproJson.Serialize(obj).GetHashCode(StringComparison.Ordinal);
}
