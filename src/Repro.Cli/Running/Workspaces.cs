using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>How commands that record or read runs open where the runs are.</summary>
internal static class Workspaces
{
    /// <summary>
    /// The tracking server named by REPRO_TRACKING_URI when it is set (no local workspace needed), else the local workspace
    /// at or above <paramref name="startDirectory"/>. Warnings about a lost server go to stderr, once.
    /// </summary>
    public static ReproWorkspace OpenForRuns(string? startDirectory = null) => ReproWorkspace.OpenForTracking(startDirectory, Console.Error);
}
