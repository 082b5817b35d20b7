using Repro.Core.Runs;
using Repro.Storage.Runs;

namespace Repro.Storage.Remote;

public enum PendingKind
{
    /// <summary><c>POST /api/v1/runs</c> with <see cref="PendingRequest.Record"/>; a run that already exists counts as delivered.</summary>
    Create,

    /// <summary><c>POST /api/v1/runs/{id}/batch</c> with <see cref="PendingRequest.Batch"/>.</summary>
    Batch,
}

/// <summary>One write request to the tracking server: what a <see cref="RunWriteBatch"/> becomes on the wire, and what is spooled.</summary>
public sealed record PendingRequest(PendingKind Kind, RunId RunId)
{
    public RunRecord? Record { get; init; }

    public RunWriteBatch? Batch { get; init; }
}
