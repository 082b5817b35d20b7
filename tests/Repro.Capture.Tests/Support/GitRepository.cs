using Repro.Capture.Processes;

namespace Repro.Capture.Tests.Support;

/// <summary>A real git repository in a temp directory, with a local identity so commits work on any machine.</summary>
internal sealed class GitRepository : IDisposable
{
    private readonly TempDirectory _directory = new();

    private GitRepository()
    {
    }

    public string Path => _directory.Path;

    public static GitRepository Init()
    {
        var repository = new GitRepository();
        repository.Git("init", "-q", "-b", "main");
        repository.Git("config", "user.name", "Repro Tests");
        repository.Git("config", "user.email", "tests@example.com");
        repository.Git("config", "commit.gpgsign", "false");
        return repository;
    }

    public string Write(string relative, string content) => _directory.WriteFile(relative, content);

    public void CommitAll(string message)
    {
        Git("add", "-A");
        Git("commit", "-q", "-m", message);
    }

    public string Git(params string[] arguments)
    {
        var result = ProcessRunner.Run("git", arguments, new ProcessRunOptions
        {
            WorkingDirectory = Path,
            Timeout = TimeSpan.FromSeconds(60),
            EnvironmentOverrides = new Dictionary<string, string?> { ["GIT_TERMINAL_PROMPT"] = "0" },
        });
        if (!result.Succeeded)
        {
            throw new InvalidOperationException($"git {string.Join(' ', arguments)} failed: {result.Describe()}");
        }

        return result.StandardOutput.Trim();
    }

    public void Dispose() => _directory.Dispose();
}
