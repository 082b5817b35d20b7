using Repro.Core.Errors;
using Repro.Storage.Objects;
using Repro.Storage.Tracking;
using Repro.Storage.Workspace;

namespace Repro.Server;

/// <summary>What every endpoint works on: the workspace's store and objects, and the server's options.</summary>
public sealed class ServerContext(ReproWorkspace workspace, ServerOptions options)
{
    public ReproWorkspace Workspace { get; } = workspace;

    public ServerOptions Options { get; } = options;

    public ITrackingStore Store => Workspace.Runs as ITrackingStore
        ?? throw new ReproException(ErrorCode.Io, "This workspace's store cannot serve the tracking API.");

    public IObjectStore Objects => Workspace.Objects;
}
