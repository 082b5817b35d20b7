using System.Runtime.Versioning;
using Repro.Capture.Data;
using Repro.Core.Data;

namespace Repro.Capture.Tests.Data;

[UnsupportedOSPlatform("windows")]
public sealed class DataStatCacheTests : IDisposable
{
    private readonly DataTestTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private DataFingerprint Fingerprint() => DataFingerprinter.Fingerprint(_tree.Data, _tree.Options());

    private void WriteSettledFiles()
    {
        _tree.Write("a.bin", new byte[10_000]);
        _tree.Write("b/c.bin", new byte[20_000]);
        _tree.Write("b/d.txt", "same size");
        _tree.AgeAllFiles();
        _tree.WaitForFileSystemClock();
    }

    [Fact]
    public void A_second_fingerprint_of_an_unchanged_tree_reads_no_file_contents()
    {
        WriteSettledFiles();

        var first = Fingerprint();
        var second = Fingerprint();

        Assert.Equal(30_009, first.BytesHashed);
        Assert.Equal(0, second.BytesHashed);
        Assert.Equal(0, second.FilesHashed);
        Assert.Equal(3, second.FilesFromCache);
        Assert.Equal(first.Root, second.Root);
        Assert.Empty(second.Warnings);
        Assert.Single(Directory.GetFiles(_tree.Cache));
    }

    [Fact]
    public void A_touched_file_is_hashed_again_and_only_it()
    {
        WriteSettledFiles();
        var first = Fingerprint();

        File.SetLastWriteTimeUtc(Path.Combine(_tree.Data, "b", "c.bin"), DataTestTree.Old.AddSeconds(1));
        var second = Fingerprint();

        Assert.Equal(20_000, second.BytesHashed);
        Assert.Equal(2, second.FilesFromCache);
        Assert.Equal(first.Root, second.Root);
    }

    [Fact]
    public void A_racily_clean_file_is_hashed_again_every_time()
    {
        WriteSettledFiles();
        // An mtime not strictly older than the cache's clock: the file could still change without its stat changing.
        File.SetLastWriteTimeUtc(Path.Combine(_tree.Data, "a.bin"), DateTime.UtcNow.AddHours(1));

        Fingerprint();
        var second = Fingerprint();
        var third = Fingerprint();

        Assert.Equal(10_000, second.BytesHashed);
        Assert.Equal(10_000, third.BytesHashed);
        Assert.Equal(2, third.FilesFromCache);
    }

    [Fact]
    public void Only_entries_strictly_older_than_the_cache_clock_are_trusted()
    {
        var input = FileSystemAccess.ToBytes(_tree.Data);
        var fs = FileSystemAccess.Default;
        var cache = DataStatCache.Open(_tree.Cache, input, fs, [])!;
        var clock = cache.ClockNs;
        var sha = new string('0', 64);
        FileStat Stat(long mtime, long ctime) => new(FileKind.File, 1, 2, 3, mtime, ctime);

        cache.Add("older", Stat(clock - 1, clock - 1), sha);
        cache.Add("mtime-equal", Stat(clock, clock - 1), sha);
        cache.Add("ctime-equal", Stat(clock - 1, clock), sha);
        cache.Add("newer", Stat(clock + 1, clock + 1), sha);
        cache.Save([]);
        var reopened = DataStatCache.Open(_tree.Cache, input, fs, [])!;

        Assert.True(reopened.TryGet("older", Stat(clock - 1, clock - 1), out _));
        Assert.False(reopened.TryGet("mtime-equal", Stat(clock, clock - 1), out _));
        Assert.False(reopened.TryGet("ctime-equal", Stat(clock - 1, clock), out _));
        Assert.False(reopened.TryGet("newer", Stat(clock + 1, clock + 1), out _));
        Assert.Equal(1, reopened.LoadedCount);
        Assert.True(reopened.ClockNs >= clock);
    }

    [Fact]
    public void A_same_size_change_that_keeps_the_mtime_is_caught_by_the_ctime()
    {
        WriteSettledFiles();
        var path = Path.Combine(_tree.Data, "b", "d.txt");
        var fs = FileSystemAccess.Default;
        Assert.True(fs.TryStat(FileSystemAccess.ToBytes(path), out var before, out _));
        var first = Fingerprint();

        File.WriteAllText(path, "SAME SIZE");
        File.SetLastWriteTimeUtc(path, DataTestTree.Old);
        Assert.True(fs.TryStat(FileSystemAccess.ToBytes(path), out var after, out _));
        var second = Fingerprint();

        Assert.Equal(before.MtimeNs, after.MtimeNs);
        Assert.Equal(before.Size, after.Size);
        Assert.Equal(before.Inode, after.Inode);
        Assert.NotEqual(before.CtimeNs, after.CtimeNs);
        Assert.Equal(9, second.BytesHashed);
        var change = Assert.Single(ManifestDiff.Compare(first.Manifest, second.Manifest).Changed);
        Assert.Equal("b/d.txt", change.Path);
        Assert.Equal(DataTestTree.Sha("SAME SIZE"), change.After.Sha256);
    }

