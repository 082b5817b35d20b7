using Repro.Capture.Processes;
using Repro.Core.Errors;
using Repro.Core.Runs;
using Repro.Storage.Workspace;

namespace Repro.Cli.Running;

/// <summary>
/// Rebuilds the code a run used in a fresh git worktree: the recorded commit, the recorded uncommitted diff applied, and
/// the untracked files whose content was stored. The user's own working tree is never touched.
/// </summary>
internal sealed class CodeCheckout
{
    private static readonly TimeSpan GitTimeout = TimeSpan.FromMinutes(2);

    private CodeCheckout(string repository, string directory, bool isWorktree)
    {
        Repository = repository;
        Directory = directory;
        IsWorktree = isWorktree;
    }

    public string Repository { get; }
    public string Directory { get; }
    public bool IsWorktree { get; }
    public List<string> Warnings { get; } = [];

    /// <summary>The repository to check out from: the one around the current directory if it has the commit, else the recorded one.</summary>
    public static string FindRepository(CodeSnapshot code, string currentDirectory)
    {
        var here = Git(currentDirectory, "rev-parse", "--show-toplevel");
        if (here.Succeeded && HasCommit(here.StandardOutput.Trim(), code.Commit!))
        {
            return here.StandardOutput.Trim();
        }

        if (code.Root is { } root && System.IO.Directory.Exists(root) && Git(root, "rev-parse", "--show-toplevel").Succeeded)
        {
            return root;
        }

        if (here.Succeeded)
        {
            return here.StandardOutput.Trim();
        }

        throw new ReproException(ErrorCode.NotFound,
            $"The run's code came from the git repository at {code.Root ?? "(unknown)"}, which is not here, and {currentDirectory} is not inside a clone. " +
            (code.RemoteUrl is { } remote ? $"Clone it (git clone {remote}) and run `repro reproduce` inside the clone." : "Run `repro reproduce` inside a clone of it."));
    }

    public static CodeCheckout Create(ReproWorkspace workspace, CodeSnapshot code, string repository, string directory)
    {
        ArgumentNullException.ThrowIfNull(workspace);
        ArgumentNullException.ThrowIfNull(code);
        var commit = code.Commit ?? throw new ReproException(ErrorCode.InvalidArgument,
            "The run was recorded in a git repository without any commit; there is no code state to rebuild. Commit your code and record a new run.");
        if (!HasCommit(repository, commit))
        {
            throw new ReproException(ErrorCode.NotFound,
                $"Commit {commit} is not in the repository at {repository}. " +
                (code.RemoteUrl is { } remote ? $"Fetch it from the run's remote: git fetch {remote}" : "Fetch it from wherever the run's code was pushed (git fetch <remote>)") +
                ", then run `repro reproduce` again.");
        }

        if (System.IO.Directory.Exists(directory) && System.IO.Directory.EnumerateFileSystemEntries(directory).Any())
        {
            throw new ReproException(ErrorCode.AlreadyExists, $"{directory} exists and is not empty. Give an empty or new directory with --in.");
        }

        var add = Git(repository, "worktree", "add", "--detach", directory, commit);
        if (!add.Succeeded)
        {
            throw new ReproException(ErrorCode.Io, $"git could not create a worktree at {directory}: {add.StandardError.Trim()}");
        }

        var checkout = new CodeCheckout(repository, directory, isWorktree: true);
        try
        {
            checkout.ApplyDiff(workspace, code);
            checkout.RestoreUntracked(workspace, code);
        }
        catch
        {
            checkout.Remove();
            throw;
        }

        return checkout;
    }

    public void Remove()
    {
        if (IsWorktree)
        {
            Git(Repository, "worktree", "remove", "--force", Directory);
        }
    }

    private void ApplyDiff(ReproWorkspace workspace, CodeSnapshot code)
    {
        if (code.DiffSha256 is not { } sha)
        {
            return;
        }

        var patch = Path.Combine(workspace.TempDirectory, $"patch-{sha[..16]}.diff");
        System.IO.Directory.CreateDirectory(workspace.TempDirectory);
        using (var source = workspace.Objects.Open(sha))
        using (var target = File.Create(patch))
        {
            source.CopyTo(target);
        }

        try
        {
            if (new FileInfo(patch).Length == 0)
            {
                return;
            }

            var apply = Git(Directory, "apply", "--binary", "--whitespace=nowarn", patch);
            if (!apply.Succeeded)
            {
                throw new ReproException(ErrorCode.Conflict,
                    $"The run's uncommitted diff (sha256 {sha[..12]}) no longer applies to commit {code.Commit}: {apply.StandardError.Trim()}. " +
                    "The object store may have been edited; check it with `repro verify`.");
            }
        }
        finally
        {
            File.Delete(patch);
        }
    }

    private void RestoreUntracked(ReproWorkspace workspace, CodeSnapshot code)
    {
        foreach (var file in code.Untracked)
        {
            if (file.Sha256 is not { } sha || !workspace.Objects.Exists(sha))
            {
                Warnings.Add($"untracked file {file.Path} was not stored with the run (only its hash); the reproduction runs without it");
                continue;
            }

            var target = Path.GetFullPath(Path.Combine(Directory, file.Path));
            if (!target.StartsWith(Path.GetFullPath(Directory) + Path.DirectorySeparatorChar, StringComparison.Ordinal))
            {
                Warnings.Add($"untracked file {file.Path} points outside the checkout; not restored");
                continue;
            }

            System.IO.Directory.CreateDirectory(Path.GetDirectoryName(target)!);
            using var source = workspace.Objects.Open(sha);
            using var output = File.Create(target);
            source.CopyTo(output);
        }
    }

    private static bool HasCommit(string repository, string commit) =>
        Git(repository, "cat-file", "-e", commit + "^{commit}").Succeeded;

    private static ProcessResult Git(string directory, params string[] args) =>
        ProcessRunner.Run("git", ["-c", "core.quotepath=false", "-c", "advice.detachedHead=false", .. args],
            new ProcessRunOptions { WorkingDirectory = directory, Timeout = GitTimeout });
}
