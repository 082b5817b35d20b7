namespace Repro.Sdk.Tests.Support;

internal static class Python
{
    /// <summary>The folder in the test output holding repro_client.py (copied there by the project file).</summary>
    public static string ClientDirectory => Path.Combine(AppContext.BaseDirectory, "python");

    /// <summary>Runs python3 with the helper importable and exactly the REPRO_* variables given.</summary>
    public static ProcessResult Run(string workingDirectory, IReadOnlyDictionary<string, string> environment, params string[] args)
    {
        var env = new Dictionary<string, string>(environment, StringComparer.Ordinal)
        {
            ["PYTHONPATH"] = ClientDirectory,
            ["PYTHONDONTWRITEBYTECODE"] = "1",
        };
        return ChildProcess.Run("python3", args, workingDirectory, env);
    }
}
