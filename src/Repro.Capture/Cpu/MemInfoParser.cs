using System.Globalization;

namespace Repro.Capture.Cpu;

/// <summary>Memory sizes from <c>/proc/meminfo</c>, in bytes.</summary>
public sealed record MemInfo(long? TotalBytes, long? AvailableBytes);

/// <summary>Parses <c>/proc/meminfo</c> ("MemTotal:       24684092 kB").</summary>
public static class MemInfoParser
{
    public static MemInfo Parse(string content)
    {
        ArgumentNullException.ThrowIfNull(content);
        long? total = null;
        long? available = null;
        foreach (var line in content.Split('\n'))
        {
            if (line.StartsWith("MemTotal:", StringComparison.Ordinal))
            {
                total ??= ParseBytes(line["MemTotal:".Length..]);
            }
            else if (line.StartsWith("MemAvailable:", StringComparison.Ordinal))
            {
                available ??= ParseBytes(line["MemAvailable:".Length..]);
            }
        }

        return new MemInfo(total, available);
    }

    private static long? ParseBytes(string value)
    {
        var parts = value.Split(' ', StringSplitOptions.RemoveEmptyEntries);
        if (parts.Length == 0 || !long.TryParse(parts[0], NumberStyles.Integer, CultureInfo.InvariantCulture, out var number))
        {
            return null;
        }

        var unit = parts.Length > 1 ? parts[1] : "";
        return unit.ToLowerInvariant() switch
        {
            "kb" => number * 1024,
            "mb" => number * 1024 * 1024,
            "gb" => number * 1024 * 1024 * 1024,
            _ => number,
        };
    }
}
