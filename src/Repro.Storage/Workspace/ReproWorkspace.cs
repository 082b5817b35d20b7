using Repro.Core.Errors;
using Repro.Storage.Objects;
using Repro.Storage.Remote;
using Repro.Storage.Runs;
using Repro.Storage.Sqlite;

namespace Repro.Storage.Workspace;

/// <summary>
/// Where runs are kept: a <c>.repro</c> directory holding the SQLite database (<c>repro.db</c>), the object store
/// (<c>objects/</c>) and a scratch directory (<c>tmp/</c>). Found like git finds a repository: the <c>REPRO_HOME</c>
/// environment variable if set, else the nearest directory, from the start directory upwards, that contains <c>.repro</c>.
/// Opened with <see cref="OpenForTracking(string?, TextWriter?)"/> while <c>REPRO_TRACKING_URI</c> is set, its runs and
/// objects are those of a tracking server instead (see <see cref="Tracking"/>), and the local directory only holds scratch
/// files and what could not be sent yet.
/// </summary>
public sealed class ReproWorkspace : IDisposable
{
    public const string DirectoryName = ".repro";

    /// <summary>Names a workspace explicitly: a directory containing <c>.repro</c>, or the <c>.repro</c> directory itself.</summary>
    public const string HomeVariable = "REPRO_HOME";

    private const string ObjectsDirectoryName = "objects";
    private const string TempDirectoryName = "tmp";
    private const string PendingDirectoryName = "pending";

    private readonly IRunStore _runs;

    private ReproWorkspace(string root, string reproDirectory, IRunStore runs, IObjectStore objects, TrackingConnection? tracking, bool hasLocal)
    {
        Root = root;
        ReproDirectory = reproDirectory;
        _runs = runs;
        Objects = objects;
        Tracking = tracking;
        HasLocalWorkspace = hasLocal;
    }

    /// <summary>
    /// The directory that contains <c>.repro</c>; when tracking to a server from outside any workspace, the directory the
    /// workspace was opened from.
    /// </summary>
    public string Root { get; }

    /// <summary>
    /// The workspace directory (<c>Root/.repro</c>); when tracking to a server from outside any workspace, the per-user state
    /// directory (<see cref="TrackingSettings.StateDirectory"/>) that holds scratch files and pending batches instead.
    /// </summary>
    public string ReproDirectory { get; }

    /// <summary>The SQLite database file of a local workspace; null when tracking to a server.</summary>
    public string? DatabasePath => (_runs as SqliteRunStore)?.DatabasePath;

    /// <summary>The local SQLite store, or a tracking server's (writes spooled while it cannot be reached).</summary>
    public IRunStore Runs => _runs;

    public IObjectStore Objects { get; }

    /// <summary>The tracking server this workspace records to, or null when runs are kept locally.</summary>
    public TrackingConnection? Tracking { get; }

    /// <summary>False only when tracking to a server from a directory outside any workspace.</summary>
    public bool HasLocalWorkspace { get; }

    /// <summary>Where requests that could not reach a tracking server wait for <c>repro sync</c>.</summary>
    public string PendingDirectory => Path.Combine(ReproDirectory, PendingDirectoryName);

    /// <summary>Scratch space on the workspace's filesystem (spill files, staged objects).</summary>
    public string TempDirectory => Path.Combine(ReproDirectory, TempDirectoryName);

    /// <summary>
    /// Creates <c>&lt;directory&gt;/.repro</c> (and the directory if missing) with an empty database of the latest schema;
    /// AlreadyExists if there is one.
    /// </summary>
    public static ReproWorkspace Init(string directory)
    {
        ArgumentException.ThrowIfNullOrEmpty(directory);
        var root = Path.GetFullPath(directory);
        var reproDirectory = Path.Combine(root, DirectoryName);
        if (Path.Exists(reproDirectory))
        {
            throw new ReproException(
                ErrorCode.AlreadyExists,
                $"{root} already has a Repro workspace ({DirectoryName}). Use it as it is, or remove {reproDirectory} to start over.");
        }

        Directory.CreateDirectory(reproDirectory);
        try
        {
            // Keeps the workspace out of `git status`, so recording a run does not make the code look dirty.
            File.WriteAllText(Path.Combine(reproDirectory, ".gitignore"), "# Repro workspace: runs and objects, not source.\n*\n");
            return OpenAt(root);
        }
        catch
        {
            Directory.Delete(reproDirectory, recursive: true);
            throw;
        }
    }

    /// <summary>
    /// Opens the workspace named by REPRO_HOME, else the nearest one at or above <paramref name="startDirectory"/>
    /// (default: the current directory); NoWorkspace when there is none.
    /// </summary>
    public static ReproWorkspace Open(string? startDirectory = null) =>
        Open(startDirectory, Environment.GetEnvironmentVariable(HomeVariable));

