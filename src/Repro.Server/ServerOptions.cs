namespace Repro.Server;

/// <summary>How <c>repro server</c> listens and whom it trusts.</summary>
public sealed record ServerOptions
{
    public const string TokenVariable = "REPRO_SERVER_TOKEN";

    /// <summary>The address to bind. Loopback unless the user asks for more.</summary>
    public string Host { get; init; } = "127.0.0.1";

    /// <summary>0 picks a free port (see <see cref="ReproServer.Url"/>).</summary>
    public int Port { get; init; } = 5005;

    /// <summary>The directory holding (or inside) the workspace; null finds it like the CLI does.</summary>
    public string? Workspace { get; init; }

    /// <summary>When set, every write needs <c>Authorization: Bearer &lt;token&gt;</c>.</summary>
    public string? Token { get; init; }

    /// <summary>When true (and a token is set), reads need the token too.</summary>
    public bool ProtectReads { get; init; }

    /// <summary>The largest JSON request body accepted (artifact uploads have their own, larger limit).</summary>
    public long MaxJsonBodyBytes { get; init; } = 16L * 1024 * 1024;

    /// <summary>The most runs <c>GET /api/v1/groups</c> groups in one request; more matching runs are refused (400).</summary>
    public int MaxGroupedRuns { get; init; } = 100_000;

    /// <summary>The largest artifact upload accepted.</summary>
    public long MaxArtifactBytes { get; init; } = 4L * 1024 * 1024 * 1024;
}
