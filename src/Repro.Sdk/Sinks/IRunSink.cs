using Repro.Core.Protocol;

namespace Repro.Sdk.Sinks;

/// <summary>
/// Where a run's events go: the events file of the surrounding <c>repro run</c>, or a recorder of an in-process run.
/// Called from one background thread only. A sink may throw; the caller retries, then drops the batch with a warning.
/// </summary>
internal interface IRunSink
{
    /// <summary>Records a batch of events. The list belongs to the sink after the call (it is not reused).</summary>
    void Write(IReadOnlyList<ProtocolEvent> batch);

    /// <summary>The run ended: <paramref name="success"/> is false when it ended by an unhandled exception.</summary>
    void Complete(bool success);
}
