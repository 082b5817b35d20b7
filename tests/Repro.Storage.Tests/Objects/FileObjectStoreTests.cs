using System.Security.Cryptography;
using System.Text;
using Repro.Core.Errors;
using Repro.Storage.Objects;
using Repro.Storage.Tests.Support;

namespace Repro.Storage.Tests.Objects;

public sealed class FileObjectStoreTests : IDisposable
{
    private readonly TempDir _directory = new();
    private readonly FileObjectStore _store;

    public FileObjectStoreTests() => _store = new FileObjectStore(_directory.Combine("objects"), _directory.Combine("tmp"));

    public void Dispose() => _directory.Dispose();

    [Fact]
    public void Put_returns_the_sha256_and_size_and_open_returns_the_bytes()
    {
        var bytes = Encoding.UTF8.GetBytes("weights v1\n");

        var (sha, size) = _store.Put(new MemoryStream(bytes));

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha);
        Assert.Equal(bytes.Length, size);
        Assert.True(_store.Exists(sha));
        Assert.Equal(bytes, ReadAll(sha));
    }

    [Fact]
    public void Objects_fan_out_by_the_first_two_hex_characters()
    {
        var (sha, _) = _store.Put(new MemoryStream([1, 2, 3]));

        Assert.True(File.Exists(_directory.Combine("objects", sha[..2], sha[2..])));
        Assert.Equal(_directory.Combine("objects", sha[..2], sha[2..]), _store.PathOf(sha));
    }

    [Fact]
    public void Putting_the_same_bytes_twice_keeps_one_object_and_no_temp_files()
    {
        var first = _store.Put(new MemoryStream([9, 9, 9]));
        var second = _store.Put(new MemoryStream([9, 9, 9]));

        Assert.Equal(first, second);
        Assert.Single(Directory.GetFiles(_directory.Combine("objects"), "*", SearchOption.AllDirectories));
        Assert.Empty(Directory.GetFiles(_directory.Combine("tmp")));
    }

    [Fact]
    public async Task Concurrent_writers_of_the_same_content_agree()
    {
        var bytes = RandomNumberGenerator.GetBytes(256 * 1024);

        var results = await Task.WhenAll(Enumerable.Range(0, 8).Select(_ => Task.Run(() => _store.Put(new MemoryStream(bytes)))));

        Assert.Single(results.Distinct());
        Assert.True(_store.Verify(results[0].Sha256));
        Assert.Equal(bytes, ReadAll(results[0].Sha256));
    }

    [Fact]
    public void An_empty_stream_is_a_valid_object()
    {
        var (sha, size) = _store.Put(new MemoryStream());

        Assert.Equal("e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855", sha);
        Assert.Equal(0, size);
        Assert.Empty(ReadAll(sha));
    }

    [Fact]
    public void Put_file_stores_a_file_larger_than_the_copy_buffer()
    {
        var path = _directory.Combine("data.bin");
        var bytes = RandomNumberGenerator.GetBytes(3 * 1024 * 1024 + 17);
        File.WriteAllBytes(path, bytes);

        var (sha, size) = _store.PutFile(path);

        Assert.Equal(Convert.ToHexStringLower(SHA256.HashData(bytes)), sha);
        Assert.Equal(bytes.Length, size);
        Assert.Equal(bytes, ReadAll(sha));
    }

    [Fact]
    public void Put_file_of_a_missing_file_is_not_found()
    {
        var error = Assert.Throws<ReproException>(() => _store.PutFile(_directory.Combine("missing.bin")));

        Assert.Equal(ErrorCode.NotFound, error.Code);
    }

    [Fact]
    public void Opening_a_missing_object_is_not_found()
    {
        var sha = new string('0', 64);

        Assert.False(_store.Exists(sha));
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => _store.Open(sha)).Code);
        Assert.Equal(ErrorCode.NotFound, Assert.Throws<ReproException>(() => _store.Verify(sha)).Code);
    }

    [Theory]
    [InlineData("abc")]
    [InlineData("../../etc/passwd")]
    [InlineData("zz00000000000000000000000000000000000000000000000000000000000000")]
    public void A_malformed_object_id_is_rejected(string sha)
    {
        Assert.False(_store.Exists(sha));
        Assert.Equal(ErrorCode.InvalidArgument, Assert.Throws<ReproException>(() => _store.Open(sha)).Code);
    }

    [Fact]
    public void Uppercase_ids_find_the_same_object()
    {
        var (sha, _) = _store.Put(new MemoryStream([4, 5]));

        Assert.True(_store.Exists(sha.ToUpperInvariant()));
        Assert.Equal([4, 5], ReadAll(sha.ToUpperInvariant()));
    }

    [Fact]
    public void Verify_detects_an_object_whose_bytes_changed()
    {
        var (sha, _) = _store.Put(new MemoryStream(Encoding.UTF8.GetBytes("original")));
        Assert.True(_store.Verify(sha));

        File.WriteAllText(_store.PathOf(sha), "tampered");

        Assert.False(_store.Verify(sha));
    }

    private byte[] ReadAll(string sha)
    {
        using var stream = _store.Open(sha);
        using var copy = new MemoryStream();
        stream.CopyTo(copy);
        return copy.ToArray();
    }
}
