using Repro.Storage.Tests.Support;
using Repro.Storage.Workspace;

namespace Repro.Storage.Tests.Workspace;

/// <summary>Tests that change process environment variables; they run alone so no other test sees the change.</summary>
[CollectionDefinition(Name, DisableParallelization = true)]
public sealed class EnvironmentVariableCollection
{
    public const string Name = "Process environment variables";
}

[Collection(EnvironmentVariableCollection.Name)]
public sealed class ReproHomeVariableTests : IDisposable
{
    private readonly TempDir _directory = new();
    private readonly string? _saved = Environment.GetEnvironmentVariable(ReproWorkspace.HomeVariable);

    public void Dispose()
    {
        Environment.SetEnvironmentVariable(ReproWorkspace.HomeVariable, _saved);
        _directory.Dispose();
    }

    [Fact]
    public void Open_reads_the_repro_home_variable()
    {
        var home = _directory.Combine("home");
        ReproWorkspace.Init(home).Dispose();
        var elsewhere = Directory.CreateDirectory(_directory.Combine("elsewhere")).FullName;

        Environment.SetEnvironmentVariable(ReproWorkspace.HomeVariable, home);
        using var workspace = ReproWorkspace.Open(elsewhere);

        Assert.Equal(home, workspace.Root);
    }

    [Fact]
    public void Without_the_variable_open_walks_up_from_the_start_directory()
    {
        ReproWorkspace.Init(_directory.Path).Dispose();
        var nested = Directory.CreateDirectory(_directory.Combine("a", "b")).FullName;

        Environment.SetEnvironmentVariable(ReproWorkspace.HomeVariable, null);
        using var workspace = ReproWorkspace.Open(nested);

        Assert.Equal(_directory.Path, workspace.Root);
    }
}
