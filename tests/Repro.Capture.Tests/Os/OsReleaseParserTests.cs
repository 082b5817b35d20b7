using Repro.Capture.Os;
using Repro.Capture.Tests.Support;

namespace Repro.Capture.Tests.Os;

public sealed class OsReleaseParserTests
{
    [Theory]
    [InlineData("debian-12.txt", "debian", "Debian GNU/Linux", "12", "Debian GNU/Linux 12 (bookworm)")]
    [InlineData("ubuntu-22.04.txt", "ubuntu", "Ubuntu", "22.04", "Ubuntu 22.04.5 LTS")]
    [InlineData("alpine-3.19.txt", "alpine", "Alpine Linux", "3.19.1", "Alpine Linux v3.19")]
    [InlineData("rocky-9.txt", "rocky", "Rocky Linux", "9.3", "Rocky Linux 9.3 (Blue Onyx)")]
    public void Real_files_give_id_name_version_and_pretty_name(string file, string id, string name, string versionId, string pretty)
    {
        var release = OsReleaseParser.Parse(TestFiles.Read($"os-release/{file}"));

        Assert.Equal(id, release.Id);
        Assert.Equal(name, release.Name);
        Assert.Equal(versionId, release.VersionId);
        Assert.Equal(pretty, release.PrettyName);
        Assert.Equal(pretty, release.Describe());
    }

    [Fact]
    public void Unquoted_and_single_quoted_values_and_comments_are_handled()
    {
        var release = OsReleaseParser.Parse(
            "# a comment\n\nID=arch\r\nNAME='Arch Linux'\nVERSION_ID=rolling # trailing comment\n"
            + "BUILD_ID=\"a \\\"quoted\\\" word\"\nnot a line\n");

        Assert.Equal("arch", release.Id);
        Assert.Equal("Arch Linux", release.Name);
        Assert.Equal("rolling", release.VersionId);
        Assert.Equal("a \"quoted\" word", release.Values["BUILD_ID"]);
        Assert.Null(release.PrettyName);
        Assert.Equal("Arch Linux rolling", release.Describe());
    }

    [Fact]
    public void An_empty_file_describes_nothing()
    {
        var release = OsReleaseParser.Parse("");

        Assert.Null(release.Describe());
        Assert.Empty(release.Values);
    }
}
