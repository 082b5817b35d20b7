namespace Repro.Capture.Tests.Support;

/// <summary>Writes small executable shell scripts that stand in for programs a probe runs (nvidia-smi, a Python).</summary>
internal static class FakeProgram
{
    public static string Write(TempDirectory directory, string name, string shellBody) =>
        WriteExecutable(directory, name, "#!/bin/sh\n" + shellBody + "\n");

    /// <summary>Writes a file with exactly this content and marks it executable.</summary>
    public static string WriteExecutable(TempDirectory directory, string name, string content)
    {
        var path = directory.WriteFile(name, content);
        if (!OperatingSystem.IsWindows())
        {
            File.SetUnixFileMode(path, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
        }

        return path;
    }

    /// <summary>Single-quotes a value for /bin/sh.</summary>
    public static string Quote(string value) => "'" + value.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
