using Repro.Core.Errors;
using Repro.Storage.Objects;
using Repro.Storage.Runs;
using Repro.Storage.Sqlite;

namespace Repro.Storage.Workspace;

/// <summary>
/// Where runs are kept: a <c>.repro</c> directory holding the SQLite database (<c>repro.db</c>), the object store
/// (<c>objects/</c>) and a scratch directory (<c>tmp/</c>). Found like git finds a repository: the <c>REPRO_HOME</c>
/// environment variable if set, else the nearest directory, from the start directory upwards, that contains <c>.repro</c>.
/// </summary>
public sealed class ReproWorkspace : IDisposable
{
    public const string DirectoryName = ".repro";

    /// <summary>Names a workspace explicitly: a directory containing <c>.repro</c>, or the <c>.repro</c> directory itself.</summary>
    public const string HomeVariable = "REPRO_HOME";

    private const string ObjectsDirectoryName = "objects";
    private const string TempDirectoryName = "tmp";

    private readonly SqliteRunStore _runs;

    private ReproWorkspace(string root, SqliteRunStore runs, FileObjectStore objects)
    {
        Root = root;
        _runs = runs;
        Objects = objects;
    }

    /// <summary>The directory that contains <c>.repro</c>.</summary>
    public string Root { get; }

    public string ReproDirectory => Path.Combine(Root, DirectoryName);

    public string DatabasePath => _runs.DatabasePath;

    public IRunStore Runs => _runs;

    public IObjectStore Objects { get; }

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

    public void Dispose() => _runs.Dispose();

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
        return new ReproWorkspace(root, SqliteRunStore.Open(DatabaseFile(root)), objects);
    }
}
