using System.Runtime.Versioning;

namespace Repro.Capture.Tests.Data;

/// <summary>
/// Makes files that open() refuses with EACCES. As an ordinary user, chmod 000 does it. As root (CAP_DAC_OVERRIDE) no mode
/// stops a read, so the files are symbolic links to a write-only sysfs attribute (such as /sys/bus/pci/uevent): the kernel
/// refuses to open those for reading whoever asks.
/// </summary>
[UnsupportedOSPlatform("windows")]
internal static class UnreadableFiles
{
    private static readonly Lazy<(string? SysfsTarget, bool ChmodWorks, string Reason)> Method = new(Probe);

    /// <summary>Why unreadable files cannot be made here, or null when they can.</summary>
    public static string? CannotMakeReason =>
        Method.Value.ChmodWorks || Method.Value.SysfsTarget is not null ? null : Method.Value.Reason;

    public static void Create(DataTestTree tree, int count)
    {
        for (var i = 0; i < count; i++)
        {
            var path = Path.Combine(tree.Data, $"locked-{i}");
            if (Method.Value.ChmodWorks)
            {
                File.WriteAllText(path, "secret");
                File.SetUnixFileMode(path, UnixFileMode.None);
            }
            else
            {
                File.CreateSymbolicLink(path, Method.Value.SysfsTarget ?? throw new InvalidOperationException(CannotMakeReason));
            }
        }
    }

    private static (string?, bool, string) Probe()
    {
        var probe = Path.Combine(Path.GetTempPath(), "repro-unreadable-probe-" + Guid.NewGuid().ToString("N"));
        try
        {
            File.WriteAllText(probe, "x");
            File.SetUnixFileMode(probe, UnixFileMode.None);
            if (!CanOpen(probe))
            {
                return (null, true, "");
            }
        }
        finally
        {
            File.Delete(probe);
        }

        var candidates = Directory.Exists("/sys/bus")
            ? Directory.EnumerateDirectories("/sys/bus")
                .SelectMany(bus => new[] { Path.Combine(bus, "uevent"), Path.Combine(bus, "drivers_probe") })
            : [];
        foreach (var candidate in candidates)
        {
            if (File.Exists(candidate) && !CanOpen(candidate))
            {
                return (candidate, false, "");
            }
        }

        return (null, false,
            "The tests run as root (chmod 000 does not stop root) and no write-only sysfs attribute was found to stand in.");
    }

    private static bool CanOpen(string path)
    {
        try
        {
            File.OpenHandle(path, FileMode.Open, FileAccess.Read).Dispose();
            return true;
        }
        catch (UnauthorizedAccessException)
        {
            return false;
        }
        catch (IOException)
        {
            return false;
        }
    }
}

/// <summary>A fact that needs <see cref="UnreadableFiles"/>; skipped with the reason where they cannot be made.</summary>
[AttributeUsage(AttributeTargets.Method)]
[UnsupportedOSPlatform("windows")]
internal sealed class UnreadableFactAttribute : FactAttribute
{
    public UnreadableFactAttribute()
    {
        if (UnreadableFiles.CannotMakeReason is { } reason)
        {
            Skip = reason;
        }
    }
}

/// <summary>A fact that needs a directory its user cannot list: skipped where mode 000 does not stop listing (as root).</summary>
[UnsupportedOSPlatform("windows")]
[AttributeUsage(AttributeTargets.Method)]
internal sealed class UnlistableDirectoryFactAttribute : FactAttribute
{
    private static readonly Lazy<bool> CanMake = new(() =>
    {
        var probe = Path.Combine(Path.GetTempPath(), "repro-unlistable-probe-" + Guid.NewGuid().ToString("N"));
        Directory.CreateDirectory(probe);
        File.WriteAllText(Path.Combine(probe, "x"), "x");
        try
        {
            File.SetUnixFileMode(probe, UnixFileMode.None);
            try
            {
                return !Directory.EnumerateFileSystemEntries(probe).Any();
            }
            catch (UnauthorizedAccessException)
            {
                return true;
            }
        }
        finally
        {
            File.SetUnixFileMode(probe, UnixFileMode.UserRead | UnixFileMode.UserWrite | UnixFileMode.UserExecute);
            Directory.Delete(probe, recursive: true);
        }
    });

    public UnlistableDirectoryFactAttribute()
    {
        if (!CanMake.Value)
        {
            Skip = "Mode 000 does not stop this user from listing a directory (root has CAP_DAC_READ_SEARCH), "
                + "and there is no other way to make one it cannot list.";
        }
    }
}
