namespace Repro.Capture.Os;

/// <summary>The fields of <c>/etc/os-release</c> that identify a distribution, plus every key=value pair read.</summary>
public sealed record OsRelease(string? Id, string? Name, string? PrettyName, string? VersionId, IReadOnlyDictionary<string, string> Values)
{
    public static OsRelease Empty { get; } = new(null, null, null, null, new SortedDictionary<string, string>(StringComparer.Ordinal));

    /// <summary>PRETTY_NAME, else NAME and VERSION_ID, else ID; null when the file said nothing useful.</summary>
    public string? Describe()
    {
        if (!string.IsNullOrWhiteSpace(PrettyName))
        {
            return PrettyName;
        }

        if (!string.IsNullOrWhiteSpace(Name))
        {
            return string.IsNullOrWhiteSpace(VersionId) ? Name : $"{Name} {VersionId}";
        }

        return string.IsNullOrWhiteSpace(Id) ? null : Id;
    }
}
