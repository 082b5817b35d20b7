using Repro.Capture.Python;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Python;

public sealed class PythonInfoParserTests
{
    [Fact]
    public void Real_probe_output_gives_version_executable_and_packages()
    {
        var info = PythonInfoParser.Parse(TestFiles.Read("python/probe-output.txt"));

        Assert.NotNull(info);
        Assert.Equal("3.11.7", info.Version);
        Assert.Equal("/usr/bin/python3", info.Executable);
        Assert.Equal(94, info.Packages.Count);
        Assert.Equal("2.34.2", info.Packages["requests"]);
        Assert.Equal("3.1.3", info.Packages["Flask"]);
    }

    [Fact]
    public void Packages_are_sorted_by_name()
    {
        var info = PythonInfoParser.Parse(
            """REPRO_PYTHON_INFO {"version": "3.12.1", "executable": "/p", "packages": {"b": "2", "a": "1", "B": "3"}}""");

        Assert.Equal(["B", "a", "b"], info!.Packages.Keys);
    }

    [Theory]
    [InlineData("")]
    [InlineData("Traceback (most recent call last):\n  File \"<string>\", line 1")]
    [InlineData("REPRO_PYTHON_INFO {not json")]
    [InlineData("REPRO_PYTHON_INFO []")]
    [InlineData("REPRO_PYTHON_INFO {\"executable\": \"/p\", \"packages\": {}}")]
    [InlineData("REPRO_PYTHON_INFO {\"version\": 3, \"executable\": \"/p\"}")]
    public void Output_without_a_valid_marked_line_gives_null(string output)
    {
        Assert.Null(PythonInfoParser.Parse(output));
    }

    [Fact]
    public void Non_string_package_versions_are_skipped()
    {
        var info = PythonInfoParser.Parse(
            """REPRO_PYTHON_INFO {"version": "3.9.0", "executable": "/p", "packages": {"ok": "1.0", "odd": null}}""");

        Assert.Equal(["ok"], info!.Packages.Keys);
    }
}
