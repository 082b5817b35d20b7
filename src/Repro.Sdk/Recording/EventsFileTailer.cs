using System.Text;

namespace Repro.Sdk.Recording;

/// <summary>
/// Reads complete lines appended to an events file, from where the last read stopped. A line longer than
/// <see cref="MaxLineBytes"/> is skipped (never held in memory whole) and reported; a trailing line without
/// '\n' is held until more arrives, or reported as truncated by <see cref="ReadFinal"/>.
/// </summary>
public sealed class EventsFileTailer : IDisposable
{
    public const int MaxLineBytes = 1024 * 1024;

    private readonly string _path;
    private readonly MemoryStream _partial = new();
    private long _offset;
    private long _lineNumber;
    private bool _skippingOversized;
    private long _oversizedBytes;

    public EventsFileTailer(string path) => _path = path;

    public long LinesRead => _lineNumber;

    /// <summary>Lines completed since the last call. Oversized lines are returned as <see cref="TailedLine.Oversized"/>.</summary>
    public IReadOnlyList<TailedLine> ReadAvailable() => Read(final: false);

    /// <summary>Like <see cref="ReadAvailable"/>, then reports a trailing partial line as truncated.</summary>
    public IReadOnlyList<TailedLine> ReadFinal() => Read(final: true);

    private List<TailedLine> Read(bool final)
    {
        var lines = new List<TailedLine>();
        if (File.Exists(_path))
        {
            using var stream = new FileStream(_path, FileMode.Open, FileAccess.Read, FileShare.ReadWrite | FileShare.Delete, 1, FileOptions.SequentialScan);
            if (stream.Length < _offset)
            {
                // The file was truncated or replaced: start over from its beginning rather than miss lines.
                _offset = 0;
            }

            stream.Seek(_offset, SeekOrigin.Begin);
            var buffer = new byte[64 * 1024];
            int n;
            while ((n = stream.Read(buffer, 0, buffer.Length)) > 0)
            {
                _offset += n;
                Consume(buffer.AsSpan(0, n), lines);
            }
        }

        if (final && (_partial.Length > 0 || _skippingOversized))
        {
            _lineNumber++;
            if (_skippingOversized)
            {
                lines.Add(TailedLine.Oversized(_lineNumber, _oversizedBytes));
            }
            else
            {
                lines.Add(new TailedLine(_lineNumber, Decode(), IsTruncated: true, OversizedBytes: 0));
            }

            _partial.SetLength(0);
            _skippingOversized = false;
            _oversizedBytes = 0;
        }

        return lines;
    }

    private void Consume(ReadOnlySpan<byte> data, List<TailedLine> lines)
    {
        while (!data.IsEmpty)
        {
            var nl = data.IndexOf((byte)'\n');
            var chunk = nl < 0 ? data : data[..nl];
            if (_skippingOversized)
            {
                _oversizedBytes += chunk.Length;
            }
            else if (_partial.Length + chunk.Length > MaxLineBytes)
            {
                _skippingOversized = true;
                _oversizedBytes = _partial.Length + chunk.Length;
                _partial.SetLength(0);
            }
            else
            {
                _partial.Write(chunk);
            }

            if (nl < 0)
            {
                return;
            }

            _lineNumber++;
            if (_skippingOversized)
            {
                lines.Add(TailedLine.Oversized(_lineNumber, _oversizedBytes));
                _skippingOversized = false;
                _oversizedBytes = 0;
            }
            else
            {
                var text = Decode();
                if (text.EndsWith('\r'))
                {
                    text = text[..^1];
                }

                lines.Add(new TailedLine(_lineNumber, text, IsTruncated: false, OversizedBytes: 0));
            }

            _partial.SetLength(0);
            data = data[(nl + 1)..];
        }
    }

    public void Dispose() => _partial.Dispose();

    private string Decode() => Encoding.UTF8.GetString(_partial.GetBuffer(), 0, (int)_partial.Length);
}

/// <summary>One line of the events file with its 1-based line number.</summary>
public sealed record TailedLine(long LineNumber, string Text, bool IsTruncated, long OversizedBytes)
{
    public static TailedLine Oversized(long lineNumber, long bytes) => new(lineNumber, "", false, bytes);

    public bool IsOversized => OversizedBytes > 0;
}
