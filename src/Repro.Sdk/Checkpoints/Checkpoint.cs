using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text.Json;
using Repro.Core.Errors;
using Repro.Core.Randomness;
using Repro.Core.Serialization;

namespace Repro.Sdk.Checkpoints;

/// <summary>
/// Everything needed to continue training bit for bit: named float32 tensors (model and optimizer state), the data
/// cursor (the next epoch and batch to run), the random streams' positions, and free-form metadata.
/// </summary>
public sealed class Checkpoint
{
    private const uint Magic = 0x4B435052; // "RPCK" little-endian
    private const uint FormatVersion = 1;
    private readonly SortedDictionary<string, float[]> _tensors = new(StringComparer.Ordinal);

    /// <summary>A checkpoint at the data cursor (epoch, batch): the first batch that has NOT been trained yet.</summary>
    public Checkpoint(long epoch, long batch)
    {
        ArgumentOutOfRangeException.ThrowIfNegative(epoch);
        ArgumentOutOfRangeException.ThrowIfNegative(batch);
        Epoch = epoch;
        Batch = batch;
    }

    public long Epoch { get; }
    public long Batch { get; }
    public IDictionary<string, string> Metadata { get; } = new SortedDictionary<string, string>(StringComparer.Ordinal);

    /// <summary>The random streams' positions when the checkpoint was taken (filled by <see cref="Run.SaveCheckpoint"/>).</summary>
    public SeedLedger? Streams { get; internal set; }

    public IReadOnlyCollection<string> TensorNames => _tensors.Keys;

    /// <summary>Stores a copy of <paramref name="values"/> under <paramref name="name"/>.</summary>
    public Checkpoint Put(string name, ReadOnlySpan<float> values)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
        _tensors[name] = values.ToArray();
        return this;
    }

    /// <summary>The tensor named <paramref name="name"/>; a clear error when the checkpoint lacks it.</summary>
    public float[] Get(string name) =>
        _tensors.TryGetValue(name, out var values)
            ? values
            : throw new ReproException(ErrorCode.NotFound,
                $"The checkpoint has no tensor '{name}' (it has: {string.Join(", ", _tensors.Keys)}). It was written by other code.");

    /// <summary>Copies the tensor into <paramref name="destination"/>, which must have exactly its length.</summary>
    public void CopyTo(string name, Span<float> destination)
    {
        var values = Get(name);
        if (values.Length != destination.Length)
        {
            throw new ReproException(ErrorCode.Conflict,
                $"The checkpoint's tensor '{name}' has {values.Length} values, the model expects {destination.Length}: it was saved with other sizes.");
        }

        values.CopyTo(destination);
    }

    public void WriteTo(Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        var header = new Header(Epoch, Batch, new Dictionary<string, string>(Metadata, StringComparer.Ordinal), Streams,
            _tensors.Select(t => new TensorHeader(t.Key, t.Value.Length)).ToList());
        var json = JsonSerializer.SerializeToUtf8Bytes(header, ReproJson.Options);
        Span<byte> prefix = stackalloc byte[12];
        BinaryPrimitives.WriteUInt32LittleEndian(prefix, Magic);
        BinaryPrimitives.WriteUInt32LittleEndian(prefix[4..], FormatVersion);
        BinaryPrimitives.WriteInt32LittleEndian(prefix[8..], json.Length);
        stream.Write(prefix);
        stream.Write(json);
        var buffer = new byte[4 * 4096];
        foreach (var values in _tensors.Values)
        {
            for (var start = 0; start < values.Length; start += 4096)
            {
                var n = Math.Min(4096, values.Length - start);
                for (var i = 0; i < n; i++)
                {
                    BinaryPrimitives.WriteSingleLittleEndian(buffer.AsSpan(i * 4), values[start + i]);
                }

                stream.Write(buffer, 0, n * 4);
            }
        }
    }

    /// <summary>Reads a checkpoint file; when <paramref name="expectedSha256"/> is given, refuses content whose hash differs.</summary>
    public static Checkpoint Load(string path, string? expectedSha256 = null)
    {
        ArgumentException.ThrowIfNullOrEmpty(path);
        byte[] bytes;
        try
        {
            bytes = File.ReadAllBytes(path);
        }
        catch (IOException e)
        {
            throw new ReproException(ErrorCode.NotFound, $"Checkpoint {path} cannot be read: {e.Message}", e);
        }

        if (expectedSha256 is not null)
        {
            var actual = Convert.ToHexStringLower(SHA256.HashData(bytes));
            if (!string.Equals(actual, expectedSha256, StringComparison.Ordinal))
            {
                throw new ReproException(ErrorCode.Corrupted,
                    $"Checkpoint {path} has sha256 {actual}, but {expectedSha256} was recorded: it was changed or damaged. Refusing to resume from it.");
            }
        }

        return Parse(bytes, path);
    }

    private static Checkpoint Parse(byte[] bytes, string path)
    {
        ReproException Bad(string why) => new(ErrorCode.Corrupted, $"Checkpoint {path} is not a valid Repro checkpoint: {why}.");
        if (bytes.Length < 12 || BinaryPrimitives.ReadUInt32LittleEndian(bytes) != Magic)
        {
            throw Bad("wrong magic number");
        }

        if (BinaryPrimitives.ReadUInt32LittleEndian(bytes.AsSpan(4)) != FormatVersion)
        {
            throw Bad("unknown format version");
        }

        var jsonLength = BinaryPrimitives.ReadInt32LittleEndian(bytes.AsSpan(8));
        if (jsonLength < 0 || 12L + jsonLength > bytes.Length)
        {
            throw Bad("header length out of range");
        }

        Header header;
        try
        {
            header = JsonSerializer.Deserialize<Header>(bytes.AsSpan(12, jsonLength), ReproJson.Options) ?? throw Bad("empty header");
        }
        catch (JsonException e)
        {
            throw Bad("unreadable header (" + e.Message + ")");
        }

        var checkpoint = new Checkpoint(header.Epoch, header.Batch) { Streams = header.Streams };
        foreach (var (k, v) in header.Metadata)
        {
            checkpoint.Metadata[k] = v;
        }

        var offset = 12L + jsonLength;
        foreach (var tensor in header.Tensors)
        {
            if (tensor.Length < 0 || offset + (4L * tensor.Length) > bytes.Length)
            {
                throw Bad($"tensor '{tensor.Name}' runs past the end of the file");
            }

            var values = new float[tensor.Length];
            for (var i = 0; i < values.Length; i++)
            {
                values[i] = BinaryPrimitives.ReadSingleLittleEndian(bytes.AsSpan((int)offset + (4 * i)));
            }

            offset += 4L * tensor.Length;
            checkpoint._tensors[tensor.Name] = values;
        }

        if (offset != bytes.Length)
        {
            throw Bad("trailing bytes after the last tensor");
        }

        return checkpoint;
    }

    private sealed record TensorHeader(string Name, int Length);

    private sealed record Header(long Epoch, long Batch, Dictionary<string, string> Metadata, SeedLedger? Streams, List<TensorHeader> Tensors);
}
