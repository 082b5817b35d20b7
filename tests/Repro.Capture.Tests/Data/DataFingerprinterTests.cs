using System.Runtime.Versioning;
using System.Text;
using Repro.Capture.Data;
using Repro.Core.Data;
using Repro.Core.Errors;

namespace Repro.Capture.Tests.Data;

[UnsupportedOSPlatform("windows")]
public sealed class DataFingerprinterTests : IDisposable
{
    private readonly DataTestTree _tree = new();

    public void Dispose() => _tree.Dispose();

    private static FingerprintOptions NoCache(int threads = 2) => new() { MaxDegreeOfParallelism = threads };

    [Fact]
    public void A_directory_is_fingerprinted_to_the_root_of_the_documented_example()
    {
        _tree.Write("a.txt", "hello\n");
        _tree.Write("sub/b.txt", "world\n");

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal("66d79c9a29cef9a00b48ee9e4443d6c70ab748e71b4239c8f45de8657bb84598", fingerprint.Root);
        Assert.Equal(["a.txt", "sub/b.txt"], fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(DataTestTree.Sha("world\n"), fingerprint.Manifest.Entries[1].Sha256);
        Assert.Equal(2, fingerprint.FileCount);
        Assert.Equal(12, fingerprint.TotalBytes);
        Assert.Equal(12, fingerprint.BytesHashed);
        Assert.Equal(2, fingerprint.FilesHashed);
        Assert.Equal(DataInputKind.Directory, fingerprint.Manifest.Kind);
        Assert.Equal(_tree.Data, fingerprint.Path);
        Assert.Empty(fingerprint.Warnings);
    }

    [Fact]
    public void Names_with_spaces_newlines_and_unicode_are_recorded_as_they_are()
    {
        _tree.Write("with space.txt", "1");
        _tree.Write("new\nline.txt", "2");
        _tree.Write("dïr ü/数据 🙂.bin", "3");
        _tree.Write(@"back\slash", "4");

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal(
            [@"back\\slash", "dïr ü/数据 🙂.bin", "new\nline.txt", "with space.txt"],
            fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(DataTestTree.Sha("2"), fingerprint.Manifest.Entries.Single(e => e.Path == "new\nline.txt").Sha256);
    }

    [Fact]
    public void A_file_whose_name_is_not_valid_utf8_is_hashed_under_an_escaped_name()
    {
        _tree.WriteRawName(@"bad\377\376name", "raw bytes");

        // What .NET itself offers: the name decoded with U+FFFD, which cannot be opened again.
        var decoded = Assert.Single(Directory.EnumerateFiles(_tree.Data));
        Assert.Contains('\uFFFD', decoded);
        Assert.False(File.Exists(decoded));

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        var entry = Assert.Single(fingerprint.Manifest.Entries);
        Assert.Equal(@"bad\xff\xfename", entry.Path);
        Assert.Equal(DataTestTree.Sha("raw bytes"), entry.Sha256);
        Assert.Equal([.. "bad"u8, 0xFF, 0xFE, .. "name"u8], DataPathName.Unescape(entry.Path));
    }

    [Fact]
    public void The_portable_fallback_reports_a_name_it_cannot_open_instead_of_skipping_it()
    {
        _tree.Write("good.txt", "ok");
        _tree.WriteRawName(@"bad\377name", "raw");
        var options = NoCache() with { UseManagedFileSystem = true };

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(_tree.Data, options));
        var skipped = DataFingerprinter.Fingerprint(_tree.Data, options with { SkipUnreadable = true });

        Assert.Equal(ErrorCode.Io, error.Code);
        Assert.Contains("bad\uFFFDname", error.Message, StringComparison.Ordinal);
        Assert.Contains("not valid UTF-8", error.Message, StringComparison.Ordinal);
        Assert.Equal(["good.txt"], skipped.Manifest.Entries.Select(e => e.Path));
        Assert.Contains(skipped.Warnings, w => w.Contains("not valid UTF-8", StringComparison.Ordinal));
    }

    [Fact]
    public void The_portable_fallback_gives_the_same_manifest_as_the_native_implementation()
    {
        _tree.Write("a.txt", "hello\n");
        _tree.Write("sub dir/b.txt", "world\n");
        _tree.Write("sub dir/deeper/c", new byte[300_000]);
        File.CreateSymbolicLink(Path.Combine(_tree.Data, "link-to-a"), "a.txt");
        Directory.CreateSymbolicLink(Path.Combine(_tree.Data, "sub dir", "deeper", "up"), "..");

        var native = DataFingerprinter.Fingerprint(_tree.Data, NoCache());
        var managed = DataFingerprinter.Fingerprint(_tree.Data, NoCache() with { UseManagedFileSystem = true });

        Assert.Equal(native.Root, managed.Root);
        Assert.Equal(native.Manifest.Entries, managed.Manifest.Entries);
        Assert.Single(managed.Warnings, w => w.Contains("loop", StringComparison.Ordinal));
    }

    [Fact]
    public void A_single_file_input_has_one_entry_named_by_the_file()
    {
        var path = _tree.Write("train.csv", "x,y\n1,2\n");

        var fingerprint = DataFingerprinter.Fingerprint(path, NoCache());

        Assert.Equal(DataInputKind.File, fingerprint.Manifest.Kind);
        var entry = Assert.Single(fingerprint.Manifest.Entries);
        Assert.Equal("train.csv", entry.Path);
        Assert.Equal(DataMerkle.Tree([DataMerkle.FileRecord("train.csv", 8, DataTestTree.Sha("x,y\n1,2\n"))]), fingerprint.Root);
    }

    [Fact]
    public void A_relative_path_is_resolved_against_the_current_directory()
    {
        _tree.Write("a.txt", "hello\n");
        var relative = Path.GetRelativePath(Environment.CurrentDirectory, _tree.Data);

        var fingerprint = DataFingerprinter.Fingerprint(relative + "/", NoCache());

        Assert.Equal(_tree.Data, fingerprint.Path);
        Assert.Equal(1, fingerprint.FileCount);
    }

    [Fact]
    public void A_path_that_does_not_exist_fails_with_not_found_naming_it()
    {
        var missing = Path.Combine(_tree.Root, "no-such-data");

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(missing, NoCache()));

        Assert.Equal(ErrorCode.NotFound, error.Code);
        Assert.Contains(missing, error.Message, StringComparison.Ordinal);
        Assert.Contains("--data", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_input_that_is_neither_a_file_nor_a_directory_is_refused()
    {
        _tree.Run("mkfifo", "pipe");

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(Path.Combine(_tree.Data, "pipe"), NoCache()));

        Assert.Equal(ErrorCode.InvalidArgument, error.Code);
        Assert.Contains("FIFO", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void An_empty_dataset_gives_the_empty_manifest_and_a_warning()
    {
        Directory.CreateDirectory(Path.Combine(_tree.Data, "empty", "nested"));

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Empty(fingerprint.Manifest.Entries);
        Assert.Equal(DataMerkle.EmptyDirectoryRoot, fingerprint.Root);
        Assert.Contains(fingerprint.Warnings, w => w.Contains("No files were found", StringComparison.Ordinal));
    }

    [Fact]
    public void The_cache_directory_and_excluded_directories_inside_the_input_are_left_out()
    {
        _tree.Write("train.csv", "x");
        _tree.Write(".repro/runs.db", "changes during every run");
        var options = new FingerprintOptions
        {
            CacheDirectory = Path.Combine(_tree.Data, ".repro", "cache"),
            ExcludedDirectories = [Path.Combine(_tree.Data, ".repro")],
        };
        var cacheOnly = new FingerprintOptions { CacheDirectory = Path.Combine(_tree.Data, "cache") };

        var first = DataFingerprinter.Fingerprint(_tree.Data, options);
        var second = DataFingerprinter.Fingerprint(_tree.Data, options);
        var withCacheInside = DataFingerprinter.Fingerprint(_tree.Data, cacheOnly);
        var again = DataFingerprinter.Fingerprint(_tree.Data, cacheOnly);

        Assert.Equal(["train.csv"], first.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(first.Root, second.Root);
        Assert.DoesNotContain(withCacheInside.Manifest.Entries, e => e.Path.StartsWith("cache/", StringComparison.Ordinal));
        Assert.Equal(withCacheInside.Root, again.Root);
    }

    [Fact]
    public void A_symbolic_link_to_a_file_is_followed_and_recorded_under_the_link_name()
    {
        var outside = Path.Combine(_tree.Root, "outside.bin");
        File.WriteAllText(outside, "outside");
        File.CreateSymbolicLink(Path.Combine(_tree.Data, "linked.bin"), outside);

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        var entry = Assert.Single(fingerprint.Manifest.Entries);
        Assert.Equal("linked.bin", entry.Path);
        Assert.Equal(DataTestTree.Sha("outside"), entry.Sha256);
    }

    [Fact]
    public void A_directory_reached_twice_is_listed_twice_but_each_file_is_read_once()
    {
        _tree.Write("v3/part-0", new byte[1000]);
        _tree.Write("v3/part-1", new byte[2000]);
        Directory.CreateSymbolicLink(Path.Combine(_tree.Data, "latest"), "v3");

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal(["latest/part-0", "latest/part-1", "v3/part-0", "v3/part-1"], fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(6000, fingerprint.TotalBytes);
        Assert.Equal(3000, fingerprint.BytesHashed);
    }

    [Fact]
    public void A_symbolic_link_loop_is_reported_and_the_walk_ends()
    {
        _tree.Write("a/b/file.txt", "x");
        Directory.CreateSymbolicLink(Path.Combine(_tree.Data, "a", "b", "back-to-a"), "..");
        Directory.CreateSymbolicLink(Path.Combine(_tree.Data, "a", "to-root"), _tree.Data);
        File.CreateSymbolicLink(Path.Combine(_tree.Data, "self"), "self");

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal(["a/b/file.txt"], fingerprint.Manifest.Entries.Select(e => e.Path));
        AssertWarning(fingerprint, "'a/b/back-to-a' is a symbolic link that leads back to 'a'");
        AssertWarning(fingerprint, "'a/to-root' is a symbolic link that leads back to the input directory");
        AssertWarning(fingerprint, "'self' is a symbolic link that leads back to itself");
    }

    [Fact]
    public void A_dangling_symbolic_link_is_reported_and_left_out()
    {
        _tree.Write("real.txt", "x");
        File.CreateSymbolicLink(Path.Combine(_tree.Data, "dangling"), Path.Combine(_tree.Root, "nowhere"));

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal(["real.txt"], fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Contains(fingerprint.Warnings, w => w.Contains("'dangling' is a symbolic link to nothing", StringComparison.Ordinal));
    }

    [Fact]
    public void A_fifo_in_the_dataset_is_left_out_with_a_warning_and_does_not_block()
    {
        _tree.Write("real.txt", "x");
        _tree.Run("mkfifo", "pipe");

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache());

        Assert.Equal(["real.txt"], fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Contains(fingerprint.Warnings, w => w.Contains("'pipe' is not a regular file", StringComparison.Ordinal));
    }

    [UnreadableFact]
    public void Unreadable_files_fail_the_fingerprint_naming_the_first_few_and_how_to_skip_them()
    {
        _tree.Write("readable.txt", "ok");
        UnreadableFiles.Create(_tree, 7);

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(_tree.Data, NoCache()));

        Assert.Equal(ErrorCode.Io, error.Code);
        Assert.Contains("Could not read 7 files or directories of the data input", error.Message, StringComparison.Ordinal);
        Assert.Contains("'locked-0': permission denied", error.Message, StringComparison.Ordinal);
        Assert.Contains("'locked-4'", error.Message, StringComparison.Ordinal);
        Assert.DoesNotContain("'locked-5'", error.Message, StringComparison.Ordinal);
        Assert.Contains("... and 2 more", error.Message, StringComparison.Ordinal);
        Assert.Contains("--skip-unreadable", error.Message, StringComparison.Ordinal);
    }

    [UnreadableFact]
    public void With_skip_unreadable_the_unreadable_files_become_warnings_and_are_left_out()
    {
        _tree.Write("readable.txt", "ok");
        UnreadableFiles.Create(_tree, 2);

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, NoCache() with { SkipUnreadable = true });

        Assert.Equal(["readable.txt"], fingerprint.Manifest.Entries.Select(e => e.Path));
        Assert.Equal(2, fingerprint.Warnings.Count(w => w.Contains("could not be read (permission denied)", StringComparison.Ordinal)));
    }

    [UnreadableFact]
    public void An_unreadable_file_input_fails_even_when_unreadable_files_are_skipped()
    {
        UnreadableFiles.Create(_tree, 1);
        var path = Path.Combine(_tree.Data, "locked-0");

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(path, NoCache() with { SkipUnreadable = true }));

        Assert.Equal(ErrorCode.Io, error.Code);
        Assert.Contains($"The data file '{path}' could not be read: permission denied", error.Message, StringComparison.Ordinal);
    }

    [UnlistableDirectoryFact]
    public void An_unreadable_directory_is_reported_like_an_unreadable_file()
    {
        _tree.Write("locked-dir/inside.txt", "x");
        var directory = Path.Combine(_tree.Data, "locked-dir");
        File.SetUnixFileMode(directory, UnixFileMode.None);

        var error = Assert.Throws<ReproException>(() => DataFingerprinter.Fingerprint(_tree.Data, NoCache()));

        Assert.Contains("directory 'locked-dir' could not be listed", error.Message, StringComparison.Ordinal);
    }

    [Fact]
    public void A_file_that_changes_while_it_is_hashed_is_hashed_again_with_a_warning()
    {
        var path = _tree.Write("growing.log", "first");
        var passes = 0;
        var options = NoCache() with
        {
            AfterHashPass = _ =>
            {
                if (passes++ == 0)
                {
                    File.AppendAllText(path, " and more");
                }
            },
        };

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, options);

        Assert.Equal(2, passes);
        var entry = Assert.Single(fingerprint.Manifest.Entries);
        Assert.Equal(DataTestTree.Sha("first and more"), entry.Sha256);
        Assert.Equal(14, entry.Size);
        Assert.Contains("'growing.log' changed while it was being hashed; it was hashed again.", fingerprint.Warnings);
    }

    [Fact]
    public void A_file_that_keeps_changing_is_reported_as_such()
    {
        var path = _tree.Write("busy.log", "x");
        var options = NoCache() with { AfterHashPass = _ => File.AppendAllText(path, "y") };

        var fingerprint = DataFingerprinter.Fingerprint(_tree.Data, options);

        Assert.Contains(fingerprint.Warnings, w => w.StartsWith("'busy.log' kept changing", StringComparison.Ordinal));
        Assert.Single(fingerprint.Manifest.Entries);
    }

    [Fact]
    public void Hashing_on_many_threads_gives_the_same_manifest_as_on_one()
    {
        var random = new Random(7);
        for (var i = 0; i < 200; i++)
        {
            var content = new byte[random.Next(0, 3 << 20 >> (i % 8))];
            random.NextBytes(content);
            _tree.Write($"d{i % 7}/f{i}.bin", content);
        }

        var one = DataFingerprinter.Fingerprint(_tree.Data, NoCache(threads: 1) with { BufferSize = 4096 });
        var many = DataFingerprinter.Fingerprint(_tree.Data, NoCache(threads: 8));

        Assert.Equal(one.Root, many.Root);
        Assert.Equal(one.Manifest.Entries, many.Manifest.Entries);
        var sample = one.Manifest.Entries[17];
        Assert.Equal(DataTestTree.Sha(File.ReadAllBytes(Path.Combine(_tree.Data, sample.Path))), sample.Sha256);
    }

    [Fact]
    public void Check_reports_the_files_added_since_the_data_was_fingerprinted()
    {
        for (var i = 0; i < 10; i++)
        {
            _tree.Write($"train/{i:D5}.txt", "sample " + i);
        }

        var recorded = DataFingerprinter.Fingerprint(_tree.Data, NoCache()).Manifest;
        for (var i = 10; i < 510; i++)
        {
            _tree.Write($"train/{i:D5}.txt", "sample " + i);
        }

        _tree.Write("train/00003.txt", "edited");
        File.Delete(Path.Combine(_tree.Data, "train", "00004.txt"));

        var diff = DataFingerprinter.Check(_tree.Data, recorded, NoCache());

        Assert.Equal(500, diff.AddedCount);
        Assert.Equal("train/00010.txt", diff.Added[0].Path);
        Assert.Equal(["train/00003.txt"], diff.Changed.Select(c => c.Path));
        Assert.Equal(["train/00004.txt"], diff.Removed.Select(e => e.Path));
        Assert.Equal(8, diff.UnchangedCount);
    }

    [Fact]
    public void Check_of_unchanged_data_is_empty()
    {
        _tree.Write("a.txt", "hello\n");
        var recorded = DataFingerprinter.Fingerprint(_tree.Data, NoCache()).Manifest;

        var diff = DataFingerprinter.Check(_tree.Data, recorded, NoCache());

        Assert.True(diff.IsEmpty);
        Assert.Equal(recorded.Root, diff.RootAfter);
    }

    [Fact]
    public void Progress_ends_with_every_file_and_byte_done()
    {
        _tree.Write("a", new byte[5000]);
        _tree.Write("b/c", new byte[7000]);
        _tree.Run("ln", "a", "hard-link-to-a");
        var reports = new List<FingerprintProgress>();
        var progress = new SynchronousProgress(p =>
        {
            lock (reports)
            {
                reports.Add(p);
            }
        });

        DataFingerprinter.Fingerprint(_tree.Data, NoCache() with { Progress = progress });

        Assert.Equal(new FingerprintProgress(3, 3, 17_000, 17_000), reports[^1]);
        Assert.Equal(0, reports[0].FilesDone);
    }

    [Fact]
    public void A_cancelled_fingerprint_stops_with_operation_canceled()
    {
        _tree.Write("a", new byte[10]);
        using var cancelled = new CancellationTokenSource();
        cancelled.Cancel();

        Assert.ThrowsAny<OperationCanceledException>(() => DataFingerprinter.Fingerprint(_tree.Data, NoCache(), cancelled.Token));
    }

    private static void AssertWarning(DataFingerprint fingerprint, string start) =>
        Assert.Contains(fingerprint.Warnings, w => w.StartsWith(start, StringComparison.Ordinal));

    private sealed class SynchronousProgress(Action<FingerprintProgress> report) : IProgress<FingerprintProgress>
    {
        public void Report(FingerprintProgress value) => report(value);
    }
}
