using System.Runtime.InteropServices;
using Repro.Capture.Processes;
using Repro.Core.Runs;

namespace Repro.Capture.Os;

/// <summary>What the operating system probe found. Unknown values are <see cref="EnvironmentSnapshot.Unknown"/>.</summary>
internal sealed record OsInfo(string Os, string Distribution, string Kernel, string Architecture, string Hostname);

/// <summary>Reads the operating system, distribution, kernel, architecture and host name.</summary>
internal static class OsProbe
{
    public static OsInfo Capture(TimeSpan timeout, List<string> warnings)
    {
        ArgumentNullException.ThrowIfNull(warnings);
        var os = OsName();
        var architecture = RuntimeInformation.OSArchitecture.ToString().ToLowerInvariant();
        var hostname = Hostname(warnings);
        if (!OperatingSystem.IsLinux())
        {
            var description = RuntimeInformation.OSDescription.Trim();
            return new OsInfo(os, description, Environment.OSVersion.Version.ToString(), architecture, hostname);
        }

        var release = ReadOsRelease();
        var distribution = release?.Describe();
        if (distribution is null)
        {
            warnings.Add("The Linux distribution is unknown: /etc/os-release and /usr/lib/os-release are missing or empty.");
        }

        var kernel = ReadKernel(timeout);
        if (kernel is null)
        {
            warnings.Add("The kernel version is unknown: /proc/sys/kernel/osrelease could not be read and `uname -r` failed.");
        }

        return new OsInfo(os, distribution ?? EnvironmentSnapshot.Unknown, kernel ?? EnvironmentSnapshot.Unknown, architecture, hostname);
    }

    /// <summary>"Linux", "Windows", "macOS", "FreeBSD", or the runtime's own description.</summary>
    public static string OsName()
    {
        if (OperatingSystem.IsLinux())
        {
            return "Linux";
        }

        if (OperatingSystem.IsWindows())
        {
            return "Windows";
        }

        if (OperatingSystem.IsMacOS())
        {
            return "macOS";
        }

        return OperatingSystem.IsFreeBSD() ? "FreeBSD" : RuntimeInformation.OSDescription.Trim();
    }

    private static OsRelease? ReadOsRelease()
    {
        foreach (var path in new[] { "/etc/os-release", "/usr/lib/os-release" })
        {
            var text = FileText.TryRead(path);
            if (text is not null)
            {
                return OsReleaseParser.Parse(text);
            }
        }

        return null;
    }

    private static string? ReadKernel(TimeSpan timeout)
    {
        var text = FileText.TryRead("/proc/sys/kernel/osrelease")?.Trim();
        if (!string.IsNullOrEmpty(text))
        {
            return text;
        }

        var uname = ProcessRunner.Run("uname", ["-r"], new ProcessRunOptions { Timeout = timeout });
        return uname.Succeeded && uname.StandardOutput.Trim() is { Length: > 0 } release ? release : null;
    }

    private static string Hostname(List<string> warnings)
    {
        try
        {
            return Environment.MachineName;
        }
        catch (InvalidOperationException e)
        {
            warnings.Add($"The host name is unknown: {e.Message}");
            return EnvironmentSnapshot.Unknown;
        }
    }
}
