using Repro.Core.Errors;
using Repro.Storage.Tracking;

namespace Repro.Storage.Tests.Tracking;

public sealed class ArtifactFileTests : TrackingStoreTests
{
    private static readonly string Sha = new('a', 64);

    [Fact]
    public void Files_are_put_replaced_and_read_back()
    {
        Store.PutArtifactFile("1/run/artifacts/model.bin", Sha, 10);
        Store.PutArtifactFile("1/run/artifacts/model.bin", new string('b', 64), 20);

        Assert.Equal(new ArtifactFile("1/run/artifacts/model.bin", false, new string('b', 64), 20), Store.GetArtifactFile("1/run/artifacts/model.bin"));
        Assert.Null(Store.GetArtifactFile("1/run/artifacts/other.bin"));
        Assert.Equal(new ArtifactFile("1/run", true, null, 0), Store.GetArtifactFile("1/run"));
    }

    [Fact]
    public void Listing_shows_direct_children_with_directories_synthesised()
    {
        Store.PutArtifactFile("a/x.txt", Sha, 1);
        Store.PutArtifactFile("a/sub/y.txt", Sha, 2);
        Store.PutArtifactFile("a/sub/deeper/z.txt", Sha, 3);
        Store.PutArtifactFile("a-b/w.txt", Sha, 4);
        Store.PutArtifactFile("top.txt", Sha, 5);

        Assert.Equal(
            [new ArtifactFile("a", true, null, 0), new ArtifactFile("a-b", true, null, 0), new ArtifactFile("top.txt", false, Sha, 5)],
            Store.ListArtifactFiles(""));
        Assert.Equal([new ArtifactFile("a/sub", true, null, 0), new ArtifactFile("a/x.txt", false, Sha, 1)], Store.ListArtifactFiles("a"));
        Assert.Equal(Store.ListArtifactFiles("a"), Store.ListArtifactFiles("a/"));
        Assert.Equal([new ArtifactFile("a/sub/deeper", true, null, 0), new ArtifactFile("a/sub/y.txt", false, Sha, 2)], Store.ListArtifactFiles("a/sub"));
        Assert.Empty(Store.ListArtifactFiles("nothing"));
    }

    [Theory]
    [InlineData("../etc/passwd")]
    [InlineData("a/../../b")]
    [InlineData("a/./b")]
    [InlineData("/etc/passwd")]
    [InlineData("a\\..\\b")]
    [InlineData("..\\b")]
    [InlineData("C:/windows")]
    [InlineData("a//b")]
    [InlineData("a/")]
    [InlineData("")]
    [InlineData("a/\0b")]
    [InlineData("..")]
    public void Paths_that_could_leave_the_root_are_invalid(string path)
    {
        var error = Assert.Throws<ReproException>(() => Store.PutArtifactFile(path, Sha, 1));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.StartsWith("Invalid artifact path", error.Message, StringComparison.Ordinal);
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.GetArtifactFile(path)).Code);
        Assert.Empty(Store.ListArtifactFiles(""));
    }

    [Theory]
    [InlineData("../x")]
    [InlineData("/abs")]
    [InlineData("a\\b")]
    public void Listing_a_bad_directory_is_invalid(string directory)
    {
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => Store.ListArtifactFiles(directory)).Code);
    }
}
