using Repro.Core.Protocol;
using Repro.Core.Runs;

namespace Repro.Sdk.Logging;

internal enum PendingKind : byte
{
    Metric,
    Param,
    Tag,
    Artifact,
    Stream,
    Input,
}

/// <summary>
/// An event waiting in the queue. A struct, so logging a metric allocates nothing; the background writer turns it into
/// a <see cref="ProtocolEvent"/>. <see cref="Key"/> is the artifact path for artifacts, <see cref="Text"/> the tag or
/// param value or the artifact name; <see cref="Step"/> is -1 for "next step".
/// </summary>
internal readonly record struct PendingEvent(
    PendingKind Kind,
    string Key,
    double Value,
    long Step,
    long TimestampMs,
    string? Text,
    ParamSource Source)
{
    public static PendingEvent Metric(string key, double value, long step, long timestampMs) =>
        new(PendingKind.Metric, key, value, step, timestampMs, null, default);

    public ProtocolEvent ToProtocolEvent() => Kind switch
    {
        PendingKind.Metric => new MetricEvent(Key, Value, Step < 0 ? null : Step, TimestampMs),
        PendingKind.Param => new ParamEvent(Key, Text ?? "", Source),
        PendingKind.Tag => new TagEvent(Key, Text ?? ""),
        PendingKind.Input => new InputEvent(Key, Text ?? ""),
        PendingKind.Stream => new StreamEvent(Key, Text ?? "", Step),
        _ => new ArtifactEvent(Key, Text),
    };
}
