using Repro.Core.Runs;

namespace Repro.Core.Protocol;

/// <summary>One line of the events file a child process appends to (see docs/protocol.md).</summary>
public abstract record ProtocolEvent;

/// <summary>A metric point. <see cref="Step"/> null means "one after this key's previous step" (0 for the first).</summary>
public sealed record MetricEvent(string Key, double Value, long? Step, long? TimestampMs) : ProtocolEvent;

public sealed record ParamEvent(string Key, string Value, ParamSource Source) : ProtocolEvent;

public sealed record TagEvent(string Key, string Value) : ProtocolEvent;

/// <summary>A file the run produced; the path is relative to the run's working directory or absolute.</summary>
public sealed record ArtifactEvent(string Path, string? Name) : ProtocolEvent;

/// <summary>How far a named random stream has been drawn (the latest report per name wins): the run's seed ledger.</summary>
public sealed record StreamEvent(string Name, string Key, long Draws) : ProtocolEvent;

/// <summary>A data input the program fingerprinted itself: its recorded path and the manifest file it wrote.</summary>
public sealed record InputEvent(string Path, string Manifest) : ProtocolEvent;
