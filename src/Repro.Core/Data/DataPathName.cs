using System.Buffers;
using System.Globalization;
using System.Runtime.CompilerServices;
using System.Text;

namespace Repro.Core.Data;

/// <summary>
/// Turns file names, which are bytes on Linux, into manifest path strings and back. Valid UTF-8 is kept as is; every byte
/// that is not part of a valid UTF-8 sequence becomes <c>\xNN</c> (two lowercase hex digits), and a literal backslash
/// becomes <c>\\</c>. The mapping is one-to-one, so a manifest names every file exactly. See docs/data.md.
/// </summary>
public static class DataPathName
{
    /// <summary>The escaped form of a raw file name (or relative path) given as bytes.</summary>
    [MethodImpl(MethodImplOptions.AggressiveOptimization)]
    public static string Escape(ReadOnlySpan<byte> name)
    {
        if (Ascii.IsValid(name) && !name.Contains((byte)'\\'))
        {
            return Encoding.ASCII.GetString(name);
        }

        var builder = new StringBuilder(name.Length + 8);
        Span<char> chars = stackalloc char[2];
        while (!name.IsEmpty)
        {
            var status = Rune.DecodeFromUtf8(name, out var rune, out var consumed);
            if (status == OperationStatus.Done)
            {
                if (rune.Value == '\\')
                {
                    builder.Append(@"\\");
                }
                else
                {
                    var written = rune.EncodeToUtf16(chars);
                    builder.Append(chars[..written]);
                }
            }
            else
            {
                // Invalid or truncated sequence: escape its first byte alone and decode again from the next one.
                consumed = 1;
                builder.Append(@"\x").Append(name[0].ToString("x2", CultureInfo.InvariantCulture));
            }

            name = name[consumed..];
        }

        return builder.ToString();
    }

    /// <summary>The raw bytes an escaped name stands for. Throws <see cref="FormatException"/> when it is not in canonical form.</summary>
    public static byte[] Unescape(string escaped)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        if (!escaped.Contains('\\', StringComparison.Ordinal) && Ascii.IsValid(escaped))
        {
            return Encoding.ASCII.GetBytes(escaped);
        }

        return TryUnescape(escaped, out var bytes, out var error) ? bytes : throw new FormatException(error);
    }

    /// <summary>
    /// Decodes an escaped name. Fails on a malformed escape, on a lone surrogate, and on a non-canonical form: <c>\xNN</c>
    /// escapes that spell valid UTF-8 (which <see cref="Escape"/> would have kept as text).
    /// </summary>
    public static bool TryUnescape(string escaped, out byte[] bytes, out string error)
    {
        ArgumentNullException.ThrowIfNull(escaped);
        var output = new ArrayBufferWriter<byte>(escaped.Length + 8);
        Span<byte> utf8 = stackalloc byte[4];
        var i = 0;
        while (i < escaped.Length)
        {
            var c = escaped[i];
            if (c == '\\')
            {
                if (i + 1 < escaped.Length && escaped[i + 1] == '\\')
                {
                    Write(output, (byte)'\\');
                    i += 2;
                    continue;
                }

                if (i + 3 < escaped.Length && escaped[i + 1] == 'x' && IsLowerHex(escaped[i + 2]) && IsLowerHex(escaped[i + 3]))
                {
                    Write(output, byte.Parse(escaped.AsSpan(i + 2, 2), NumberStyles.AllowHexSpecifier, CultureInfo.InvariantCulture));
                    i += 4;
                    continue;
                }

                bytes = [];
                error = string.Create(
                    CultureInfo.InvariantCulture, $"malformed escape at character {i}: expected \\\\ or \\x and two lowercase hex digits");
                return false;
            }

            if (Rune.DecodeFromUtf16(escaped.AsSpan(i), out var rune, out var used) != OperationStatus.Done)
            {
                bytes = [];
                error = string.Create(CultureInfo.InvariantCulture, $"lone surrogate at character {i}");
                return false;
            }

            var length = rune.EncodeToUtf8(utf8);
            output.Write(utf8[..length]);
            i += used;
        }

        bytes = output.WrittenSpan.ToArray();
        if (!string.Equals(Escape(bytes), escaped, StringComparison.Ordinal))
        {
            error = "not in canonical form: \\x escapes spell valid UTF-8, which is written as text";
            bytes = [];
            return false;
        }

        error = "";
        return true;
    }

    /// <summary>
    /// A single-line, quoted form for messages: control characters (newline, tab, ...) become <c>\n</c>, <c>\t</c> or
    /// <c>\u00NN</c>, and a quote becomes <c>\'</c>. Not reversible; for display only.
    /// </summary>
    public static string Quote(string path)
    {
        ArgumentNullException.ThrowIfNull(path);
        var builder = new StringBuilder(path.Length + 2).Append('\'');
        foreach (var c in path)
        {
            switch (c)
            {
                case '\n':
                    builder.Append(@"\n");
                    break;
                case '\r':
                    builder.Append(@"\r");
                    break;
                case '\t':
                    builder.Append(@"\t");
                    break;
                case '\'':
                    builder.Append(@"\'");
                    break;
                default:
                    if (char.IsControl(c))
                    {
                        builder.Append(@"\u").Append(((int)c).ToString("x4", CultureInfo.InvariantCulture));
                    }
                    else
                    {
                        builder.Append(c);
                    }

                    break;
            }
        }

        return builder.Append('\'').ToString();
    }

    private static bool IsLowerHex(char c) => c is (>= '0' and <= '9') or (>= 'a' and <= 'f');

    private static void Write(ArrayBufferWriter<byte> output, byte value)
    {
        output.GetSpan(1)[0] = value;
        output.Advance(1);
    }
}
