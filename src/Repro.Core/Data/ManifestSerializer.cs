using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;
using System.Text.Json;
using Repro.Core.Errors;

namespace Repro.Core.Data;

/// <summary>
/// The manifest's canonical JSON-lines form. Fixed key order, integers in decimal, strings escaped as in RFC 8785
/// (only '"', '\' and control characters; everything else literal UTF-8), LF line ends, a final LF.
/// </summary>
internal static class ManifestSerializer
{
    public const string FormatName = "repro-data-manifest";
    public const int Version = 1;

    private const int End = -2;
    private static readonly byte[][] HeaderNames =
        ["format"u8.ToArray(), "version"u8.ToArray(), "kind"u8.ToArray(), "root"u8.ToArray(), "files"u8.ToArray(), "bytes"u8.ToArray()];
    private static readonly byte[][] EntryNames = ["path"u8.ToArray(), "size"u8.ToArray(), "sha256"u8.ToArray()];
    private static readonly UTF8Encoding StrictUtf8 = new(encoderShouldEmitUTF8Identifier: false, throwOnInvalidBytes: true);

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static void Write(DataManifest manifest, Stream stream)
    {
        ArgumentNullException.ThrowIfNull(stream);
        using var writer = new StreamWriter(stream, StrictUtf8, bufferSize: 1 << 16, leaveOpen: true) { NewLine = "\n" };
        writer.Write("{\"format\":");
        WriteString(writer, FormatName);
        writer.Write(",\"version\":");
        writer.Write(Version.ToString(CultureInfo.InvariantCulture));
        writer.Write(",\"kind\":");
        WriteString(writer, KindName(manifest.Kind));
        writer.Write(",\"root\":");
        WriteString(writer, manifest.Root);
        writer.Write(",\"files\":");
        writer.Write(manifest.FileCount.ToString(CultureInfo.InvariantCulture));
        writer.Write(",\"bytes\":");
        writer.Write(manifest.TotalBytes.ToString(CultureInfo.InvariantCulture));
        writer.Write("}\n");
        foreach (var entry in manifest.Entries)
        {
            writer.Write("{\"path\":");
            WriteString(writer, entry.Path);
            writer.Write(",\"size\":");
            writer.Write(entry.Size.ToString(CultureInfo.InvariantCulture));
            writer.Write(",\"sha256\":");
            WriteString(writer, entry.Sha256);
            writer.Write("}\n");
        }
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static DataManifest Parse(ReadOnlySpan<byte> utf8)
    {
        if (utf8.StartsWith("\uFEFF"u8))
        {
            utf8 = utf8[3..];
        }

        var lineNumber = 0;
        Header? header = null;
        var entries = new List<ManifestEntry>();
        while (!utf8.IsEmpty)
        {
            var end = utf8.IndexOf((byte)'\n');
            var line = end < 0 ? utf8 : utf8[..end];
            utf8 = end < 0 ? [] : utf8[(end + 1)..];
            lineNumber++;
            if (line.IsEmpty)
            {
                if (utf8.IsEmpty)
                {
                    break;
                }

                throw Corrupted(lineNumber, "the line is empty");
            }

            try
            {
                if (header is null)
                {
                    header = ReadHeader(line, lineNumber);
                }
                else
                {
                    entries.Add(ReadEntry(line, lineNumber));
                }
            }
            catch (JsonException e)
            {
                throw Corrupted(lineNumber, "the line is not valid JSON (" + e.Message + ")");
            }
        }

        if (header is null)
        {
            throw Corrupted(1, "the header line is missing");
        }

        var sorted = entries.ToArray();
        var problem = DataManifest.Validate(header.Kind, sorted, out var totalBytes);
        if (problem is not null)
        {
            throw Corrupted(null, problem);
        }

        if (header.Files != sorted.Length || header.Bytes != totalBytes)
        {
            throw Corrupted(1, string.Create(
                CultureInfo.InvariantCulture,
                $"the header says {header.Files} files and {header.Bytes} bytes "
                + $"but the entries hold {sorted.Length} files and {totalBytes} bytes"));
        }

        var manifest = DataManifest.Build(header.Kind, sorted, totalBytes);
        if (!string.Equals(manifest.Root, header.Root, StringComparison.Ordinal))
        {
            throw Corrupted(1, $"the header's root {header.Root} does not match the root of the entries, {manifest.Root}");
        }

        return manifest;
    }

    private static Header ReadHeader(ReadOnlySpan<byte> line, int lineNumber)
    {
        string? format = null, kind = null, root = null;
        long? version = null, files = null, bytes = null;
        var reader = StartObject(line);
        int field;
        while ((field = NextProperty(ref reader, HeaderNames)) != End)
        {
            switch (field)
            {
                case 0:
                    format = ReadString(ref reader, lineNumber, "format");
                    break;
                case 1:
                    version = ReadInteger(ref reader, lineNumber, "version");
                    break;
                case 2:
                    kind = ReadString(ref reader, lineNumber, "kind");
                    break;
                case 3:
                    root = ReadString(ref reader, lineNumber, "root");
                    break;
                case 4:
                    files = ReadInteger(ref reader, lineNumber, "files");
                    break;
                case 5:
                    bytes = ReadInteger(ref reader, lineNumber, "bytes");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        if (!string.Equals(format, FormatName, StringComparison.Ordinal))
        {
            throw Corrupted(lineNumber, $"the header does not say \"format\":\"{FormatName}\"; this is not a data manifest");
        }

        if (version is null)
        {
            throw Corrupted(lineNumber, "the header has no version");
        }

        if (version > Version)
        {
            throw new ReproException(
                ErrorCode.SchemaTooNew,
                string.Create(CultureInfo.InvariantCulture, $"This data manifest has format version {version}; ")
                + string.Create(CultureInfo.InvariantCulture, $"this version of repro reads up to {Version}. Upgrade repro to read it."));
        }

        var parsedKind = kind switch
        {
            "file" => DataInputKind.File,
            "directory" => DataInputKind.Directory,
            _ => throw Corrupted(lineNumber, "the header's kind is neither \"file\" nor \"directory\""),
        };
        return new Header(
            parsedKind,
            root ?? throw Corrupted(lineNumber, "the header has no root"),
            files ?? throw Corrupted(lineNumber, "the header has no file count"),
            bytes ?? throw Corrupted(lineNumber, "the header has no byte count"));
    }

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static ManifestEntry ReadEntry(ReadOnlySpan<byte> line, int lineNumber)
    {
        string? path = null, sha256 = null;
        long? size = null;
        var reader = StartObject(line);
        int field;
        while ((field = NextProperty(ref reader, EntryNames)) != End)
        {
            switch (field)
            {
                case 0:
                    path = ReadString(ref reader, lineNumber, "path");
                    break;
                case 1:
                    size = ReadInteger(ref reader, lineNumber, "size");
                    break;
                case 2:
                    sha256 = ReadString(ref reader, lineNumber, "sha256");
                    break;
                default:
                    reader.Skip();
                    break;
            }
        }

        return new ManifestEntry(
            path ?? throw Corrupted(lineNumber, "the entry has no path"),
            size ?? throw Corrupted(lineNumber, "the entry has no size"),
            sha256 ?? throw Corrupted(lineNumber, "the entry has no sha256"));
    }

    private static Utf8JsonReader StartObject(ReadOnlySpan<byte> line)
    {
        var reader = new Utf8JsonReader(line, new JsonReaderOptions { CommentHandling = JsonCommentHandling.Disallow });
        if (!reader.Read() || reader.TokenType != JsonTokenType.StartObject)
        {
            throw new JsonException("expected a JSON object");
        }

        return reader;
    }

    /// <summary>
    /// Moves to the next property's value and returns its index in <paramref name="names"/>, -1 when unknown, End at the
    /// object's end.
    /// </summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static int NextProperty(ref Utf8JsonReader reader, byte[][] names)
    {
        if (!reader.Read())
        {
            throw new JsonException("the object is not closed");
        }

        if (reader.TokenType == JsonTokenType.EndObject)
        {
            if (reader.Read())
            {
                throw new JsonException("text follows the object");
            }

            return End;
        }

        // Matching the raw name avoids a string per property, which counts with 100,000 lines.
        var index = -1;
        for (var i = 0; i < names.Length && index < 0; i++)
        {
            if (reader.ValueTextEquals(names[i]))
            {
                index = i;
            }
        }

        if (!reader.Read())
        {
            throw new JsonException("a property has no value");
        }

        return index;
    }

    private static string ReadString(ref Utf8JsonReader reader, int lineNumber, string name) =>
        reader.TokenType == JsonTokenType.String ? reader.GetString()! : throw Corrupted(lineNumber, $"\"{name}\" is not a string");

    private static long ReadInteger(ref Utf8JsonReader reader, int lineNumber, string name) =>
        reader.TokenType == JsonTokenType.Number && reader.TryGetInt64(out var value)
            ? value
            : throw Corrupted(lineNumber, $"\"{name}\" is not an integer");

    private static ReproException Corrupted(int? lineNumber, string problem)
    {
        var where = lineNumber is { } n ? string.Create(CultureInfo.InvariantCulture, $" (line {n})") : "";
        return new ReproException(
            ErrorCode.Corrupted,
            $"The data manifest is not valid{where}: {problem}. The stored object may be damaged; check the store with `repro doctor`.");
    }

    private static string KindName(DataInputKind kind) => kind == DataInputKind.File ? "file" : "directory";

    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    private static void WriteString(StreamWriter writer, string value)
    {
        writer.Write('"');
        var start = 0;
        for (var i = 0; i < value.Length; i++)
        {
            var c = value[i];
            if (c is not ('"' or '\\') && c >= ' ')
            {
                continue;
            }

            writer.Write(value.AsSpan(start, i - start));
            start = i + 1;
            switch (c)
            {
                case '"':
                    writer.Write("\\\"");
                    break;
                case '\\':
                    writer.Write("\\\\");
                    break;
                case '\b':
                    writer.Write("\\b");
                    break;
                case '\f':
                    writer.Write("\\f");
                    break;
                case '\n':
                    writer.Write("\\n");
                    break;
                case '\r':
                    writer.Write("\\r");
                    break;
                case '\t':
                    writer.Write("\\t");
                    break;
                default:
                    writer.Write("\\u");
                    writer.Write(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    break;
            }
        }

        writer.Write(value.AsSpan(start));
        writer.Write('"');
    }

    private sealed record Header(DataInputKind Kind, string Root, long Files, long Bytes);
}
