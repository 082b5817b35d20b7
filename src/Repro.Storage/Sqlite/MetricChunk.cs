using System.Buffers.Binary;
using System.Runtime.InteropServices;

namespace Repro.Storage.Sqlite;

/// <summary>
/// The binary form of a chunk of one metric's points, kept in <c>metric_chunks.data</c>: steps and timestamps as
/// delta columns (a constant delta takes no space per point, otherwise each delta is stored in the fewest of 1, 2, 4 or 8
/// bytes above the chunk's smallest delta), then the values as raw IEEE-754 bits, so every double (NaN payloads, ±Infinity,
/// -0.0) reads back bit for bit. Little-endian throughout.
/// </summary>
/// <remarks>Layout: <c>format(1) count(4) steps-column timestamps-column values(8 × count)</c>; a column is
/// <c>width(1) first(8) [delta(8)] [minDelta(8) offsets(width × (count-1))]</c>, width 0 meaning a constant delta.</remarks>
internal static class MetricChunk
{
    private const byte Format = 1;

    public static byte[] Encode(ReadOnlySpan<long> steps, ReadOnlySpan<double> values, ReadOnlySpan<long> timestamps)
    {
        var count = steps.Length;
        var stepWidth = Width(steps, out var stepMin);
        var timeWidth = Width(timestamps, out var timeMin);
        var size = 1 + 4 + ColumnSize(count, stepWidth) + ColumnSize(count, timeWidth) + (8 * count);
        var blob = new byte[size];
        var span = blob.AsSpan();
        span[0] = Format;
        BinaryPrimitives.WriteInt32LittleEndian(span[1..], count);
        var offset = 5;
        offset += WriteColumn(span[offset..], steps, stepWidth, stepMin);
        offset += WriteColumn(span[offset..], timestamps, timeWidth, timeMin);
        var bits = MemoryMarshal.AsBytes(values);
        bits.CopyTo(span[offset..]);
        if (!BitConverter.IsLittleEndian)
        {
            var longs = MemoryMarshal.Cast<byte, long>(span.Slice(offset, 8 * count));
            BinaryPrimitives.ReverseEndianness(longs, longs);
        }

        return blob;
    }

    /// <summary>The number of points in a chunk.</summary>
    public static int Count(ReadOnlySpan<byte> blob)
    {
        if (blob.Length < 5 || blob[0] != Format)
        {
            throw new InvalidDataException("A metric chunk has an unknown format.");
        }

        return BinaryPrimitives.ReadInt32LittleEndian(blob[1..]);
    }

    /// <summary>Decodes a chunk into the spans (each exactly <see cref="Count"/> long).</summary>
    public static void Decode(ReadOnlySpan<byte> blob, Span<long> steps, Span<double> values, Span<long> timestamps)
    {
        var count = Count(blob);
        if (steps.Length != count || values.Length != count || timestamps.Length != count)
        {
            throw new ArgumentException("The spans do not match the chunk's point count.");
        }

        var offset = 5;
        offset += ReadColumn(blob[offset..], steps);
        offset += ReadColumn(blob[offset..], timestamps);
        var bits = blob.Slice(offset, 8 * count);
        bits.CopyTo(MemoryMarshal.AsBytes(values));
        if (!BitConverter.IsLittleEndian)
        {
            var longs = MemoryMarshal.Cast<double, long>(values);
            BinaryPrimitives.ReverseEndianness(longs, longs);
        }
    }

    private static int ColumnSize(int count, int width) => width == 0 ? 17 : 17 + (width * Math.Max(0, count - 1));

