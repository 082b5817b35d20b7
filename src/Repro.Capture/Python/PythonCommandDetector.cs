using System.Text.RegularExpressions;

namespace Repro.Capture.Python;

/// <summary>
/// Decides whether a command runs Python and, if so, which interpreter to ask about its packages. Pure: reading a script's
/// first line is left to the caller.
/// </summary>
public static partial class PythonCommandDetector
{
    private static readonly string[] EnvironmentRunners = ["uv", "poetry", "pipenv", "pdm", "hatch", "conda", "mamba", "micromamba"];

    /// <summary>
    /// Returns the command prefix that starts the same interpreter (to which "-c SCRIPT" is appended), or null when the
    /// command does not run Python. Recognised: <c>python</c>, <c>python3.11</c>, <c>pythonw</c>, <c>pypy3</c> (any
    /// directory, optional .exe); <c>env [-S] python3 ...</c>; <c>uv run</c> / <c>poetry run</c> / <c>conda run -n x</c>
    /// and similar runners (the prefix up to the python word, or "RUNNER run python"); and any executable whose shebang
    /// names Python, which covers scripts and console entry points such as torchrun, accelerate or pytest.
    /// </summary>
    /// <param name="command">The command's argv.</param>
    /// <param name="readShebang">Returns the "#!" line of the file argv[0] names (resolved on PATH), or null.</param>
    public static IReadOnlyList<string>? Detect(IReadOnlyList<string> command, Func<string, string?> readShebang)
    {
        ArgumentNullException.ThrowIfNull(command);
        ArgumentNullException.ThrowIfNull(readShebang);
        return Detect(command, readShebang, followShebang: true);
    }

    /// <summary>True for python, python3, python3.11, pythonw, pypy, pypy3 (with or without a directory or .exe).</summary>
    public static bool IsPythonExecutable(string executable)
    {
        ArgumentNullException.ThrowIfNull(executable);
        return PythonName().IsMatch(BaseName(executable));
    }

    /// <summary>Splits "#!/usr/bin/env -S python3 -u" into its words after "#!"; empty when the line is not a shebang.</summary>
    public static IReadOnlyList<string> ParseShebang(string line)
    {
        ArgumentNullException.ThrowIfNull(line);
        return line.StartsWith("#!", StringComparison.Ordinal)
            ? line[2..].Trim().Split([' ', '\t'], StringSplitOptions.RemoveEmptyEntries)
            : [];
    }

    private static IReadOnlyList<string>? Detect(IReadOnlyList<string> command, Func<string, string?> readShebang, bool followShebang)
    {
        if (command.Count == 0 || string.IsNullOrWhiteSpace(command[0]))
        {
            return null;
        }

        var executable = command[0];
        var name = BaseName(executable);
        if (PythonName().IsMatch(name))
        {
            return [executable];
        }

        if (name == "env")
        {
            // env [-S] [-i] [NAME=value ...] program args...
            var rest = command.Skip(1).SkipWhile(a => a.StartsWith('-') || a.Contains('=', StringComparison.Ordinal)).ToList();
            return Detect(rest, readShebang, followShebang);
        }

        if (EnvironmentRunners.Contains(name) && command.Count > 1 && command[1] == "run")
        {
            for (var i = 2; i < command.Count; i++)
            {
                if (PythonName().IsMatch(BaseName(command[i])))
                {
                    return command.Take(i + 1).ToList();
                }
            }

            return name is "uv" or "poetry" or "pipenv" or "pdm" or "hatch" ? [executable, "run", "python"] : null;
        }

        if (!followShebang)
        {
            return null;
        }

        var shebang = readShebang(executable);
        if (shebang is null)
        {
            return null;
        }

        var words = ParseShebang(shebang);
        return words.Count == 0 ? null : Detect(words, readShebang, followShebang: false) is { Count: > 0 } found ? [found[0]] : null;
    }

    private static string BaseName(string path)
    {
        var slash = path.LastIndexOfAny(['/', '\\']);
        var name = slash >= 0 ? path[(slash + 1)..] : path;
        return name.EndsWith(".exe", StringComparison.OrdinalIgnoreCase) ? name[..^4] : name;
    }

    [GeneratedRegex(@"^(python|pypy)([0-9]+(\.[0-9]+)*)?w?$", RegexOptions.IgnoreCase | RegexOptions.CultureInvariant)]
    private static partial Regex PythonName();
}
