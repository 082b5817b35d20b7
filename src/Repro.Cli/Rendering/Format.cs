using System.Globalization;
using Repro.Core.Protocol;

namespace Repro.Cli.Rendering;

internal static class Format
{
    public static string Duration(TimeSpan d) => d.TotalSeconds switch
    {
        < 60 => d.TotalSeconds.ToString("0.0", CultureInfo.InvariantCulture) + "s",
        < 3600 => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalMinutes}m{d.Seconds:00}s"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{(int)d.TotalHours}h{d.Minutes:00}m"),
    };

    public static string Time(DateTimeOffset t) => t.ToLocalTime().ToString("yyyy-MM-dd HH:mm:ss", CultureInfo.InvariantCulture);

    /// <summary>Short for tables (6 significant digits); non-finite values spelled as the protocol does.</summary>
    public static string Metric(double v) =>
        double.IsFinite(v) ? v.ToString("G6", CultureInfo.InvariantCulture) : ProtocolWriter.FormatNonFinite(v);

    /// <summary>Exact, round-trippable.</summary>
    public static string Exact(double v) => ProtocolWriter.FormatDouble(v);

    public static string Bytes(long bytes) => bytes switch
    {
        < 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes} B"),
        < 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / 1024.0:0.0} KiB"),
        < 1024L * 1024 * 1024 => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024):0.0} MiB"),
        _ => string.Create(CultureInfo.InvariantCulture, $"{bytes / (1024.0 * 1024 * 1024):0.0} GiB"),
    };

    /// <summary>A command line as a user could paste it into a POSIX shell.</summary>
    public static string CommandLine(IEnumerable<string> argv) => string.Join(' ', argv.Select(ShellQuote));

    public static string ShellQuote(string arg) =>
        arg.Length > 0 && arg.All(c => char.IsAsciiLetterOrDigit(c) || "-_./=:,+@%".Contains(c, StringComparison.Ordinal))
            ? arg
            : "'" + arg.Replace("'", "'\\''", StringComparison.Ordinal) + "'";
}
