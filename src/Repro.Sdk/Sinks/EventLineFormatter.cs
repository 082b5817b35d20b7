using System.Buffers;
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
    private readonly ArrayBufferWriter<byte> _buffer = new(64 * 1024);
    private readonly Utf8JsonWriter _writer;

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

    private void WriteObject(ProtocolEvent ev)
    {
        var w = _writer;
        w.WriteStartObject();
        switch (ev)
        {
            case MetricEvent m:
                w.WriteString("type"u8, "metric"u8);
                w.WriteString("key"u8, m.Key);
                if (double.IsFinite(m.Value))
                {
                    w.WriteNumber("value"u8, m.Value);
                }
                else
                {
                    w.WriteString("value"u8, ProtocolWriter.FormatNonFinite(m.Value));
                }

                if (m.Step is { } step)
                {
                    w.WriteNumber("step"u8, step);
                }

                if (m.TimestampMs is { } ms)
                {
                    w.WriteNumber("time"u8, ms / 1000.0);
                }

                break;
            case ParamEvent p:
                w.WriteString("type"u8, "param"u8);
                w.WriteString("key"u8, p.Key);
                w.WriteString("value"u8, p.Value);
                w.WriteString("source"u8, p.Source.ToWire());
                break;
            case TagEvent t:
                w.WriteString("type"u8, "tag"u8);
                w.WriteString("key"u8, t.Key);
                w.WriteString("value"u8, t.Value);
                break;
            case ArtifactEvent a:
                w.WriteString("type"u8, "artifact"u8);
                w.WriteString("path"u8, a.Path);
                if (a.Name is not null)
                {
                    w.WriteString("name"u8, a.Name);
                }

                break;
            default:
                throw new InvalidOperationException($"Unknown event type {ev.GetType().Name}.");
        }

        w.WriteEndObject();
    }

    private static ProtocolEvent Repair(ProtocolEvent ev) => ev switch
    {
        MetricEvent m => m with { Key = Scrub(m.Key) },
        ParamEvent p => p with { Key = Scrub(p.Key), Value = Scrub(p.Value) },
        TagEvent t => t with { Key = Scrub(t.Key), Value = Scrub(t.Value) },
        ArtifactEvent a => a with { Path = Scrub(a.Path), Name = a.Name is null ? null : Scrub(a.Name) },
        _ => ev,
    };

    /// <summary>Round-trips through UTF-8, which replaces lone surrogates with U+FFFD.</summary>
    private static string Scrub(string text) => Encoding.UTF8.GetString(Encoding.UTF8.GetBytes(text));
}
