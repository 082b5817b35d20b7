using System.Buffers.Binary;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Runtime.InteropServices;
using System.Security.Cryptography;
using System.Text;

namespace Repro.Capture.Data;

/// <summary>
/// Remembers the sha256 of each file of one data input with the stat it had (device, inode, size, mtime, ctime), so an
/// unchanged file is not read again. One file per input under the cache directory, replaced atomically (temp + rename),
/// so concurrent processes never see a torn file; the last writer wins. A damaged file fails its checksum and is ignored.
/// <para>
/// Racily clean files (git's rule): a file changed within the same timestamp tick as a hash was taken could change again
/// without its stat changing. So at the start of a session the cache reads the file-system clock (the mtime of a file it
/// writes), and an entry is stored only when the file's mtime and ctime are strictly older than that time; any later write
/// gives the file a newer stat. A file that is not is hashed again next time.
/// </para>
/// Format (little-endian): magic "RPDSTAT1", u8 tag of the stat source, u32 input path length and UTF-8 bytes, u32 entry
/// count; per entry u32 path length, UTF-8 manifest path, u64 device, u64 inode, i64 size, i64 mtime ns, i64 ctime ns,
/// 32 bytes sha256; then sha256 of everything before it.
/// </summary>
internal sealed class DataStatCache
{
    private const int HashSize = 32;
    private const int EntryFixedSize = 8 * 5 + HashSize;
    private static readonly byte[] Magic = "RPDSTAT1"u8.ToArray();

    private readonly string _file;
    private readonly byte[] _inputPath;
    private readonly FileSystemAccess _fs;
    private readonly Dictionary<string, Entry> _loaded;
    private readonly Dictionary<string, Entry> _added = new(StringComparer.Ordinal);
    private readonly long _clockNs;
    private int _hits;

    private DataStatCache(string file, byte[] inputPath, FileSystemAccess fs, Dictionary<string, Entry> loaded, long clockNs)
    {
        _file = file;
        _inputPath = inputPath;
        _fs = fs;
        _loaded = loaded;
        _clockNs = clockNs;
    }

    public int LoadedCount => _loaded.Count;

    /// <summary>The file-system time at which this session began, in nanoseconds since the Unix epoch.</summary>
    public long ClockNs => _clockNs;

    /// <summary>
    /// Opens the cache of one input and reads the file-system clock. Returns null (with a warning) when the directory
    /// cannot be written; fingerprinting then goes on without a cache.
    /// </summary>
    public static DataStatCache? Open(string directory, byte[] inputPath, FileSystemAccess fs, List<string> warnings)
    {
        try
        {
            Directory.CreateDirectory(directory);
            var clock = ReadClock(directory, fs);
            var name = "data-" + Convert.ToHexStringLower(SHA256.HashData(inputPath).AsSpan(0, 16)) + ".stat";
            var file = Path.Combine(directory, name);
            var loaded = Load(file, inputPath, fs.CacheTag, warnings);
            return new DataStatCache(file, inputPath, fs, loaded, clock);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add($"The data stat cache in '{directory}' could not be used ({e.Message}); every file was hashed.");
            return null;
        }
    }

    /// <summary>The cached hash when the file's stat is exactly the one recorded with it.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public bool TryGet(string relativePath, FileStat stat, out string sha256)
    {
        ref var entry = ref CollectionsMarshal.GetValueRefOrNullRef(_loaded, relativePath);
        if (!Unsafe.IsNullRef(ref entry) && entry.Stat == stat with { Kind = FileKind.File })
        {
            if (!entry.Seen)
            {
                entry.Seen = true;
                _hits++;
            }

            sha256 = entry.Sha256;
            return true;
        }

        sha256 = "";
        return false;
    }

    /// <summary>Records a fresh hash, unless the file is racily clean (see the class summary).</summary>
    public void Add(string relativePath, FileStat stat, string sha256)
    {
        if (stat.MtimeNs >= _clockNs || (_fs.HasFileIdentity && stat.CtimeNs >= _clockNs))
        {
            return;
        }

        _added[relativePath] = new Entry(stat with { Kind = FileKind.File }, sha256);
    }

    /// <summary>Writes the entries of this session (files no longer present are dropped) when anything changed.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public void Save(List<string> warnings)
    {
        if (_added.Count == 0 && _hits == _loaded.Count)
        {
            return;
        }

        var keep = _loaded.Where(e => e.Value.Seen && !_added.ContainsKey(e.Key)).Concat(_added).ToList();

        var temp = _file + "." + Environment.ProcessId.ToString(CultureInfo.InvariantCulture) + "." + Guid.NewGuid().ToString("N") + ".tmp";
        try
        {
            using (var stream = new FileStream(temp, FileMode.CreateNew, FileAccess.Write, FileShare.None, 1 << 16))
            using (var hash = IncrementalHash.CreateHash(HashAlgorithmName.SHA256))
            {
                var writer = new HashingWriter(stream, hash);
                writer.Write(Magic);
                writer.Write([_fs.CacheTag]);
                writer.WriteUInt32((uint)_inputPath.Length);
                writer.Write(_inputPath);
                writer.WriteUInt32((uint)keep.Count);
                Span<byte> fixedPart = stackalloc byte[EntryFixedSize];
                foreach (var (path, entry) in keep)
                {
                    var pathBytes = Encoding.UTF8.GetBytes(path);
                    writer.WriteUInt32((uint)pathBytes.Length);
                    writer.Write(pathBytes);
                    BinaryPrimitives.WriteUInt64LittleEndian(fixedPart, entry.Stat.Device);
                    BinaryPrimitives.WriteUInt64LittleEndian(fixedPart[8..], entry.Stat.Inode);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart[16..], entry.Stat.Size);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart[24..], entry.Stat.MtimeNs);
                    BinaryPrimitives.WriteInt64LittleEndian(fixedPart[32..], entry.Stat.CtimeNs);
                    Convert.FromHexString(entry.Sha256, fixedPart[40..], out _, out _);
                    writer.Write(fixedPart);
                }

                stream.Write(hash.GetHashAndReset());
            }

