using System.Collections;
using System.Text;
using Repro.Capture.Processes;
using Repro.Core.Runs;

namespace Repro.Capture.Python;

/// <summary>What the Python probe found: null <see cref="Info"/> when the command does not run Python or the probe failed.</summary>
internal sealed record PythonCapture(PythonInfo? Info, IReadOnlyList<string> Warnings);

/// <summary>
/// Asks the interpreter a command runs for its version, executable and installed packages (importlib.metadata, else
/// pkg_resources). Costs one interpreter start plus reading every package's metadata: about 0.3 s for 100 packages.
/// </summary>
internal static class PythonProbe
{
    public static TimeSpan DefaultTimeout { get; } = TimeSpan.FromSeconds(15);

    // The first distribution found on sys.path wins, as it does for imports.
    private const string Script = """
        import json, platform, sys
        packages = {}
        try:
            from importlib import metadata
            for dist in metadata.distributions():
                name = dist.metadata["Name"]
                if name and name not in packages:
                    packages[name] = dist.version
        except Exception:
            import pkg_resources
            for dist in pkg_resources.working_set:
                packages.setdefault(dist.project_name, dist.version)
        info = {"version": platform.python_version(), "executable": sys.executable, "packages": packages}
        print("REPRO_PYTHON_INFO " + json.dumps(info, sort_keys=True))
        """;

    /// <param name="command">The run's argv.</param>
    /// <param name="workingDirectory">Where the run starts (relative script paths resolve from here).</param>
    /// <param name="environment">The environment the run gets (its PATH finds the interpreter); null for this process's.</param>
    public static PythonCapture Capture(IReadOnlyList<string> command, string workingDirectory, IDictionary? environment, TimeSpan timeout)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(workingDirectory);
        var path = PathOf(environment);
        var prefix = PythonCommandDetector.Detect(command, executable => ReadShebang(executable, workingDirectory, path));
        if (prefix is null)
        {
            return new PythonCapture(null, []);
        }

        var interpreter = Resolve(prefix[0], workingDirectory, path) ?? prefix[0];
        var result = ProcessRunner.Run(interpreter, [.. prefix.Skip(1), "-c", Script], new ProcessRunOptions
        {
            WorkingDirectory = Directory.Exists(workingDirectory) ? workingDirectory : null,
            Timeout = timeout,
            Environment = environment,
        });

        var shown = string.Join(' ', prefix);
        if (!result.Succeeded)
        {
            return new PythonCapture(null,
            [
                $"The Python packages were not recorded: {result.Describe()}. "
                + $"Check the interpreter with `{shown} -c \"import sys; print(sys.version)\"`.",
            ]);
        }

        var info = PythonInfoParser.Parse(result.StandardOutput);
        return info is null
            ? new PythonCapture(null, [$"The Python packages were not recorded: `{shown}` did not print the package list."])
            : new PythonCapture(info, []);
    }

    private static string? PathOf(IDictionary? environment)
    {
        if (environment is null)
        {
            return Environment.GetEnvironmentVariable("PATH");
        }

        var comparison = OperatingSystem.IsWindows() ? StringComparison.OrdinalIgnoreCase : StringComparison.Ordinal;
        foreach (DictionaryEntry entry in environment)
        {
            if (entry.Key is string key && string.Equals(key, "PATH", comparison))
            {
                return entry.Value as string;
            }
        }

        return null;
    }

    /// <summary>A name with a directory part is taken relative to the working directory; a bare name is looked up on PATH.</summary>
    private static string? Resolve(string executable, string workingDirectory, string? path)
    {
        if (executable.Contains('/', StringComparison.Ordinal) || executable.Contains(Path.DirectorySeparatorChar))
        {
            var full = Path.GetFullPath(executable, workingDirectory);
            return File.Exists(full) ? full : null;
        }

        foreach (var directory in (path ?? "").Split(Path.PathSeparator, StringSplitOptions.RemoveEmptyEntries))
        {
            foreach (var candidate in Candidates(Path.Combine(directory, executable)))
            {
                if (File.Exists(candidate))
                {
                    return candidate;
                }
            }
        }

        return null;
    }

    private static IEnumerable<string> Candidates(string path)
    {
        yield return path;
        if (OperatingSystem.IsWindows() && !path.EndsWith(".exe", StringComparison.OrdinalIgnoreCase))
        {
            yield return path + ".exe";
        }
    }

    private static string? ReadShebang(string executable, string workingDirectory, string? path)
    {
        var file = Resolve(executable, workingDirectory, path);
        if (file is null)
        {
            return null;
        }

        try
        {
            using var stream = new FileStream(file, FileMode.Open, FileAccess.Read, FileShare.ReadWrite);
            var buffer = new byte[512];
            var read = stream.ReadAtLeast(buffer, buffer.Length, throwOnEndOfStream: false);
            var text = Encoding.UTF8.GetString(buffer, 0, read);
            var end = text.IndexOf('\n', StringComparison.Ordinal);
            var line = (end >= 0 ? text[..end] : text).TrimEnd('\r');
            return line.StartsWith("#!", StringComparison.Ordinal) ? line : null;
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            return null;
        }
    }
}