    [Fact]
    public void A_file_replaced_by_another_with_the_same_stat_but_a_new_inode_is_hashed_again()
    {
        WriteSettledFiles();
        Fingerprint();

        var path = Path.Combine(_tree.Data, "a.bin");
        var replacement = Path.Combine(_tree.Root, "replacement");
        File.WriteAllBytes(replacement, new byte[10_000]);
        File.SetLastWriteTimeUtc(replacement, DataTestTree.Old);
        File.Move(replacement, path, overwrite: true);
        var second = Fingerprint();

        Assert.Equal(10_000, second.BytesHashed);
    }

    [Fact]
    public void Hashes_taken_before_a_cancellation_are_kept_in_the_cache()
    {
        WriteSettledFiles();
        using var cancel = new CancellationTokenSource();
        var options = _tree.Options(threads: 1) with { AfterHashPass = _ => cancel.Cancel() };

        Assert.ThrowsAny<OperationCanceledException>(() => DataFingerprinter.Fingerprint(_tree.Data, options, cancel.Token));
        var next = Fingerprint();

        Assert.Equal(1, next.FilesFromCache);
        Assert.Equal(2, next.FilesHashed);
    }

    [Fact]
    public void Files_that_are_gone_are_dropped_from_the_cache()
    {
        WriteSettledFiles();
        Fingerprint();
        var cacheFile = Assert.Single(Directory.GetFiles(_tree.Cache));
        var sizeBefore = new FileInfo(cacheFile).Length;

        File.Delete(Path.Combine(_tree.Data, "b", "c.bin"));
        var second = Fingerprint();
        var third = Fingerprint();

        Assert.Equal(2, second.FilesFromCache);
        Assert.True(new FileInfo(cacheFile).Length < sizeBefore);
        Assert.Equal(0, third.BytesHashed);
    }

    [Fact]
    public void A_damaged_cache_file_is_ignored_with_a_warning_and_rebuilt()
    {
        WriteSettledFiles();
        var first = Fingerprint();
        var cacheFile = Assert.Single(Directory.GetFiles(_tree.Cache));
        var bytes = File.ReadAllBytes(cacheFile);
        bytes[bytes.Length / 2] ^= 0xFF;
        File.WriteAllBytes(cacheFile, bytes);

        var second = Fingerprint();
        var third = Fingerprint();

        Assert.Equal(first.Root, second.Root);
        Assert.Equal(30_009, second.BytesHashed);
        Assert.Contains(second.Warnings, w => w.Contains("was damaged", StringComparison.Ordinal));
        Assert.Equal(0, third.BytesHashed);
        Assert.Empty(third.Warnings);
    }

    [Fact]
    public void A_cache_directory_that_cannot_be_used_only_costs_a_warning()
    {
        WriteSettledFiles();
        File.WriteAllText(_tree.Cache, "a file where the cache directory should be");

        var fingerprint = Fingerprint();

        Assert.Equal(3, fingerprint.FileCount);
        Assert.Contains(fingerprint.Warnings, w => w.Contains("could not be used", StringComparison.Ordinal));
    }

    [Fact]
    public void Concurrent_fingerprints_sharing_a_cache_leave_it_whole()
    {
        for (var i = 0; i < 20; i++)
        {
            _tree.Write($"part-{i:D2}", new byte[1000 + i]);
        }

        _tree.AgeAllFiles();
        _tree.WaitForFileSystemClock();

        var roots = Enumerable.Range(0, 8)
            .AsParallel().WithDegreeOfParallelism(8)
            .Select(_ => Enumerable.Range(0, 3).Select(_ => DataFingerprinter.Fingerprint(_tree.Data, _tree.Options(1)).Root).ToList())
            .SelectMany(r => r)
            .Distinct(StringComparer.Ordinal)
            .ToList();
        var after = Fingerprint();

        Assert.Single(roots);
        Assert.Equal(roots[0], after.Root);
        Assert.Equal(0, after.BytesHashed);
        Assert.Empty(after.Warnings);
        Assert.Single(Directory.GetFiles(_tree.Cache));
    }

    [Fact]
    public void Each_input_has_its_own_cache_file()
    {
        WriteSettledFiles();
        DataFingerprinter.Fingerprint(_tree.Data, _tree.Options());
        DataFingerprinter.Fingerprint(Path.Combine(_tree.Data, "b"), _tree.Options());

        var again = DataFingerprinter.Fingerprint(_tree.Data, _tree.Options());

        Assert.Equal(2, Directory.GetFiles(_tree.Cache).Length);
        Assert.Equal(0, again.BytesHashed);
    }

    [Fact]
    public void The_portable_fallback_caches_by_size_and_mtime()
    {
        WriteSettledFiles();
        var options = _tree.Options() with { UseManagedFileSystem = true };

        DataFingerprinter.Fingerprint(_tree.Data, options);
        var second = DataFingerprinter.Fingerprint(_tree.Data, options);
        File.SetLastWriteTimeUtc(Path.Combine(_tree.Data, "a.bin"), DataTestTree.Old.AddSeconds(1));
        var third = DataFingerprinter.Fingerprint(_tree.Data, options);

        Assert.Equal(0, second.BytesHashed);
        Assert.Equal(10_000, third.BytesHashed);
    }
}