            File.Move(temp, _file, overwrite: true);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            warnings.Add(
                $"The data stat cache '{_file}' could not be saved ({e.Message}); the next fingerprint will hash every file again.");
            TryDelete(temp);
        }
    }

    private static long ReadClock(string directory, FileSystemAccess fs)
    {
        var marker = Path.Combine(directory, "data-clock." + Guid.NewGuid().ToString("N") + ".tmp");
        try
        {
            File.WriteAllBytes(marker, [1]);
            var markerBytes = FileSystemAccess.ToBytes(marker);
            return fs.TryStat(markerBytes, out var stat, out var error) ? stat.MtimeNs : throw new IOException(error.Message);
        }
        finally
        {
            TryDelete(marker);
        }
    }

    private static Dictionary<string, Entry> Load(string file, byte[] inputPath, byte tag, List<string> warnings)
    {
        var entries = new Dictionary<string, Entry>(StringComparer.Ordinal);
        byte[] data;
        try
        {
            data = File.ReadAllBytes(file);
        }
        catch (FileNotFoundException)
        {
            return entries;
        }

        if (!TryParse(data, inputPath, tag, entries))
        {
            entries.Clear();
            warnings.Add($"The data stat cache '{file}' was damaged or from another version; it was rebuilt and every file was hashed.");
        }

        return entries;
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static bool TryParse(byte[] data, byte[] inputPath, byte tag, Dictionary<string, Entry> entries)
    {
        if (data.Length < Magic.Length + 1 + 4 + 4 + HashSize || !data.AsSpan(0, Magic.Length).SequenceEqual(Magic))
        {
            return false;
        }

        var body = data.AsSpan(0, data.Length - HashSize);
        if (!SHA256.HashData(body).AsSpan().SequenceEqual(data.AsSpan(body.Length)))
        {
            return false;
        }

        var reader = new SpanReader(body[Magic.Length..]);
        if (!reader.TryReadByte(out var storedTag) || storedTag != tag
            || !reader.TryReadBlock(out var storedPath) || !storedPath.SequenceEqual(inputPath)
            || !reader.TryReadUInt32(out var count))
        {
            return false;
        }

        entries.EnsureCapacity((int)Math.Min(count, (uint)(data.Length / EntryFixedSize)));

        for (var i = 0u; i < count; i++)
        {
            if (!reader.TryReadBlock(out var pathBytes) || !reader.TryRead(EntryFixedSize, out var fixedPart))
            {
                return false;
            }

            var stat = new FileStat(
                FileKind.File,
                BinaryPrimitives.ReadUInt64LittleEndian(fixedPart),
                BinaryPrimitives.ReadUInt64LittleEndian(fixedPart[8..]),
                BinaryPrimitives.ReadInt64LittleEndian(fixedPart[16..]),
                BinaryPrimitives.ReadInt64LittleEndian(fixedPart[24..]),
                BinaryPrimitives.ReadInt64LittleEndian(fixedPart[32..]));
            entries[Encoding.UTF8.GetString(pathBytes)] = new Entry(stat, Convert.ToHexStringLower(fixedPart[40..]));
        }

        return reader.IsAtEnd;
    }

    private static void TryDelete(string path)
    {
        try
        {
            File.Delete(path);
        }
        catch (Exception e) when (e is IOException or UnauthorizedAccessException)
        {
            // A leftover temp file is harmless; it is never read.
        }
    }

    /// <summary>The sha256 is kept as the manifest writes it, so a hit costs no conversion. Seen: found this session.</summary>
    private record struct Entry(FileStat Stat, string Sha256)
    {
        public bool Seen { get; set; }
    }

    private sealed class HashingWriter(Stream stream, IncrementalHash hash)
    {
        public void Write(ReadOnlySpan<byte> bytes)
        {
            stream.Write(bytes);
            hash.AppendData(bytes);
        }

        public void WriteUInt32(uint value)
        {
            Span<byte> bytes = stackalloc byte[4];
            BinaryPrimitives.WriteUInt32LittleEndian(bytes, value);
            Write(bytes);
        }
    }

    private ref struct SpanReader(ReadOnlySpan<byte> data)
    {
        private ReadOnlySpan<byte> _rest = data;

        public readonly bool IsAtEnd => _rest.IsEmpty;

        public bool TryRead(int length, out ReadOnlySpan<byte> bytes)
        {
            if (length < 0 || _rest.Length < length)
            {
                bytes = default;
                return false;
            }

            bytes = _rest[..length];
            _rest = _rest[length..];
            return true;
        }

        public bool TryReadByte(out byte value)
        {
            var ok = TryRead(1, out var bytes);
            value = ok ? bytes[0] : (byte)0;
            return ok;
        }

        public bool TryReadUInt32(out uint value)
        {
            var ok = TryRead(4, out var bytes);
            value = ok ? BinaryPrimitives.ReadUInt32LittleEndian(bytes) : 0;
            return ok;
        }

        public bool TryReadBlock(out ReadOnlySpan<byte> bytes)
        {
            if (TryReadUInt32(out var length) && length <= int.MaxValue)
            {
                return TryRead((int)length, out bytes);
            }

            bytes = default;
            return false;
        }
    }
}
