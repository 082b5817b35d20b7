using System.Globalization;
using System.Security.Cryptography;
using System.Text;
using Repro.Capture.Processes;
using Repro.Core.Runs;

namespace Repro.Capture.Git;

/// <summary>
/// Records the state of the code: commit, branch, remote, dirty flag, the uncommitted diff and untracked files.
/// Every git call is time-bounded; failures become warnings in the snapshot, never exceptions.
/// </summary>
public static class GitProbe
{
    /// <summary>The id of git's empty tree, used as the base of the diff in a repository without commits.</summary>
    public const string EmptyTree = "4b825dc642cb6eb9a060e54bf8d69288fbee4904";

    // Stable English messages, no prompts for credentials, and no index.lock taken by read-only commands.
    private static readonly Dictionary<string, string?> GitEnvironment = new(StringComparer.Ordinal)
    {
        ["LC_ALL"] = "C",
        ["GIT_TERMINAL_PROMPT"] = "0",
        ["GIT_OPTIONAL_LOCKS"] = "0",
    };

    /// <param name="workingDirectory">Any directory inside the repository (or outside any repository).</param>
    /// <param name="storeObject">Stores the stream's bytes in the content-addressed store and returns their sha256 (lowercase hex).</param>
    public static CodeSnapshot Capture(string workingDirectory, Func<Stream, string> storeObject, GitCaptureOptions? options = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(workingDirectory);
        ArgumentNullException.ThrowIfNull(storeObject);
        options ??= new GitCaptureOptions();

        var top = RunGit(options, workingDirectory, ["rev-parse", "--show-toplevel"]);
        if (top.NotFound)
        {
            return CodeSnapshot.None with
            {
                Warnings =
                [
                    $"git was not found (looked for '{options.GitExecutable}' on PATH), so the code state was not recorded. "
                    + "Install git (for example `apt-get install git`) to record the commit, diff and untracked files.",
                ],
            };
        }

        if (!top.Succeeded)
        {
            if (!top.TimedOut && top.StandardError.Contains("not a git repository", StringComparison.OrdinalIgnoreCase))
            {
                return CodeSnapshot.None;
            }

            return CodeSnapshot.None with { Warnings = [DescribeRepositoryFailure(workingDirectory, top)] };
        }

        var root = Path.GetFullPath(top.StandardOutput.Trim());
        var warnings = new List<string>();

        var commit = ReadCommit(options, root, warnings);
        var status = ReadStatus(options, root, warnings);
        var branch = status is null ? null : status.Branch ?? "HEAD (detached)";
        var remote = ReadRemote(options, root, warnings);

        // Without a status, look at the diff itself to decide whether the tree is dirty.
        var mayHaveChanges = status is null || status.HasTrackedChanges;
        var diffSha = mayHaveChanges ? StoreDiff(options, root, commit is null, storeObject, warnings) : null;
        var dirty = status?.HasTrackedChanges ?? diffSha is not null;

        var untracked = ReadUntracked(options, root, storeObject, warnings);

        return new CodeSnapshot
        {
            IsGitRepository = true,
            Root = root,
            Commit = commit,
            Branch = branch,
            RemoteUrl = remote,
            Dirty = dirty,
            DiffSha256 = diffSha,
            Untracked = untracked,
            Warnings = warnings,
        };
    }

    private static string? ReadCommit(GitCaptureOptions options, string root, List<string> warnings)
    {
        var head = RunGit(options, root, ["rev-parse", "--verify", "-q", "HEAD"]);
        if (head.Succeeded && head.StandardOutput.Trim() is { Length: > 0 } sha)
        {
            return sha;
        }

        if (head.Started && !head.TimedOut && head.ExitCode == 1)
        {
            warnings.Add(
                $"The git repository at '{root}' has no commits yet, so the run has no commit to point to; "
                + "its files are recorded as a diff against the empty tree. Commit them (`git add -A && git commit`) to pin the code.");
        }
        else
        {
            warnings.Add($"The current commit could not be read: {head.Describe()}. Check the repository with `git status`.");
        }

        return null;
    }

    private static GitStatus? ReadStatus(GitCaptureOptions options, string root, List<string> warnings)
    {
        var result = RunGit(options, root, ["status", "--porcelain=v2", "--branch", "-z", "--untracked-files=no"]);
        if (result.Succeeded)
        {
            return GitStatusParser.Parse(result.StandardOutput);
        }

        warnings.Add($"git status failed, so the branch was not recorded: {result.Describe()}. Check the repository with `git status`.");
        return null;
    }