    /// <summary>0 when the deltas are all equal (or there are fewer than 2 points), else the bytes each delta offset needs.</summary>
    private static int Width(ReadOnlySpan<long> column, out long minDelta)
    {
        minDelta = 0;
        if (column.Length < 2)
        {
            return 0;
        }

        minDelta = long.MaxValue;
        var maxDelta = long.MinValue;
        for (var i = 1; i < column.Length; i++)
        {
            var delta = unchecked(column[i] - column[i - 1]);
            minDelta = Math.Min(minDelta, delta);
            maxDelta = Math.Max(maxDelta, delta);
        }

        if (minDelta == maxDelta)
        {
            return 0;
        }

        var range = unchecked((ulong)(maxDelta - minDelta));
        return range <= byte.MaxValue ? 1 : range <= ushort.MaxValue ? 2 : range <= uint.MaxValue ? 4 : 8;
    }

    private static int WriteColumn(Span<byte> target, ReadOnlySpan<long> column, int width, long minDelta)
    {
        target[0] = (byte)width;
        BinaryPrimitives.WriteInt64LittleEndian(target[1..], column.Length > 0 ? column[0] : 0);
        if (width == 0)
        {
            BinaryPrimitives.WriteInt64LittleEndian(target[9..], column.Length > 1 ? unchecked(column[1] - column[0]) : 0);
            return 17;
        }

        BinaryPrimitives.WriteInt64LittleEndian(target[9..], minDelta);
        var offsets = target[17..];
        for (var i = 1; i < column.Length; i++)
        {
            var offset = unchecked((ulong)(column[i] - column[i - 1] - minDelta));
            var at = offsets[((i - 1) * width)..];
            switch (width)
            {
                case 1:
                    at[0] = (byte)offset;
                    break;
                case 2:
                    BinaryPrimitives.WriteUInt16LittleEndian(at, (ushort)offset);
                    break;
                case 4:
                    BinaryPrimitives.WriteUInt32LittleEndian(at, (uint)offset);
                    break;
                default:
                    BinaryPrimitives.WriteUInt64LittleEndian(at, offset);
                    break;
            }
        }

        return 17 + (width * (column.Length - 1));
    }

    private static int ReadColumn(ReadOnlySpan<byte> source, Span<long> column)
    {
        var width = source[0];
        var value = BinaryPrimitives.ReadInt64LittleEndian(source[1..]);
        var delta = BinaryPrimitives.ReadInt64LittleEndian(source[9..]);
        if (column.Length == 0)
        {
            return ColumnSize(0, width);
        }

        column[0] = value;
        if (width == 0)
        {
            for (var i = 1; i < column.Length; i++)
            {
                value = unchecked(value + delta);
                column[i] = value;
            }

            return 17;
        }

        var offsets = source.Slice(17, width * (column.Length - 1));
        switch (width)
        {
            case 1:
                for (var i = 1; i < column.Length; i++)
                {
                    value = unchecked(value + delta + offsets[i - 1]);
                    column[i] = value;
                }

                break;
            case 2:
                var shorts = MemoryMarshal.Cast<byte, ushort>(offsets);
                for (var i = 1; i < column.Length; i++)
                {
                    var offset16 = BitConverter.IsLittleEndian ? shorts[i - 1] : BinaryPrimitives.ReverseEndianness(shorts[i - 1]);
                    value = unchecked(value + delta + offset16);
                    column[i] = value;
                }

                break;
            case 4:
                var ints = MemoryMarshal.Cast<byte, uint>(offsets);
                for (var i = 1; i < column.Length; i++)
                {
                    var offset32 = BitConverter.IsLittleEndian ? ints[i - 1] : BinaryPrimitives.ReverseEndianness(ints[i - 1]);
                    value = unchecked(value + delta + offset32);
                    column[i] = value;
                }

                break;
            case 8:
                for (var i = 1; i < column.Length; i++)
                {
                    value = unchecked(value + delta + (long)BinaryPrimitives.ReadUInt64LittleEndian(offsets[((i - 1) * 8)..]));
                    column[i] = value;
                }

                break;
            default:
                throw new InvalidDataException($"A metric chunk has an unknown column width {width}.");
        }

        return 17 + (width * (column.Length - 1));
    }
}