    internal static ReproWorkspace Open(string? startDirectory, string? reproHome) => OpenAt(Locate(startDirectory, reproHome));

    /// <summary>
    /// Opens where runs are recorded and read: the tracking server named by <c>REPRO_TRACKING_URI</c> when it is set
    /// (with <c>REPRO_TRACKING_TOKEN</c>), else the local workspace as <see cref="Open(string?)"/> does. InvalidArgument
    /// when REPRO_TRACKING_URI is not an http(s) address. With a server, no local workspace is needed.
    /// </summary>
    public static ReproWorkspace OpenForTracking(string? startDirectory = null, TextWriter? warnings = null) =>
        OpenForTracking(startDirectory, TrackingSettings.FromEnvironment(), warnings);

    /// <inheritdoc cref="OpenForTracking(string?, TextWriter?)"/>
    public static ReproWorkspace OpenForTracking(string? startDirectory, TrackingSettings settings, TextWriter? warnings = null)
    {
        ArgumentNullException.ThrowIfNull(settings);
        var reproHome = Environment.GetEnvironmentVariable(HomeVariable);
        if (settings.Uri is null)
        {
            return Open(startDirectory, reproHome);
        }

        var start = Path.GetFullPath(startDirectory ?? Directory.GetCurrentDirectory());
        var root = string.IsNullOrWhiteSpace(reproHome) ? Find(start) : FromHome(reproHome);
        var reproDirectory = root is null ? Path.GetFullPath(settings.StateDirectory) : Path.Combine(root, DirectoryName);
        var temp = Path.Combine(reproDirectory, TempDirectoryName);
        Directory.CreateDirectory(temp);
        var connection = new TrackingConnection(settings, Path.Combine(reproDirectory, PendingDirectoryName), temp, warnings);
        return new ReproWorkspace(
            root ?? start, reproDirectory, new SpoolingRunStore(connection), new SpoolingObjectStore(connection), connection, root is not null);
    }

    /// <summary>The directory holding <c>.repro</c> at or above <paramref name="startDirectory"/>, or null. Ignores REPRO_HOME.</summary>
    public static string? Find(string startDirectory)
    {
        ArgumentException.ThrowIfNullOrEmpty(startDirectory);
        for (var directory = new DirectoryInfo(Path.GetFullPath(startDirectory)); directory is not null; directory = directory.Parent)
        {
            if (Directory.Exists(Path.Combine(directory.FullName, DirectoryName)))
            {
                return directory.FullName;
            }
        }

        return null;
    }

    /// <summary>Upgrades the workspace's database to this build's schema, writing <c>repro.db.bak-vN</c> first.</summary>
    public static SchemaMigration Migrate(string? startDirectory = null) =>
        Migrate(startDirectory, Environment.GetEnvironmentVariable(HomeVariable), SqliteRunStore.SchemaVersion);

    internal static SchemaMigration Migrate(string? startDirectory, string? reproHome, int latestVersion) =>
        SqliteRunStore.Migrate(DatabaseFile(Locate(startDirectory, reproHome)), latestVersion);

    public void Dispose()
    {
        _runs.Dispose();
        Tracking?.Dispose();
    }

    internal static string Locate(string? startDirectory, string? reproHome)
    {
        if (!string.IsNullOrWhiteSpace(reproHome))
        {
            return FromHome(reproHome);
        }

        var start = Path.GetFullPath(startDirectory ?? Directory.GetCurrentDirectory());
        return Find(start) ?? throw new ReproException(
            ErrorCode.NoWorkspace,
            $"No Repro workspace in {start} or any parent. Run `repro init` in your project directory to create one, "
            + $"or set {HomeVariable} to an existing workspace.");
    }

    private static string FromHome(string reproHome)
    {
        var home = Path.TrimEndingDirectorySeparator(Path.GetFullPath(reproHome));
        if (Path.GetFileName(home) == DirectoryName && Directory.Exists(home))
        {
            return Path.GetDirectoryName(home)!;
        }

        if (Directory.Exists(Path.Combine(home, DirectoryName)))
        {
            return home;
        }

        throw new ReproException(
            ErrorCode.NoWorkspace,
            $"{HomeVariable} is set to {reproHome}, but there is no Repro workspace there. Run `repro init {reproHome}` to create one, "
            + $"or unset {HomeVariable} to use the workspace of the current directory.");
    }

    private static string DatabaseFile(string root) => Path.Combine(root, DirectoryName, SqliteRunStore.FileName);

    private static ReproWorkspace OpenAt(string root)
    {
        var reproDirectory = Path.Combine(root, DirectoryName);
        var objects = new FileObjectStore(
            Path.Combine(reproDirectory, ObjectsDirectoryName),
            Path.Combine(reproDirectory, TempDirectoryName));
        return new ReproWorkspace(root, reproDirectory, SqliteRunStore.Open(DatabaseFile(root)), objects, tracking: null, hasLocal: true);
    }
}