    private static string? ReadRemote(GitCaptureOptions options, string root, List<string> warnings)
    {
        var result = RunGit(options, root, ["config", "--get-regexp", @"^remote\..*\.url$"]);
        if (result.Started && !result.TimedOut && result.ExitCode == 1)
        {
            return null; // No remotes configured.
        }

        if (!result.Succeeded)
        {
            warnings.Add($"The git remotes could not be read: {result.Describe()}.");
            return null;
        }

        var remotes = new List<(string Name, string Url)>();
        foreach (var line in result.StandardOutput.Split('\n', StringSplitOptions.RemoveEmptyEntries))
        {
            var space = line.IndexOf(' ', StringComparison.Ordinal);
            if (space <= 0)
            {
                continue;
            }

            var key = line[..space];
            const string Prefix = "remote.";
            const string Suffix = ".url";
            if (key.Length > Prefix.Length + Suffix.Length)
            {
                remotes.Add((key[Prefix.Length..^Suffix.Length], line[(space + 1)..].Trim()));
            }
        }

        if (remotes.Count == 0)
        {
            return null;
        }

        var origin = remotes.FindIndex(r => r.Name == "origin");
        return RemoteUrl.StripCredentials(remotes[origin >= 0 ? origin : 0].Url);
    }

    private static string? StoreDiff(
        GitCaptureOptions options, string root, bool noCommits, Func<Stream, string> storeObject, List<string> warnings)
    {
        var tempFile = Path.Combine(Path.GetTempPath(), "repro-diff-" + Guid.NewGuid().ToString("N") + ".patch");
        try
        {
            ProcessResult result;
            using (var sink = new FileStream(tempFile, FileMode.CreateNew, FileAccess.Write, FileShare.None))
            {
                string[] arguments = ["diff", noCommits ? EmptyTree : "HEAD", "--binary", "--no-color", "--no-ext-diff", "--no-textconv"];
                result = RunGit(options, root, arguments, sink);
            }

            if (!result.Succeeded)
            {
                warnings.Add(
                    $"The uncommitted changes could not be recorded: {result.Describe()}. "
                    + "Commit or stash them (`git stash`) so the run can be reproduced.");
                return null;
            }

            if (new FileInfo(tempFile).Length == 0)
            {
                return null;
            }

            using var diff = new FileStream(tempFile, FileMode.Open, FileAccess.Read, FileShare.Read);
            return storeObject(diff);
        }
        catch (Exception e)
        {
            warnings.Add($"The uncommitted diff could not be stored: {e.Message}. Commit the changes so the run can be reproduced.");
            return null;
        }
        finally
        {
            TryDelete(tempFile);
        }
    }

    private static List<UntrackedFile> ReadUntracked(
        GitCaptureOptions options, string root, Func<Stream, string> storeObject, List<string> warnings)
    {
        var files = new List<UntrackedFile>();
        var result = RunGit(options, root, ["ls-files", "--others", "--exclude-standard", "-z"]);
        if (!result.Succeeded)
        {
            warnings.Add($"The untracked files could not be listed: {result.Describe()}.");
            return files;
        }

        var paths = result.StandardOutput.Split('\0', StringSplitOptions.RemoveEmptyEntries);
        if (paths.Length > options.MaxUntrackedFiles)
        {
            warnings.Add(
                $"{paths.Length.ToString(CultureInfo.InvariantCulture)} untracked files were found; only the first "
                + $"{options.MaxUntrackedFiles.ToString(CultureInfo.InvariantCulture)} were recorded. "
                + "Add generated files to .gitignore, or commit the ones the run needs.");
        }

        var budget = new UntrackedBudget(options);
        foreach (var path in paths.Take(options.MaxUntrackedFiles))
        {
            files.Add(ReadUntrackedFile(root, path, storeObject, budget));
        }

        budget.AddWarnings(warnings);
        return files;
    }

    private static UntrackedFile ReadUntrackedFile(string root, string path, Func<Stream, string> storeObject, UntrackedBudget budget)
    {
        // A trailing slash marks a nested repository, which git lists as a directory.
        if (path.EndsWith('/'))
        {
            return new UntrackedFile(path, null, 0);
        }

        var fullPath = Path.Combine(root, path.Replace('/', Path.DirectorySeparatorChar));
        try
        {
            var info = new FileInfo(fullPath);
            if (info.LinkTarget is { } target)
            {
                // Like git, a symbolic link's content is its target path.
                var bytes = Encoding.UTF8.GetBytes(target);
                return new UntrackedFile(path, Store(path, bytes, storeObject, budget), bytes.Length);
            }

            var size = info.Length;
            if (size <= budget.Options.MaxStoredFileBytes && budget.Stored + size <= budget.Options.MaxStoredTotalBytes)
            {
                var bytes = File.ReadAllBytes(fullPath);
                return new UntrackedFile(path, Store(path, bytes, storeObject, budget), bytes.Length);
            }

            if (budget.Hashed + size > budget.Options.MaxHashedTotalBytes)
            {
                budget.Unhashed.Add(path);
                return new UntrackedFile(path, null, size);
            }

            var (sha, length) = HashFile(fullPath);
            budget.Hashed += length;
            budget.NotStored.Add(path);
            return new UntrackedFile(path, sha, length);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            budget.Unreadable.Add($"{path} ({e.Message})");
            return new UntrackedFile(path, null, 0);
        }
    }

