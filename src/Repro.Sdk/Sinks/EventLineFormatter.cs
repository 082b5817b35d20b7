using System.Buffers;
using System.Globalization;
using System.Text;
using System.Text.Json;
using Repro.Core.Protocol;
using Repro.Core.Runs;

namespace Repro.Sdk.Sinks;

/// <summary>
/// Writes events as protocol lines straight into a byte buffer: the same text as <see cref="ProtocolWriter.Format"/>,
/// without a string per line, so the background writer keeps up with millions of points a second.
/// </summary>
internal sealed class EventLineFormatter : IDisposable
{
    private const int MaxCachedKeys = 4096;

    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;
    private readonly Dictionary<string, byte[]> _keys = new(StringComparer.Ordinal);
    private string? _lastKey;
    private byte[] _lastKeyBytes = [];

    public EventLineFormatter() => _writer = new Utf8JsonWriter(_buffer);

    public ReadOnlySpan<byte> Written => _buffer.WrittenSpan;

    public void Clear()
    {
        _buffer.ResetWrittenCount();
        _writer.Reset(_buffer);
    }

    /// <summary>Appends one line ending in '\n'. Text that is not valid UTF-16 (a lone surrogate) is repaired, not dropped.</summary>
    public void Append(ProtocolEvent ev)
    {
        if (ev is MetricEvent metric && TryAppendMetric(metric))
        {
            return;
        }

        try
        {
            WriteObject(ev);
        }
        catch (ArgumentException)
        {
            // Nothing reached the buffer: Utf8JsonWriter only advances it on Flush.
            _writer.Reset(_buffer);
            WriteObject(Repair(ev));
        }

        _writer.Flush();
        _writer.Reset(_buffer);
        _buffer.Write("\n"u8);
    }

    public void Dispose() => _writer.Dispose();

    /// <summary>
    /// The hot path: metric lines are assembled from cached escaped keys and invariant number formatting, the same
    /// bytes Utf8JsonWriter produces (tests compare the two).
    /// </summary>
    private bool TryAppendMetric(MetricEvent m)
    {
        if (!double.IsFinite(m.Value) || !TryGetKey(m.Key, out var key))
        {
            return false;
        }

        var span = _buffer.GetSpan(key.Length + 128);
        var n = 0;
        Put(span, ref n, "{\"type\":\"metric\",\"key\":\""u8);
        Put(span, ref n, key);
        Put(span, ref n, "\",\"value\":"u8);
        if (!m.Value.TryFormat(span[n..], out var written, default, CultureInfo.InvariantCulture))
        {
            return false;
        }

        n += written;
        if (m.Step is { } step)
        {
            Put(span, ref n, ",\"step\":"u8);
            step.TryFormat(span[n..], out written, default, CultureInfo.InvariantCulture);
            n += written;
        }

        if (m.TimestampMs is { } ms)
        {
            Put(span, ref n, ",\"time\":"u8);
            if (!TryFormatSeconds(ms, span[n..], out written))
            {
                return false;
            }

            n += written;
        }

        Put(span, ref n, "}\n"u8);
        _buffer.Advance(n);
        return true;
    }

    /// <summary>
    /// Epoch milliseconds as seconds, the text Utf8JsonWriter gives <c>ms / 1000.0</c>: below 10^11 s, neighbouring
    /// doubles are far closer than 0.001 apart, so the shortest round-trip text of that double is the exact decimal
    /// ms / 1000 with trailing zeros removed. Formatting the integer skips the slow double formatting.
    /// </summary>
    private static bool TryFormatSeconds(long ms, Span<byte> destination, out int written)
    {
        if (ms is < 0 or >= 100_000_000_000_000)
        {
            return (ms / 1000.0).TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
        }

        var seconds = ms / 1000;
        var fraction = (int)(ms % 1000);
        seconds.TryFormat(destination, out written, default, CultureInfo.InvariantCulture);
        if (fraction == 0)
        {
            return true;
        }

        destination[written++] = (byte)'.';
        destination[written++] = (byte)('0' + (fraction / 100));
        fraction %= 100;
        if (fraction != 0)
        {
            destination[written++] = (byte)('0' + (fraction / 10));
            fraction %= 10;
            if (fraction != 0)
            {
                destination[written++] = (byte)('0' + fraction);
            }
        }

        return true;
    }

    private bool TryGetKey(string key, out byte[] bytes)
    {
        if (ReferenceEquals(key, _lastKey))
        {
            bytes = _lastKeyBytes;
            return true;
        }

        if (!_keys.TryGetValue(key, out bytes!))
        {
            try
            {
                bytes = JsonEncodedText.Encode(key).EncodedUtf8Bytes.ToArray();
            }
            catch (ArgumentException)
            {
                return false;
            }

            if (bytes.Length > 4 * ProtocolParser.MaxKeyLength)
            {
                return false;
            }

            if (_keys.Count >= MaxCachedKeys)
            {
                _keys.Clear();
            }

            _keys[key] = bytes;
        }

        _lastKey = key;
        _lastKeyBytes = bytes;
        return true;
    }

    private static void Put(Span<byte> span, ref int n, ReadOnlySpan<byte> bytes)
    {
        bytes.CopyTo(span[n..]);
        n += bytes.Length;
    }

    private void WriteObject(ProtocolEvent ev) => ProtocolWriter.WriteObject(_writer, ev);

    private static ProtocolEvent Repair(ProtocolEvent ev) => ev switch
    {
        MetricEvent m => m with { Key = Scrub(m.Key) },
        ParamEvent p => p with { Key = Scrub(p.Key), Value = Scrub(p.Value) },
        TagEvent t => t with { Key = Scrub(t.Key), Value = Scrub(t.Value) },
        ArtifactEvent a => a with { Path = Scrub(a.Path), Name = a.Name is null ? null : Scrub(a.Name) },
        StreamEvent r => r with { Name = Scrub(r.Name), Key = Scrub(r.Key) },
        InputEvent i => i with { Path = Scrub(i.Path), Manifest = Scrub(i.Manifest) },
        _ => ev,
    };

    /// <summary>Round-trips through UTF-8, which replaces lone surrogates with U+FFFD.</summary>
    private static string Scrub(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
