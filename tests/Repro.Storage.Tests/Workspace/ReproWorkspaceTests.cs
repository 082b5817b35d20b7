using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Runs;
using Repro.Storage.Sqlite;
using Repro.Storage.Tests.Support;
using Repro.Storage.Workspace;

namespace Repro.Storage.Tests.Workspace;

/// <summary>
/// Workspace layout and discovery. These tests pass REPRO_HOME explicitly; <see cref="ReproHomeVariableTests"/> covers the variable itself.
/// </summary>
public sealed class ReproWorkspaceTests : IDisposable
{
    private readonly TempDir _directory = new();

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Init_creates_the_database_object_store_and_scratch_directory()
    {
        using var workspace = ReproWorkspace.Init(_directory.Path);

        Assert.Equal(_directory.Path, workspace.Root);
        Assert.Equal(_directory.Combine(".repro"), workspace.ReproDirectory);
        Assert.True(File.Exists(_directory.Combine(".repro", "repro.db")));
        Assert.True(Directory.Exists(_directory.Combine(".repro", "objects")));
        Assert.Equal(_directory.Combine(".repro", "tmp"), workspace.TempDirectory);
        Assert.True(Directory.Exists(workspace.TempDirectory));
        Assert.Equal("*", File.ReadAllLines(_directory.Combine(".repro", ".gitignore"))[^1]);
        Assert.Empty(workspace.Runs.ListRuns(new RunQuery()));
    }

    [Fact]
    public void Init_creates_a_missing_directory()
    {
        using var workspace = ReproWorkspace.Init(_directory.Combine("new", "project"));

        Assert.True(Directory.Exists(_directory.Combine("new", "project", ".repro")));
    }

    [Fact]
    public void Init_where_a_workspace_exists_is_already_exists()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();

        var error = Assert.Throws<ReproException>(() => ReproWorkspace.Init(_directory.Path));

        Assert.Equal(ErrorCode.AlreadyExists, error.Code);
        Assert.Contains(_directory.Path, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Open_walks_up_from_a_nested_directory()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();
        var nested = Directory.CreateDirectory(_directory.Combine("src", "models")).FullName;

        using var workspace = ReproWorkspace.Open(nested, reproHome: null);

        Assert.Equal(_directory.Path, workspace.Root);
        Assert.Equal(_directory.Path, ReproWorkspace.Find(nested));
        Assert.Equal(_directory.Path, ReproWorkspace.Find(_directory.Combine(".repro")));
    }

    [Fact]
    public void The_nearest_workspace_wins()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();
        var inner = _directory.Combine("inner");
        ReproWorkspace.Init(inner).Dispose();

        Assert.Equal(inner, ReproWorkspace.Find(Directory.CreateDirectory(Path.Combine(inner, "deep")).FullName));
    }

    [Fact]
    public void Outside_any_workspace_find_is_null_and_open_says_to_run_repro_init()
    {
        Assert.Null(ReproWorkspace.Find(_directory.Path));

        var error = Assert.Throws<ReproException>(() => ReproWorkspace.Open(_directory.Path, reproHome: null));

        Assert.Equal(ErrorCode.NoWorkspace, error.Code);
        var expected = $"No Repro workspace in {_directory.Path} or any parent. Run `repro init`";
        Assert.StartsWith(expected, error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Repro_home_may_name_the_project_directory_or_the_repro_directory()
    {
        var home = _directory.Combine("home");
        ReproWorkspace.Init(home).Dispose();
        var elsewhere = Directory.CreateDirectory(_directory.Combine("elsewhere")).FullName;

        using var byRoot = ReproWorkspace.Open(elsewhere, reproHome: home);
        using var byReproDirectory = ReproWorkspace.Open(elsewhere, reproHome: Path.Combine(home, ".repro") + Path.DirectorySeparatorChar);

        Assert.Equal(home, byRoot.Root);
        Assert.Equal(home, byReproDirectory.Root);
    }

    [Fact]
    public void Repro_home_wins_over_the_walk_up()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();
        var other = _directory.Combine("other-place");
        ReproWorkspace.Init(other).Dispose();
        var nested = Directory.CreateDirectory(_directory.Combine("src")).FullName;

        using var workspace = ReproWorkspace.Open(nested, reproHome: other);

        Assert.Equal(other, workspace.Root);
    }

    [Fact]
    public void Repro_home_naming_no_workspace_is_an_error_that_names_the_variable()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();

        var error = Assert.Throws<ReproException>(() => ReproWorkspace.Open(_directory.Path, reproHome: _directory.Combine("nowhere")));

        Assert.Equal(ErrorCode.NoWorkspace, error.Code);
        Assert.Contains("REPRO_HOME", error.Message, StringComparison.Ordinal);
        Assert.Contains("repro init", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void Runs_and_objects_persist_across_opens()
    {
        RunId id;
        string sha;
        using (var workspace = ReproWorkspace.Init(_directory.Path))
        {
            (sha, _) = workspace.Objects.Put(new MemoryStream([1, 2, 3]));
            id = workspace.Runs.Create(TestRuns.Record("kept") with { LogSha256 = sha }).Id;
        }

        using var reopened = ReproWorkspace.Open(_directory.Path, reproHome: null);

        Assert.Equal("kept", reopened.Runs.ResolveRun("last").Name);
        Assert.Equal(sha, reopened.Runs.GetRun(id)!.LogSha256);
        Assert.True(reopened.Objects.Verify(sha));
    }

    [Fact]
    public void An_outdated_workspace_opens_after_migrate_with_a_backup()
    {
        Directory.CreateDirectory(_directory.Combine(".repro"));
        var database = _directory.Combine(".repro", SqliteRunStore.FileName);
        SqliteRunStore.Open(database, latestVersion: 1).Dispose();

        var error = Assert.Throws<ReproException>(() => ReproWorkspace.Open(_directory.Path, reproHome: null));
        Assert.Equal(ErrorCode.SchemaOutdated, error.Code);

        var migration = ReproWorkspace.Migrate(_directory.Path, reproHome: null, SqliteRunStore.SchemaVersion);

        Assert.Equal(1, migration.FromVersion);
        Assert.Equal(SqliteRunStore.SchemaVersion, migration.ToVersion);
        Assert.True(File.Exists(_directory.Combine(".repro", "repro.db.bak-v1")));
        using var workspace = ReproWorkspace.Open(_directory.Path, reproHome: null);
        Assert.Empty(workspace.Runs.ListRuns(new RunQuery()));
    }

    [Fact]
    public void Migrate_outside_a_workspace_is_no_workspace()
    {
        Assert.Equal(
            ErrorCode.NoWorkspace,
            Assert.Throws<ReproException>(() => ReproWorkspace.Migrate(_directory.Path, reproHome: null, 2)).Code);
    }
}