    // Stores the content; when the store fails the hash is still recorded and the failure reported once.
    private static string Store(string path, byte[] bytes, Func<Stream, string> storeObject, UntrackedBudget budget)
    {
        try
        {
            var sha = storeObject(new MemoryStream(bytes, writable: false));
            budget.Stored += bytes.Length;
            return sha;
        }
        catch (Exception e)
        {
            budget.StoreFailures.Add($"{path} ({e.Message})");
            return Convert.ToHexStringLower(SHA256.HashData(bytes));
        }
    }

    private static (string Sha256, long Length) HashFile(string path)
    {
        using var stream = new FileStream(path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite, 1 << 16, FileOptions.SequentialScan);
        using var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256);
        var buffer = new byte[1 << 16];
        long length = 0;
        int read;
        while ((read = stream.Read(buffer, 0, buffer.Length)) > 0)
        {
            hash.AppendData(buffer, 0, read);
            length += read;
        }

        return (Convert.ToHexStringLower(hash.GetHashAndReset()), length);
    }

    // core.quotepath=false keeps non-ASCII file names readable in the stored diff (git apply reads them either way).
    private static ProcessResult RunGit(GitCaptureOptions options, string directory, string[] arguments, Stream? sink = null) =>
        ProcessRunner.Run(options.GitExecutable, ["-c", "core.quotepath=false", .. arguments], new ProcessRunOptions
        {
            WorkingDirectory = directory,
            Timeout = options.Timeout,
            EnvironmentOverrides = GitEnvironment,
            StandardOutputSink = sink,
        });

    private static string DescribeRepositoryFailure(string directory, ProcessResult result)
    {
        if (result.StandardError.Contains("dubious ownership", StringComparison.OrdinalIgnoreCase))
        {
            return $"git refused to read the repository at '{directory}' because another user owns it, so the code state was not recorded. "
                + $"Mark it safe with `git config --global --add safe.directory '{directory}'`.";
        }

        return $"git could not read the repository at '{directory}', so the code state was not recorded: {result.Describe()}. "
            + "Check it with `git status`.";
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp file is harmless.
        }
    }

    private sealed class UntrackedBudget(GitCaptureOptions options)
    {
        public GitCaptureOptions Options { get; } = options;
        public long Stored { get; set; }
        public long Hashed { get; set; }
        public List<string> NotStored { get; } = [];
        public List<string> Unhashed { get; } = [];
        public List<string> Unreadable { get; } = [];
        public List<string> StoreFailures { get; } = [];

        public void AddWarnings(List<string> warnings)
        {
            var perFile = (Options.MaxStoredFileBytes / Megabytes).ToString(CultureInfo.InvariantCulture);
            var total = (Options.MaxStoredTotalBytes / Megabytes).ToString(CultureInfo.InvariantCulture);
            if (NotStored.Count > 0)
            {
                warnings.Add(
                    $"{Count(NotStored)} untracked file(s) over {perFile} MB each or {total} MB in all were hashed but not stored, "
                    + $"so a reproduction cannot restore them: {List(NotStored)}. Commit them or track them as data.");
            }

            if (Unhashed.Count > 0)
            {
                warnings.Add(
                    $"{Count(Unhashed)} untracked file(s) were too large to hash and were recorded by size only: {List(Unhashed)}. "
                    + "Add them to .gitignore or track them as data.");
            }

            if (Unreadable.Count > 0)
            {
                warnings.Add($"{Count(Unreadable)} untracked file(s) could not be read: {List(Unreadable)}.");
            }

            if (StoreFailures.Count > 0)
            {
                warnings.Add(
                    $"{Count(StoreFailures)} untracked file(s) were hashed but could not be stored: {List(StoreFailures)}. "
                    + "Check the workspace's disk space and permissions.");
            }
        }

        private const long Megabytes = GitCaptureOptions.Megabyte;

        private static string Count(List<string> items) => items.Count.ToString(CultureInfo.InvariantCulture);

        private static string List(List<string> items) =>
            items.Count <= 5 ? string.Join(", ", items) : string.Join(", ", items.Take(5)) + ", ...";
    }
}
