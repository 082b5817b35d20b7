namespace Repro.Sdk;

/// <summary>
/// How to start a run with <see cref="Run.Start"/>. These settings apply to runs started in-process; inside
/// <c>repro run</c> the command line of <c>repro run</c> decides them, and a setting here that disagrees is ignored with
/// a warning.
/// </summary>
public sealed record RunOptions
{
    /// <summary>The run's name; null lets the recorder choose one.</summary>
    public string? Name { get; init; }

    /// <summary>The experiment the run belongs to; null means the default experiment.</summary>
    public string? Experiment { get; init; }

    /// <summary>The master seed, 0 to 4294967295; null draws one from the operating system (and records it).</summary>
    public long? Seed { get; init; }

    /// <summary>
    /// Parameter values that override the defaults in code, as if given on the command line: <see cref="Run.Param{T}"/>
    /// returns them and records them with source <c>cli</c>.
    /// </summary>
    public IReadOnlyDictionary<string, string>? Params { get; init; }
}
