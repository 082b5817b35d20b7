using Repro.Core.Runs;

namespace Repro.Sdk.Sinks;

/// <summary>What a program asked for when it started a run outside <c>repro run</c>.</summary>
/// <param name="Name">The run name from <see cref="RunOptions.Name"/>, or null to let the recorder choose.</param>
/// <param name="Experiment">The experiment from <see cref="RunOptions.Experiment"/>, or null for the default one.</param>
/// <param name="Seed">The seed from <see cref="RunOptions.Seed"/>, or null to let the recorder draw one.</param>
/// <param name="Params">Parameter overrides from <see cref="RunOptions.Params"/> (recorded with source cli when read).</param>
/// <param name="WorkingDirectory">The process's working directory.</param>
/// <param name="Command">The process's command line.</param>
internal sealed record RunStartInfo(
    string? Name,
    string? Experiment,
    long? Seed,
    IReadOnlyDictionary<string, string> Params,
    string WorkingDirectory,
    IReadOnlyList<string> Command);

/// <summary>A run started in-process: where its events go, its id and the seed it uses.</summary>
internal sealed record StandaloneRun(IRunSink Sink, RunId Id, long Seed);
