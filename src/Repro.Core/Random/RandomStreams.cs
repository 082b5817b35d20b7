using System.Buffers.Binary;
using System.Security.Cryptography;
using System.Text;
using Repro.Core.Errors;

namespace Repro.Core.Randomness;

/// <summary>
/// The named random streams of one run, all derived from its master seed: <c>streams.Get("init")</c>,
/// <c>streams.Get("shuffle")</c>, ... Each name gets its own Philox key, so adding, removing or reordering the use of one
/// stream never shifts the numbers of another. <see cref="Snapshot"/> records which streams were used and where each one
/// stands; <see cref="Restore"/> puts them back there, so a resumed run continues the exact same sequences.
/// </summary>
public sealed class RandomStreams
{
    /// <summary>The domain-separation prefix hashed before the seed and name; bump its version to change the derivation.</summary>
    public const string KeyDerivationTag = "repro/philox4x32-10/v1\0";

    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    private readonly Dictionary<string, RandomStream> _streams = new(StringComparer.Ordinal);
    private readonly Lock _lock = new();

    public RandomStreams(long masterSeed) => MasterSeed = masterSeed;

    public long MasterSeed { get; }

    /// <summary>
    /// The Philox key of stream <paramref name="name"/> under <paramref name="masterSeed"/>: the first 8 bytes of
    /// SHA-256(UTF-8(<see cref="KeyDerivationTag"/>) || masterSeed as 8 bytes little-endian two's complement || UTF-8(name)),
    /// read as two little-endian 32-bit words (key word 0 from bytes 0-3, key word 1 from bytes 4-7).
    /// </summary>
    public static PhiloxKey DeriveKey(long masterSeed, string name)
    {
        ValidateName(name);
        var tag = Encoding.ASCII.GetBytes(KeyDerivationTag);
        var nameBytes = StrictUtf8.GetBytes(name);
        var message = new byte[tag.Length + 8 + nameBytes.Length];
        tag.CopyTo(message, 0);
        BinaryPrimitives.WriteInt64LittleEndian(message.AsSpan(tag.Length), masterSeed);
        nameBytes.CopyTo(message, tag.Length + 8);
        Span<byte> hash = stackalloc byte[SHA256.HashSizeInBytes];
        SHA256.HashData(message, hash);
        return new PhiloxKey(BinaryPrimitives.ReadUInt32LittleEndian(hash), BinaryPrimitives.ReadUInt32LittleEndian(hash[4..]));
    }

    /// <summary>Streams positioned as <paramref name="ledger"/> records them, under its master seed.</summary>
    public static RandomStreams FromLedger(SeedLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        var streams = new RandomStreams(ledger.MasterSeed);
        streams.Restore(ledger);
        return streams;
    }

    /// <summary>The stream named <paramref name="name"/>; the same instance every time for a name. Safe to call from any thread.</summary>
    public RandomStream Get(string name)
    {
        ValidateName(name);
        lock (_lock)
        {
            if (!_streams.TryGetValue(name, out var stream))
            {
                stream = new RandomStream(name, DeriveKey(MasterSeed, name), step: null);
                _streams.Add(name, stream);
            }

            return stream;
        }
    }

    /// <summary>
    /// Every stream obtained so far, by name (ordinal order), with its key, words drawn and position. Take it while no stream
    /// is drawing. Draws made through <see cref="RandomStream.Substream"/> views are not part of it: views are addressed by
    /// step and need no state to resume.
    /// </summary>
    public SeedLedger Snapshot()
    {
        lock (_lock)
        {
            var entries = _streams.Values
                .OrderBy(s => s.Name, StringComparer.Ordinal)
                .Select(s => new SeedLedgerEntry(s.Name, s.Key.ToHex(), s.Draws, s.Position))
                .ToList();
            return new SeedLedger(MasterSeed, entries);
        }
    }

    /// <summary>
    /// Puts every stream where <paramref name="ledger"/> says, and streams the ledger does not name back to position 0, so that
    /// the next draws continue the recorded run exactly. Stream objects already handed out are moved, not replaced.
    /// </summary>
    public void Restore(SeedLedger ledger)
    {
        ArgumentNullException.ThrowIfNull(ledger);
        if (ledger.MasterSeed != MasterSeed)
        {
            throw new ReproException(
                ErrorCode.Conflict,
                $"The seed ledger was recorded under master seed {ledger.MasterSeed}, but these streams use seed {MasterSeed}. "
                + "Restore it into streams made with its own seed: RandomStreams.FromLedger(ledger).");
        }

        var byName = new Dictionary<string, SeedLedgerEntry>(StringComparer.Ordinal);
        foreach (var entry in ledger.Entries)
        {
            Validate(entry);
            if (!byName.TryAdd(entry.Name, entry))
            {
                throw new ReproException(
                    ErrorCode.Corrupted,
                    $"The seed ledger names stream '{entry.Name}' twice. Restore from an unedited checkpoint or run record.");
            }
        }

        lock (_lock)
        {
            foreach (var entry in byName.Values)
            {
                if (!_streams.TryGetValue(entry.Name, out var stream))
                {
                    stream = new RandomStream(entry.Name, DeriveKey(MasterSeed, entry.Name), step: null);
                    _streams.Add(entry.Name, stream);
                }

                stream.Restore(entry.Position, entry.Draws);
            }

            foreach (var stream in _streams.Values.Where(s => !byName.ContainsKey(s.Name)))
            {
                stream.Restore(0, 0);
            }
        }
    }

    private void Validate(SeedLedgerEntry entry)
    {
        ArgumentNullException.ThrowIfNull(entry);
        if (string.IsNullOrEmpty(entry.Name))
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                "The seed ledger has an entry without a stream name. Restore from an unedited checkpoint or run record.");
        }

        var expected = DeriveKey(MasterSeed, entry.Name).ToHex();
        if (!string.Equals(entry.Key, expected, StringComparison.Ordinal))
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"The seed ledger gives stream '{entry.Name}' key {entry.Key}, but master seed {MasterSeed} derives key {expected}. "
                + "The ledger was edited or written by another key derivation; restore from the run's original checkpoint.");
        }

        if (entry.Position < 0 || entry.Draws < 0)
        {
            throw new ReproException(
                ErrorCode.Corrupted,
                $"The seed ledger gives stream '{entry.Name}' position {entry.Position} and {entry.Draws} draws; neither may be "
                + "negative. Restore from an unedited checkpoint or run record.");
        }
    }

    private static void ValidateName(string name)
    {
        ArgumentException.ThrowIfNullOrEmpty(name);
    }
}

/// <summary>One stream in a <see cref="SeedLedger"/>: its name, key (16 hex characters), words drawn and next position.</summary>
public sealed record SeedLedgerEntry(string Name, string Key, long Draws, long Position);

/// <summary>Which random streams a run used under which master seed, and where each stood: enough to resume bit for bit.</summary>
public sealed record SeedLedger(long MasterSeed, IReadOnlyList<SeedLedgerEntry> Entries)
{
    public bool Equals(SeedLedger? other) =>
        other is not null && MasterSeed == other.MasterSeed && Entries.SequenceEqual(other.Entries);

    public override int GetHashCode()
    {
        var hash = new HashCode();
        hash.Add(MasterSeed);
        foreach (var entry in Entries)
        {
            hash.Add(entry);
        }

        return hash.ToHashCode();
    }
}
