using Repro.Core.Data;

namespace Repro.Core.Tests.Data;

public sealed class ManifestDiffTests
{
    private static readonly string A = DataManifestTests.Sha("a");
    private static readonly string B = DataManifestTests.Sha("b");

    private static DataManifest Manifest(params ManifestEntry[] entries) => DataManifest.Create(DataInputKind.Directory, entries);

    [Fact]
    public void Identical_manifests_have_an_empty_diff()
    {
        var manifest = Manifest(new ManifestEntry("x", 1, A), new ManifestEntry("d/y", 2, B));

        var diff = ManifestDiff.Compare(manifest, Manifest(new ManifestEntry("d/y", 2, B), new ManifestEntry("x", 1, A)));

        Assert.True(diff.IsEmpty);
        Assert.Equal(2, diff.UnchangedCount);
        Assert.Equal(diff.RootBefore, diff.RootAfter);
    }

    [Fact]
    public void Diff_reports_files_added_to_a_dataset_with_their_count_and_bytes()
    {
        var before = Manifest(new ManifestEntry("train/0001.png", 100, A));
        var after = Manifest(Enumerable.Range(1, 3000).Select(i => new ManifestEntry($"train/{i:D4}.png", 100, A)).ToArray());

        var diff = ManifestDiff.Compare(before, after);

        Assert.Equal(2999, diff.AddedCount);
        Assert.Equal(299_900, diff.AddedBytes);
        Assert.Equal(1, diff.UnchangedCount);
        Assert.Equal(0, diff.RemovedCount);
        Assert.Equal("train/0002.png", diff.Added[0].Path);
        Assert.Equal("train/3000.png", diff.Added[^1].Path);
        Assert.NotEqual(diff.RootBefore, diff.RootAfter);
    }

    [Fact]
    public void Diff_sorts_added_removed_and_changed_files_by_path()
    {
        var before = Manifest(
            new ManifestEntry("keep", 1, A),
            new ManifestEntry("gone/1", 10, A),
            new ManifestEntry("gone/2", 20, A),
            new ManifestEntry("edit b", 5, A),
            new ManifestEntry("edit/a", 7, A));
        var after = Manifest(
            new ManifestEntry("keep", 1, A),
            new ManifestEntry("new/z", 3, B),
            new ManifestEntry("new/a", 4, B),
            new ManifestEntry("edit b", 5, B),
            new ManifestEntry("edit/a", 9, A));

        var diff = ManifestDiff.Compare(before, after);

        Assert.Equal(["new/a", "new/z"], diff.Added.Select(e => e.Path));
        Assert.Equal(["gone/1", "gone/2"], diff.Removed.Select(e => e.Path));
        Assert.Equal(["edit/a", "edit b"], diff.Changed.Select(c => c.Path));
        Assert.Equal(7, diff.AddedBytes);
        Assert.Equal(30, diff.RemovedBytes);
        Assert.Equal(12, diff.ChangedBytesBefore);
        Assert.Equal(14, diff.ChangedBytesAfter);
        Assert.Equal(1, diff.UnchangedCount);
        Assert.Equal(B, diff.Changed[1].After.Sha256);
        Assert.Equal(A, diff.Changed[1].Before.Sha256);
    }

    [Fact]
    public void A_file_whose_content_changed_but_not_its_size_is_changed()
    {
        var diff = ManifestDiff.Compare(Manifest(new ManifestEntry("x", 1, A)), Manifest(new ManifestEntry("x", 1, B)));

        var change = Assert.Single(diff.Changed);
        Assert.Equal("x", change.Path);
        Assert.False(diff.IsEmpty);
    }

    [Fact]
    public void Everything_is_added_to_an_empty_dataset()
    {
        var diff = ManifestDiff.Compare(DataManifest.EmptyDirectory, Manifest(new ManifestEntry("x", 1, A), new ManifestEntry("y", 2, B)));

        Assert.Equal(2, diff.AddedCount);
        Assert.Equal(3, diff.AddedBytes);

        var full = Manifest(new ManifestEntry("x", 1, A), new ManifestEntry("y", 2, B));
        var reverse = ManifestDiff.Compare(full, DataManifest.EmptyDirectory);
        Assert.Equal(2, reverse.RemovedCount);
        Assert.Equal(3, reverse.RemovedBytes);
    }
}
