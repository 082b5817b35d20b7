namespace Repro.Capture.Tests.Support;

/// <summary>Real captured outputs copied next to the test assembly (see TestFiles/**/README.md for their sources).</summary>
internal static class TestFiles
{
    public static string PathOf(string relative) => Path.Combine(AppContext.BaseDirectory, "TestFiles", relative);

    public static string Read(string relative) => File.ReadAllText(PathOf(relative));
}
