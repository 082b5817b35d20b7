using System.Globalization;
using System.Text;
using System.Text.Json;
using Repro.Core.Runs;

namespace Repro.Core.Protocol;

/// <summary>Formats events as single JSON lines; non-finite metric values are written as the strings "NaN", "Infinity", "-Infinity".</summary>
public static class ProtocolWriter
{
    public static string Format(ProtocolEvent ev)
    {
        ArgumentNullException.ThrowIfNull(ev);
        using var buffer = new MemoryStream(128);
        using (var w = new Utf8JsonWriter(buffer))
        {
            WriteObject(w, ev);
        }

        return Encoding.UTF8.GetString(buffer.GetBuffer(), 0, (int)buffer.Length);
    }

    /// <summary>Writes one event as a JSON object (no newline).</summary>
    public static void WriteObject(Utf8JsonWriter w, ProtocolEvent ev)
    {
        ArgumentNullException.ThrowIfNull(w);
        ArgumentNullException.ThrowIfNull(ev);
        w.WriteStartObject();
        switch (ev)
        {
            case MetricEvent m:
                w.WriteString("type", "metric");
                w.WriteString("key", m.Key);
                WriteDouble(w, "value", m.Value);
                if (m.Step is { } step)
                {
                    w.WriteNumber("step", step);
                }

                if (m.TimestampMs is { } ms)
                {
                    w.WriteNumber("time", ms / 1000.0);
                }

                break;
            case ParamEvent p:
                w.WriteString("type", "param");
                w.WriteString("key", p.Key);
                w.WriteString("value", p.Value);
                w.WriteString("source", p.Source.ToWire());
                break;
            case TagEvent t:
                w.WriteString("type", "tag");
                w.WriteString("key", t.Key);
                w.WriteString("value", t.Value);
                break;
            case ArtifactEvent a:
                w.WriteString("type", "artifact");
                w.WriteString("path", a.Path);
                if (a.Name is not null)
                {
                    w.WriteString("name", a.Name);
                }

                break;
            case StreamEvent r:
                w.WriteString("type", "stream");
                w.WriteString("name", r.Name);
                w.WriteString("key", r.Key);
                w.WriteNumber("draws", r.Draws);
                break;
            case InputEvent i:
                w.WriteString("type", "input");
                w.WriteString("path", i.Path);
                w.WriteString("manifest", i.Manifest);
                break;
            default:
                throw new ArgumentException($"Unknown event type {ev.GetType().Name}.", nameof(ev));
        }

        w.WriteEndObject();
    }

    public static void WriteDouble(Utf8JsonWriter writer, string name, double value)
    {
        ArgumentNullException.ThrowIfNull(writer);
        if (double.IsFinite(value))
        {
            writer.WriteNumber(name, value);
        }
        else
        {
            writer.WriteString(name, FormatNonFinite(value));
        }
    }

    public static string FormatNonFinite(double value) =>
        double.IsNaN(value) ? "NaN" : value > 0 ? "Infinity" : "-Infinity";

    /// <summary>Round-trippable invariant text of a double ("R" semantics), with NaN/Infinity spelled as in the protocol.</summary>
    public static string FormatDouble(double value) =>
        double.IsFinite(value) ? value.ToString("R", CultureInfo.InvariantCulture) : FormatNonFinite(value);
}
